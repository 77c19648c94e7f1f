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


def _unknown(config: ConfigJoin | None = None) -> TargetResult:
    refused = Observation(Target(URL, None, FRONT),
                          tuple(Sample(1.0, 502, address=FRONT) for _ in range(10)))
    report = diagnose(parse(MANIFEST), [refused], config=config)
    [found] = report.targets
    assert found.verdict is Verdict.HTTP_ERROR and found.cause is Cause.UPSTREAM_DOWN, found
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
