"""``nginx_two_protocols``: one address passed uwsgi by one line and HTTP by another, as a
tester (T14, Zulip z2) set it up: Zulip's ``upstream django`` pointed at the wiki's gunicorn
socket, which the wiki's site reaches with ``proxy_pass``; gunicorn answered the uwsgi
requests 400 and lint said nothing."""

from __future__ import annotations

from pathlib import Path

from probe.lint import lint_nginx
from probe.lint.findings import ConfigFinding, Severity

SITES = """upstream django {{ server {member}; }}
server {{ listen 18141; server_name chat.example.com;
    location / {{ include uwsgi_params; uwsgi_pass {uwsgi}; }} }}
server {{ listen 18141; server_name wiki.example.com;
    location / {{ proxy_pass {proxy}; }} }}
"""


def _found(tmp_path: Path, member: str = "unix:/run/wiki.sock", uwsgi: str = "django",
           proxy: str = "http://unix:/run/wiki.sock") -> tuple[list[ConfigFinding], str]:
    path = tmp_path / "nginx.conf"
    (tmp_path / "uwsgi_params").write_text("uwsgi_param REQUEST_METHOD $request_method;\n")
    path.write_text("events {}\nhttp {\n" + SITES.format(member=member, uwsgi=uwsgi,
                                                         proxy=proxy) + "}\n")
    return ([f for f in lint_nginx(str(path)).findings if f.code == "nginx_two_protocols"],
            str(path))


def test_an_upstream_member_also_proxied_to_is_one_server_in_two_protocols(
        tmp_path: Path) -> None:
    [finding], path = _found(tmp_path)
    assert finding.severity is Severity.WARNING
    assert (finding.file, finding.line) == (path, 7)  # the second protocol's line
    assert (f"unix:/run/wiki.sock is passed requests in two protocols: uwsgi by uwsgi_pass "
            f"django at {path}:5 through upstream django ({path}:3: server "
            f"unix:/run/wiki.sock at {path}:3), and HTTP by proxy_pass "
            f"http://unix:/run/wiki.sock at {path}:7") in finding.message
    assert finding.fix is not None and "uwsgi_pass for a uWSGI socket" in finding.fix


def test_the_same_address_written_directly_and_as_unix_triple_slash(tmp_path: Path) -> None:
    [finding], _ = _found(tmp_path, uwsgi="127.0.0.1:8001", proxy="http://127.0.0.1:8001/")
    assert "127.0.0.1:8001 is passed requests in two protocols" in finding.message
    [finding], _ = _found(tmp_path, member="unix:///run/wiki.sock")
    assert finding.message.startswith("unix:/run/wiki.sock is passed")


def test_separate_sockets_or_one_protocol_are_silent(tmp_path: Path) -> None:
    assert _found(tmp_path, member="unix:/run/zulip.sock")[0] == []
    assert _found(tmp_path, uwsgi="$backend")[0] == []
