"""``probe check`` and ``probe exporter`` read the manifest's ``[probe] config`` as ``probe
sweep`` does, on real Apache/mod_wsgi (scenario "ordering": /suburl/ is swallowed by the
root alias above it).

The configured evidence (``file:line``) a sweep of the manifest reports must be what the
check's long output cites (standalone and through the resident checker) and what the
exporter's page shows; a configuration that cannot be read leaves the measured state and
says so once.
"""

from __future__ import annotations

import html
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from probe.check.status_line import clean_text
from tests.monitoring_helpers import (
    check_server,
    log_events,
    parse_output,
    same_check,
    start_exporter,
)

from .apache import ApacheServer, scenario_manifest, scenario_template
from .conftest import ApacheFactory
from .daemons import warm
from .test_monitoring_apache import metrics
from .test_scenarios import probe_command

pytestmark = pytest.mark.apache

SUB = "http://site-1.example.com/suburl/"


@pytest.fixture(scope="module")
def server(apache_module: ApacheFactory) -> ApacheServer:
    running = apache_module(scenario_template("ordering"))
    warm(running)
    return running


def manifest(server: ApacheServer, config: str) -> Path:
    """The scenario's manifest beside the server's httpd.conf, naming ``config`` relative to
    itself (as an operator's manifest would)."""
    path = server.server_root / f"site-{config.replace('.', '-')}.toml"
    path.write_text(f'[probe]\nconfig = "{config}"\n'
                    + scenario_manifest("ordering").read_text(encoding="utf-8"))
    return path


def run(server: ApacheServer, *args: str, cwd: Path | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*probe_command(), *args, "--connect", server.connect], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False,
                          stdin=subprocess.DEVNULL)


def sweep_says(server: ApacheServer, site: Path) -> dict[str, Any]:
    """What ``probe sweep -m SITE`` reports for /suburl/: the configured cause, citing the
    server's httpd.conf by ``file:line``."""
    done = run(server, "sweep", "-m", str(site), "--format", "json", "--timeout", "30")
    report: dict[str, Any] = json.loads(done.stdout)
    target: dict[str, Any]
    [target] = [t for t in report["targets"] if t["url"] == SUB]
    assert target["cause"] == "alias_order", target
    sources = [e["source"] for e in target["evidence"] if e["kind"] == "configured"]
    assert sources and all(s.startswith(f"{server.conf_path}:") for s in sources), target
    assert any(s in target["explanation"] for s in sources), target
    assert any(s in target["fix"] for s in sources), target
    return target


def check(server: ApacheServer, site: Path, *args: str) -> tuple[int, str, list[str], str]:
    done = run(server, "check", "-m", str(site), "-t", "60", "-vv", *args)
    context = f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert done.stderr == "", context
    status, _perf, lines = parse_output(done.stdout)
    return done.returncode, status, lines, context


def test_check_cites_the_lines_the_sweep_cites(server: ApacheServer) -> None:
    site = manifest(server, "httpd.conf")
    target = sweep_says(server, site)
    code, status, lines, context = check(server, site)
    assert code == 2 and status.startswith("WSGI-PROBE CRITICAL - 1 of 6 URLs misrouted"), \
        context
    assert status.endswith("answered by project-1 (alias_order)"), context
    [line] = [line for line in lines if line.startswith(f"CRITICAL: {SUB} ")]
    # The sweep's explanation and fix, word for word (a plugin line has no "|").
    assert line.endswith(f"): {clean_text(target['explanation'])} "
                         f"Fix: {clean_text(target['fix'])}"), (target, context)
    assert not any("configuration not read" in line for line in lines), context


def test_an_unreadable_configuration_leaves_the_measured_state(server: ApacheServer) -> None:
    site = manifest(server, "gone.conf")
    code, status, lines, context = check(server, site)
    assert code == 2 and status.startswith("WSGI-PROBE CRITICAL - 1 of 6 URLs misrouted"), \
        context
    assert lines[0] == ("configuration not read, explanations made without it: [probe] "
                        f"config {server.server_root / 'gone.conf'}: no such file or "
                        "directory"), context
    assert sum("configuration not read" in line for line in lines) == 1, context
    assert not any(str(server.conf_path) in line for line in lines), context


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Path]:
    sock = tmp_path / "check.sock"
    with check_server(sock, cwd=tmp_path):
        yield sock


@pytest.mark.parametrize("config", ["httpd.conf", "gone.conf"])
def test_the_resident_checker_reads_it_too(server: ApacheServer, served: Path,
                                           config: str) -> None:
    site = manifest(server, config)
    args = ("check", "-m", str(site), "-t", "60", "-vv")
    standalone = run(server, *args)
    via = run(server, *args, "--via", str(served))
    same_check(standalone, via)
    assert (str(server.conf_path) in via.stdout) is (config == "httpd.conf"), via.stdout
    assert ("configuration not read" in via.stdout) is (config == "gone.conf"), via.stdout


def test_the_exporter_diagnoses_with_it(server: ApacheServer) -> None:
    site = manifest(server, "httpd.conf")
    target = sweep_says(server, site)
    running = start_exporter(["-m", str(site), "--connect", server.connect])
    try:
        swept = metrics(running.get("/metrics").text)
        page = running.get("/").text
        probed = metrics(running.get("/probe", params={"target": SUB}).text)
    finally:
        _, stderr = running.stop()
    causes = {labels["url"]: labels["cause"] for labels, _ in swept["wsgi_probe_url_verdict"]}
    assert causes[SUB] == "alias_order", causes
    [(labels, _)] = probed["wsgi_probe_url_verdict"]
    assert labels["cause"] == "alias_order", labels
    # The page (HTML-escaped) shows the sweep's explanation and fix.
    assert html.escape(target["explanation"], quote=True) in page, page
    assert html.escape(target["fix"], quote=True) in page, page
    assert not [e for e in log_events(stderr) if e["event"] == "exporter_config_unread"]


def test_the_exporter_serves_without_an_unreadable_configuration(server: ApacheServer) -> None:
    site = manifest(server, "gone.conf")
    running = start_exporter(["-m", str(site), "--connect", server.connect])
    try:
        swept = metrics(running.get("/metrics").text)
    finally:
        _, stderr = running.stop()
    unread = [e for e in log_events(stderr) if e["event"] == "exporter_config_unread"]
    assert [e["error"] for e in unread] == [
        f"[probe] config {server.server_root / 'gone.conf'}: no such file or directory"], stderr
    assert swept["wsgi_probe_sweep_success"] == [({}, 1.0)]
    causes = {labels["url"]: labels["cause"] for labels, _ in swept["wsgi_probe_url_verdict"]}
    assert causes[SUB] != "alias_order", causes  # measured, not configured: undetermined
