"""Configurations of fronts wsgi-probe does not read, given where Apache's or nginx's is
expected: refused in one line naming the line that decides (probe.front_grammar), never
read as Apache's. The files are tester T35's, as Caddy 2.6.2 and lighttpd 1.4.69 ran them:
a Caddyfile without a global block (its ``header`` is httpd's ``Header`` to a
case-insensitive look-up) linted "clean", and discover and sweep --config spoke of Listen
and VirtualHosts."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from probe.cli import main
from probe.front import FrontKind
from probe.front_files import NotThatFront, choose, detect
from probe.front_grammar import foreign_line, looks_like

CADDY_PLAIN = """\
shop.test:18080 {
\tencode gzip
\theader X-Frame-Options DENY
\treverse_proxy 127.0.0.1:18101 {
\t\theader_up Host {upstream_hostport}
\t}
}

blog.test:18080 {
\theader Strict-Transport-Security "max-age=31536000"
\treverse_proxy unix//tmp/t-real35/cases/caddy/run/blog.sock
}
"""
CADDY_GLOBAL = """\
{
\tadmin off
\tauto_https off
\thttp_port 18080
\tlog {
\t\toutput file /tmp/t-real35/cases/caddy/logs/caddy-access.log
\t}
}

# shop by host, with the copy-pasted header_up that rewrites the Host
http://shop.test:18080 {
\treverse_proxy 127.0.0.1:18101 {
\t\theader_up Host {upstream_hostport}
\t}
}
"""
LIGHTTPD = """\
server.modules = ( "mod_proxy", "mod_accesslog" )
server.document-root = "/tmp/t-real35/cases/lighttpd/docroot"
server.bind = "127.0.0.1"
server.port = 18090

$HTTP["host"] == "shop.test:18090" {
    proxy.server = ( "" => ( ( "host" => "127.0.0.1", "port" => 18101 ) ) )
}
"""
ONLY = "wsgi-probe reads Apache's and nginx's only"
REFUSED = {
    "plain": (CADDY_PLAIN, "line 1 'shop.test:18080 {' opens a block with '{': httpd has "
              "none, its sections are written <Name ...>); it looks like a Caddyfile "
              f"(line 2 'encode gzip'): {ONLY}"),
    "global": (CADDY_GLOBAL, "no line in it is a directive httpd knows; line 2 starts with "
               "'admin'); it looks like a Caddyfile (line 12 'reverse_proxy 127.0.0.1:18101 "
               f"{{'): {ONLY}"),
    "lighttpd": (LIGHTTPD, "no line in it reads as a directive); it looks like a lighttpd "
                 "configuration (line 1 'server.modules = ( \"mod_proxy\", "
                 f"\"mod_accesslog\" )'): {ONLY}"),
}


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_caddyfile_without_a_global_block_is_not_apaches(tmp_path: Path) -> None:
    # Its `header` lines are httpd's Header to a case-insensitive look-up: not enough.
    path = write(tmp_path, "Caddyfile", CADDY_PLAIN)
    assert detect(path) is FrontKind.UNKNOWN
    with pytest.raises(NotThatFront) as refused:
        choose([path], "auto")
    assert "(line 1 'shop.test:18080 {' opens a block" in str(refused.value)


@pytest.mark.parametrize("name", sorted(REFUSED))
@pytest.mark.parametrize("command", ["lint", "lint --front apache", "discover", "sweep"])
def test_refused_in_one_line_naming_the_line(tmp_path: Path, name: str, command: str) -> None:
    text, reason = REFUSED[name]
    path = write(tmp_path, "Caddyfile" if name != "lighttpd" else "lighttpd.conf", text)
    out = tmp_path / "m.toml"
    args = {"lint": ["lint", path], "lint --front apache": ["lint", "--front", "apache", path],
            "discover": ["discover", path, "-o", str(out)],
            "sweep": ["sweep", "--config", path, "http://127.0.0.1:9/"]}[command]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"probe: {path}: not an apache or nginx configuration "
                             f"({reason}\n")
    assert result.stdout == "" and not out.exists()


# Lines of httpd's that must not read as another grammar's.
APACHE = {
    "header": "<VirtualHost *:80>\n  ServerName a.test\n  header set X-A b\n</VirtualHost>\n",
    "continued": ('SSLRequire %{SSL_CIPHER} !~ m/^(EXP|NULL)/ \\\n'
                  '    and %{SSL_CLIENT_S_DN_OU} in {"Staff", \\\n'
                  '    "CA"}\nServerName a.test\n'),
    "perl": ("PerlModule Apache2::Reload\n<Perl>\nmy %h = (a => 1);\nif (1) {\n"
             "  $Location{'/x'} = {};\n}\n</Perl>\nServerName a.test\n"),
    "php": "php_admin_value upload_max_filesize 64M\nServerName a.test\n",
    "expression": '<If "%{HTTP_HOST} == \'a.test\'">\n  Require all granted\n</If>\n',
}


@pytest.mark.parametrize("name", sorted(APACHE))
def test_httpds_own_lines_still_read_as_apache(tmp_path: Path, name: str) -> None:
    assert foreign_line(APACHE[name]) is None
    assert detect(write(tmp_path, "site.conf", APACHE[name])) is FrontKind.APACHE


@pytest.mark.parametrize(("text", "number", "reason"), [
    ("ServerName a.test\n}\n", 2, "closes a block with '}'"),
    ("ServerName a.test\nserver.port = 8080\n", 2, "sets a value with '='"),
    ("ServerName a.test\n  file_server browse\n", 2, "starts with 'file_server'"),
    ("ServerName a.test\nheader {\n", 2, "opens a block with '{'"),
])
def test_the_first_line_httpd_cannot_read_decides(text: str, number: int,
                                                  reason: str) -> None:
    foreign = foreign_line(text)
    assert foreign is not None and foreign.line.number == number
    assert foreign.reason.startswith(reason)


def test_named_only_where_a_line_says_so() -> None:
    assert looks_like("import os\nfrom pathlib import Path\n") is None
    assert looks_like("ServerName a.test\n}\n") is None
    named = looks_like(CADDY_PLAIN)
    assert named is not None and (named[0], named[1].number) == ("a Caddyfile", 2)
