"""FORCE_SCRIPT_NAME through a real nginx 1.22 in front of one real gunicorn serving a stock
Django project at two mounts: ``http://lists.test/`` at / and ``http://web.test/mailman3/``
with the prefix stripped (a tester's mailman-web, where the fix offered FORCE_SCRIPT_NAME
and the sweep then said all ok while the site at / redirected into /mailman3/).

* with FORCE_SCRIPT_NAME = "/mailman3": the site at / is ``mount_mismatch``, cause
  ``force_script_name``, and its admin really redirects into /mailman3/;
* without it: /mailman3/ is ``mount_mismatch`` and its fix never proposes FORCE_SCRIPT_NAME
  (the same processes serve /); its per-request way (gunicorn's SCRIPT_NAME header),
  applied, makes both URLs ok and both admins redirect inside their own mounts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from .apache import free_port
from .endpoint_sites import app_servers
from .nginx import Nginx, start_kept, sweep_report
from .wsgi_servers import WsgiServer

TOKEN = "nginx-force-script-token-0123456789"
LISTS = "http://lists.test/"
SUB = "http://web.test/mailman3/"
HEADERS = "proxy_set_header Host $host;"
MANIFEST = f"""[probe]
connect = "127.0.0.1:{{port}}"
token_env = "WSGI_PROBE_TOKEN"
samples = 3

[instances.m]
label = "m"
urls = ["{LISTS}", "{SUB}"]
"""


@dataclass
class Servers:
    forced: WsgiServer  # FORCE_SCRIPT_NAME = "/mailman3"
    plain: WsgiServer  # no FORCE_SCRIPT_NAME


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    with app_servers() as apps:
        started = []
        for forced in (True, False):
            extra = '\nFORCE_SCRIPT_NAME = "/mailman3"\n' if forced else ""
            project = apps.site("m", "\nDEBUG = False\nALLOWED_HOSTS = "
                                "['lists.test', 'web.test']\n" + extra,
                                top=apps.workdir / ("forced" if forced else "plain"))
            started.append(apps.gunicorn(f"gunicorn-{'forced' if forced else 'plain'}",
                                         project, workers=2, token=TOKEN))
        yield Servers(*started)


def _body(port: int, mailman: str) -> str:
    return f"""
    server {{ listen 127.0.0.1:@P@ default_server; return 444; }}
    server {{ listen 127.0.0.1:@P@; server_name lists.test;
        location / {{ {HEADERS} proxy_pass http://127.0.0.1:{port}; }} }}
    server {{ listen 127.0.0.1:@P@; server_name web.test;
        location /mailman3/ {{ {HEADERS} {mailman} }} }}
"""


STRIP = "proxy_set_header X-Forwarded-Prefix /mailman3; proxy_pass http://127.0.0.1:{port}/;"


@dataclass
class Run:
    nginx: Nginx
    port: int
    manifest: Path

    def by_url(self, *extra: str) -> dict[str, dict[str, Any]]:
        report = sweep_report(self.manifest, *extra, token=TOKEN)
        return {t["url"]: t for t in report["targets"]}

    def location(self, host: str, path: str) -> str:
        answer = requests.get(f"http://127.0.0.1:{self.port}{path}", headers={"Host": host},
                              timeout=10, allow_redirects=False)
        assert answer.status_code == 302, (answer.status_code, answer.text[:300])
        return str(answer.headers["Location"])


@pytest.fixture
def run_nginx(tmp_path: Path) -> Iterator[Callable[[str], Run]]:
    running: list[Nginx] = []

    def start(body: str) -> Run:
        port = free_port()
        server = start_kept(body.replace("@P@", str(port)), port, running, tmp_path)
        manifest = tmp_path / f"manifest-{len(running)}.toml"
        manifest.write_text(MANIFEST.format(port=port))
        return Run(server, port, manifest)

    yield start
    for server in running:
        server.stop()


def test_force_script_name_of_the_sub_path_is_wrong_for_the_root(
        servers: Servers, run_nginx: Callable[[str], Run]) -> None:
    port = servers.forced.port
    run = run_nginx(_body(port, STRIP.format(port=port)))
    for extra in ((), ("--config", str(run.nginx.conf))):
        got = run.by_url(*extra)
        assert got[SUB]["verdict"] == "ok", got[SUB]
        root = got[LISTS]
        assert (root["verdict"], root["cause"]) == ("mount_mismatch", "force_script_name"), root
        assert "Django's FORCE_SCRIPT_NAME is '/mailman3' (request.force_script_name)" \
            in root["explanation"], root["explanation"]
        assert f"serve {SUB} at /mailman3" in root["explanation"], root["explanation"]
        assert root["fix"].startswith("Remove FORCE_SCRIPT_NAME"), root["fix"]
        assert "'proxy_set_header SCRIPT_NAME /mailman3;'" in root["fix"], root["fix"]
        assert "FORCE_SCRIPT_NAME = " not in root["fix"], root["fix"]
        # the other site's header arrives: in place, not asked for again
        assert "add 'proxy_set_header X-Forwarded-Prefix" not in root["fix"], root["fix"]
        assert "the header X-Forwarded-Prefix /mailman3 already arrives (request." \
               "forwarded_prefix = '/mailman3'" in root["fix"], root["fix"]
        unread = "(not read here: 'nginx -T' shows it"
        if extra:  # --config: its location and header lines named, never 'not read here'
            assert f"in the nginx 'location /mailman3/' ({run.nginx.conf}:" in root["fix"]
            assert f"'proxy_set_header X-Forwarded-Prefix /mailman3' at {run.nginx.conf}:" \
                in root["fix"], root["fix"]
            assert unread not in root["fix"], root["fix"]
        else:
            assert unread in root["fix"], root["fix"]
    # the truth: the site at / sends its admin login into /mailman3/
    assert run.location("lists.test", "/admin/").startswith("/mailman3/admin/login/")
    assert run.location("web.test", "/mailman3/admin/").startswith("/mailman3/admin/login/")


def test_the_strip_fix_is_per_request_and_works(servers: Servers,
                                                run_nginx: Callable[[str], Run]) -> None:
    port = servers.plain.port
    run = run_nginx(_body(port, STRIP.format(port=port)))
    got = run.by_url("--config", str(run.nginx.conf))
    assert got[LISTS]["verdict"] == "ok", got[LISTS]
    sub = got[SUB]
    assert sub["verdict"] == "mount_mismatch" and sub["cause"] is None, sub
    assert "FORCE_SCRIPT_NAME = " not in sub["fix"], sub["fix"]
    assert f"Not FORCE_SCRIPT_NAME: the same processes (parent pid {servers.plain.pid} on " \
           f"host " in sub["fix"], sub["fix"]
    assert f"also serve {LISTS} at / (request.script_name '', request.path_info " \
           f"'/__probe__')" in sub["fix"], sub["fix"]
    assert "'proxy_set_header SCRIPT_NAME /mailman3;' and a proxy_pass without URI part" \
        in sub["fix"], sub["fix"]
    assert run.location("web.test", "/mailman3/admin/").startswith("/admin/login/")
    # gunicorn's way, applied: each request told its own mount
    fixed = run_nginx(_body(port, "proxy_set_header SCRIPT_NAME /mailman3; "
                                  f"proxy_pass http://127.0.0.1:{port};"))
    assert {t["verdict"] for t in fixed.by_url("--config", str(fixed.nginx.conf)).values()} \
        == {"ok"}
    assert fixed.location("lists.test", "/admin/").startswith("/admin/login/")
    assert fixed.location("web.test", "/mailman3/admin/").startswith("/mailman3/admin/login/")



MIDDLEWARE = """

def _prefix_middleware(app):
    # SCRIPT_NAME from X-Forwarded-Prefix on each request (the probe's fix)
    def wrapped(environ, start_response):
        prefix = environ.get("HTTP_X_FORWARDED_PREFIX", "")
        if prefix:
            environ["SCRIPT_NAME"] = prefix.rstrip("/")
        return app(environ, start_response)
    return wrapped


application = _prefix_middleware(application)
"""


@pytest.fixture
def wrapped(tmp_path: Path) -> Iterator[dict[str, WsgiServer]]:
    """Two gunicorns with the middleware: inside the endpoint's wrap (added to wsgi.py
    before the endpoint, where an operator edits it) and outside (after)."""
    def middleware(project: Path) -> None:
        wsgi = project / "mysite" / "wsgi.py"
        wsgi.write_text(wsgi.read_text() + MIDDLEWARE)

    with app_servers() as apps:
        started: dict[str, WsgiServer] = {}
        for where in ("inside", "outside"):
            project = apps.site("m", "\nDEBUG = False\nALLOWED_HOSTS = "
                                "['lists.test', 'web.test']\n", top=apps.workdir / where,
                                before=middleware if where == "inside" else None)
            if where == "outside":
                middleware(project)
            started[where] = apps.gunicorn(f"gunicorn-{where}", project, workers=1,
                                           token=TOKEN)
        yield started


def test_a_middleware_inside_the_wrap_is_undecided_and_outside_it_is_seen(
        wrapped: dict[str, WsgiServer], run_nginx: Callable[[str], Run]) -> None:
    """A re-tester's operator put the middleware around get_wsgi_application(), inside the
    endpoint's wrap: the site was fixed, the probe cannot see it. The words say what
    decides and where the middleware goes; placed there, every URL is ok."""
    port = wrapped["inside"].port
    run = run_nginx(_body(port, STRIP.format(port=port)))
    got = run.by_url("--config", str(run.nginx.conf))
    assert got[LISTS]["verdict"] == "ok", got[LISTS]
    sub = got[SUB]
    assert sub["verdict"] == "mount_mismatch", sub
    assert "The answer cannot tell whether nothing reads that header or a middleware " \
           "inside the probe endpoint's wrap" in sub["explanation"], sub["explanation"]
    assert "a page of the site that redirects, such as http://web.test/mailman3/admin/, " \
           "and its Location header: does it keep /mailman3/?" in sub["explanation"]
    assert "add 'proxy_set_header X-Forwarded-Prefix" not in sub["fix"], sub["fix"]
    assert "move it outside" in sub["fix"], sub["fix"]
    assert "'application = wsgi_endpoint.wrap(application, ...)'" in sub["fix"], sub["fix"]
    # the check the words name: the real site is told its mount
    assert run.location("web.test", "/mailman3/admin/").startswith("/mailman3/admin/login/")
    # outside the wrap, as the fix says: the probe sees it
    port = wrapped["outside"].port
    fixed = run_nginx(_body(port, STRIP.format(port=port)))
    assert {t["verdict"] for t in fixed.by_url("--config", str(fixed.nginx.conf)).values()} \
        == {"ok"}
    assert fixed.location("web.test", "/mailman3/admin/").startswith("/mailman3/admin/login/")
    assert fixed.location("lists.test", "/admin/").startswith("/admin/login/")
