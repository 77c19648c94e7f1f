"""Apache httpd's mod_proxy_uwsgi balancer over two real uWSGI members (``--socket``, uWSGI's
own protocol), one of them on old code, as a tester's balancer (T18, m7): mod_proxy_uwsgi
passes Apache's own SERVER_SOFTWARE in the uwsgi variables, so ``server.software`` is
``Apache/...`` from a uWSGI worker. The sweep still names uWSGI (``server.uwsgi``) and its
reload: the member's master and the ``--pidfile`` and ``--touch-reload`` it was started with.
The test runs the ``uwsgi --reload PIDFILE`` the fix names, as written, and the sweep is ok.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import reaper

from .apache import MODULES_DIR, ApacheError, free_port
from .conftest import ApacheFactory
from .test_apache_proxy import TOKEN, _site
from .test_scenarios import sweep
from .wsgi_servers import WsgiServer, make_readable, make_workdir

pytestmark = pytest.mark.apache

MODULES = "".join(f'LoadModule {name}_module "{MODULES_DIR}/mod_{name}.so"\n' for name in (
    "proxy", "proxy_uwsgi", "proxy_balancer", "lbmethod_byrequests", "slotmem_shm"))

# jmetzger/training-apache2's balancer, its members uWSGI sockets (T18's 30-shop.conf).
BALANCED = """\
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPreserveHost On
<Proxy "balancer://mycluster">
    BalancerMember "uwsgi://127.0.0.1:{one}"
    BalancerMember "uwsgi://127.0.0.1:{two}"
</Proxy>
    ProxyPass "/" "balancer://mycluster/"
</VirtualHost>
"""


@dataclass
class Member:
    server: WsgiServer
    site: Path
    pidfile: Path
    reload_file: Path


@dataclass
class Members:
    new: Member  # runs r2, the manifest's
    old: Member  # runs r1
    workdir: Path
    venv: Path


def _uwsgi(venv: Path, site: Path, workdir: Path, name: str) -> Member:
    """uWSGI with --master, two workers, a --socket (no HTTP: readiness is a connect), a
    --pidfile and a --touch-reload file."""
    port, pidfile, touched = free_port(), workdir / f"{name}.pid", workdir / f"{name}.reload"
    touched.touch()
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("PYTHON", "WSGI_PROBE", "VIRTUAL_ENV", "DJANGO"))}
    log = workdir / f"{name}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(venv / "bin/uwsgi"), "--socket", f"127.0.0.1:{port}", "--master",
             "--processes", "2", "--virtualenv", str(venv), "--wsgi-file",
             str(site / "mysite/wsgi.py"), "--chdir", str(site), "--need-app",
             "--pidfile", str(pidfile), "--touch-reload", str(touched), "--die-on-term",
             "--disable-logging"], cwd=site, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
            env={**clean, "LANG": "C.UTF-8"})
    reaper.remember(process.pid, f"uwsgi --socket on 127.0.0.1:{port}")
    server = WsgiServer("uwsgi-socket", port, process.pid, log, process, signal.SIGINT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return Member(server, site, pidfile, touched)
        time.sleep(0.1)
    server.stop()
    raise ApacheError(f"uwsgi --socket 127.0.0.1:{port} did not listen; log:\n"
                      f"{server.log()[-3000:]}")


@pytest.fixture(scope="module")
def members(servers_venv: Path) -> Iterator[Members]:
    venv = servers_venv
    workdir = make_workdir()
    started: list[Member] = []
    try:
        token = workdir / "token"
        token.write_text(TOKEN + "\n", encoding="utf-8")
        token.chmod(0o600)
        site = _site(workdir, venv, "shop", token)
        sites = []
        for name, revision in (("shop1", "r2"), ("shop2", "r1")):
            copy = workdir / name
            shutil.copytree(site, copy)
            (copy / "REVISION").write_text(f"{revision}\n", encoding="utf-8")
            sites.append(copy)
        make_readable(workdir)
        token.chmod(0o600)
        try:
            for name, copy in zip(("shop1", "shop2"), sites, strict=True):
                started.append(_uwsgi(venv, copy, workdir, name))
        except ApacheError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield Members(started[0], started[1], workdir, venv)
    finally:
        for member in started:
            member.server.stop()
        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)


def _manifest(tmp_path: Path, members: Members) -> Path:
    path = tmp_path / "manifest.toml"
    path.write_text(f"""\
[probe]
samples = 8
token_file = "{members.workdir / "token"}"

[instances.shop]
label = "shop"
settings = "mysite.settings"
code_version = "r2"
urls = ["http://a.test/"]
""", encoding="utf-8")
    return path


def _row(report: dict[str, Any]) -> dict[str, Any]:
    [row] = report["targets"]
    assert isinstance(row, dict)
    return row


def test_a_stale_uwsgi_member_behind_mod_proxy_uwsgi_gets_uwsgis_reload(
        apache: ApacheFactory, members: Members, tmp_path: Path) -> None:
    old, new = members.old, members.new
    server = apache(MODULES + BALANCED.format(one=new.server.port, two=old.server.port))
    manifest = _manifest(tmp_path, members)
    _, report, context = sweep(server, manifest, "--config", str(server.conf_path))
    row = _row(report)
    assert (row["verdict"], row["cause"]) == ("stale", "stale_code"), context
    # What mod_proxy_uwsgi passes: Apache's SERVER_SOFTWARE, from a uWSGI worker.
    seen = row["observed"]["server"]
    assert seen["software"].startswith("Apache/"), seen
    assert seen["uwsgi"]["version"] and seen["uwsgi"]["master_pid"] in (
        new.server.pid, old.server.pid), seen
    fix = row["fix"]
    assert "not a server whose reload this tool knows" not in fix, fix
    # --config: the stale member named by its BalancerMember line after its address
    conf = server.conf_path
    line = next(n for n, text in enumerate(conf.read_text(encoding="utf-8").splitlines(), 1)
                if f'"uwsgi://127.0.0.1:{old.server.port}"' in text)
    assert f"server.listen 127.0.0.1:{old.server.port} (BalancerMember at {conf}:{line})" \
        in fix, fix
    said = re.search(r"reload uWSGI \(pid (\d+) is uWSGI's: server\.uwsgi\.version '[^']+'; "
                     r"its server\.software 'Apache/[^']*' is the SERVER_SOFTWARE its front "
                     r"passed to uWSGI with the request, which uWSGI itself does not set\): "
                     r"send HUP to its master, pid (\d+) \(server\.uwsgi\.master_pid\), run "
                     r"'(uwsgi --reload [^']+)' \(its --pidfile, server\.uwsgi\.pidfile: it "
                     r"sends HUP to the pid written there\) or touch (\S+) \(its "
                     r"--touch-reload, server\.uwsgi\.touch_reload\)", fix)
    assert said, fix
    assert int(said.group(2)) == old.server.pid  # the stale member's master, not the other
    assert said.group(3) == f"uwsgi --reload {old.pidfile}" and \
        said.group(4) == str(old.reload_file), fix

    # The deploy reaches the stale member, then the reload the fix names, as written.
    (old.site / "REVISION").write_text("r2\n", encoding="utf-8")
    command = shlex.split(said.group(3))
    done = subprocess.run([str(members.venv / "bin" / command[0]), *command[1:]],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    deadline = time.monotonic() + 60
    while True:
        _, after, context = sweep(server, manifest)
        if _row(after)["verdict"] == "ok" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert _row(after)["verdict"] == "ok", (context, old.server.log()[-3000:])
    assert json.dumps(after["findings"]).count("code_drift") == 0, after["findings"]
