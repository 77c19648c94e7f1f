"""Start-up: what ``probe`` imports before it does anything (never how long it takes).

A Nagios server starts ``probe check`` once a minute per service, so the commands
that answer at once (``--version``, ``--help``, a bad manifest) must not load the
libraries only a sweep, a report or the exporter needs.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

HEAVY = {"requests", "urllib3", "rich", "structlog", "prometheus_client", "psutil", "pycurl",
         "importlib.metadata", "asyncio"}
"""Libraries that cost tens of milliseconds to import, or that only some commands need."""


CONSOLE_SCRIPT = Path(sys.executable).parent / "probe"
"""The ``probe`` console script (probe.entry), as Nagios and a shell start it."""


def imported(*args: str, cwd: Path | None = None, ran: str = "probe.cli",
             script: bool = False) -> set[str]:
    """Every module ``python -m probe ARGS`` (``script``: the console script) imported, from
    -X importtime (os._exit proof)."""
    how = [str(CONSOLE_SCRIPT)] if script else ["-m", "probe"]
    result = subprocess.run([sys.executable, "-X", "importtime", *how, *args],
                            capture_output=True, text=True, timeout=60, cwd=cwd, check=False)
    modules = {line.rpartition("|")[2].strip() for line in result.stderr.splitlines()
               if line.startswith("import time:")}
    assert ran in modules, result.stderr[-2000:]
    return modules


@pytest.mark.parametrize("args", [("--help",), ("sweep", "--help"), ("exporter", "--help")])
def test_answers_without_heavy_imports(args: tuple[str, ...]) -> None:
    assert imported(*args) & HEAVY == set()


JUDGEMENT = {"click", "probe.cli", "nagiosplugin", "probe.model", "probe.report",
             "probe.report.nagios", "probe.report.nagios_evaluate", "probe.addresses",
             "probe.sweep", "probe.transport", "probe.diagnose"}
"""What ``probe check`` needs only to sweep and judge: click (the plugin parses its own
arguments), nagiosplugin, the model, the reports, the sweep."""


@pytest.mark.parametrize("script", [True, False], ids=["console script", "python -m probe"])
@pytest.mark.parametrize("args", [("check", "--help"), ("check", "-h"), ("check", "--version"),
                                  ("check", "-V"), ("check", "-m", "x.toml", "--bogus"),
                                  ("check",)])
def test_the_plugin_answers_its_command_line_without_click(args: tuple[str, ...],
                                                          script: bool) -> None:
    modules = imported(*args, ran="probe.check.args", script=script)
    assert modules & (JUDGEMENT | HEAVY) == set()
    # Nothing of the check itself either: the parser answered.
    assert {"probe.check.plugin", "probe.manifest", "dataclasses"} & modules == set()
    if args[-1] in ("--help", "-h", "--version", "-V"):  # not even the status line
        assert {"probe.check.status_line", "probe.safe_text"} & modules == set()


MISSING = "missing.toml"
BAD_MANIFESTS = {
    "missing": None,
    "directory": "",
    "not TOML": "[instances\n",
    "not a manifest": "[instances.a]\nurls = ['ftp://x/']\n",
}


@pytest.mark.parametrize("script", [True, False], ids=["console script", "python -m probe"])
@pytest.mark.parametrize("bad", list(BAD_MANIFESTS))
def test_a_bad_manifest_is_unknown_without_click_or_the_judgement(
        tmp_path: Path, bad: str, script: bool) -> None:
    path = tmp_path / MISSING
    text = BAD_MANIFESTS[bad]
    if text == "":
        path.mkdir()
    elif text is not None:
        path.write_text(text, encoding="utf-8")
    modules = imported("check", "-m", str(path), ran="probe.check.args", script=script)
    if text != "":  # a directory is refused by the parser, as a usage error
        assert "probe.manifest" in modules  # it really tried to read the manifest
    assert modules & (JUDGEMENT | HEAVY) == set()


NOT_FOR_THE_ANSWER = {"nagiosplugin", "click", "logging", "structlog", "rich", "secrets",
                      "random", "hmac", "hashlib", "socket", "probe.apache.config",
                      "probe.apache.model", "probe.apache.site_build", "http.client",
                      "email"}
"""What a check's answer does not need: nagiosplugin (its Range is probe.check.ranges), the
standard logging module (the plugin writes no log line), secrets and hmac (a nonce is random
bytes; a signature is checked only with a token), socket (no name to resolve with --connect),
the Apache configuration model (diagnosis reads probe.apache.names only)."""


def test_a_good_manifest_is_judged(tmp_path: Path) -> None:
    """The other side of the laziness: once the manifest is read, the check sweeps and judges,
    and imports nothing its answer does not need."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    path = tmp_path / "site.toml"
    path.write_text(f'[probe]\nconnect = "127.0.0.1:{port}"\nsamples = 1\n'
                    '[instances.a]\nlabel = "a"\nurls = ["http://a.example/"]\n', encoding="utf-8")
    modules = imported("check", "-m", str(path), ran="probe.check.args", script=True)
    assert {"probe.sweep", "probe.report.nagios_evaluate", "pycurl", "probe.diagnose",
            "probe.check.ranges"} <= modules
    assert modules & NOT_FOR_THE_ANSWER == set()


ARGUMENT_PARSING = {"argparse", "gettext", "locale"}
"""The standard library's parser and its translations: ``probe check -m FILE`` with simple
options is parsed without them; ``--help`` and every error still go through argparse."""

NOT_FOR_AN_OK_CHECK = NOT_FOR_THE_ANSWER | ARGUMENT_PARSING | {
    "probe.front", "probe.diagnose.join", "probe.diagnose.join_wording",
    "probe.diagnose.nginx_causes", "probe.diagnose.causes", "probe.diagnose.causes_site",
    "probe.diagnose.causes_sharing", "zoneinfo", "_hashlib", "base64"}
"""What a check of one URL answered by its instance through Apache does not need: the front
configuration interface and its join (only with a configuration, which check never reads),
nginx's and direct application servers' wording (only for their answers), the causes of a
wrong answer (only for a problem), time zone data (only when an answer names its time zone,
as Django's do), hashlib (only with a token), base64 (a nonce is binascii's)."""


def endpoint_app(label: str) -> Any:
    """The contrib endpoint in front of a 404, answering as Apache's mod_wsgi would say."""
    from probe.endpoint_source import load_module

    def not_found(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    inner = load_module(f"startup_endpoint_{label}").wrap(not_found, label=label)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ["mod_wsgi.process_group"] = label
        environ["mod_wsgi.application_group"] = "a.example|"
        environ["mod_wsgi.version"] = (5, 0, 0)  # what makes the front Apache
        return inner(environ, start_response)

    return app


def test_an_ok_check_of_one_url_imports_only_what_its_answer_needs(tmp_path: Path) -> None:
    """A real answer (the endpoint's JSON, judged live, diagnosed ok), as a monitoring
    system asks once a minute: the parts only other answers need stay unimported."""
    from tests.loopback_wsgi import serve

    path = tmp_path / "site.toml"
    with serve(endpoint_app("a")) as port:
        path.write_text(f'[probe]\nconnect = "127.0.0.1:{port}"\nsamples = 1\n'
                        '[instances.a]\nlabel = "a"\nprocess_group = "a"\n'
                        'urls = ["http://a.example/"]\n', encoding="utf-8")
        result = subprocess.run([sys.executable, "-X", "importtime", str(CONSOLE_SCRIPT),
                                 "check", "-m", str(path)], capture_output=True, text=True,
                                timeout=60, check=False)
    assert result.stdout.startswith("WSGI-PROBE OK - 1 URL answered by the expected instance"), \
        result.stdout + result.stderr[-2000:]
    modules = {line.rpartition("|")[2].strip() for line in result.stderr.splitlines()
               if line.startswith("import time:")}
    assert {"probe.sweep", "probe.diagnose", "pycurl", "probe.liveness"} <= modules
    assert modules & NOT_FOR_AN_OK_CHECK == set()
    # No [probe] config: neither the module that reads one nor lint's rules.
    assert {m for m in modules if m == "probe.front_config" or m.startswith("probe.lint")} \
        == set()


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_the_version_is_answered_before_click(flag: str) -> None:
    modules = imported(flag, ran="probe.entry")
    assert {"click", "probe.cli", "nagiosplugin", "probe.check.plugin", "probe.manifest",
            "probe.sweep"} & modules == set()
    assert modules & HEAVY == set()


def test_the_fast_version_is_what_click_prints() -> None:
    from click.testing import CliRunner

    from probe.cli import main

    fast = subprocess.run([sys.executable, "-m", "probe", "--version"], capture_output=True,
                          text=True, timeout=60, check=True)
    assert fast.stdout == CliRunner().invoke(main, ["--version"]).output
    assert fast.stdout == f"wsgi-probe, version {probe_version()}\n"


def probe_version() -> str:
    import probe

    return probe.__version__


def test_the_version_is_the_installed_distributions() -> None:
    from importlib.metadata import version

    import probe

    assert probe.__version__ == version("wsgi-probe")


def test_a_quiet_sweep_loads_no_logging_or_terminal_libraries() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    modules = imported("sweep", f"http://127.0.0.1:{port}/", "--samples", "1",
                       "--format", "json")
    assert "pycurl" in modules  # it really probed
    assert modules & {"structlog", "rich", "requests", "urllib3"} == set()


def test_a_verbose_sweep_does_load_structlog() -> None:
    # The other side of the laziness: events that are written still go through structlog.
    modules = imported("sweep", "http://127.0.0.1:1/", "--samples", "1", "--format", "json",
                       "-v")
    assert "structlog" in modules


def test_a_check_sent_to_the_resident_checker_imports_almost_nothing(tmp_path: Path) -> None:
    """``probe check --via``: the client imports the socket layer and the framing, not the
    plugin's parser, the manifest, the model or the sweep (the server runs those)."""
    from tests.monitoring_helpers import check_server

    sock = tmp_path / "check.sock"
    with check_server(sock):
        modules = imported("check", "-m", "missing.toml", "--via", str(sock), cwd=tmp_path,
                           ran="probe.check.client", script=True)
    assert modules & (JUDGEMENT | HEAVY) == set()
    assert {"probe.check.args", "argparse", "probe.manifest", "dataclasses", "socket",
            "enum", "typing", "probe.exits"} & modules == set()


TEARDOWN_SEEN = "import atexit, sys; atexit.register(lambda: print('TEARDOWN RAN', flush=True)); "


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_finished_sweep_ends_without_the_teardown_and_keeps_its_output(
        tmp_path: Path, fmt: str) -> None:
    """``probe sweep`` ends at once when it is done (probe.entry): its report whole on
    stdout, its exit status kept, and no interpreter teardown (an atexit hook never runs)."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    path = tmp_path / "site.toml"
    urls = ", ".join(f'"http://a.example/p{i}/"' for i in range(300))
    path.write_text(f'[probe]\nconnect = "127.0.0.1:{port}"\nsamples = 1\n'
                    f'[instances.a]\nlabel = "a"\nurls = [{urls}]\n', encoding="utf-8")
    code = (TEARDOWN_SEEN + "sys.argv = ['probe', 'sweep', '-m', sys.argv[1], '--format', "
            "sys.argv[2], '--no-extra-probes']; from probe.entry import main; main()")
    result = subprocess.run([sys.executable, "-c", code, str(path), fmt], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 1, result.stderr[-2000:]  # every URL unreachable: a problem
    assert "TEARDOWN RAN" not in result.stdout
    if fmt == "json":
        import json

        report = json.loads(result.stdout)  # whole: it parses
        assert len(report["targets"]) == 300
    else:
        assert "300 URLs" in result.stdout, result.stdout[-500:]


def test_other_commands_keep_the_teardown() -> None:
    """Only a finished sweep skips it: here the hook runs, so the check above can fail."""
    code = TEARDOWN_SEEN + "sys.argv = ['probe', 'lint', '--help']; " \
        "from probe.entry import main; main()"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "TEARDOWN RAN" in result.stdout
