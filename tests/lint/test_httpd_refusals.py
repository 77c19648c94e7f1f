"""What httpd refuses to start with, found statically and reported once, at the line to
change: ``ServerName`` values and closing section tags judged as httpd 2.4 judges them (every
case is also run through real ``apache2 -t`` where it is installed, so the table is httpd's
answer, not a guess), and httpd's own refusal merged with the static finding of the same
fault."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from probe.apache import load_site
from probe.lint import LintResult, lint_paths
from probe.lint.findings import ConfigFinding, Severity
from probe.lint.httpd_check import not_yet_reported
from probe.lint.rules import run_rules
from probe.lint.server_name_rules import atoi, fnmatch_test
from tests.lint.corpus_tools import HTTPD_ENV, MOD_WSGI, module_path

HTTPD = shutil.which("apache2") is not None
needs_httpd = pytest.mark.skipif(not HTTPD, reason="needs Debian's apache2")
MODULES = "/usr/lib/apache2/modules"
INVALID = '{} use ServerAlias to set multiple server names.'
PORT = 'The port number "{}" is outside the appropriate range (i.e., 1..65535).'


def refusals(result: LintResult) -> list[tuple[int, str]]:
    return [(f.line, f.message) for f in result.findings
            if f.code == "config" and f.severity is Severity.ERROR]


def main_config(tmp_path: Path, body: str, *, wsgi: bool = False) -> Path:
    """A configuration httpd can start from (it loads an MPM): ``probe lint`` runs
    ``apache2 -t`` on it. The body starts at line 8."""
    conf = tmp_path / "httpd.conf"
    conf.write_text("\n".join([
        f"ServerRoot {tmp_path}", f"PidFile {tmp_path}/httpd.pid",
        f"ErrorLog {tmp_path}/error.log",
        f"LoadModule mpm_event_module {MODULES}/mod_mpm_event.so",
        f"LoadModule authz_core_module {MODULES}/mod_authz_core.so",
        f"LoadModule alias_module {MODULES}/mod_alias.so",
        f"LoadModule wsgi_module {module_path()}" if wsgi else "# no mod_wsgi", body]))
    return conf


def httpd_says(tmp_path: Path, body: str) -> str | None:
    """``apache2 -t``'s words refusing ``body`` (a site file), None for "Syntax OK"."""
    (tmp_path / "site.conf").write_text(body)
    conf = main_config(tmp_path, f"Include {tmp_path}/site.conf\n")
    done = subprocess.run(["apache2", "-t", "-f", str(conf)], capture_output=True, text=True,
                          timeout=60, check=False, env=HTTPD_ENV)
    if done.returncode == 0:
        return None
    return re.sub(r"\s+", " ", done.stderr.rsplit("site.conf:", 1)[-1]).strip()


def lint_fragment(tmp_path: Path, body: str) -> list[tuple[int, str]]:
    (tmp_path / "site.conf").write_text(body)
    return refusals(lint_paths([tmp_path / "site.conf"]))


# --------------------------------------------------------------------------------------------
# ServerName: server/core.c server_hostname_port, apr_fnmatch_test, atoi

SERVER_NAMES = [
    ("www.example.com", None),
    ("*", INVALID.format('Invalid ServerName "*"')),
    ("?", INVALID.format('Invalid ServerName "?"')),
    ("*.example.com", INVALID.format('Invalid ServerName "*.example.com"')),
    ("http://*", INVALID.format('Invalid ServerName "http://*"')),
    ("a[b]", INVALID.format('Invalid ServerName "a[b]"')),
    ("[::1]", INVALID.format('Invalid ServerName "[::1]"')),  # brackets read as a wildcard
    ("a[b", None),  # a [ without ] is no wildcard
    ("a]b", None),
    ("a\\*b", None),  # escaped
    ("example.com:65535", None),
    ("example.com:80abc", None),  # atoi stops at the first non-digit
    ("example.com:4294967376", None),  # atoi keeps the low 32 bits: 80
    ("http://example.com:8080", None),
    ("example.com:", PORT.format("example.com:")),
    ("example.com:0", PORT.format("example.com:0")),
    ("example.com:65536", PORT.format("example.com:65536")),
    ("example.com:-1", PORT.format("example.com:-1")),
    ("example.com:abc", PORT.format("example.com:abc")),
    ('"two words"', None),  # quoted: one argument
    ("two words", "ServerName takes one argument, The hostname and port of the server"),
]


@pytest.mark.parametrize(("value", "words"), SERVER_NAMES)
def test_server_names_httpd_refuses_are_errors(tmp_path: Path, value: str,
                                               words: str | None) -> None:
    found = lint_fragment(tmp_path, f"<VirtualHost *:80>\n    ServerName {value}\n"
                                    f"</VirtualHost>\n")
    assert found == ([] if words is None else [(2, f"httpd will not start: {words}")])


@needs_httpd
@pytest.mark.parametrize(("value", "words"), SERVER_NAMES)
def test_httpd_judges_server_names_the_same(tmp_path: Path, value: str,
                                            words: str | None) -> None:
    assert httpd_says(tmp_path, f"ServerName {value}\n") == words


def test_wildcards_and_ports_as_apr_and_c_read_them() -> None:
    assert [fnmatch_test(p) for p in ("a*", "a\\*", "a\\", "[", "]", "[]", "a\\[b]")] == [
        True, False, False, False, False, True, False]
    assert [atoi(t) for t in ("80", " +80x", "", "x80", "99999999999999999999")] == [
        80, 80, 0, 0, -1]


# --------------------------------------------------------------------------------------------
# closing tags: server/config.c ap_build_config_sub, ap_build_cont_config,
# ap_soak_end_container

CLOSE_TAGS = [
    ("<Location />\n</Location>\n", None, None),
    ("<Location />\n</location>\n", None, None),  # names compared without regard to case
    ("<Location />\n</LOCATION>\n", None, None),
    ("<Location />\n</Location> trailing words\n", None, None),
    ('<Location />\n"</Location>"\n', None, None),  # quotes go as ap_getword_conf drops them
    ("<Location />\n</Location >\n", 2, "</Location> directive missing closing '>'"),
    ("<Location />\n</Location>>\n", 2, "Expected </Location> but saw </Location>>"),
    ("<Location />\n</Location>x\n", 2, "</Location>x> directive missing closing '>'"),
    ('<LocationMatch "^/a">\n</Location>\n', 2,
     "Expected </LocationMatch> but saw </Location>"),
    ("</Location>\n", 1, "</Location> without matching <Location> section"),
    # a conditional httpd reads: the whole line must be the closing tag
    ("<IfDefine !NOSUCH>\n</ifdefine>\n", None, None),
    ("<IfDefine !NOSUCH>\n</IfDefine >\n", 2, "</IfDefine without matching <IfDefine section"),
    ("<IfDefine !NOSUCH>\n</IfDefine> trailing\n", 2,
     "</IfDefine> without matching <IfDefine> section"),
    # a conditional httpd skips: the last character of the first word is dropped
    ("<IfDefine NOSUCH>\n</IfDefine> trailing\n", None, None),
    ("<IfDefine NOSUCH>\n</IfDefine >\n", 2, "Expected </IfDefine> but saw </IfDefin>"),
    ("<IfDefine NOSUCH>\n<Location />\n</LocationMatch>\n</IfDefine>\n", 3,
     "Expected </Location> but saw </LocationMatch>"),
]


@pytest.mark.parametrize(("body", "line", "words"), CLOSE_TAGS)
def test_closing_tags_httpd_refuses_are_errors_at_their_line(
        tmp_path: Path, body: str, line: int | None, words: str | None) -> None:
    found = lint_fragment(tmp_path, body)
    assert [(n, words is not None and words in m) for n, m in found] == (
        [] if line is None else [(line, True)])


@needs_httpd
@pytest.mark.parametrize(("body", "line", "words"), CLOSE_TAGS)
def test_httpd_judges_closing_tags_the_same(tmp_path: Path, body: str, line: int | None,
                                            words: str | None) -> None:
    assert httpd_says(tmp_path, body) == words


def test_a_macro_body_is_not_judged(tmp_path: Path) -> None:
    # mod_macro keeps a <Macro> body as text: only a Use of it is parsed
    body = "<Macro M $x>\n<Location $x>\n</LocationMatch>\n</Macro>\n"
    assert lint_fragment(tmp_path, body) == []


# --------------------------------------------------------------------------------------------
# one fault, one finding: httpd's refusal and the static finding


CONTINUED_DUPLICATE = """\
WSGIDaemonProcess shop processes=2
WSGIDaemonProcess shop \\
    processes=2 \\
    threads=1
"""


@pytest.mark.skipif(not HTTPD or not MOD_WSGI, reason="needs apache2 and the test mod_wsgi")
def test_httpd_naming_the_last_line_of_a_continued_directive_is_the_same_fault(
        tmp_path: Path) -> None:
    # httpd names line 11, the continued directive's last line; the rule names line 9
    conf = main_config(tmp_path, CONTINUED_DUPLICATE, wsgi=True)
    result = lint_paths([conf], httpd_check=True)
    assert [(f.code, f.line) for f in result.findings if f.severity.fails] == [
        ("duplicate_daemon", 9)]


@needs_httpd
@pytest.mark.parametrize(("body", "line"), [
    ("ServerName *\n", 8),  # httpd names the same line
    ("<IfDefine NOSUCH>\n</IfDefine >\n", 9),  # httpd names line 8, where <IfDefine> opens
])
def test_httpd_refusing_what_a_rule_reports_adds_nothing(tmp_path: Path, body: str,
                                                        line: int) -> None:
    result = lint_paths([main_config(tmp_path, body)], httpd_check=True)
    assert [(f.code, f.line) for f in result.findings if f.severity.fails] == [("config", line)]


def refusal(file: str, line: int, words: str) -> ConfigFinding:
    return ConfigFinding("config", Severity.ERROR, file, line,
                         f"httpd will not start: {words} (apache2 -t)")


def test_a_refusal_elsewhere_or_in_other_words_is_kept(tmp_path: Path) -> None:
    conf = tmp_path / "site.conf"
    conf.write_text(CONTINUED_DUPLICATE + "<IfDefine NOSUCH>\n</IfDefine >\n")
    site = load_site([conf])
    static = run_rules(site)
    file = str(conf)
    assert {(f.code, f.line) for f in static if f.severity.fails} == {
        ("duplicate_daemon", 2), ("config", 6)}
    same = [refusal(file, n, "Name duplicates previous WSGI daemon definition.")
            for n in (2, 3, 4)] + [refusal(file, 5, "Expected </IfDefine> but saw </IfDefin>")]
    other = [refusal(file, 1, "Name duplicates previous WSGI daemon definition."),
             refusal(file, 5, "Expected </IfModule> but saw </IfModul>")]
    assert not_yet_reported(site, static, same + other) == other
