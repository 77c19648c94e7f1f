"""nginx in front of stock Django projects with production settings (DEBUG off, ALLOWED_HOSTS
set), each under a real application server: site one under gunicorn, site two under uWSGI,
a blog under waitress (mounted at /blog/ with waitress's url prefix, and a second copy
without one for the sub-path mistakes). The endpoint is installed with ``probe endpoint
--install`` and a token (behind a proxy every request is loopback).

A correct configuration is swept with no problem and lints clean; each mistake of the nginx
issue gets its verdict, a cause from evidence (or candidates), nginx's words and fix, with
and without ``--config``; and each truth is checked by real requests to real pages.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from .apache import free_port
from .endpoint_sites import AppServers, app_servers
from .nginx import Nginx, start_kept, sweep_report
from .wsgi_servers import WsgiServer, _start, ensure_servers_venv

TOKEN = "nginx-scenario-token-0123456789abcdef"
APACHE_WORDS = ("VirtualHost", "ServerAlias", "WSGIScriptAlias", "Apache error log",
                "ServerName")
HEADERS = """proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;"""


@dataclass
class Apps:
    one: WsgiServer  # gunicorn, site-1.example.com
    two: WsgiServer  # uWSGI, site-2.example.com
    blog: WsgiServer  # waitress --url-prefix=/blog
    plain_blog: WsgiServer  # waitress without a prefix
    workdir: Path


def _project(servers: AppServers, name: str, hosts: list[str]) -> Path:
    return servers.site(name, f"\nDEBUG = False\nALLOWED_HOSTS = {hosts!r}\n",
                        top=servers.workdir / name)


@pytest.fixture(scope="module")
def apps() -> Iterator[Apps]:
    with app_servers() as servers:
        venv, workdir = servers.venv, servers.workdir

        def start(kind: str, project: Path, command: list[str], port: int) -> WsgiServer:
            return servers.start(kind, command, project, port=port, token=TOKEN)

        one = _project(servers, "one", ["site-1.example.com", "www.site-1.example.com"])
        two = _project(servers, "two", ["site-2.example.com"])
        blog = _project(servers, "blog", ["site-2.example.com"])
        ports = [free_port() for _ in range(3)]
        yield Apps(
            servers.gunicorn("gunicorn", one, workers=2, token=TOKEN),
            start("uwsgi", two, [str(venv / "bin/uwsgi"), "--http-socket",
                                 f"127.0.0.1:{ports[0]}", "--master", "--processes", "2",
                                 "--virtualenv", str(venv), "--wsgi-file",
                                 str(two / "mysite/wsgi.py"), "--chdir", str(two),
                                 "--need-app", "--die-on-term", "--disable-logging"], ports[0]),
            start("waitress", blog, [str(venv / "bin/waitress-serve"),
                                     f"--listen=127.0.0.1:{ports[1]}", "--url-prefix=/blog",
                                     "mysite.wsgi:application"], ports[1]),
            start("waitress-plain", blog, [str(venv / "bin/waitress-serve"),
                                           f"--listen=127.0.0.1:{ports[2]}",
                                           "mysite.wsgi:application"], ports[2]),
            workdir)


def correct(apps: Apps) -> str:
    return f"""
    upstream site_one {{ server 127.0.0.1:{apps.one.port}; }}
    upstream site_two {{ server 127.0.0.1:{apps.two.port}; }}
    server {{ listen 127.0.0.1:@P@ default_server; return 444; }}
    server {{
        listen 127.0.0.1:@P@;
        server_name site-1.example.com www.site-1.example.com;
        location / {{
            proxy_pass http://site_one;
            {HEADERS}
        }}
    }}
    server {{
        listen 127.0.0.1:@P@;
        server_name site-2.example.com;
        location / {{
            proxy_pass http://site_two;
            {HEADERS}
        }}
        location /blog/ {{
            proxy_pass http://127.0.0.1:{apps.blog.port};
            {HEADERS}
        }}
    }}
"""


MANIFEST = """[probe]
connect = "127.0.0.1:{port}"
token_env = "WSGI_PROBE_TOKEN"
samples = 4
concurrency = 8

[instances.one]
label = "one"
urls = ["http://site-1.example.com/", "http://www.site-1.example.com/"]

[instances.two]
label = "two"
urls = ["http://site-2.example.com/"]

[instances.blog]
label = "blog"
urls = ["http://site-2.example.com/blog/"]

[refuse]
urls = ["http://unknown.invalid/"]
"""


@dataclass
class Run:
    nginx: Nginx
    port: int
    manifest: Path

    def sweep(self, *extra: str) -> dict[str, Any]:
        report = sweep_report(self.manifest, *extra, token=TOKEN)
        for target in report["targets"]:
            words = (target["explanation"] or "") + (target["fix"] or "")
            assert not [w for w in APACHE_WORDS if w in words], target
        return report

    def by_url(self, *extra: str) -> dict[str, dict[str, Any]]:
        return {t["url"]: t for t in self.sweep(*extra)["targets"]}

    def page(self, host: str, path: str) -> requests.Response:
        return requests.get(f"http://127.0.0.1:{self.port}{path}", headers={"Host": host},
                            timeout=10, allow_redirects=False)


@pytest.fixture
def run_nginx(apps: Apps, tmp_path: Path) -> Iterator[Any]:
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


def test_correct_configuration_all_ok_and_lint_clean(apps: Apps, run_nginx: Any) -> None:
    run = run_nginx(correct(apps))
    for extra in ((), ("--config", str(run.nginx.conf))):
        report = run.sweep(*extra)
        assert {t["verdict"] for t in report["targets"]} == {"ok"}, report
        assert report["summary"]["status"] == "ok"
    targets = run.by_url()
    listens = {t["observed"]["label"]: t["observed"]["server"]["listen"]
               for t in targets.values() if t["observed"]}
    assert listens == {"one": f"127.0.0.1:{apps.one.port}", "two": f"127.0.0.1:{apps.two.port}",
                       "blog": f"127.0.0.1:{apps.blog.port}"}
    assert all(t["observed"]["request"]["host_allowed"] is True
               for t in targets.values() if t["observed"])
    lint = subprocess.run([sys.executable, "-m", "probe", "lint", str(run.nginx.conf)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert lint.returncode == 0, lint.stdout
    # the truth: real pages answer (the admin redirects to its login inside the mount)
    assert run.page("site-1.example.com", "/admin/").status_code == 302
    blog = run.page("site-2.example.com", "/blog/admin/")
    assert blog.status_code == 302 and blog.headers["Location"].startswith("/blog/admin/login/")


def test_server_block_without_server_name(apps: Apps, run_nginx: Any) -> None:
    body = correct(apps).replace("server { listen 127.0.0.1:@P@ default_server; return 444; }",
                                 "").replace("server_name site-2.example.com;", "")
    run = run_nginx(body)
    site2 = "http://site-2.example.com/"
    # the answers alone cannot tell a fall-through from a wrong proxy_pass: candidates
    alone = run.by_url("--no-extra-probes")[site2]
    assert alone["verdict"] == "wrong_instance" and alone["cause"] is None
    assert {c["cause"] for c in alone["candidates"]} == {"default_server", "wrong_upstream"}
    assert "server_name" in alone["fix"] and "return 444" in alone["fix"]
    # the extra request for a .invalid name reaches the same application: the default server
    # proxies there, but a block claiming the name could too (below): still both candidates
    probed = run.by_url()[site2]
    assert probed["cause"] is None, probed
    assert any(e["kind"] == "probed" for e in probed["evidence"])
    assert {c["cause"] for c in probed["candidates"]} == {"default_server", "wrong_upstream"}
    assert all("--config" in c["check"] for c in probed["candidates"])
    assert "server_name" in probed["fix"] and "return 444" in probed["fix"]
    configured = run.by_url("--config", str(run.nginx.conf))
    assert configured[site2]["cause"] == "default_server"
    assert f"{run.nginx.conf}:" in configured[site2]["explanation"]
    assert configured["http://unknown.invalid/"]["verdict"] == "served_unmapped"
    assert run.page("site-2.example.com", "/admin/").status_code == 400  # site one rejects it


def test_a_block_proxying_to_the_default_servers_upstream_is_not_called_default(
        apps: Apps, run_nginx: Any) -> None:
    """site-2's own block (its server_name matches) proxies to site one, as the default
    server does: the .invalid request reaches that same application, which does not show
    that no server_name matched. Only the configuration decides."""
    body = correct(apps).replace("server { listen 127.0.0.1:@P@ default_server; return 444; }",
                                 "").replace("proxy_pass http://site_two;",
                                             "proxy_pass http://site_one;")
    run = run_nginx(body)
    site2 = "http://site-2.example.com/"
    probed = run.by_url()[site2]
    assert probed["verdict"] == "wrong_instance" and probed["cause"] is None, probed
    assert "default_server" not in probed["explanation"]
    configured = run.by_url("--config", str(run.nginx.conf))[site2]
    assert configured["cause"] == "wrong_upstream", configured


def test_the_fixes_of_a_url_to_refuse_refuse_it(apps: Apps, run_nginx: Any) -> None:
    """A [refuse] URL has no application to pass to: the fix names the server_name that
    claims it; a default server already marked keeps nginx startable (one mark only)."""
    unknown = "http://unknown.invalid/"
    claimed = run_nginx(correct(apps).replace("server_name site-1.example.com",
                                              "server_name unknown.invalid site-1.example.com"))
    fix = claimed.by_url("--config", str(claimed.nginx.conf))[unknown]["fix"]
    assert fix.startswith(f"Remove unknown.invalid from the server_name at "
                          f"{claimed.nginx.conf}:"), fix
    assert "(leaving 'server_name site-1.example.com www.site-1.example.com;')" in fix, fix
    assert "pass to the upstream" not in fix
    marked = run_nginx(correct(apps).replace(
        "server { listen 127.0.0.1:@P@ default_server; return 444; }", "").replace(
        "listen 127.0.0.1:@P@;\n        server_name site-1", "listen 127.0.0.1:@P@ "
        "default_server;\n        server_name site-1"))
    fix = marked.by_url("--config", str(marked.nginx.conf))[unknown]["fix"]
    assert "return 444" in fix and f"(and remove default_server from {marked.nginx.conf}:" in fix


def test_an_upstream_pool_with_another_applications_server_is_said_in_nginx_terms(
        apps: Apps, run_nginx: Any) -> None:
    """site_two's pool also holds site one's port: site-2's requests alternate between the
    two applications. Said with the answers' server.listen and the upstream line, not with
    Apache's children and embedded mode (a tester's set-up)."""
    body = correct(apps).replace(
        f"upstream site_two {{ server 127.0.0.1:{apps.two.port}; }}",
        f"upstream site_two {{ server 127.0.0.1:{apps.two.port}; "
        f"server 127.0.0.1:{apps.one.port}; }}")
    run = run_nginx(body)
    site2 = "http://site-2.example.com/"
    for extra in ((), ("--config", str(run.nginx.conf))):
        found = run.by_url(*extra)[site2]
        assert found["verdict"] == "inconsistent", found
        words = found["explanation"] + found["fix"]
        assert "Apache" not in words and "embedded" not in words, words
        assert f"127.0.0.1:{apps.one.port}" in found["explanation"]
        assert "upstream" in found["fix"]
        if extra:
            # The configuration read: the member line another application answered from.
            assert found["cause"] == "wrong_upstream", found
            assert f"remove 'server 127.0.0.1:{apps.one.port};' from upstream site_two" in \
                found["fix"], found["fix"]
            continue
        # Which answer is the odd one out, by the address of its backend (a tester's pool).
        assert re.search(rf"pid \d+ at server.listen 127\.0\.0\.1:({apps.one.port}|"
                         rf"{apps.two.port}) answered as '(one|two)'", found["fix"]) or \
            "Where each application answered from: 'two' from pid" in found["fix"], found["fix"]
    assert f"{run.nginx.conf}:" in found["explanation"]
    assert any(e["kind"] == "configured" for e in found["evidence"])


def test_where_an_instance_answers_is_said_only_from_its_own_urls(apps: Apps,
                                                                  run_nginx: Any) -> None:
    """two answers none of its own URLs here, only blog's: "two answers its own URLs from"
    would be a claim about answers nobody saw (a tester's set-up)."""
    body = correct(apps).replace("proxy_pass http://site_two;", "proxy_pass http://site_one;"
                                 ).replace(f"proxy_pass http://127.0.0.1:{apps.blog.port};",
                                           "proxy_pass http://site_two;")
    run = run_nginx(body)
    found = run.by_url()
    assert found["http://site-2.example.com/blog/"]["answered_by"] == "two"
    site2 = found["http://site-2.example.com/"]
    assert site2["verdict"] == "wrong_instance", site2
    assert "two answers its own URLs" not in site2["explanation"]


def test_host_not_forwarded(apps: Apps, run_nginx: Any) -> None:
    body = correct(apps).replace(f"proxy_pass http://site_one;\n            {HEADERS}",
                                 "proxy_pass http://site_one;\n"
                                 "            proxy_set_header X-Forwarded-Proto $scheme;")
    run = run_nginx(body)
    for extra in ((), ("--config", str(run.nginx.conf))):
        site1 = run.by_url(*extra)["http://site-1.example.com/"]
        assert site1["verdict"] == "host_mismatch", site1
        assert "proxy_set_header Host $host" in site1["fix"]
        assert "400" in site1["explanation"]
    assert run.page("site-1.example.com", "/admin/").status_code == 400


def test_a_wrong_host_line_is_named_to_be_replaced(apps: Apps, run_nginx: Any) -> None:
    """proxy_set_header Host with a fixed wrong name: adding $host beside it (the general
    fix) sends two Host headers, which gunicorn refuses; the line itself is named."""
    body = correct(apps).replace(f"proxy_pass http://site_one;\n            {HEADERS}",
                                 "proxy_pass http://site_one;\n"
                                 "            proxy_set_header Host site-2.example.com;")
    run = run_nginx(body)
    site1 = run.by_url("--config", str(run.nginx.conf))["http://site-1.example.com/"]
    assert site1["verdict"] == "host_mismatch", site1
    assert site1["fix"].startswith(f"At {run.nginx.conf}:"), site1["fix"]
    assert "replace 'proxy_set_header Host site-2.example.com;' by 'proxy_set_header Host " \
           "$host;'" in site1["fix"]


def test_a_host_line_replaced_by_a_levels_own_lines_is_named(apps: Apps,
                                                            run_nginx: Any) -> None:
    """Host set at http level, and a location with a proxy_set_header of its own: that
    level inherits none; both lines are named."""
    body = "proxy_set_header Host $host;\n" + correct(apps).replace(
        f"proxy_pass http://site_one;\n            {HEADERS}",
        "proxy_pass http://site_one;\n            proxy_set_header X-Forwarded-Proto $scheme;")
    run = run_nginx(body)
    site1 = run.by_url("--config", str(run.nginx.conf))["http://site-1.example.com/"]
    assert site1["verdict"] == "host_mismatch", site1
    assert "replace every inherited one, proxy_set_header Host $host at " in (
        site1["explanation"])
    assert site1["fix"].startswith("Repeat 'proxy_set_header Host $host;' with the "
                                   f"proxy_set_header lines at {run.nginx.conf}:"), site1["fix"]
    assert any(e["kind"] == "configured" for e in site1["evidence"])


def test_proxy_pass_to_the_other_sites_upstream(apps: Apps, run_nginx: Any) -> None:
    body = correct(apps).replace("proxy_pass http://site_two;", "proxy_pass http://site_one;")
    run = run_nginx(body)
    alone = run.by_url("--no-extra-probes")["http://site-2.example.com/"]
    assert alone["verdict"] == "wrong_instance" and alone["cause"] is None
    assert f"127.0.0.1:{apps.one.port}" in alone["explanation"]  # server.listen named
    # the .invalid name is refused (the default server returns 444): a block claims the name
    probed = run.by_url()["http://site-2.example.com/"]
    assert probed["cause"] == "wrong_upstream", probed
    assert any(e["kind"] == "probed" for e in probed["evidence"])
    configured = run.by_url("--config", str(run.nginx.conf))["http://site-2.example.com/"]
    assert configured["cause"] == "wrong_upstream"
    line = next(n for n, text in enumerate(run.nginx.conf.read_text().splitlines(), 1)
                if "server_name site-2" in text) + 2
    assert f"{run.nginx.conf}:{line}" in configured["fix"]
    assert "nginx_shared_upstream" in configured["fix"]  # the lint finding at that line
    assert run.page("site-2.example.com", "/admin/").status_code == 400  # site one rejects it


def test_stopped_upstream_is_nginx_502(apps: Apps, run_nginx: Any) -> None:
    nothing = free_port()  # nothing listens there: a stopped gunicorn
    body = correct(apps).replace(f"server 127.0.0.1:{apps.one.port};",
                                 f"server 127.0.0.1:{nothing};")
    run = run_nginx(body)
    for extra in ((), ("--config", str(run.nginx.conf))):
        site1 = run.by_url(*extra)["http://site-1.example.com/"]
        assert site1["verdict"] == "http_error" and site1["status_code"] == 502
        assert site1["cause"] == "upstream_down" and "nginx" in site1["explanation"]
    assert f"127.0.0.1:{nothing}" in site1["explanation"]
    assert run.page("site-1.example.com", "/admin/").status_code == 502


def test_a_mount_at_root_on_another_host_does_not_excuse_a_stripped_sub_path(
        apps: Apps, run_nginx: Any) -> None:
    """blog is also at / on blog.example.com; on site-2.example.com its /blog/ prefix is
    stripped. The root mount elsewhere says nothing of this host (it made the URL ok)."""
    body = correct(apps).replace(
        f"proxy_pass http://127.0.0.1:{apps.blog.port};",
        f"proxy_pass http://127.0.0.1:{apps.plain_blog.port}/;") + (
        f"    server {{ listen 127.0.0.1:@P@; server_name blog.example.com;\n"
        f"        location / {{ proxy_pass http://127.0.0.1:{apps.plain_blog.port}; "
        f"{HEADERS} }} }}\n")
    run = run_nginx(body)
    run.manifest.write_text(run.manifest.read_text().replace(
        'urls = ["http://site-2.example.com/blog/"]',
        'urls = ["http://site-2.example.com/blog/", "http://blog.example.com/"]'))
    found = run.by_url()
    # (its ALLOWED_HOSTS lacks that name: host_rejected, but answered by blog at /)
    assert found["http://blog.example.com/"]["answered_by"] == "blog"
    assert found["http://site-2.example.com/blog/"]["verdict"] == "mount_mismatch"


@pytest.mark.parametrize("slash", ["/", ""])
def test_sub_path_mount_not_told(apps: Apps, run_nginx: Any, slash: str) -> None:
    body = correct(apps).replace(f"proxy_pass http://127.0.0.1:{apps.blog.port};",
                                 f"proxy_pass http://127.0.0.1:{apps.plain_blog.port}{slash};")
    run = run_nginx(body)
    for extra in ((), ("--config", str(run.nginx.conf))):
        report = run.sweep(*extra)
        blog = next(t for t in report["targets"] if t["url"] == "http://site-2.example.com/blog/")
        if not slash:  # the whole path with SCRIPT_NAME '': only the URL patterns decide
            assert blog["verdict"] == "ok", blog
            assert [f["code"] for f in report["findings"]] == ["mount_undecided"], \
                report["findings"]
            continue
        assert blog["verdict"] == "mount_mismatch", blog
        assert "X-Forwarded-Prefix" in blog["fix"] and "FORCE_SCRIPT_NAME" in blog["fix"]
    page = run.page("site-2.example.com", "/blog/admin/")
    if slash:  # the prefix stripped: the admin redirects outside the mount
        assert page.status_code == 302 and page.headers["Location"].startswith("/admin/login/")
    else:  # the whole path passed: the application has no /blog/ pattern (the warning's check)
        assert page.status_code == 404


def test_a_location_without_its_slash_is_quoted_as_written(apps: Apps, run_nginx: Any) -> None:
    """`location /blog` (no trailing slash) with a URI part: the fix quotes it as written with
    its line, and without the configuration names no location line (a tester's nginx)."""
    body = correct(apps).replace(
        f"location /blog/ {{\n            proxy_pass http://127.0.0.1:{apps.blog.port};",
        f"location /blog {{\n            proxy_pass http://127.0.0.1:{apps.plain_blog.port}/;")
    run = run_nginx(body)
    line = next(n for n, text in enumerate(run.nginx.conf.read_text().splitlines(), 1)
                if "location /blog {" in text)
    blog = run.by_url("--config", str(run.nginx.conf))["http://site-2.example.com/blog/"]
    assert blog["verdict"] == "mount_mismatch", blog
    assert f"in the nginx 'location /blog' ({run.nginx.conf}:{line};" in blog["fix"], blog
    assert "location /blog/ keep" not in blog["fix"]
    alone = run.by_url()["http://site-2.example.com/blog/"]
    assert "(not read here" in alone["fix"] and "'location" not in alone["fix"], alone


def test_a_wrong_upstream_fix_gives_a_target_nginx_accepts(apps: Apps, run_nginx: Any) -> None:
    """blog (waitress) says it listens on '127.0.0.1:PORT' (its bound socket; a wildcard
    no proxy_pass takes is inferred from, tests/nginx). Without the configuration the fix
    gives that address as written; with it, it names the proxy_pass that reaches blog for
    its own URL. Written in, the line works."""
    body = correct(apps).replace(
        f"proxy_pass http://127.0.0.1:{apps.blog.port};", "proxy_pass http://site_one;") + (
        f"    server {{ listen 127.0.0.1:@P@; server_name blog.example.com;\n"
        f"        location / {{ proxy_pass http://127.0.0.1:{apps.plain_blog.port}; "
        f"{HEADERS} }} }}\n")
    run = run_nginx(body)
    run.manifest.write_text(run.manifest.read_text().replace(
        'urls = ["http://site-2.example.com/blog/"]',
        'urls = ["http://site-2.example.com/blog/", "http://blog.example.com/"]'))
    url = "http://site-2.example.com/blog/"
    wanted = f"'proxy_pass http://127.0.0.1:{apps.plain_blog.port};'"
    probed = run.by_url()[url]
    # a block claims the name (the .invalid one is refused); which of its locations takes
    # /blog/ is not seen without the configuration: candidates, each fix with its target
    assert probed["verdict"] == "wrong_instance" and probed["cause"] is None, probed
    assert {c["cause"] for c in probed["candidates"]} == {"url_mapping", "wrong_upstream"}
    assert "http://*:" not in probed["fix"] and "at *:" not in probed["fix"], probed["fix"]
    assert wanted in probed["fix"] and "an inference" not in probed["fix"], probed["fix"]
    configured = run.by_url("--config", str(run.nginx.conf))[url]
    line = next(n for n, text in enumerate(run.nginx.conf.read_text().splitlines(), 1)
                if "server_name blog.example.com" in text) + 1
    assert f"{wanted} as at {run.nginx.conf}:{line}" in configured["fix"], configured["fix"]
    fixed = run_nginx(body.replace("location /blog/ {\n            proxy_pass http://site_one;",
                                   f"location /blog/ {{\n            {wanted[1:-1]}"))
    assert fixed.by_url()[url]["answered_by"] == "blog"


def test_one_backend_of_a_round_robin_pool_is_judged_in_every_run(
        apps: Apps, run_nginx: Any) -> None:
    """site one's pool: two copies running code v2 that accept the name, one running v1 and
    one whose ALLOWED_HOSTS lacks it (same label, same settings module). Every sweep says so,
    naming that backend's address, whichever sample came last (it read the last sample only:
    ok in most runs, a tester's HAProxy fleet); the fix is gunicorn's, not Apache's."""
    project = apps.workdir / "one" / "mysite"
    strict = apps.workdir / "one-strict"
    shutil.copytree(project, strict)
    settings = strict / "mysite" / "settings.py"
    settings.write_text(settings.read_text() + "\nALLOWED_HOSTS = ['elsewhere.example']\n")
    started: list[WsgiServer] = []

    def gunicorn(where: Path, version: str) -> WsgiServer:
        port = free_port()
        server = _start(f"gunicorn-{version}-{port}", [
            str(ensure_servers_venv() / "bin/gunicorn"), "--bind", f"127.0.0.1:{port}",
            "--workers", "1", "mysite.wsgi:application"], cwd=where, port=port,
            log_path=apps.workdir / f"pool-{port}.log",
            env={"WSGI_PROBE_TOKEN": TOKEN, "WSGI_PROBE_CODE_VERSION": version})
        started.append(server)
        return server

    try:
        new, new2, old = gunicorn(project, "v2"), gunicorn(project, "v2"), \
            gunicorn(project, "v1")
        body = correct(apps).replace(
            f"upstream site_one {{ server 127.0.0.1:{apps.one.port}; }}",
            f"upstream site_one {{ server 127.0.0.1:{new.port}; server 127.0.0.1:{old.port}; "
            f"server 127.0.0.1:{new2.port}; }}")
        run = run_nginx(body)
        run.manifest.write_text(run.manifest.read_text().replace(
            'label = "one"\n', 'label = "one"\ncode_version = "v2"\n'))
        site1 = "http://site-1.example.com/"
        for _ in range(3):
            found = run.by_url("--samples", "6", "--concurrency", "1")[site1]
            assert (found["verdict"], found["cause"]) == ("stale", "stale_code"), found
            assert re.search(rf"\d of 6 samples \(pid \d+ at server.listen "
                             rf"127\.0\.0\.1:{old.port}\)", found["explanation"]), found
            assert "HUP to the gunicorn master" in found["fix"], found["fix"]
            assert "apachectl" not in found["fix"] and "Apache" not in found["fix"]
        rejecting = gunicorn(strict, "v2")
        body = correct(apps).replace(
            f"upstream site_one {{ server 127.0.0.1:{apps.one.port}; }}",
            f"upstream site_one {{ server 127.0.0.1:{new.port}; server 127.0.0.1:"
            f"{rejecting.port}; server 127.0.0.1:{new2.port}; }}")
        run = run_nginx(body)
        for _ in range(3):
            found = run.by_url("--samples", "6", "--concurrency", "1")[site1]
            assert found["verdict"] == "host_rejected", found
            assert f"server.listen 127.0.0.1:{rejecting.port}" in found["explanation"]
            assert "every real page" not in found["explanation"]
        # What the verdict says, real pages show: that backend answers 400, the others not.
        statuses = {run.page("site-1.example.com", "/admin/login/").status_code
                    for _ in range(6)}
        assert 400 in statuses and statuses - {400}, statuses
    finally:
        for server in started:
            server.stop()


def test_a_named_location_reached_by_try_files_is_the_route(apps: Apps, run_nginx: Any,
                                                            tmp_path: Path) -> None:
    """The common Django layout: 'location / { try_files $uri @django; }' and the proxy_pass
    in 'location @django'. Its proxy_pass points at site two's upstream: with --config the
    cause is that line, reached through try_files, and the assumption (no file at $uri under
    the root) is said with the try_files line."""
    empty = tmp_path / "static-root"
    empty.mkdir()
    named = (f"root {empty};\n        location / {{ try_files $uri @django; }}\n"
             f"        location @django {{\n            proxy_pass http://site_two;\n"
             f"            {HEADERS}\n        }}")
    body = correct(apps).replace(
        f"location / {{\n            proxy_pass http://site_one;\n            {HEADERS}\n"
        f"        }}", named, 1)
    assert "@django" in body
    run = run_nginx(body)
    lines = run.nginx.conf.read_text().splitlines()
    try_line = next(n for n, t in enumerate(lines, 1) if "try_files $uri @django" in t)
    pass_line = next(n for n, t in enumerate(lines, 1) if "location @django" in t) + 1
    site1 = run.by_url("--config", str(run.nginx.conf))["http://site-1.example.com/"]
    assert site1["verdict"] == "wrong_instance" and site1["cause"] == "wrong_upstream", site1
    said = site1["explanation"]
    assert f"proxy_pass http://site_two (upstream site_two at {run.nginx.conf}:" in said, said
    assert f"in location @django, reached by try_files $uri @django at {run.nginx.conf}:" \
           f"{try_line} when no file exists for $uri under the root: assumed" in said, said
    assert site1["fix"].startswith(f"At {run.nginx.conf}:{pass_line}, "), site1["fix"]
    # the truth: site two's application answers site one's name (it rejects it: 400)
    assert run.page("site-1.example.com", "/admin/").status_code == 400
    fixed = run_nginx(body.replace("proxy_pass http://site_two;\n            "
                                   f"{HEADERS}\n        }}\n    }}",
                                   f"proxy_pass http://site_one;\n            {HEADERS}\n"
                                   f"        }}\n    }}", 1))
    report = fixed.sweep("--config", str(fixed.nginx.conf))
    assert {t["verdict"] for t in report["targets"]} == {"ok"}, report
    assert fixed.page("site-1.example.com", "/admin/").status_code == 302
