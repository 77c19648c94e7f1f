"""A ``ServerRoot`` written with a variable the environment gives at start (cfgov's
httpd.conf, cfpb/consumerfinance.gov cfgov/apache/conf/httpd.conf: ``PassEnv
APACHE_SERVER_ROOT`` then ``ServerRoot "${APACHE_SERVER_ROOT}"``): without the variable httpd
stops at the ServerRoot line ("ServerRoot must be a valid directory", checked with
``env -u APACHE_SERVER_ROOT apache2 -t -f httpd.conf``), never at the relative Include after
it, so lint says so there and reads that Include against no root rather than calling it
missing."""

from __future__ import annotations

from pathlib import Path

from probe.lint import LintResult, Severity, lint_paths

# the lines of cfgov's httpd.conf that matter, in order (tester corpus t-lint20, :5 :15 :17)
CFGOV = """\
PassEnv APACHE_SERVER_ROOT
ServerRoot "${APACHE_SERVER_ROOT}"
Include conf.modules.d/*.conf
ServerName www.example.com
"""


def lint_cfgov(tmp_path: Path, environ: dict[str, str] | None = None) -> LintResult:
    conf = tmp_path / "conf" / "httpd.conf"
    conf.parent.mkdir()
    conf.write_text(CFGOV)
    modules = tmp_path / "conf.modules.d"
    modules.mkdir()
    (modules / "00-base.conf").write_text("ServerAdmin root@localhost\n")
    return lint_paths([conf], environ=environ)


def test_an_undefined_server_root_is_said_at_its_line_not_as_a_missing_include(
        tmp_path: Path) -> None:
    result = lint_cfgov(tmp_path)
    assert not [f for f in result.findings if f.severity is Severity.ERROR]
    [root] = [f for f in result.findings if f.line == 2]
    assert root.code == "config" and root.severity is Severity.NOTE
    assert "httpd starts only with APACHE_SERVER_ROOT set in its environment" in root.message
    assert "ServerRoot must be a valid directory" in root.message
    assert "is not defined (httpd keeps it as written)" not in root.message
    [include] = [f for f in result.findings if f.line == 3]
    assert include.severity is Severity.NOTE
    assert f"relative to the ServerRoot at {tmp_path}/conf/httpd.conf:2" in include.message
    assert "no such file" not in include.message


def test_with_the_variable_given_the_include_is_read(tmp_path: Path) -> None:
    result = lint_cfgov(tmp_path, {"APACHE_SERVER_ROOT": str(tmp_path)})
    assert not result.findings
    assert str(tmp_path / "conf.modules.d" / "00-base.conf") in result.files
