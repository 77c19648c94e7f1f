"""A real ``mod_wsgi-express start-server ... --server-name wiki.example.test`` (tester T31's
wiki) and an nginx front whose ``location /`` passes no Host, as the tester ran them:

* ``probe discover`` on the server root's ``httpd.conf`` reads the ``-D`` names its
  ``apachectl`` starts it with: the URL of the name given, the ``_wsgi_`` catch-all refusing
  unknown names; the manifest swept as written is ok (before: the one URL
  ``http://127.0.0.1:PORT/`` express answers with 403, no ``[refuse]``);
* ``probe lint`` on it says nothing "not defined";
* ``probe lint`` on the nginx front says ``nginx_host_not_forwarded``; the sweep through it
  fails (express refuses Host ``127.0.0.1:PORT`` with 403 before Django runs); the printed fix
  applied as written (``proxy_set_header Host $host;`` in ``location /``) makes it ok.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from probe import manifest as manifests
from probe.model import Verdict
from probe.sweep import run_sweep

from .apache import ApacheError, free_port
from .nginx import Nginx, start_nginx
from .test_fleet_app_servers import probe_cli
from .wsgi_servers import WsgiServer, make_readable, make_site, make_workdir, start_express

pytestmark = pytest.mark.apache
NAME = "wiki.example.test"


@dataclass
class Wiki:
    server: WsgiServer
    root: Path
    workdir: Path


@pytest.fixture
def wiki(apache_venv: Path) -> Iterator[Wiki]:
    workdir = make_workdir()
    server: WsgiServer | None = None
    try:
        site = make_site(workdir, apache_venv)
        settings = site / "mysite" / "settings.py"
        settings.write_text(settings.read_text(encoding="utf-8").replace(
            "ALLOWED_HOSTS = []", f"ALLOWED_HOSTS = [{NAME!r}, 'localhost', '127.0.0.1']"),
            encoding="utf-8")
        installed = probe_cli("endpoint", "--install", str(site / "mysite" / "wsgi.py"),
                              "--label", "wiki", "--no-token")
        assert installed.returncode == 0, installed.stderr
        make_readable(workdir)
        root = workdir / "express-root"
        try:
            server = start_express(site, apache_venv, processes=1, server_root=root,
                                   options=["--server-name", NAME])
        except ApacheError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield Wiki(server, root, workdir)
    finally:
        if server is not None:
            server.stop()
        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)


def test_discover_lint_and_the_nginx_host_fix_on_a_real_express(wiki: Wiki) -> None:
    conf = wiki.root / "httpd.conf"
    linted = probe_cli("lint", "--no-httpd-check", str(conf))
    assert "is not defined" not in linted.stdout, linted.stdout
    assert f"{wiki.root}/apachectl:6: note config: mod_wsgi-express's apachectl" \
        in linted.stdout, linted.stdout
    found = probe_cli("discover", str(conf))
    assert found.returncode == 0, found.stderr
    assert f'"http://{NAME}:{wiki.server.port}/"' in found.stdout, found.stdout
    assert "_wsgi_" not in found.stdout.split("[refuse]")[0].replace("(_wsgi_)", ""), \
        found.stdout
    report = run_sweep(manifests.parse(found.stdout, "discovered.toml"))
    assert [(t.url, t.verdict) for t in report.targets] == [
        (f"http://{NAME}:{wiki.server.port}/", Verdict.OK),
        (f"http://unknown.invalid:{wiki.server.port}/", Verdict.OK)], \
        [t.explanation for t in report.targets]

    port = free_port()
    body = (f"    server {{\n        listen 127.0.0.1:{port};\n        server_name {NAME};\n"
            f"        location / {{\n            proxy_pass http://127.0.0.1:{wiki.server.port};"
            f"\n        }}\n    }}\n")
    front: Nginx = start_nginx(body, [port], workdir=wiki.workdir / "nginx")
    try:
        manifest = manifests.parse(f'[probe]\nconnect = "127.0.0.1:{port}"\n\n'
                                   f'[instances.wiki]\nlabel = "wiki"\n'
                                   f'urls = ["http://{NAME}/"]\n', "front.toml")
        [before] = run_sweep(manifest).targets
        assert before.verdict is not Verdict.OK, before.explanation
        lint = probe_cli("lint", str(front.conf))
        [line] = [x for x in lint.stdout.splitlines() if "nginx_host_not_forwarded" in x]
        assert "unless 127.0.0.1 is in ALLOWED_HOSTS" in line, line
        fix = lint.stdout.split("nginx_host_not_forwarded", 1)[1].split("    fix: ", 1)[1]
        assert fix.startswith("add proxy_set_header Host $host; in location / "), fix
        text = front.conf.read_text(encoding="utf-8")
        front.conf.write_text(text.replace(
            f"proxy_pass http://127.0.0.1:{wiki.server.port};",
            f"proxy_pass http://127.0.0.1:{wiki.server.port};\n"
            f"            proxy_set_header Host $host;"), encoding="utf-8")
        front.reload()
        [after] = run_sweep(manifest).targets
        assert after.verdict is Verdict.OK, after.explanation
    finally:
        front.stop()
