"""A real nginx 1.22 passing blog.test to ``upstream blog { server unix:…/blog.sock; }``,
where the gunicorn bound to blog.sock was started in shop's project (a tester's uWSGI vassal
blog.ini with ``module = shopsite.wsgi:application``, set-up B ``wrong-module``), while
shop's own gunicorn serves shop.test on shop.sock:

* with --config the cause is ``wrong_module``: that gunicorn's application argument and
  --chdir, never the ``server`` line, which already names blog.sock;
* without it, ``wrong_module`` is a candidate beside ``default_server`` and
  ``wrong_upstream``;
* the fix applied (the server on blog.sock restarted in blog's project) makes blog.test ok
  with the nginx configuration unchanged.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import reaper

from .apache import ApacheUnavailable, free_port
from .conftest import unavailable
from .nginx import TOKEN, WHOAMI, Nginx, start_kept, sweep_report
from .wsgi_servers import WsgiServer, ensure_servers_venv, make_workdir

BODY = """
    upstream blog { server unix:@DIR@/blog.sock; }
    server { listen 127.0.0.1:@P@ default_server; return 444; }
    server { listen 127.0.0.1:@P@; server_name blog.test;
        location / { proxy_set_header Host $host; proxy_pass http://blog; } }
    server { listen 127.0.0.1:@P@; server_name shop.test;
        location / { proxy_set_header Host $host; proxy_pass http://unix:@DIR@/shop.sock:; } }
"""
MANIFEST = """
[instances.blog]
label = "blog"
urls = ["http://blog.test/"]

[instances.shop]
label = "shop"
urls = ["http://shop.test/"]
"""


def _project(workdir: Path, label: str) -> Path:
    appdir = workdir / f"app-{label}"
    appdir.mkdir(parents=True)
    shutil.copy(Path(__file__).resolve().parents[2] / "contrib" / "wsgi_endpoint.py", appdir)
    (appdir / "whoami.py").write_text(WHOAMI.format(label=label, token=TOKEN), encoding="utf-8")
    return appdir


def _gunicorn(venv: Path, project: Path, sock: Path) -> WsgiServer:
    """gunicorn bound to ``sock`` with ``project`` as its --chdir: the application it loads."""
    sock.unlink(missing_ok=True)
    log = sock.with_suffix(".log")
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(venv / "bin" / "gunicorn"), "--bind", f"unix:{sock}", "--workers", "1",
             "--chdir", str(project), "whoami:application"], cwd=project, stdout=out,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    reaper.remember(process.pid, f"gunicorn on unix:{sock}")
    server = WsgiServer(f"whoami-{sock.stem}", 0, process.pid, log, process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as probe:
            probe.connect(str(sock))
            return server
        time.sleep(0.1)
    server.stop()
    raise AssertionError(f"gunicorn did not listen on {sock}: {server.log()}")


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[dict[str, Any]]:
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    workdir = make_workdir()  # nginx's workers (nobody) reach the sockets there
    started: list[WsgiServer] = []
    running: list[Nginx] = []
    try:
        blog, shop = _project(workdir, "blog"), _project(workdir, "shop")
        started.append(_gunicorn(venv, shop, workdir / "shop.sock"))
        started.append(_gunicorn(venv, shop, workdir / "blog.sock"))  # shop's project: wrong
        port = free_port()
        nginx = start_kept(BODY.replace("@P@", str(port)).replace("@DIR@", str(workdir)),
                           port, running, tmp_path)
        manifest = tmp_path / "manifest.toml"
        manifest.write_text(f'[probe]\nconnect = "127.0.0.1:{port}"\ntoken_env = '
                            f'"WSGI_PROBE_TOKEN"\nsamples = 2\n{MANIFEST}')
        yield {"venv": venv, "workdir": workdir, "blog": blog, "started": started,
               "nginx": nginx, "manifest": manifest}
    finally:
        for front in running:
            front.stop()
        for server in started:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _blog(manifest: Path, *extra: str) -> dict[str, Any]:
    report = sweep_report(manifest, *extra)
    return next(t for t in report["targets"] if t["url"] == "http://blog.test/")


def test_the_server_on_blogs_socket_loading_shop_is_the_fix(servers: dict[str, Any]) -> None:
    nginx, manifest, workdir = servers["nginx"], servers["manifest"], servers["workdir"]
    sock = f"unix:{workdir}/blog.sock"
    found = _blog(manifest, "--config", str(nginx.conf))
    assert (found["verdict"], found["cause"]) == ("wrong_instance", "wrong_module"), found
    assert "replace 'server" not in found["fix"], found["fix"]
    assert found["fix"].startswith("First check whether two servers are configured with "
                                   f"{workdir}/blog.sock: "), found["fix"]
    assert f"Where one alone is: make the application server listening on {sock} (pid " \
        in found["fix"], found["fix"]
    assert "gunicorn's command line or unit that binds" in found["fix"], found["fix"]
    assert f"from another server.listen, unix:{workdir}/shop.sock" in found["explanation"]
    # without the configuration: a candidate, and no proxy_pass promised for gunicorn only
    bare = _blog(manifest)
    assert bare["cause"] is None, bare
    assert "wrong_module" in [c["cause"] for c in bare["candidates"]], bare["candidates"]
    # the fix applied: the server on blog.sock restarted in blog's project; nginx unchanged
    wrong = servers["started"].pop()
    wrong.stop()
    servers["started"].append(_gunicorn(servers["venv"], servers["blog"],
                                        workdir / "blog.sock"))
    fixed = _blog(manifest, "--config", str(nginx.conf))
    assert fixed["verdict"] == "ok", fixed
