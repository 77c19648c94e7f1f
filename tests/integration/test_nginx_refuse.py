"""Refused names and default servers with a real nginx 1.22 in front of labelled gunicorn
applications (a tester's real configurations: NetBox's catch-all redirect beside Sentry's
block, the uWSGI tutorial's ``server unix:///path.sock;``):

* an upstream member written ``unix:///path`` is the socket the endpoint reports as
  ``unix:/path``: the member line is named, not "nginx is not running this configuration";
* the refusing default server is written with the listen form of the port's blocks: one on
  ``127.0.0.1:PORT`` beside blocks on ``listen PORT;`` takes every connection to 127.0.0.1
  from them (checked here: every site went unreachable);
* a URL to refuse that nginx answered is fixed in nginx's terms (never a VirtualHost), and
  with --config by a refusing default server, never by giving it a server_name;
* without --config, a sub-path another application answered while the ``.invalid`` request
  got the catch-all's 301 and the host's own root its application: a block claims the host,
  the candidates are url_mapping and wrong_upstream.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import reaper

from .apache import ApacheUnavailable, free_port
from .conftest import unavailable
from .nginx import NGINX, TOKEN, WHOAMI, Nginx, start_kept, start_whoami, sweep_report
from .wsgi_servers import WsgiServer, ensure_servers_venv, make_workdir

APACHE_WORDS = ("VirtualHost", "ServerAlias", "ServerName")


@dataclass
class Apps:
    sock: Path  # gunicorn "a" on this unix socket
    a: WsgiServer
    b: WsgiServer
    c: WsgiServer
    workdir: Path


def _start_on_socket(label: str, venv: Path, workdir: Path, sock: Path) -> WsgiServer:
    appdir = workdir / f"app-{label}"
    appdir.mkdir(parents=True)
    shutil.copy(Path(__file__).resolve().parents[2] / "contrib" / "wsgi_endpoint.py", appdir)
    (appdir / "whoami.py").write_text(WHOAMI.format(label=label, token=TOKEN), encoding="utf-8")
    log = workdir / f"{label}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(venv / "bin" / "gunicorn"), "--bind", f"unix:{sock}", "--workers", "1",
             "whoami:application"], cwd=appdir, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
    reaper.remember(process.pid, f"gunicorn on unix:{sock}")
    server = WsgiServer(f"whoami-{label}", 0, process.pid, log, process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as probe:
            probe.connect(str(sock))
            return server
        time.sleep(0.1)
    server.stop()
    raise AssertionError(f"gunicorn did not listen on {sock}: {server.log()}")


@pytest.fixture(scope="module")
def apps() -> Iterator[Apps]:
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    workdir = make_workdir()  # nginx's workers (nobody) reach the socket there
    started: list[WsgiServer] = []
    try:
        sock = workdir / "a.sock"
        started.append(_start_on_socket("a", venv, workdir, sock))
        started += [start_whoami(label, venv, workdir) for label in ("b", "c")]
        yield Apps(sock, started[0], started[1], started[2], workdir)
    finally:
        for server in started:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class Run:
    nginx: Nginx
    port: int
    manifest: Path

    def by_url(self, *extra: str) -> dict[str, dict[str, Any]]:
        report = sweep_report(self.manifest, *extra)
        found = {t["url"]: t for t in report["targets"]}
        for target in found.values():
            words = (target["explanation"] or "") + (target["fix"] or "")
            assert not [w for w in APACHE_WORDS if w in words], target
        return found

    def config(self) -> dict[str, dict[str, Any]]:
        return self.by_url("--config", str(self.nginx.conf))

    def line(self, needle: str) -> int:
        lines = self.nginx.conf.read_text().splitlines()
        return next(n for n, text in enumerate(lines, 1) if needle in text)

    def apply(self, old: str, new: str) -> None:
        """A fix written into the running configuration: nginx -t, then a reload."""
        text = self.nginx.conf.read_text()
        assert text.count(old) == 1, (old, text)
        self.nginx.conf.write_text(text.replace(old, new))
        done = subprocess.run([NGINX, "-t", "-p", str(self.nginx.prefix), "-c",
                               str(self.nginx.conf)], capture_output=True, text=True,
                              timeout=30, check=False)
        assert done.returncode == 0, done.stderr
        self.nginx.reload()  # the new workers take over; the old ones finish


@pytest.fixture
def run_nginx(apps: Apps, tmp_path: Path) -> Iterator[Any]:
    running: list[Nginx] = []

    def start(body: str, manifest: str) -> Run:
        port = free_port()
        fill = {"@P@": str(port), "@SOCK@": str(apps.sock), "@B@": str(apps.b.port),
                "@C@": str(apps.c.port)}
        for key, value in fill.items():
            body, manifest = body.replace(key, value), manifest.replace(key, value)
        server = start_kept(body, port, running, tmp_path)
        path = tmp_path / f"manifest-{len(running)}.toml"
        path.write_text(f'[probe]\nconnect = "127.0.0.1:{port}"\ntoken_env = '
                        f'"WSGI_PROBE_TOKEN"\nsamples = 2\n{manifest}')
        return Run(server, port, path)

    yield start
    for server in running:
        server.stop()


TUTORIAL = """
    upstream django_lists { server unix://@SOCK@; }
    server { listen 127.0.0.1:@P@; server_name blog.test;
        location / { proxy_pass http://unix://@SOCK@:; proxy_set_header Host $host; } }
    server { listen 127.0.0.1:@P@; server_name lists.test;
        location / { proxy_pass http://django_lists; proxy_set_header Host $host; } }
"""
TUTORIAL_URLS = """
[instances.a]
label = "a"
urls = ["http://blog.test/"]

[instances.b]
label = "b"
urls = ["http://lists.test/"]
"""


def test_a_triple_slash_socket_member_is_named(apps: Apps, run_nginx: Any) -> None:
    run = run_nginx(TUTORIAL, TUTORIAL_URLS)
    assert f"server unix:///{str(apps.sock).lstrip('/')};" in run.nginx.conf.read_text()
    found = run.config()
    assert found["http://blog.test/"]["verdict"] == "ok", found["http://blog.test/"]
    lists = found["http://lists.test/"]
    assert f"server.listen = 'unix:{apps.sock}'" in str(lists["evidence"]), lists
    assert (lists["verdict"], lists["cause"]) == ("wrong_instance", "wrong_upstream"), lists
    assert "not running this configuration" not in lists["explanation"], lists["explanation"]
    member = run.line("server unix:")
    # the member quoted as written, so that it can be found and replaced
    assert lists["fix"].startswith(f"At {run.nginx.conf}:{member}, replace 'server "
                                   f"unix:///{str(apps.sock).lstrip('/')}' (a's address) in "
                                   f"upstream django_lists by"), lists["fix"]


CATCH_ALL = """
    server { listen @P@; server_name _; return 301 https://$host$request_uri; }
    server { listen @P@; server_name site.test;
        location / { proxy_pass http://127.0.0.1:@B@; proxy_set_header Host $host; }
        location ~* /api/(\\d+/)?store/ { proxy_pass http://127.0.0.1:@C@;
            proxy_set_header Host $host; } }
"""
CATCH_ALL_URLS = """
[instances.b]
label = "b"
urls = ["http://site.test/", "http://site.test/api/1/store/"]

[refuse]
urls = ["http://unknown.invalid/"]
"""
UNKNOWN, STORE, SITE = ("http://unknown.invalid/", "http://site.test/api/1/store/",
                        "http://site.test/")


def test_a_refused_name_behind_a_catch_all_redirect(apps: Apps, run_nginx: Any) -> None:
    run = run_nginx(CATCH_ALL, CATCH_ALL_URLS)
    refuse = f"server {{ listen {run.port} default_server; return 444; }}"
    alone = run.by_url()
    unknown = alone[UNKNOWN]
    assert unknown["verdict"] == "no_endpoint", unknown
    assert unknown["fix"].startswith("Refuse this host name in nginx (Server: nginx/"), unknown
    assert refuse in unknown["fix"], unknown["fix"]
    # the sub-path: the .invalid name got the catch-all's 301, site.test/ its application
    store = alone[STORE]
    assert (store["verdict"], store["cause"]) == ("wrong_instance", None), store
    assert {c["cause"] for c in store["candidates"]} == {"url_mapping", "wrong_upstream"}, store
    assert "HTTP 301" in store["explanation"] and SITE in store["explanation"], store
    assert "server_name of the block meant" not in store["fix"], store["fix"]
    found = run.config()[UNKNOWN]
    listens = [n for n, text in enumerate(run.nginx.conf.read_text().splitlines(), 1)
               if f"listen {run.port};" in text]
    assert found["cause"] == "default_server", found
    assert "server_name of" not in found["fix"], found["fix"]
    assert f"{refuse} (listen {run.port}: the form of the listen lines that take this " \
           f"address, {run.nginx.conf}:{listens[0]}, {run.nginx.conf}:{listens[1]})" \
           in found["fix"], found["fix"]
    assert "write 'return 444;' in its place" in found["fix"], found["fix"]
    # the truth: the connect address's form hides the blocks on the port alone
    wrong = f"server {{ listen 127.0.0.1:{run.port} default_server; return 444; }}"
    catch_all = f"server {{ listen {run.port}; server_name _;"
    run.apply(catch_all, f"{wrong}\n    {catch_all}")
    hidden = run.by_url()
    assert hidden[SITE]["verdict"] == "unreachable", hidden[SITE]
    run.apply(wrong, refuse)
    fixed = run.config()
    assert fixed[UNKNOWN]["verdict"] == "ok" and fixed[SITE]["verdict"] == "ok", fixed
