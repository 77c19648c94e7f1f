"""Apache's mod_proxy to gunicorn on unix sockets (``unix:/x.sock|http://localhost/``), real
Apache and gunicorn: a VirtualHost copied from another and still naming its socket (tester
T36's gamma.test) is ``wrong_upstream`` at its ProxyPass, and the printed fix, applied as
written (the socket path in that line replaced), makes the sweep clean. The same from a TCP
target to a socket (re-tester R36's gammatcp.test), and a target naming a host ``unix``
(``http://unix:/x.sock/``, which R36 wrote as told: 500 on every request): the printed lines,
applied as written, make the sweep clean; lint says the second line before any sweep.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import reaper

from .apache import MODULES_DIR, ApacheError, ApacheUnavailable, free_port
from .conftest import ApacheFactory, unavailable
from .test_fleet_app_servers import probe_cli
from .test_scenarios import sweep
from .wsgi_servers import WsgiServer, ensure_servers_venv, make_readable, make_site, make_workdir

pytestmark = pytest.mark.apache
TOKEN = "unix-socket-token-0123456789abcdef"  # mod_proxy adds X-Forwarded-*: a token is needed
MODULES = "".join(f'LoadModule {name}_module "{MODULES_DIR}/mod_{name}.so"\n'
                  for name in ("proxy", "proxy_http"))


@dataclass
class Sockets:
    a: Path  # site-a's gunicorn
    b: Path  # site-b's gunicorn
    workdir: Path
    tcp: str  # site-a's second gunicorn, on TCP: HOST:PORT


def _site(workdir: Path, venv: Path, label: str, token: Path) -> Path:
    top = workdir / label
    top.mkdir()
    site = make_site(top, venv)
    settings = site / "mysite" / "settings.py"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "ALLOWED_HOSTS = []", 'ALLOWED_HOSTS = ["a.test", "b.test", "bb.test", "c.test"]'),
        encoding="utf-8")
    done = probe_cli("endpoint", "--install", str(site / "mysite" / "wsgi.py"),
                     "--label", label, "--token-file", str(token))
    assert done.returncode == 0, done.stderr
    return site


def _gunicorn(project: Path, venv: Path, bind: str, log: Path) -> WsgiServer:
    """gunicorn bound to ``bind`` alone, ``unix:/x.sock`` (its default umask 0: Apache's user
    may connect) or ``HOST:PORT``."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(venv / "bin" / "gunicorn"), "--bind", bind, "--workers", "1",
             "mysite.wsgi:application"], cwd=project, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
    reaper.remember(process.pid, f"gunicorn on {bind}")
    server = WsgiServer("gunicorn-unix", 0, process.pid, log, process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError):
            if bind.startswith("unix:"):
                with socket.socket(socket.AF_UNIX) as conn:
                    conn.connect(bind.removeprefix("unix:"))
            else:
                host, _, port = bind.rpartition(":")
                socket.create_connection((host, int(port)), timeout=1).close()
            return server
        time.sleep(0.1)
    server.stop()
    raise ApacheError(f"gunicorn did not listen on {bind}: {server.log()[-3000:]}")


@pytest.fixture(scope="module")
def sockets() -> Iterator[Sockets]:
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    workdir = make_workdir()
    started: list[WsgiServer] = []
    try:
        token = workdir / "token"
        token.write_text(TOKEN + "\n", encoding="utf-8")
        token.chmod(0o600)
        a, b = _site(workdir, venv, "site-a", token), _site(workdir, venv, "site-b", token)
        make_readable(workdir)
        token.chmod(0o600)  # the servers and the probe run as this user
        run = workdir / "run"
        run.mkdir(mode=0o755)
        tcp = f"127.0.0.1:{free_port()}"
        try:
            for name, project in (("a", a), ("b", b)):
                started.append(_gunicorn(project, venv, f"unix:{run / f'{name}.sock'}",
                                         workdir / f"{name}.log"))
            started.append(_gunicorn(a, venv, tcp, workdir / "a-tcp.log"))
        except ApacheError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield Sockets(run / "a.sock", run / "b.sock", workdir, tcp)
    finally:
        for server in started:
            server.stop()
        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)


COPIED = """\
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPreserveHost On
    ProxyPass "/" "unix:{a}|http://localhost/"
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName bb.test
    ProxyPreserveHost On
    ProxyPass "/" "unix:{b}|http://localhost/"
</VirtualHost>
<VirtualHost *:@PORT@>
    # copied from a.test's: the socket never changed
    ServerName b.test
    ProxyPreserveHost On
    ProxyPass "/" "unix:{a}|http://localhost/"
</VirtualHost>
"""


def _manifest(tmp_path: Path, sockets: Sockets) -> Path:
    path = tmp_path / "manifest.toml"
    path.write_text(f"""\
[probe]
samples = 3
token_file = "{sockets.workdir / "token"}"

[instances.site-a]
label = "site-a"
urls = ["http://a.test/"]

[instances.site-b]
label = "site-b"
urls = ["http://bb.test/", "http://b.test/"]
""", encoding="utf-8")
    return path


def _row(report: dict[str, Any], url: str) -> dict[str, Any]:
    row: dict[str, Any] = next(t for t in report["targets"] if t["url"] == url)
    return row


def test_a_proxypass_to_another_applications_socket_is_fixed_at_its_line(
        apache: ApacheFactory, sockets: Sockets, tmp_path: Path) -> None:
    site = COPIED.format(a=sockets.a, b=sockets.b)
    manifest = _manifest(tmp_path, sockets)
    server = apache(MODULES + site)
    _, report, context = sweep(server, manifest, "--config", str(server.conf_path))
    row = _row(report, "http://b.test/")
    assert (row["verdict"], row["cause"]) == ("wrong_instance", "wrong_upstream"), \
        json.dumps(report)[:4000] + context
    assert f"server.listen unix:{sockets.a}" in row["explanation"], row["explanation"]
    found = re.match(rf"At {re.escape(str(server.conf_path))}:(\d+), replace "
                     rf"unix:{re.escape(str(sockets.a))} with an address where site-b listens "
                     rf"\(site-b answers its own URL http://bb.test/ on server.listen "
                     rf"unix:{re.escape(str(sockets.b))}", row["fix"])
    assert found is not None, row["fix"]
    # the fix as written: in the line it names, the socket path replaced
    lines = server.conf_path.read_text(encoding="utf-8").splitlines()
    named = lines[int(found.group(1)) - 1]
    assert named.strip() == f'ProxyPass "/" "unix:{sockets.a}|http://localhost/"', named
    fixed = site.replace(f"    # copied from a.test's: the socket never changed\n"
                         f"    ServerName b.test\n    ProxyPreserveHost On\n    {named.strip()}",
                         f"    # copied from a.test's: the socket never changed\n"
                         f"    ServerName b.test\n    ProxyPreserveHost On\n"
                         f"    {named.strip().replace(f'unix:{sockets.a}', f'unix:{sockets.b}')}")
    assert fixed != site
    again = apache(MODULES + fixed)
    _, after, context = sweep(again, manifest, "--config", str(again.conf_path))
    assert all(t["verdict"] == "ok" for t in after["targets"]), after["targets"]


BETWEEN = """\
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPreserveHost On
    ProxyPass "/" "unix:{a}|http://localhost/"
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName bb.test
    ProxyPreserveHost On
    ProxyPass "/" "unix:{b}|http://localhost/"
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName b.test
    ProxyPreserveHost On
    ProxyPass "/" "http://{tcp}/"
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName c.test
    ProxyPreserveHost On
    ProxyPass "/" "http://unix:{b}/"
</VirtualHost>
"""


def _written(fix: str, conf: Path) -> tuple[str, str]:
    """(the line the fix names, as the file has it; what the fix writes in its place)."""
    found = re.match(rf"At {re.escape(str(conf))}:(\d+), write '([^']+)' in place of '([^']+)'",
                     fix)
    assert found is not None, fix
    named = conf.read_text(encoding="utf-8").splitlines()[int(found.group(1)) - 1].strip()
    assert named.replace('"', "") == found.group(3), (named, fix)
    return named, found.group(2)


def test_a_target_moved_between_tcp_and_a_socket_and_a_host_named_unix_are_fixed(
        apache: ApacheFactory, sockets: Sockets, tmp_path: Path) -> None:
    """R36's gammatcp.test (a TCP target left on another application's port) and what it
    wrote as told, ``http://unix:/.../gamma.sock/``: 500, 'AH00898: DNS lookup failure for:
    unix:' in error.log."""
    site = BETWEEN.format(a=sockets.a, b=sockets.b, tcp=sockets.tcp)
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(_manifest(tmp_path, sockets).read_text(encoding="utf-8").replace(
        '"http://b.test/"]', '"http://b.test/", "http://c.test/"]'), encoding="utf-8")
    server = apache(MODULES + site)  # apache2 starts with the http://unix: line: it accepts it
    lines = server.conf_path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines, 1) if "http://unix:" in line)
    linted = probe_cli("lint", str(server.conf_path))
    assert f"{server.conf_path}:{at}: error proxy_unix_as_host:" in linted.stdout, linted.stdout
    _, report, context = sweep(server, manifest, "--config", str(server.conf_path))
    moved, unix = _row(report, "http://b.test/"), _row(report, "http://c.test/")
    assert (moved["verdict"], moved["cause"]) == ("wrong_instance", "wrong_upstream"), \
        json.dumps(report)[:4000] + context
    assert unix["verdict"] == "http_error" and unix["status_code"] == 500, unix
    assert "AH00898: DNS lookup failure for: unix: returned by /__probe__" in \
        server.error_log(), server.error_log()[-2000:]
    assert "a URL to a host named 'unix'" in unix["explanation"], unix["explanation"]
    assert "'AH00898: DNS lookup failure for: unix:'" in unix["fix"], unix["fix"]
    fixed = site
    for row, meant in ((moved, f"ProxyPass / unix:{sockets.b}|http://localhost/"),
                       (unix, f"ProxyPass / unix:{sockets.b}|http://localhost/")):
        named, written = _written(row["fix"], server.conf_path)
        assert written == meant, row["fix"]
        assert fixed.count(named) == 1, named
        fixed = fixed.replace(named, written)  # the fix as written: the line it prints
    again = apache(MODULES + fixed)
    _, after, context = sweep(again, manifest, "--config", str(again.conf_path))
    assert all(t["verdict"] == "ok" for t in after["targets"]), \
        json.dumps(after["targets"])[:4000] + context
    assert "proxy_unix_as_host" not in probe_cli("lint", str(again.conf_path)).stdout
