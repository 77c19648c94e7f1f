"""``probe sweep``: exit status, error lines, output files, ad hoc URLs (docs/cli.md)."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from probe.cli import main
from probe.endpoint_source import load_module
from tests.loopback_wsgi import App, deny_all, serve
from tests.monitoring_helpers import closed_port

PROBE = [sys.executable, "-m", "probe"]



def not_found(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


def wrapped(label: str) -> App:
    app: App = load_module(f"cli_endpoint_{label.replace('-', '_')}").wrap(not_found, label=label)
    return app


def router(*, longest_first: bool = True, embedded: bool = False) -> App:
    """site-1.example.com with / (project-1) and /suburl (project-2); anything else: 403."""
    root = ("", wrapped("project-1"), "" if embedded else "project-1")
    sub = ("/suburl", wrapped("project-2"), "" if embedded else "project-2")
    mounts = [sub, root] if longest_first else [root, sub]

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST", "").rsplit(":", 1)[0]
        if host not in ("site-1.example.com", "127.0.0.1"):
            return deny_all(environ, start_response)
        path = environ["PATH_INFO"]
        for mount, inner, group in mounts:
            if mount == "" or path == mount or path.startswith(mount + "/"):
                environ["SCRIPT_NAME"], environ["PATH_INFO"] = mount, path[len(mount):]
                environ["mod_wsgi.process_group"] = group
                environ["mod_wsgi.application_group"] = f"{host}|{mount}"
                return inner(environ, start_response)
        return deny_all(environ, start_response)

    return app


@pytest.fixture
def start() -> Iterator[Callable[[App], int]]:
    with ExitStack() as stack:
        yield lambda app: stack.enter_context(serve(app))


MANIFEST = """\
[probe]
samples = 2
timeout = 5

[instances.project-1]
label = "project-1"
urls = ["http://site-1.example.com/"]

[instances.project-2]
label = "project-2"
urls = ["http://site-1.example.com/suburl/"]

[refuse]
urls = ["http://unknown.invalid/"]
"""


@pytest.fixture
def manifest_file(tmp_path: Path) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(MANIFEST, encoding="utf-8")
    return path


def sweep(*args: str) -> Result:
    return CliRunner().invoke(main, ["sweep", *args])


def assert_one_error_line(result: Result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr == f"probe: {message}\n"
    assert result.stdout == ""
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# --- exit status 0 and 1 ----------------------------------------------------------------------


def test_exit_0_when_all_ok(start: Callable[[App], int], manifest_file: Path) -> None:
    port = start(router())
    result = sweep("-m", str(manifest_file), "--connect", f"127.0.0.1:{port}")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    for url in ("http://site-1.example.com/", "http://site-1.example.com/suburl/",
                "http://unknown.invalid/"):
        assert url in result.stdout
    assert "OK: 3 URLs, 3 ok, 0 problems, 0 findings" in result.stdout


def test_exit_1_when_a_problem_is_found(start: Callable[[App], int], manifest_file: Path) -> None:
    port = start(router(longest_first=False))
    result = sweep("-m", str(manifest_file), "--connect", f"127.0.0.1:{port}")
    assert result.exit_code == 1, result.output
    # The answer shows the mount at / took /suburl/; why (alias order, a rewrite) only the
    # configuration tells: the table says so.
    assert "wrong_instance" in result.stdout
    assert "cause undetermined: alias_order or url_mapping" in result.stdout
    assert "CRITICAL: 3 URLs, 2 ok, 1 problem, 0 findings" in result.stdout


def test_warning_exits_0_unless_fail_on_warning(
    start: Callable[[App], int], manifest_file: Path
) -> None:
    port = start(router(embedded=True))
    args = ["-m", str(manifest_file), "--connect", f"127.0.0.1:{port}", "--format", "json"]
    plain = sweep(*args)
    strict = sweep(*args, "--fail-on-warning")
    data = json.loads(plain.stdout)
    assert data["summary"]["status"] == "warning"
    assert [f["code"] for f in data["findings"]] == ["embedded_shared_process"]
    assert (plain.exit_code, strict.exit_code) == (0, 1)


def test_restarted_after_makes_old_instances_stale(
    start: Callable[[App], int], manifest_file: Path
) -> None:
    port = start(router())  # its applications start now
    # A deploy a minute later (within the clock skew allowed; a later one is refused).
    deployed = datetime.fromtimestamp(time.time() + 60, UTC).isoformat()
    result = sweep("-m", str(manifest_file), "--connect", f"127.0.0.1:{port}",
                   "--restarted-after", deployed, "--format", "json")
    assert result.exit_code == 1
    verdicts = {t["url"]: t["verdict"] for t in json.loads(result.stdout)["targets"]}
    assert verdicts == {
        "http://site-1.example.com/": "stale",
        "http://site-1.example.com/suburl/": "stale",
        "http://unknown.invalid/": "ok",
    }


def test_a_deploy_time_in_the_future_is_refused() -> None:
    # It made every URL stale: "old code is still serving after the deploy".
    result = sweep("http://127.0.0.1:9/", "--restarted-after", "2099-01-01T00:00:00Z")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("probe: --restarted-after: '2099-01-01T00:00:00Z' is later "
                                    "than this machine's clock (")
    assert result.stderr.count("\n") == 1


def test_command_line_overrides_the_manifest(
    start: Callable[[App], int], manifest_file: Path
) -> None:
    port = start(router())
    result = sweep("-m", str(manifest_file), "--connect", f"127.0.0.1:{port}",
                   "--samples", "4", "--concurrency", "1", "--format", "json")
    assert result.exit_code == 0
    assert {t["samples"] for t in json.loads(result.stdout)["targets"]} == {4}


def test_unreachable_connect_address_exits_1(manifest_file: Path) -> None:
    result = sweep("-m", str(manifest_file), "--connect", "127.0.0.1:9", "--samples", "1",
                   "--format", "json")
    assert result.exit_code == 1
    assert {t["verdict"] for t in json.loads(result.stdout)["targets"]} == {"unreachable"}


# --- exit status 2: exactly one line on stderr ------------------------------------------------


def test_bad_manifest(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text('[instances.p]\nurls = ["http://a.example/", "a.example"]\n',
                    encoding="utf-8")
    assert_one_error_line(
        sweep("-m", str(path)), f"{path}: instances.p.urls[1]: not an http(s) URL: 'a.example'"
    )


def test_manifest_with_unknown_key(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text("[probe]\nsamles = 2\n" + MANIFEST.replace("[probe]\n", ""),
                    encoding="utf-8")
    result = sweep("-m", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"probe: {path}: probe.samles: unknown key")
    assert result.stderr.count("\n") == 1


def test_manifest_toml_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text("[probe\n", encoding="utf-8")
    result = sweep("-m", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"probe: {path}: TOML syntax error: ")
    assert "line 1, column" in result.stderr
    assert result.stderr.count("\n") == 1


def test_missing_manifest(tmp_path: Path) -> None:
    path = tmp_path / "none.toml"
    assert_one_error_line(
        sweep("-m", str(path)), f"{path}: cannot read manifest: No such file or directory"
    )


def test_bad_url() -> None:
    assert_one_error_line(
        sweep("site-2.example.com"),
        "command line: URL[0]: not an http(s) URL: 'site-2.example.com'",
    )


def test_urls_and_manifest_together(manifest_file: Path) -> None:
    assert_one_error_line(
        sweep("http://a.example/", "-m", str(manifest_file)),
        "give URLs or -m MANIFEST, not both",
    )


def test_neither_urls_nor_manifest() -> None:
    assert_one_error_line(sweep(), "nothing to probe: give URLs or -m MANIFEST")


BAD_CONNECT = "command line: --connect: not HOST or HOST:PORT:"


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--samples", "0"], "command line: --samples: must be at least 1"),
        (["--timeout", "0"],
         "command line: --timeout: must be more than 0 and at most 86400 seconds, not 0.0"),
        (["--timeout", "nan"],
         "command line: --timeout: must be more than 0 and at most 86400 seconds, not nan"),
        (["--timeout", "inf"],
         "command line: --timeout: must be more than 0 and at most 86400 seconds, not inf"),
        (["--timeout", "1e308"],
         "command line: --timeout: must be more than 0 and at most 86400 seconds, not 1e+308"),
        (["--concurrency", "0"], "command line: --concurrency: must be at least 1"),
        (["--samples", "99999999999999999999"],  # was OverflowError, then MemoryError
         "command line: --samples: must be at most 10000, not 99999999999999999999"),
        (["--concurrency", "99999999999999999999"],
         "command line: --concurrency: must be at most 1000, not 99999999999999999999"),
        (["--connect", "localhost:"], f"{BAD_CONNECT} 'localhost:'"),
        (["--connect", "127.0.0.1:²"], f"{BAD_CONNECT} '127.0.0.1:²'"),
        (["--connect", "host:80:90"], f"{BAD_CONNECT} 'host:80:90'"),
        (["--connect", "http://127.0.0.1:8080"], f"{BAD_CONNECT} 'http://127.0.0.1:8080'"),
    ],
)
def test_bad_option_values(option: list[str], message: str) -> None:
    assert_one_error_line(sweep("http://a.example/", *option), message)


@pytest.mark.parametrize(("args", "message"), [
    (["sweep", "--timeout", "abc", "http://a.example/"],
     "Invalid value for '--timeout': 'abc' is not a valid float. (see 'probe sweep --help')"),
    (["sweep", "--format", "xml", "http://a.example/"],
     "Invalid value for '--format': 'xml' is not one of 'table', 'json', 'junit'. "
     "(see 'probe sweep --help')"),
    (["lint", "--bogus"], "No such option '--bogus'. (see 'probe lint --help')"),
    (["nosuch"], "No such command 'nosuch'. (see 'probe --help')"),
    (["--bogus"], "No such option '--bogus'. (see 'probe --help')"),
])
def test_click_usage_errors_are_one_line(args: list[str], message: str) -> None:
    """click writes usage, a hint, a blank line and the error; a user's error is one line."""
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.stderr == f"probe: {message}\n"
    assert result.stdout == ""


@pytest.mark.parametrize(("args", "message"), [
    (["endpoint", "--bogus"], "No such option '--bogus'. (see 'probe endpoint --help')"),
    (["endpoint", "--install"],  # click gives this error no context: the command is named still
     "Option '--install' requires an argument. (see 'probe endpoint --help')"),
    (["--bogus"], "No such option '--bogus'. (see 'probe --help')"),
])
def test_usage_errors_name_probe_when_run_as_a_module(args: list[str], message: str) -> None:
    """Run as ``python -m probe`` the program's name is three words: the hint names the
    command 'probe endpoint', never 'probe -m probe endpoint'."""
    result = CliRunner().invoke(main, args, prog_name="python -m probe")
    assert result.exit_code == 2, result.output
    assert result.stderr == f"probe: {message}\n"
    real = subprocess.run([*PROBE, *args], capture_output=True, text=True, timeout=60,
                          check=False)
    assert (real.returncode, real.stderr) == (2, f"probe: {message}\n")


def test_dash_output_is_stdout_and_an_empty_one_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"http://127.0.0.1:{closed_port()}/"
    result = CliRunner().invoke(main, ["sweep", url, "--samples", "1", "--format", "json",
                                       "-o", "-"])
    assert json.loads(result.stdout)["summary"]["targets"] == 1
    assert list(tmp_path.iterdir()) == []  # no file named "-"
    empty = CliRunner().invoke(main, ["sweep", url, "-o", ""])
    assert empty.exit_code == 2 and empty.stdout == ""
    assert empty.stderr == ("probe: Invalid value for '-o' / '--output': an empty path (- is "
                            "stdout) (see 'probe sweep --help')\n")


def test_no_arguments_still_show_the_help() -> None:
    result = CliRunner().invoke(main, [])
    assert "Commands:" in result.output and "sweep" in result.output


def test_unreadable_token_file(tmp_path: Path) -> None:
    missing = tmp_path / "token"
    assert_one_error_line(
        sweep("http://127.0.0.1:9/", "--token-file", str(missing)),
        f"token file {str(missing)!r} cannot be read: No such file or directory",
    )


@pytest.mark.parametrize(("content", "reason"), [
    (None, "No such file or directory"), (b"", "no PEM certificate in it"),
    (b"\xff not PEM", "no PEM certificate in it")])
def test_a_ca_file_that_cannot_be_used(tmp_path: Path, content: bytes | None,
                                       reason: str) -> None:
    # Was every https URL unreachable, "Check the server's certificate".
    ca = tmp_path / "ca.pem"
    if content is not None:
        ca.write_bytes(content)
    assert_one_error_line(sweep("https://127.0.0.1:9/", "--ca-file", str(ca)),
                          f"CA file {str(ca)!r} cannot be used: {reason}")


def test_output_file_that_cannot_be_written(
    start: Callable[[App], int], manifest_file: Path, tmp_path: Path
) -> None:
    port = start(router())
    target = tmp_path / "no-such-dir" / "report.json"
    result = sweep("-m", str(manifest_file), "--connect", f"127.0.0.1:{port}",
                   "--format", "json", "-o", str(target))
    assert result.exit_code == 2, repr(result.exception)
    assert result.stderr.startswith("probe: ")
    assert str(target) in result.stderr
    assert result.stderr.count("\n") == 1


def test_real_process_prints_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text("[instances.p]\nurls = []\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "probe", "sweep", "-m", str(path)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2
    assert done.stderr == f"probe: {path}: instances.p.urls: give at least one URL\n"
    assert done.stdout == ""


# --- output formats and files -----------------------------------------------------------------


def test_json_to_a_file(start: Callable[[App], int], manifest_file: Path, tmp_path: Path) -> None:
    port = start(router(longest_first=False))
    out = tmp_path / "report.json"
    result = sweep("-m", str(manifest_file), "--connect", f"127.0.0.1:{port}",
                   "--format", "json", "-o", str(out))
    assert result.exit_code == 1
    assert result.stdout == ""
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["schema"] == 1
    assert data["summary"]["status"] == "critical"
    assert data["summary"]["targets"] == 3
    by_url = {t["url"]: t for t in data["targets"]}
    sub = by_url["http://site-1.example.com/suburl/"]
    assert (sub["expected"], sub["verdict"], sub["cause"]) == (
        "project-2", "wrong_instance", None,
    )
    assert [c["cause"] for c in sub["candidates"]] == ["alias_order", "url_mapping"]
    assert {"kind": "observed", "claim": "request.script_name = ''",
            "source": "GET http://site-1.example.com/suburl/__probe__"} in sub["evidence"]
    assert sub["samples"] == 2
    assert sub["observed"]["label"] == "project-1"
    assert by_url["http://unknown.invalid/"]["expected"] is None


def test_junit_to_a_file(start: Callable[[App], int], manifest_file: Path, tmp_path: Path) -> None:
    port = start(router())
    out = tmp_path / "report.xml"
    result = sweep("-m", str(manifest_file), "--connect", f"127.0.0.1:{port}",
                   "--format", "junit", "-o", str(out))
    assert result.exit_code == 0
    suite = ET.fromstring(out.read_bytes())  # noqa: S314 - our own output
    assert [c.get("name") for c in suite.iter("testcase")] == [
        "http://site-1.example.com/", "http://site-1.example.com/suburl/",
        "http://unknown.invalid/",
    ]
    assert suite.get("failures") == "0"


def test_verbose_json_logs_each_request_on_stderr(
    start: Callable[[App], int], manifest_file: Path
) -> None:
    port = start(router())
    result = sweep("-m", str(manifest_file), "--connect", f"127.0.0.1:{port}",
                   "--format", "json", "-v", "--log-format", "json")
    assert result.exit_code == 0
    json.loads(result.stdout)  # the report stays clean on stdout
    events = [json.loads(line) for line in result.stderr.splitlines()]
    probes = [e for e in events if e.get("event") == "probe"]
    assert len(probes) == 6  # 3 URLs x 2 samples
    assert {e["url"] for e in probes} == {
        "http://site-1.example.com/__probe__", "http://site-1.example.com/suburl/__probe__",
        "http://unknown.invalid/__probe__",
    }


# --- ad hoc URLs ------------------------------------------------------------------------------


def test_ad_hoc_urls(start: Callable[[App], int]) -> None:
    port = start(router())
    root, sub = f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{port}/suburl/"
    result = sweep(root, sub, "--samples", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(t["url"], t["expected"], t["verdict"], t["answered_by"]) for t in data["targets"]] == [
        (root, "*", "ok", "project-1"),
        (sub, "*", "ok", "project-2"),
    ]
    assert data["findings"] == []


def test_ad_hoc_urls_still_report_findings(start: Callable[[App], int]) -> None:
    port = start(router(embedded=True))
    root, sub = f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{port}/suburl/"
    result = sweep(root, sub, "--samples", "1", "--format", "json")
    data = json.loads(result.stdout)
    assert {t["verdict"] for t in data["targets"]} == {"ok"}
    assert [(f["code"], f["instances"]) for f in data["findings"]] == [
        ("embedded_shared_process", ["project-1", "project-2"]),
    ]
    assert result.exit_code == 0


def test_ad_hoc_table_shows_the_map(start: Callable[[App], int]) -> None:
    port = start(router())
    root = f"http://127.0.0.1:{port}/"
    result = sweep(root, "--samples", "1")
    assert result.exit_code == 0
    (row,) = [line for line in result.stdout.splitlines() if root in line]
    assert [c.strip() for c in row.strip("│").split("│")][:3] == [root, "*", "project-1"]


def test_ctrl_c_prints_what_was_gathered_and_exits_130_without_waiting(tmp_path: Path) -> None:
    # A server that accepts and never answers: the request would wait its 120 s timeout.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(silent.accept()[0]), daemon=True).start()
    refused = socket.socket()
    refused.bind(("127.0.0.1", 0))
    closed_port = refused.getsockname()[1]
    refused.close()
    refused_url = f"http://127.0.0.1:{closed_port}/"
    process = subprocess.Popen(
        [*PROBE, "sweep", f"http://127.0.0.1:{port}/", refused_url,
         "--timeout", "120", "--samples", "1", "-v", "--log-format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    # The refused URL's answer is in once the sweep logs its probe event: an event, not a sleep.
    stderr_lines: list[str] = []
    refused_logged = threading.Event()

    def read_stderr() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            stderr_lines.append(line)
            if '"probe"' in line and refused_url in line:
                refused_logged.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        assert refused_logged.wait(30), "".join(stderr_lines)
        deadline = time.monotonic() + 20
        while not accepted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert accepted, "the sweep never connected to the silent server"
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)  # far less than the request timeout
        reader.join(timeout=10)
    finally:
        process.kill()
        silent.close()
        for conn in accepted:
            conn.close()
    err = "".join(stderr_lines)
    assert process.returncode == 130, err
    assert "interrupted: partial results" in out
    assert refused_url in out  # what was gathered is printed
    # The request Ctrl-C stopped is not gathered: no verdict blames the silent server for it.
    assert f"127.0.0.1:{port}/" not in out
    assert "cut short" not in out
    assert "Traceback" not in err


@pytest.mark.parametrize("columns", [80, 160])
def test_table_fits_the_terminal_width(start: Callable[[App], int], manifest_file: Path,
                                       columns: int) -> None:
    """The width comes from the environment the CLI builds ($COLUMNS here), not from
    whatever terminal the report might find."""
    port = start(router(longest_first=False))
    result = CliRunner().invoke(main, ["sweep", "-m", str(manifest_file), "--connect",
                                       f"127.0.0.1:{port}"], env={"COLUMNS": str(columns)})
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert [line for line in lines if len(line) > columns] == []
    assert any("http://site-1.example.com/suburl/" in line for line in lines)
    assert "…" not in result.output


# --- the configuration join -----------------------------------------------------------------


def test_config_that_does_not_exist_is_one_line(manifest_file: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.conf"
    result = sweep("-m", str(manifest_file), "--config", str(missing))
    assert_one_error_line(result, f"--config {missing}: no such file or directory")


def test_two_configs_are_refused_not_one_silently_kept(manifest_file: Path,
                                                       tmp_path: Path) -> None:
    # T32: 'sweep --config nginx.conf --config httpd.conf' read httpd.conf alone (click keeps
    # the last); neither file need exist: the refusal comes first
    outer, inner = tmp_path / "nginx.conf", tmp_path / "httpd.conf"
    result = sweep("-m", str(manifest_file), "--config", str(outer), "--config", str(inner))
    assert_one_error_line(result, f"--config given 2 times ({outer}, {inner}): one front's "
                                  f"configuration is read per sweep. Give the front the URL "
                                  f"reaches first for which site and mount takes it (its host "
                                  f"and mount routing), or the inner one for what it passes on "
                                  f"to the application (the Host, the path, the backend); "
                                  f"sweep again with the other")


def test_a_missing_config_from_the_manifest_is_named_as_the_manifest_names_it(
        manifest_file: Path) -> None:
    text = manifest_file.read_text()
    manifest_file.write_text(text.replace("[probe]\n", '[probe]\nconfig = "nope.conf"\n', 1))
    result = sweep("-m", str(manifest_file))
    assert_one_error_line(result, f"[probe] config {manifest_file.parent / 'nope.conf'}: "
                                  "no such file or directory")


def test_apachectl_needs_a_configuration(manifest_file: Path) -> None:
    result = sweep("-m", str(manifest_file), "--apachectl")
    assert_one_error_line(result, "--apachectl needs --config PATH (or [probe] config)")


def test_config_from_the_manifest_names_the_line(start: Callable[[App], int],
                                                 manifest_file: Path, tmp_path: Path) -> None:
    port = start(router(longest_first=False))
    conf = tmp_path / "httpd.conf"
    conf.write_text(f"<VirtualHost *:{port}>\n    ServerName site-1.example.com\n"
                    f"    WSGIScriptAlias / /srv/project-1/wsgi.py process-group=project-1\n"
                    f"    WSGIScriptAlias /suburl /srv/project-2/wsgi.py "
                    f"process-group=project-2\n</VirtualHost>\n")
    text = manifest_file.read_text()
    assert text.startswith("[probe]\n")
    manifest_file.write_text(text.replace("[probe]\n", '[probe]\nconfig = "httpd.conf"\n', 1))
    result = sweep("-m", str(manifest_file), "--connect", f"127.0.0.1:{port}", "--format",
                   "json")
    data = json.loads(result.stdout)
    sub = next(t for t in data["targets"] if t["url"] == "http://site-1.example.com/suburl/")
    assert sub["verdict"] == "wrong_instance"
    configured = [e["source"] for e in sub["evidence"] if e["kind"] == "configured"]
    assert f"{conf}:3" in configured, sub
