"""``nginx_host_not_forwarded``'s fix where several locations of one server block lack Host
and none has proxy_set_header lines of its own (the lint tester's n12, isucon12-final: five
findings): one ``proxy_set_header Host $host;`` at the block's level fixes them all, and the
fix says so; otherwise the line goes into the location."""

from __future__ import annotations

from pathlib import Path

from probe.lint import lint_nginx

SITE = """events {{}}
http {{
{http}    server {{
        listen 127.0.0.1:18080;
{server}        location /user {{
            proxy_pass http://127.0.0.1:8001;
        }}
        location /admin {{
{admin}            proxy_pass http://127.0.0.1:8001;
        }}
        location /login {{
            proxy_pass http://127.0.0.1:8001;
        }}
    }}
}}
"""


def _fixes(tmp_path: Path, http: str = "", server: str = "", admin: str = "") -> list[str]:
    conf = tmp_path / "nginx.conf"
    conf.write_text(SITE.format(http=http, server=server, admin=admin))
    return [f.fix or "" for f in lint_nginx(str(conf)).findings
            if f.code == "nginx_host_not_forwarded"]


def test_one_line_at_server_level_fixes_every_location(tmp_path: Path) -> None:
    fixes = _fixes(tmp_path)
    conf = tmp_path / "nginx.conf"
    assert len(fixes) == 3 and len(set(fixes)) == 1, fixes
    assert fixes[0].split("; then the Host that reaches")[0] == (
        f"add proxy_set_header Host $host; once at the level of the server block at {conf}:3 "
        f"(server_name \"\"): none of its 3 locations without it (location /user at {conf}:5, "
        f"location /admin at {conf}:8, location /login at {conf}:11) has proxy_set_header "
        f"lines of its own, so that one line fixes them all"), fixes[0]
    # the server's own lines are inherited the same way: still one line there
    own = _fixes(tmp_path, server="        proxy_set_header X-Real-IP $remote_addr;\n")
    assert all("once at the level of the server block" in f for f in own), own


def test_a_location_with_lines_of_its_own_gets_the_line_itself(tmp_path: Path) -> None:
    fixes = _fixes(tmp_path, admin="            proxy_set_header X-Real-IP $remote_addr;\n")
    assert [f.split("; then the Host")[0] for f in fixes].count(
        "add proxy_set_header Host $host; in location /admin (with the other "
        "proxy_set_header of that level)") == 1, fixes
    assert sum("none of its 2 locations without it" in f for f in fixes) == 2, fixes
    # lines of the http level: a line at server level would replace them, not proposed
    inherited = _fixes(tmp_path, http="    proxy_set_header X-Real-IP $remote_addr;\n")
    assert all(f.startswith("add proxy_set_header Host $host; in location") for f in inherited)
