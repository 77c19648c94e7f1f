"""The mod_wsgi-express reload the fixes say, run against a real ``mod_wsgi-express
start-server mysite/wsgi.py`` (two daemon processes).

The deploy writes a new ``REVISION``; the running processes keep the code they loaded, so the
sweep says ``stale`` (the manifest expects the new ``code_version``). A re-tester's express
member was told "touch its WSGI script ... or 'apachectl graceful'": the system's apachectl
is another Apache. Each way the fix now names is applied as said, and the sweep is ok after
it: the script express was started with, touched; then, after the next deploy, the
``apachectl`` of the server root the named parent's command line shows after ``-f``.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from probe import manifest as manifests
from probe.model import Cause, Report, Verdict
from probe.sweep import run_sweep

from .apache import ApacheError
from .test_fleet_app_servers import probe_cli
from .wsgi_servers import WsgiServer, make_readable, make_site, make_workdir, start_express

pytestmark = pytest.mark.apache


@pytest.fixture
def express(apache_venv: Path) -> Iterator[tuple[WsgiServer, Path]]:
    workdir = make_workdir()
    server: WsgiServer | None = None
    try:
        site = make_site(workdir, apache_venv)
        installed = probe_cli("endpoint", "--install", str(site / "mysite" / "wsgi.py"),
                              "--label", "mysite", "--no-token")
        assert installed.returncode == 0, installed.stderr
        (site / "REVISION").write_text("r1\n", encoding="utf-8")
        make_readable(workdir)
        try:
            server = start_express(site, apache_venv, processes=2,
                                   server_root=workdir / "express-root")
        except ApacheError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield server, site
    finally:
        if server is not None:
            server.stop()
        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)


def sweep(port: int, version: str) -> Report:
    return run_sweep(manifests.parse(f"""\
[probe]
connect = {json.dumps([f"127.0.0.1:{port}"])}
samples = 6

[instances.mysite]
label = "mysite"
settings = "mysite.settings"
code_version = "{version}"
urls = ["http://localhost/"]
""", "express.toml"))


def settled(port: int, version: str) -> set[str]:
    """What the probe requests report as code.version once every process reloaded (each
    reloads on its next request), within a minute."""
    deadline = time.monotonic() + 60
    seen: set[str] = set()
    while time.monotonic() < deadline:
        try:
            seen = {str(requests.get(f"http://127.0.0.1:{port}/__probe__", timeout=10,
                                     headers={"Connection": "close", "Host": "localhost"}
                                     ).json()["code"]["version"]) for _ in range(8)}
        except (requests.RequestException, ValueError):
            seen = set()  # Apache restarting: a moment without an answer
        if seen == {version}:
            break
        time.sleep(0.2)
    return seen


def test_the_reloads_the_fix_names_load_the_new_code_into_mod_wsgi_express(
        express: tuple[WsgiServer, Path]) -> None:
    server, site = express
    (site / "REVISION").write_text("r2\n", encoding="utf-8")
    [stale] = sweep(server.port, "r2").targets
    assert (stale.verdict, stale.cause) == (Verdict.STALE, Cause.STALE_CODE), stale.explanation
    group = f"127.0.0.1:{server.port}"
    assert f"reload mod_wsgi-express's daemon group '{group}': touch the WSGI script it was " \
        "started with" in stale.fix, stale.fix
    assert "touch its WSGI script" not in stale.fix, stale.fix

    # The first way, as said: the script express was started with (mysite/wsgi.py), touched.
    (site / "mysite" / "wsgi.py").touch()
    assert settled(server.port, "r2") == {"r2"}, server.log()[-3000:]
    [fresh] = sweep(server.port, "r2").targets
    assert fresh.verdict is Verdict.OK, fresh.explanation

    # The second way, after the next deploy: SERVER_ROOT from the parent the fix names.
    (site / "REVISION").write_text("r3\n", encoding="utf-8")
    [stale] = sweep(server.port, "r3").targets
    said = re.search(r"'SERVER_ROOT/apachectl graceful' \(SERVER_ROOT: the directory of the "
                     r"httpd\.conf that 'ps -ww -o args= -p (\d+)' \(its Apache", stale.fix)
    assert said, stale.fix
    shown = subprocess.run(["ps", "-ww", "-o", "args=", "-p", said.group(1)],
                           capture_output=True, text=True, check=True, timeout=30).stdout
    conf = re.search(r" -f (\S+/httpd\.conf)", shown)
    assert conf, shown
    root = Path(conf.group(1)).parent
    assert root == site.parent / "express-root"  # the server root this test started it with
    subprocess.run([str(root / "apachectl"), "graceful"], check=True, capture_output=True,
                   timeout=60)
    assert settled(server.port, "r3") == {"r3"}, server.log()[-3000:]
    [fresh] = sweep(server.port, "r3").targets
    assert fresh.verdict is Verdict.OK, fresh.explanation
