"""A real HAProxy 2.6 with host ACLs (``use_backend`` per name, no ``default_backend``, the
shape of a tester's T14 configuration) in front of real gunicorn members, on loopback: every
member of one backend stopped, so HAProxy answers that name's 503 itself, with no Server
header, the same page it gives a name no ``acl`` routes.

The sweep may not lean either way (probe/diagnose/unrouted.py): ``http_error`` with no cause
(never ``upstream_down``), both readings, and the check that decides them: HAProxy's log line
(``FRONTEND/<NOSRV>`` or ``BACKEND/<NOSRV>``) and ``show stat``. The test reads HAProxy's own
log (``option httplog``) to show that the check it names does decide: the stopped backend's
requests are logged ``be_a/<NOSRV>``, the refused name's ``fe/<NOSRV>``.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from .apache import ApacheError, free_port
from .conftest import unavailable
from .endpoint_sites import app_servers
from .nginx import start_whoami, sweep_report
from .wsgi_servers import WsgiServer, _start

pytestmark = pytest.mark.apache

DOWN = "http://a.test/"
SERVED = "http://b.test/"
REFUSED = "http://unknown.invalid/"
HAPROXY = """\
global
    log stdout format raw local0
defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{port}
    capture request header Host len 40
    acl host_a hdr(host) -i a.test
    acl host_b hdr(host) -i b.test
    use_backend be_a if host_a
    use_backend be_b if host_b
backend be_a
    server a1 127.0.0.1:{a1} check inter 100ms fall 1 rise 1
    server a2 127.0.0.1:{a2} check inter 100ms fall 1 rise 1
backend be_b
    server b1 127.0.0.1:{b1} check inter 100ms fall 1 rise 1
"""
MANIFEST = f"""[probe]
connect = "127.0.0.1:{{port}}"
token_env = "WSGI_PROBE_TOKEN"
samples = 3

[instances.a]
label = "a"
urls = ["{DOWN}"]

[instances.b]
label = "b"
urls = ["{SERVED}"]

[refuse]
urls = ["{REFUSED}"]
"""


def _wait_for(log: Path, *lines: str) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace")
        if all(line in text for line in lines):
            return text
        time.sleep(0.1)
    raise AssertionError(f"HAProxy never logged {lines}: {text[-3000:]}")


def test_a_backend_with_every_member_stopped_gives_both_readings_and_the_check(
        tmp_path: Path) -> None:
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        unavailable("haproxy is not installed (Debian package haproxy)")
    with app_servers() as apps:
        try:
            members: dict[str, WsgiServer] = {}
            for name, label in (("a1", "a"), ("a2", "a"), ("b1", "b")):
                members[name] = start_whoami(label, apps.venv, apps.workdir / name)
                apps.started.append(members[name])  # stopped at the scope's end
            port = free_port()
            config = tmp_path / "haproxy.cfg"
            config.write_text(HAPROXY.format(port=port,
                                             **{n: s.port for n, s in members.items()}),
                              encoding="utf-8")
            log = tmp_path / "haproxy.log"
            apps.started.append(_start("haproxy", [haproxy, "-db", "-f", str(config)],
                                       cwd=tmp_path, port=port, log_path=log))
            for name in ("a1", "a2"):
                members[name].stop()
            # the health checks mark both down: HAProxy then picks no server (<NOSRV>)
            _wait_for(log, "be_a/a1 is DOWN", "be_a/a2 is DOWN")
            manifest = tmp_path / "manifest.toml"
            manifest.write_text(MANIFEST.format(port=port), encoding="utf-8")
            report = sweep_report(manifest)
        except ApacheError as exc:
            pytest.fail(str(exc), pytrace=False)
    targets: dict[str, dict[str, Any]] = {t["url"]: t for t in report["targets"]}
    assert targets[SERVED]["verdict"] == "ok", targets[SERVED]
    found = targets[DOWN]
    said, fix = found["explanation"], found["fix"]
    assert (found["verdict"], found["cause"]) == ("http_error", None), found
    assert "upstream_down" not in said + fix and "start the ones that are down" not in fix
    assert "503" in said and "(no Server header)" in said, said
    # both readings, neither taken
    assert "it chose no backend for the name a.test (in HAProxy: no acl and use_backend " \
           "matched it, and there is no default_backend), or every server of the backend " \
           "it chose is down" in said, said
    assert f"{REFUSED} (a name meant to be refused) got the same 503 while {SERVED} was " \
           f"served through the same front" in said, said
    assert "That fits both readings for a.test: the answers do not decide it." in said, said
    # the check that decides, named: the log field and show stat
    assert "FRONTEND/<NOSRV>" in fix and "BACKEND/<NOSRV>" in fix and "show stat" in fix, fix
    # ... and HAProxy's log does decide: the backend was chosen, no server of it was up
    text = log.read_text(encoding="utf-8", errors="replace")
    assert re.search(r" fe be_a/<NOSRV> .* 503 .* SC-- .* \{a\.test\} ", text), text[-3000:]
    assert re.search(r" fe fe/<NOSRV> .* 503 .* SC-- .* \{unknown\.invalid\} ", text), \
        text[-3000:]
