"""Tester T32's HAProxy -> nginx -> gunicorn chain (haproxy-halfdeploy): for
unknown.example.com nginx's default server closed the connection on purpose (``return
444``, its access log: 444) and HAProxy answered 502 with no Server header, 10 samples. The
sweep said a backend was down and told to start it; nothing was down."""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import Target, parse
from probe.model import Cause, EvidenceKind, Observation, Sample, TargetResult, Verdict
from probe.nginx import load_nginx
from probe.server_pages import read_page

FRONT = "127.0.0.1:18132"  # HAProxy's frontend; nginx listens on 127.0.0.1:18133
URL = "http://unknown.example.com/"
MANIFEST = f"""[probe]
connect = "{FRONT}"
samples = 10

[instances.site1]
label = "site1"
urls = ["http://site1.example.com/"]

[refuse]
urls = ["{URL}"]
"""
NGINX_CONF = """worker_processes 1;
events { worker_connections 256; }
http {
    upstream site1 { server 127.0.0.1:18141; }
    upstream site2 { server 127.0.0.1:18143; }
    server {
        listen 127.0.0.1:18133 default_server;
        return 444;
    }
    server {
        listen 127.0.0.1:18133;
        server_name site1.example.com;
        location / {
            proxy_pass http://site1;
            proxy_set_header X-Forwarded-Host $host;
        }
    }
}
"""


HAPROXY_502 = (b"<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or "
               b"incomplete response.\n</body></html>\n")
"""HAProxy 2.6.12's own 502 page (http_err_msgs), as it sends it: no Server header."""


def _unknown(config: ConfigJoin | None = None, page: bytes = b"") -> TargetResult:
    read = read_page(502, "text/html", page) if page else None
    refused = Observation(Target(URL, None, FRONT),
                          tuple(Sample(1.0, 502, address=FRONT, page=read) for _ in range(10)))
    report = diagnose(parse(MANIFEST), [refused], config=config)
    [found] = report.targets
    # re-tester R32: the text said "Nothing is down" while the cause said upstream_down
    cause = Cause.UPSTREAM_DOWN if config is None else Cause.CLOSED_ON_PURPOSE
    assert found.verdict is Verdict.HTTP_ERROR and found.cause is cause, found
    return found


def test_without_config_a_502_may_be_a_backend_closing_on_purpose() -> None:
    found = _unknown()
    assert "or a backend that is up closed the connection without answering, on purpose, as " \
        "nginx's 'return 444' does for a name it refuses: in the answers the two look the " \
        "same" in found.explanation, found.explanation
    assert found.fix is not None and "its own access log for this request decides: status 444 " \
        "there is nginx refusing the name by its configuration" in found.fix, found.fix


def test_nginxs_config_names_the_return_444_behind_the_front(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text(NGINX_CONF)
    line = NGINX_CONF.splitlines().index("        return 444;") + 1
    found = _unknown(ConfigJoin(load_nginx(str(path))))
    assert f"no server block of it listens on {FRONT}: a front before nginx answered there" \
        in found.explanation, found.explanation
    assert f"ends at 'return 444' ({path}:{line})" in found.explanation, found.explanation
    assert found.fix is not None and found.fix.startswith(
        f"Nothing is down: nginx refuses unknown.example.com at {path}:{line}. "), found.fix
    assert "statuses = [403, 404, 421, 502]" in found.fix, found.fix
    assert "start the ones that are down" not in found.fix, found.fix
    assert any(e.kind is EvidenceKind.CONFIGURED and e.source == f"{path}:{line}"
               for e in found.evidence), found.evidence
    # no header and no page names HAProxy: the words name no product (re-tester R32)
    assert "HAProxy" not in found.explanation + found.fix, (found.explanation, found.fix)
    assert "or make the proxy in front refuse unknown.example.com itself." in found.fix


def test_haproxys_own_page_names_haproxy(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text(NGINX_CONF)
    found = _unknown(ConfigJoin(load_nginx(str(path))), HAPROXY_502)
    assert "The answer's body is HAProxy's own error page ('<h1>502 Bad Gateway</h1>', then " \
        "\"The server returned an invalid or incomplete response.\"), sent with no Server " \
        "header: HAProxy answered 502" in found.explanation, found.explanation
    assert f"no server block of it listens on {FRONT}: HAProxy answered there" \
        in found.explanation, found.explanation
    assert found.fix is not None and "or make HAProxy refuse unknown.example.com itself (an " \
        "acl for the names served and 'http-request deny' for the others)." in found.fix
    assert any(e.kind is EvidenceKind.OBSERVED and "HAProxy's error page" in e.claim
               for e in found.evidence), found.evidence


def test_haproxys_page_is_read_only_in_its_own_shape() -> None:
    page = read_page(502, "text/html", HAPROXY_502)
    assert page is not None and (page.server, page.reason, page.message) == (
        "HAProxy", "502 Bad Gateway", "The server returned an invalid or incomplete response.")
    assert read_page(503, "text/html", HAPROXY_502) is None  # its code is the status's
    assert read_page(502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>") \
        is None
