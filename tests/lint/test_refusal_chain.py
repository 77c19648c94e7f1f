"""httpd's refusals after the first: ``apache2 -t`` names one refusal and stops, so lint runs
it again on a scratch copy with each refused directive commented out (a comment after a
directive gives one refusal per line). Real ``apache2`` throughout; a counting ``apache2`` on
PATH in front of the real one says how many runs a configuration costs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from probe.apache import load_site
from probe.apache.apachectl import parse_dump
from probe.lint import lint_paths
from probe.lint.apachectl import compare
from probe.lint.findings import Severity
from probe.lint.httpd_check import MAX_RUNS
from tests.lint.corpus_tools import MOD_WSGI, httpd, module_path
from tests.lint.test_httpd_refusals import main_config

REAL = shutil.which("apache2") or shutil.which("apache2", path="/usr/sbin")
needs_httpd = pytest.mark.skipif(REAL is None, reason="needs Debian's apache2")


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A file with one line per ``apache2`` run lint makes (the real apache2 does the work)."""
    shim, log = tmp_path / "bin", tmp_path / "runs.log"
    shim.mkdir()
    (shim / "apache2").write_text(f'#!/bin/sh\necho run >> "{log}"\nexec "{REAL}" "$@"\n')
    (shim / "apache2").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim}{os.pathsep}{os.environ['PATH']}")
    log.write_text("")
    return log


def lint_site(tmp_path: Path, site: str, *, fragment: bool = False
              ) -> list[tuple[str, int, str]]:
    """Errors of ``probe lint`` on a main configuration including ``site`` (or on ``site``
    alone, in lint's wrapper, with ``fragment``), by file relative to ``tmp_path``: a
    finding in a scratch copy would fail here. The site file must come out unchanged."""
    (tmp_path / "site.conf").write_text(site)
    conf = main_config(tmp_path, f"Include {tmp_path}/site.conf\n")
    result = lint_paths([tmp_path / "site.conf"], httpd_check=True, apachectl=True) \
        if fragment else lint_paths([conf], httpd_check=True)
    assert (tmp_path / "site.conf").read_text() == site  # the user's file is never touched
    found = [(str(Path(f.file).relative_to(tmp_path)), f.line, f.message)
             for f in result.findings if f.severity is Severity.ERROR]
    assert not any("probe-lint-" in message for _, _, message in found)  # no scratch path
    return found


def count(runs: Path) -> int:
    return len(runs.read_text().splitlines())


CHAIN = """\
ServerName a.example # the site's name
LimitRequestBody 102400 # body size
<Location /static>
    SetHandler none # served by httpd
</Location>
"""


@needs_httpd
def test_every_refusal_of_a_chain_in_an_included_file(tmp_path: Path, runs: Path) -> None:
    found = lint_site(tmp_path, CHAIN)
    assert [(name, line) for name, line, _ in found] == [
        ("site.conf", 1), ("site.conf", 2), ("site.conf", 4)]
    assert "LimitRequestBody takes one argument" in found[1][2]
    assert "SetHandler takes one argument" in found[2][2]
    assert count(runs) == 4  # refusing line 1 (the static ServerName rule's finding), 2, 4
    # and the copy with all three commented out, which httpd accepts


@needs_httpd
def test_a_clean_configuration_costs_one_run(tmp_path: Path, runs: Path) -> None:
    assert lint_site(tmp_path, "ServerName a.example\nLimitRequestBody 102400\n") == []
    assert count(runs) == 1


@needs_httpd
def test_a_refused_section_line_ends_the_chain(tmp_path: Path, runs: Path) -> None:
    # httpd cuts <Location>'s arguments at the last '>': "/x> # a -" is several arguments.
    # Commenting the tag out would leave </Location> unmatched: the chain stops there.
    found = lint_site(tmp_path, "<Location /x> # a -> b\n</Location>\nSetHandler none # x\n")
    assert [(line, "Multiple <Location> arguments" in m) for _, line, m in found] == [
        (1, True)]
    assert count(runs) == 1
    assert [(line, "unbalance the sections" in m) for line, m in stopped(tmp_path)] == [
        (1, True)]


@needs_httpd
def test_a_continued_directive_is_commented_out_whole(tmp_path: Path, runs: Path) -> None:
    # httpd names line 2, the last of the continued directive; commenting out line 2 alone
    # would leave line 1 continued into a comment, refused again at line 2
    site = "LimitRequestBody 1 \\\n    2\nSetHandler none # x\n"
    found = lint_site(tmp_path, site)
    assert [(line, m.split(":")[1].split(" takes")[0].strip()) for _, line, m in found] == [
        (2, "LimitRequestBody"), (3, "SetHandler")]


@needs_httpd
def test_a_nested_refusal_is_at_the_innermost_file(tmp_path: Path) -> None:
    # LoadModule is read while httpd reads the Include: httpd says "Syntax error on line 8
    # of httpd.conf: Syntax error on line 2 of site.conf: LoadModule takes two arguments"
    site = "ServerAdmin a@example.com\nLoadModule alias_module /x/mod_alias.so # x\n"
    found = lint_site(tmp_path, site)
    assert [(name, line) for name, line, _ in found] == [("site.conf", 2)]
    assert "LoadModule takes two arguments" in found[0][2]
    assert "Syntax error" not in found[0][2]


@needs_httpd
def test_a_comment_after_a_section_tag_opens_the_section(tmp_path: Path) -> None:
    site = ("Listen 127.0.0.1:8123\n<VirtualHost 127.0.0.1:8123> # the site\n"
            "    ServerName a.example\n</VirtualHost>\n")
    assert lint_site(tmp_path, site) == []
    conf = tmp_path / "httpd.conf"
    [server] = load_site([conf]).vhosts
    assert (server.server_name, server.line) == ("a.example", 2)
    done = httpd("-S", conf)
    assert done.returncode == 0, done.stderr
    assert compare(load_site([conf]), parse_dump(done.stdout)) == []


@needs_httpd
def test_a_chain_in_a_site_file_checked_alone(tmp_path: Path, runs: Path) -> None:
    # --apachectl: the site file inside lint's wrapper; the wrapper's copy includes the copy
    found = lint_site(tmp_path, "SetHandler none # x\nLimitRequestBody 1 # y\n", fragment=True)
    assert [(name, line) for name, line, _ in found] == [("site.conf", 1), ("site.conf", 2)]
    # -t thrice (refusal, refusal, clean); no -S: a fragment loads no MPM, so --apachectl
    # says it needs the main configuration instead of relaying "No MPM loaded"
    assert count(runs) == 3


@pytest.mark.skipif(REAL is None or not MOD_WSGI, reason="needs apache2 and the test mod_wsgi")
def test_no_invalid_command_once_a_load_module_is_commented_out(tmp_path: Path) -> None:
    # the comment breaks the LoadModule; once it is commented out, httpd does not know
    # WSGIDaemonProcess ("Invalid command"): the comment's doing, not a second fault
    site = f"LoadModule wsgi_module {module_path()} # ours\nWSGIDaemonProcess shop\n"
    found = lint_site(tmp_path, site)
    assert [(name, line) for name, line, _ in found] == [("site.conf", 1)]
    [(line, message)] = stopped(tmp_path)  # and lint says it stopped there
    assert line == 1 and "(Invalid command 'WSGIDaemonProcess'" in message


def stopped(tmp_path: Path) -> list[tuple[int, str]]:
    """The notes saying lint stopped looking for refusals, by line of site.conf (the last
    ``lint_site`` run, linted again)."""
    conf = tmp_path / "httpd.conf"
    return [(f.line, f.message) for f in lint_paths([conf], httpd_check=True).findings
            if f.severity is Severity.NOTE and "not looked for" in f.message]


@needs_httpd
def test_a_refused_define_nothing_uses_is_passed(tmp_path: Path, runs: Path) -> None:
    # httpd: "Define takes 1-2 arguments"; no ${SITE} or <IfDefine SITE> anywhere, so the
    # copy without it reads as httpd will once the comment is gone
    found = lint_site(tmp_path, "Define SITE shop # ours\nSetHandler none # x\n")
    assert [(name, line) for name, line, _ in found] == [("site.conf", 1), ("site.conf", 2)]
    assert count(runs) == 3  # refusal, refusal, the copy httpd accepts
    assert stopped(tmp_path) == []


@needs_httpd
@pytest.mark.parametrize("use", [
    "ServerAdmin admin@${SITE}.example\n",
    "<IfDefine SITE>\n    ServerAdmin admin@shop.example\n</IfDefine>\n",
    "<IfDefine !SITE>\n    ServerAdmin admin@shop.example\n</IfDefine>\n",
], ids=["variable", "ifdefine", "ifdefine-not"])
def test_a_refused_define_something_uses_ends_the_chain(tmp_path: Path, runs: Path,
                                                        use: str) -> None:
    # commented out, ${SITE} would be "not defined" and <IfDefine SITE> read otherwise:
    # nothing after it is judged, and lint says the list may be incomplete
    found = lint_site(tmp_path, f"Define SITE shop # ours\n{use}SetHandler none # x\n")
    assert [(name, line) for name, line, _ in found] == [("site.conf", 1)]
    assert count(runs) == 1
    [(line, message)] = stopped(tmp_path)
    assert line == 1 and "${SITE} or <IfDefine SITE>" in message
    assert "there may be more" in message


def root_config(tmp_path: Path, root: str) -> Path:
    """A main configuration whose own ServerRoot line carries a comment: httpd refuses it
    ("ServerRoot takes one argument"), lint runs apache2 -t with -d the file's directory."""
    conf = main_config(tmp_path, "SetHandler none # x\n")
    conf.write_text(conf.read_text().replace(f"ServerRoot {tmp_path}\n",
                                             f"ServerRoot {root} # the root\n"))
    return conf


@needs_httpd
def test_a_refused_server_root_naming_the_same_root_is_passed(tmp_path: Path) -> None:
    result = lint_paths([root_config(tmp_path, str(tmp_path))], httpd_check=True)
    assert [(f.line, f.severity) for f in result.findings if f.code == "config"] == [
        (1, Severity.ERROR), (8, Severity.ERROR)]


@needs_httpd
def test_a_refused_server_root_moving_the_root_ends_the_chain(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    result = lint_paths([root_config(tmp_path, str(tmp_path / "elsewhere"))],
                        httpd_check=True)
    found = [(f.line, f.severity) for f in result.findings if f.code == "config"]
    assert found == [(1, Severity.ERROR), (1, Severity.NOTE)]
    assert "relative paths after it would be read elsewhere" in result.findings[-1].message


@needs_httpd
def test_the_run_limit_is_said(tmp_path: Path, runs: Path) -> None:
    site = "".join(f"SetHandler none # {n}\n" for n in range(MAX_RUNS + 3))
    found = lint_site(tmp_path, site)
    assert [line for _, line, _ in found] == list(range(1, MAX_RUNS + 1))
    assert count(runs) == MAX_RUNS
    [(line, message)] = stopped(tmp_path)
    assert line == MAX_RUNS and f"at most {MAX_RUNS} times" in message


@pytest.mark.skipif(REAL is None or shutil.which("apache2ctl", path="/usr/sbin") is None,
                    reason="needs Debian's apache2 and apache2ctl")
def test_a_chain_in_a_debian_tree_through_apache2ctl(tmp_path: Path) -> None:
    # apache2ctl sources the tree's envvars and reads the copy of apache2.conf; the relative
    # IncludeOptional and the sites-enabled symlink lead to the copies too
    etc = tmp_path / "apache2"
    for sub in ("sites-available", "sites-enabled"):
        (etc / sub).mkdir(parents=True)
    (etc / "envvars").write_text("".join(
        f"export APACHE_{name}={tmp_path}/{value}\n" for name, value in [
            ("RUN_DIR", "run"), ("PID_FILE", "run/apache2.pid"), ("LOCK_DIR", "lock"),
            ("LOG_DIR", "log")]))
    (tmp_path / "log").mkdir()
    (etc / "apache2.conf").write_text(
        "PidFile ${APACHE_PID_FILE}\nErrorLog ${APACHE_LOG_DIR}/error.log\n"
        "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n"
        "IncludeOptional sites-enabled/*.conf\n")
    site = "ServerAdmin a@example.com\nSetHandler none # x\nLimitRequestBody 1 # y\n"
    (etc / "sites-available" / "shop.conf").write_text(site)
    (etc / "sites-enabled" / "shop.conf").symlink_to("../sites-available/shop.conf")
    result = lint_paths([etc], httpd_check=True)
    assert [(Path(f.file).relative_to(etc), f.line) for f in result.findings
            if f.severity is Severity.ERROR] == [
        (Path("sites-enabled/shop.conf"), 2), (Path("sites-enabled/shop.conf"), 3)]
    assert (etc / "sites-available" / "shop.conf").read_text() == site


@pytest.mark.skipif(REAL is None or not MOD_WSGI, reason="needs apache2 and the test mod_wsgi")
@pytest.mark.parametrize("daemon", [
    "WSGIDaemonProcess shop threads=5 # ours\n",
    "WSGIDaemonProcess shop \\\n    threads=5 # ours\n",  # httpd names the last line
], ids=["one-line", "continued"])
def test_no_missing_group_once_its_daemon_process_is_commented_out(tmp_path: Path,
                                                                   daemon: str) -> None:
    # mod_wsgi refuses process-group= with application-group= for a group not defined yet
    # ("WSGI process group not yet configured"): commenting out the WSGIDaemonProcess the
    # comment broke would report that at the two lines after it
    (tmp_path / "site.conf").write_text(
        f"{daemon}"
        "WSGIScriptAlias / /x/wsgi.py process-group=shop application-group=%{GLOBAL}\n"
        "WSGIImportScript /x/wsgi.py process-group=shop application-group=%{GLOBAL}\n")
    conf = main_config(tmp_path, f"Include {tmp_path}/site.conf\n", wsgi=True)
    result = lint_paths([conf], httpd_check=True)
    assert [(Path(f.file).name, f.line) for f in result.findings
            if f.severity is Severity.ERROR] == [("site.conf", 1)]
