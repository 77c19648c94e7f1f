"""``probe lint --apachectl``: lint's VirtualHost model compared with real ``apache2 -S``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from probe.apache.apachectl import HttpdVhost, parse_dump
from probe.cli import main
from probe.lint import lint_paths, load_site
from probe.lint.apachectl import compare

DUMP = """\
VirtualHost configuration:
127.0.0.1:18998        other.example.com (/etc/x.conf:19)
*:18999                is a NameVirtualHost
         default server main.example.com (/etc/x.conf:10)
         port 18999 namevhost main.example.com (/etc/x.conf:10)
         port 18999 namevhost shop.example.com (/etc/x.conf:13)
                 alias www.shop.example.com
                 wild alias *.shop.example.org
ServerRoot: "/etc/apache2"
"""


def test_parse_dump() -> None:
    assert parse_dump(DUMP) == [
        HttpdVhost("127.0.0.1:18998", "other.example.com", "/etc/x.conf", 19, True),
        HttpdVhost("*:18999", "main.example.com", "/etc/x.conf", 10, True),
        HttpdVhost("*:18999", "main.example.com", "/etc/x.conf", 10, False),
        HttpdVhost("*:18999", "shop.example.com", "/etc/x.conf", 13, False),
    ]


def test_compare_reports_each_disagreement(tmp_path: Path) -> None:
    conf = tmp_path / "x.conf"
    conf.write_text("<VirtualHost *:80>\n    ServerName a.example.com\n</VirtualHost>\n"
                    "<VirtualHost *:80>\n    ServerName b.example.com\n</VirtualHost>\n")
    site = load_site([conf])
    agree = [HttpdVhost("*:80", "a.example.com", str(conf), 1, True),
             HttpdVhost("*:80", "a.example.com", str(conf), 1, False),
             HttpdVhost("*:80", "b.example.com", str(conf), 4, False)]
    assert compare(site, agree) == []
    renamed = [*agree[:2], HttpdVhost("*:80", "c.example.com", str(conf), 4, False)]
    assert [f.line for f in compare(site, renamed)] == [4]
    other_default = [HttpdVhost("*:80", "b.example.com", str(conf), 4, True), *agree[1:]]
    assert ["unknown host names" in f.message for f in compare(site, other_default)] == [True]
    missing = agree[:2]
    [finding] = compare(site, missing)
    assert finding.line == 4 and "httpd does not have" in finding.message
    extra = [*agree, HttpdVhost("*:81", "d.example.com", str(conf), 9, True)]
    assert [f.line for f in compare(site, extra)] == [9]


@pytest.mark.skipif(shutil.which("apache2") is None, reason="needs Debian's apache2")
@pytest.mark.parametrize("old_only, expected", [(False, []), (True, [("apachectl", 11)])])
def test_real_httpd_is_the_authority(tmp_path: Path, old_only: bool,
                                     expected: list[tuple[str, int]]) -> None:
    # Without a version (lint_paths default), lint reads every <IfVersion>; httpd 2.4 skips
    # "< 2.4", so lint's model has a VirtualHost httpd does not: --apachectl must say so.
    section = ("<IfVersion < 2.4>", "</IfVersion>") if old_only else ("", "")
    conf = tmp_path / "httpd.conf"
    conf.write_text(f"""\
ServerRoot {tmp_path}
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
PidFile {tmp_path}/httpd.pid
ErrorLog {tmp_path}/error.log
Listen 127.0.0.1:18997
<VirtualHost *:18997>
    ServerName a.example.com
</VirtualHost>
{section[0]}
<VirtualHost *:18997>
    ServerName b.example.com
</VirtualHost>
{section[1]}
""")
    result = lint_paths([conf], apachectl=True)
    assert [(f.code, f.line) for f in result.findings if f.code == "apachectl"] == expected
    assert [(f.code, f.line) for f in lint_paths([conf]).findings
            if f.code == "apachectl"] == []


def test_cli_option_reports_when_httpd_cannot_run(tmp_path: Path) -> None:
    conf = tmp_path / "httpd.conf"
    # A whole configuration (it loads an MPM) that httpd refuses: a fragment is said otherwise
    conf.write_text("LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n"
                    "Include /nonexistent/file.conf\n")
    result = CliRunner().invoke(main, ["lint", "--apachectl", "--format", "json", str(conf)])
    assert "httpd -S could not run" in result.output


@pytest.mark.skipif(shutil.which("apache2") is None, reason="needs Debian's apache2")
@pytest.mark.parametrize("second", [False, True], ids=["alone", "name-based"])
def test_a_quoted_server_name_with_spaces(tmp_path: Path, second: bool) -> None:
    # httpd strips the quotes and keeps "IP do sistema" as one name, spaces and case: -S
    # prints it as it is, alone on its address or among the name-based VirtualHosts
    other = "<VirtualHost *:18996>\n    ServerName b.example.com\n</VirtualHost>\n"
    conf = tmp_path / "httpd.conf"
    conf.write_text(f"""\
ServerRoot {tmp_path}
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
PidFile {tmp_path}/httpd.pid
ErrorLog {tmp_path}/error.log
Listen 127.0.0.1:18996
<VirtualHost *:18996>
    ServerName "IP do sistema"
</VirtualHost>
{other if second else ""}""")
    done = subprocess.run(["apache2", "-S", "-f", str(conf)], capture_output=True, text=True,
                          timeout=60, check=False, env={"PATH": "/usr/sbin:/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    dump = parse_dump(done.stdout)
    assert len(dump) == (3 if second else 1)  # default server and namevhost lines, or one
    assert {v.name for v in dump if v.line == 6} == {"IP do sistema"}
    assert load_site([conf]).vhosts[0].server_name == "ip do sistema"
    assert [f for f in lint_paths([conf], apachectl=True).findings
            if f.code == "apachectl"] == []


FRAGMENT = """\
<VirtualHost *:18997>
    ServerName shop.example.com
</VirtualHost>
"""
SAID = "is a fragment (it loads no MPM), which apache2 -S cannot check alone"


@pytest.mark.skipif(shutil.which("apache2") is None, reason="needs Debian's apache2")
def test_a_fragment_is_said_to_be_one_not_relayed_as_httpds_error(tmp_path: Path) -> None:
    site = tmp_path / "shop.conf"
    site.write_text(FRAGMENT)
    result = CliRunner().invoke(main, ["lint", "--apachectl", str(site)])
    lines = [line for line in result.output.splitlines() if "apachectl:" in line]
    assert lines == [f"{site}:0: note apachectl: {site} {SAID}: nothing compared; "
                     f"--apachectl needs the main configuration, e.g. "
                     f"/etc/apache2/apache2.conf"]
    assert "No MPM loaded" not in result.output
    assert result.exit_code == 0


@pytest.mark.skipif(shutil.which("apache2") is None, reason="needs Debian's apache2")
def test_httpds_no_mpm_refusal_is_read_as_a_fragment(tmp_path: Path) -> None:
    # An httpd said to have an MPM compiled in runs apache2 -S on the fragment: the real
    # one answers "No MPM loaded", which names the fragment, not a fault in it.
    from probe.apache.config import Httpd
    from probe.apache.modules import DEBIAN_COMPILED_IN

    site = tmp_path / "shop.conf"
    site.write_text(FRAGMENT)
    findings = lint_paths([site], apachectl=True,
                          httpd=Httpd(compiled_in=DEBIAN_COMPILED_IN | {"event.c"})).findings
    said = [f.message for f in findings if f.code == "apachectl"]
    assert len(said) == 1 and SAID in said[0]
