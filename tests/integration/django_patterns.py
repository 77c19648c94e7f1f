"""A real gunicorn serving the test Django project with URL patterns of the test's own, the
endpoint installed without a token: the shape of a tester's Taiga behind nginx, where what
the patterns carry (the whole path, or the path below a mount) decides the verdict."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from .apache import ApacheUnavailable, free_port
from .conftest import unavailable
from .wsgi_servers import WsgiServer, _start, ensure_servers_venv, make_site, make_workdir

PING_VIEW = """from django.http import HttpResponse
from django.urls import path


def ping(request):
    return HttpResponse("pong")


urlpatterns = [path("{route}", ping)]
"""


@contextmanager
def patterns_gunicorn(name: str, route: str, *, host: str, label: str,
                      token: str) -> Iterator[WsgiServer]:
    """gunicorn (two workers) with one page at ``route`` (``api/v1/ping/``: the patterns carry
    the whole path; ``ping/``: they carry the path below the mount), Django refusing other
    Hosts than ``host``; ``WSGI_PROBE_TOKEN`` is in its environment for the tests' sweeps."""
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    workdir = make_workdir()
    server: WsgiServer | None = None
    try:
        project = make_site(workdir, venv)
        (project / "mysite" / "urls.py").write_text(PING_VIEW.replace("{route}", route))
        settings = project / "mysite" / "settings.py"
        settings.write_text(settings.read_text() + "\nDEBUG = False\n"
                            f"ALLOWED_HOSTS = [{host!r}]\n")
        done = subprocess.run([sys.executable, "-m", "probe", "endpoint", "--install",
                               str(project / "mysite" / "wsgi.py"), "--label", label,
                               "--no-token"], capture_output=True, text=True, timeout=120,
                              check=False)
        assert done.returncode == 0, done.stderr
        port = free_port()
        server = _start(name, [str(venv / "bin/gunicorn"), "--bind", f"127.0.0.1:{port}",
                               "--workers", "2", "mysite.wsgi:application"],
                        cwd=project, port=port, log_path=workdir / "gunicorn.log",
                        env={"WSGI_PROBE_TOKEN": token})
        yield server
    finally:
        if server is not None:
            server.stop()
        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)
