"""What httpd refuses to start with, found statically, at the line to change:
``ServerName`` values judged as httpd 2.4 judges them (every case is also run through real
``apache2 -t`` where it is installed, so the table is httpd's answer, not a guess)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from probe.lint import LintResult, lint_paths
from probe.lint.findings import Severity
from probe.lint.server_name_rules import atoi, fnmatch_test
from tests.lint.corpus_tools import HTTPD_ENV, module_path

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
