"""A real mod_wsgi-express started with ``--server-name`` (tester T31's wiki) behind Apache
mod_proxy without ``ProxyPreserveHost``: express gets the backend's ``host:port`` as Host
and denies it with 403 (AH01630 on its htdocs/__probe__ in its own error_log); the sweep
said the front's default site answered. With ``--config`` it is ``host_rewritten`` with the
VirtualHost to add ``ProxyPreserveHost On`` to; that line written there, the URL reads ok.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from .apache import ApacheError
from .conftest import ApacheFactory
from .test_apache_balancer_express import express_project
from .test_apache_proxy import MODULES
from .test_scenarios import sweep
from .wsgi_servers import WsgiServer, make_workdir, start_express

pytestmark = pytest.mark.apache

FRONT = """\
<VirtualHost *:@PORT@>
    ServerName catchall.invalid
    <Location />
        Require all denied
    </Location>
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName wiki.test
    ProxyPass /app/ http://127.0.0.1:{port}/app/
</VirtualHost>
"""


@pytest.fixture(scope="module")
def express(apache_venv: Path) -> Iterator[tuple[WsgiServer, Path]]:
    workdir = make_workdir()
    started: list[WsgiServer] = []
    try:
        project = express_project(workdir, apache_venv, "wiki")
        try:
            started.append(start_express(
                project, apache_venv, processes=1, server_root=workdir / "express",
                options=["--server-name", "wiki.test", "--mount-point", "/app"]))
        except ApacheError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield started[0], workdir
    finally:
        for server in started:
            server.stop()
        import subprocess

        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)


def test_express_server_name_behind_proxy_without_preserve_host(
        apache: ApacheFactory, express: tuple[WsgiServer, Path], tmp_path: Path) -> None:
    server, workdir = express
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(f"""\
[probe]
samples = 2
token_file = "{workdir / "token"}"

[instances.wiki]
label = "wiki"
settings = "mysite.settings"
script_name = "/app"
urls = ["http://wiki.test/app/"]
""", encoding="utf-8")
    text = MODULES + FRONT.format(port=server.port)
    front = apache(text)
    conf = front.conf_path
    _, report, context = sweep(front, manifest, "--config", str(conf))
    [row] = report["targets"]
    assert row["verdict"] == "no_endpoint" and row["cause"] == "host_rewritten", context
    assert not row["candidates"], row
    assert "AH01630: client denied by server configuration" in \
        (workdir / "express" / "error_log").read_text(encoding="utf-8")  # express's own 403
    found = re.match(r"In <VirtualHost \*:\d+> \(wiki\.test\) at (\S+):(\d+), add "
                     r"'ProxyPreserveHost On'", row["fix"])
    assert found is not None and found.group(1) == str(conf), row["fix"]

    # The fix applied literally: the line written in that VirtualHost, below its opening.
    lines = conf.read_text(encoding="utf-8").splitlines()
    at = int(found.group(2))
    assert lines[at - 1].startswith("<VirtualHost"), lines[at - 1]
    fixed_text = text.replace("    ServerName wiki.test\n",
                              "    ServerName wiki.test\n    ProxyPreserveHost On\n")
    fixed = apache(fixed_text)
    _, again, context = sweep(fixed, manifest, "--config", str(fixed.conf_path))
    assert {t["verdict"] for t in again["targets"]} == {"ok"}, context
