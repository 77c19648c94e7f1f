"""Django sites with the endpoint installed, served by real application servers, for the tests
that put nginx (or another front) before them: the set-up those tests' fixtures each wrote
again (the servers venv or a skip, a work directory, ``startproject``, settings appended,
``probe endpoint --install --no-token``, every server started stopped at the end).

:func:`app_servers` is the scope: it yields an :class:`AppServers` whose :meth:`~AppServers.site`
makes a project and :meth:`~AppServers.start` / :meth:`~AppServers.gunicorn` start a server
on it, each server stopped and the work directory removed when the scope ends.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .apache import ApacheUnavailable, free_port
from .conftest import unavailable
from .wsgi_servers import WsgiServer, _start, ensure_servers_venv, make_site, make_workdir


def install_endpoint(wsgi: Path, label: str) -> None:
    """``probe endpoint --install WSGI --label LABEL --no-token``: the servers get the token
    from WSGI_PROBE_TOKEN (the wrap() reads it), not from a token file of their own."""
    done = subprocess.run([sys.executable, "-m", "probe", "endpoint", "--install", str(wsgi),
                           "--label", label, "--no-token"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr


@dataclass
class AppServers:
    """The servers venv, a work directory, and every server started in it."""

    venv: Path
    workdir: Path
    started: list[WsgiServer] = field(default_factory=list)

    def site(self, label: str, settings: str, *, top: Path | None = None,
             before: Callable[[Path], None] | None = None) -> Path:
        """A ``startproject`` project in ``top`` (made; default: the work directory itself)
        with ``settings`` appended to its settings.py and the endpoint installed labelled
        ``label``; ``before`` is called with the project before the install (to change its
        wsgi.py or URL patterns first)."""
        if top is None:
            top = self.workdir
        else:
            top.mkdir()
        project = make_site(top, self.venv)
        path = project / "mysite" / "settings.py"
        path.write_text(path.read_text() + settings)
        if before is not None:
            before(project)
        install_endpoint(project / "mysite" / "wsgi.py", label)
        return project

    def start(self, name: str, command: Sequence[str], project: Path, *, port: int,
              token: str, env: dict[str, str] | None = None) -> WsgiServer:
        """A server (``command``) run in ``project`` on ``port`` with ``token`` in its
        WSGI_PROBE_TOKEN, logged to NAME.log in the work directory, stopped with the scope."""
        server = _start(name, command, cwd=project, port=port,
                        log_path=self.workdir / f"{name}.log",
                        env={"WSGI_PROBE_TOKEN": token, **(env or {})})
        self.started.append(server)
        return server

    def gunicorn(self, name: str, project: Path, *, workers: int, token: str,
                 env: dict[str, str] | None = None) -> WsgiServer:
        """gunicorn serving ``mysite.wsgi:application`` on a free loopback port."""
        port = free_port()
        return self.start(name, [str(self.venv / "bin/gunicorn"), "--bind",
                                 f"127.0.0.1:{port}", "--workers", str(workers),
                                 "mysite.wsgi:application"], project, port=port, token=token,
                          env=env)


@contextmanager
def app_servers() -> Iterator[AppServers]:
    """The scope of a fixture's servers: skipped (or failed where real servers are required)
    when the servers venv cannot be built; every server started stopped at the end, and the
    work directory removed."""
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    servers = AppServers(venv, make_workdir())
    try:
        yield servers
    finally:
        for server in servers.started:
            server.stop()
        subprocess.run(["rm", "-rf", str(servers.workdir)], check=False, timeout=60)
