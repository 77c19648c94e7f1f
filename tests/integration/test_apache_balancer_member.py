"""Apache httpd's mod_proxy_balancer over real gunicorn, one ``BalancerMember`` where nothing
listens: httpd fails over to the other member (its error log says AH00957 and AH00959), every
URL reads ok, and ``sweep --config`` names that member's line (``dead_member``); with every
member up, nothing is said. A member that takes the connection and closes it without an
answer (AH01102): the requests it took are 502, the others answered; ``sweep --config``
names the ProxyPass and BalancerMember lines and the log codes, never the ask for --config.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from .apache import ApacheError, free_port
from .conftest import ApacheFactory
from .test_apache_proxy import MODULES, Backends, _line, _manifest, backends
from .test_scenarios import sweep
from .wsgi_servers import ensure_servers_venv, start_gunicorn

pytestmark = pytest.mark.apache

__all__ = ["backends"]  # the fixture, shared with test_apache_proxy

BALANCED = """\
<Proxy "balancer://app">
    BalancerMember "http://127.0.0.1:{one}"
    BalancerMember "http://127.0.0.1:{two}"
</Proxy>
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPreserveHost On
    ProxyPass "/" "balancer://app/"
</VirtualHost>
"""

URLS = ["http://a.test/", "http://a.test/admin/"]


def test_a_balancer_member_that_is_down_is_named_by_its_line(
        apache: ApacheFactory, backends: Backends, tmp_path: Path) -> None:
    dead = free_port()  # nothing listens there
    manifest = _manifest(tmp_path, backends, URLS, [])
    server = apache(MODULES + BALANCED.format(one=backends.a.port, two=dead))
    conf = server.conf_path
    _, report, _ = sweep(server, manifest, "--config", str(conf))
    # What is true: httpd passed each request it failed to the other member, and says so.
    assert {t["verdict"] for t in report["targets"]} == {"ok"}, report["targets"]
    assert f"AH00959: ap_proxy_connect_backend disabling worker for (127.0.0.1:{dead})" \
        in server.error_log(), server.error_log()[-2000:]
    [found] = [f for f in report["findings"] if f["code"] == "dead_member"]
    assert found["severity"] == "warning" and found["instances"] == ["site-a"], found
    member = _line(conf, f'BalancerMember "http://127.0.0.1:{dead}"')
    alive = _line(conf, f'BalancerMember "http://127.0.0.1:{backends.a.port}"')
    assert found["explanation"].startswith(
        f"Member BalancerMember 127.0.0.1:{dead} ({conf}:{member}) of balancer://app answered "
        f"none of 8 samples of http://a.test/ and http://a.test/admin/ through Apache httpd "
        f"at 127.0.0.1:"), found["explanation"]
    assert f"127.0.0.1:{backends.a.port} ({conf}:{alive}): 8 answers" in found["explanation"]
    assert f"AH00959 (ap_proxy_connect_backend disabling worker for (127.0.0.1:{dead}))" \
        in found["explanation"]

    # Every member up: nothing to say.
    try:
        second = start_gunicorn(backends.workdir / "site-a" / "mysite", ensure_servers_venv(),
                                worker_class="sync", workers=1,
                                log_path=backends.workdir / "a2.log")
    except ApacheError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        both = apache(MODULES + BALANCED.format(one=backends.a.port, two=second.port))
        _, up, _ = sweep(both, manifest, "--config", str(both.conf_path))
    finally:
        second.stop()
    assert {t["verdict"] for t in up["targets"]} == {"ok"}, up["targets"]
    assert not [f for f in up["findings"] if f["code"] == "dead_member"], up["findings"]


@contextmanager
def _hangs_up() -> Iterator[int]:
    """A hostile member: it accepts each connection, reads the request, closes (no answer)."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                with suppress(OSError):
                    conn.recv(65536)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=10)


def test_a_member_that_hangs_up_is_a_502_worded_with_the_lines_read(
        apache: ApacheFactory, backends: Backends, tmp_path: Path) -> None:
    manifest = _manifest(tmp_path, backends, URLS, [])
    with _hangs_up() as bad:
        server = apache(MODULES + BALANCED.format(one=backends.a.port, two=bad))
        conf = server.conf_path
        _, report, context = sweep(server, manifest, "--config", str(conf))
        log = server.error_log()
    assert f"AH01102: error reading status line from remote server 127.0.0.1:{bad}" in log, \
        context
    failed = [t for t in report["targets"] if t["verdict"] == "http_error"]
    assert failed, context
    proxy = _line(conf, 'ProxyPass "/" "balancer://app/"')
    member = _line(conf, f'BalancerMember "http://127.0.0.1:{bad}"')
    for target in failed:
        said, fix = target["explanation"], target["fix"]
        assert target["cause"] == "upstream_down", target
        assert "no configuration was read" not in said + fix and "--config" not in said + fix
        assert "through mod_proxy: ProxyPass / balancer://app/" in said, said
        assert f"({conf}:{proxy})" in said and f"127.0.0.1:{bad} ({conf}:{member})" in said
        assert "AH01102" in fix and "AH00957" in fix, fix
        assert fix[0].isupper(), fix
