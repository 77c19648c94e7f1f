"""``nginx_mount_not_told`` on a prefix stripped by the URI part says what the lines do and
leaves what the application makes of it to the check that decides (tester T28's healthy g0,
nginx 1.22 and gunicorn 27: ``location /app2/ { proxy_pass http://127.0.0.1:28102/; }`` with
Django's FORCE_SCRIPT_NAME = "/app2", which no nginx line shows)."""

from __future__ import annotations

from pathlib import Path

from probe.lint import lint_nginx

# the case's server block: /app1/ passes the whole path with gunicorn's SCRIPT_NAME header,
# /app2/ strips the prefix (Django told by FORCE_SCRIPT_NAME)
G0 = """events {}
http {
    server {
        listen 127.0.0.1:28180;
        server_name sub.example.test;
        location /app1/ {
            proxy_pass http://127.0.0.1:28101;
            proxy_set_header Host $host;
            proxy_set_header SCRIPT_NAME /app1;
        }
        location /app2/ {
            proxy_pass http://127.0.0.1:28102/;
            proxy_set_header Host $host;
        }
        location / {
            proxy_pass http://127.0.0.1:28103;
            proxy_set_header Host $host;
        }
    }
}
"""


def test_a_stripped_prefix_is_not_said_to_leave_the_mount_as_fact(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(G0)
    found = [f for f in lint_nginx(str(conf)).findings if f.code == "nginx_mount_not_told"]
    assert [f.line for f in found] == [12], found
    said = found[0].message
    # what the lines do: configured
    assert "replaces /app2/ by /, with no SCRIPT_NAME, X-Forwarded-Prefix or X-Script-Name" \
        in said, said
    # what the application makes of it: not decided here, the check named
    assert "believes it is mounted at /" not in said, said
    assert "Unless it sets its mount /app2 itself (a setting of its own, which no nginx line " \
        "shows)" in said, said
    assert "the check: its settings, or probe sweep, which says mount_mismatch" in said, said
    # the fix names the application's own setting as one way (lint cannot tell the framework)
    assert "FORCE_SCRIPT_NAME = \"/app2\"" in (found[0].fix or "")
