"""Two sub-URL mounts whose ports are swapped behind nginx (tester T28's m4, nginx 1.22 and
gunicorn 27): app1 answers app2's URLs, so app1's address is seen (its server.listen) though
no URL of app1 was answered by app1, and the fix names it."""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import parse
from probe.model import Observation, TargetResult
from probe.nginx import load_nginx
from tests.nginx.sub_mounts import gunicorn_answer

MANIFEST = """
[instances.app1]
label = "app1"
script_name = "/app1"
urls = ["http://sub.example.test/app1/"]

[instances.app2]
label = "app2"
script_name = "/app2"
urls = ["http://sub.example.test/app2/"]
"""
# the case's nginx.conf from line 12: proxy_pass at :18 and :24
CONF = """events {}
http {
    access_log off;
    client_body_temp_path tmp-body;
    proxy_temp_path tmp-proxy;
    uwsgi_temp_path tmp-uwsgi;
    fastcgi_temp_path tmp-fastcgi;
    scgi_temp_path tmp-scgi;
    server {
        listen 127.0.0.1:28180;
        server_name sub.example.test;

        location /app1/ {
            proxy_pass http://127.0.0.1:28102;
            proxy_set_header Host $host;
            proxy_set_header SCRIPT_NAME /app1;
        }

        location /app2/ {
            proxy_pass http://127.0.0.1:28101/;
            proxy_set_header Host $host;
        }
    }
}
"""


def _answer(url: str, expected: str, label: str, listen: str, mount: str) -> Observation:
    return gunicorn_answer(url, expected, label, listen, mount, "127.0.0.1:28180")


def _results(tmp_path: Path | None) -> dict[str, TargetResult]:
    config = None
    if tmp_path is not None:
        (tmp_path / "nginx.conf").write_text(CONF)
        config = ConfigJoin(load_nginx(str(tmp_path / "nginx.conf")))
    observations = [
        _answer("http://sub.example.test/app1/", "app1", "app2", "127.0.0.1:28102", "/app1"),
        _answer("http://sub.example.test/app2/", "app2", "app1", "127.0.0.1:28101", ""),
    ]
    report = diagnose(parse(MANIFEST), observations, config=config)
    return {t.url: t for t in report.targets}


def test_the_address_an_instance_answered_from_is_seen_on_any_url(tmp_path: Path) -> None:
    for config in (tmp_path, None):
        found = _results(config)
        app1 = found["http://sub.example.test/app1/"]
        fix = app1.fix or ""
        assert "did not see" not in fix, fix
        assert "'proxy_pass http://127.0.0.1:28101;'" in fix, fix
        # said as what it is: app1's answer to a URL of app2, not "its own URL"
        assert ("app1 answered http://sub.example.test/app2/, a URL of app2, on server.listen "
                "'127.0.0.1:28101'") in fix, fix
        assert "answers its own URL" not in fix, fix
    configured = _results(tmp_path)["http://sub.example.test/app1/"]
    assert f"{tmp_path / 'nginx.conf'}:14" in (configured.fix or "")
