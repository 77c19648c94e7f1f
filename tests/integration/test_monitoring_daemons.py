"""The shipped monitoring configs run by the real daemons against real Apache/mod_wsgi.

- icinga2 with contrib/nagios/wsgi-probe.conf, with and without the optional host variables;
  the check result is read from the state file icinga2 writes when it stops;
- nagios4 with contrib/nagios/wsgi-probe.cfg (interval_length 1), service state and plugin
  output read from status.dat;
- prometheus with contrib/prometheus (1 s intervals, short ``for:``), asked over its HTTP API;
- the exporter's page rendered by headless Chromium.

Marked ``daemons``: each starts a daemon, so ``-m "not daemons"`` leaves them out while
iterating. They are already the short version (one forced check, one HARD state, an alert
seen pending rather than waited for until it fires: under a minute together), and that is
what CI (scripts/test-all) runs.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.monitoring_helpers import (
    NAGIOS_SITE_OBJECTS,
    PROBE,
    check_server,
    start_exporter,
)

from .apache import ApacheServer, scenario_manifest, scenario_template
from .conftest import ApacheFactory
from .daemons import icinga_state, nagios_status, running, tool, wait_for, warm
from .prometheus_daemon import every_second, prometheus

pytestmark = [pytest.mark.apache, pytest.mark.daemons]

UNDETERMINED = "cause undetermined: alias_order or url_mapping"
"""Why /suburl/ went wrong, from the answers alone (no configuration given)."""

CONTRIB = Path(__file__).resolve().parents[2] / "contrib"
INSTALLED_PROBE = "/usr/local/bin/probe"
SUB = "http://site-1.example.com/suburl/"


@dataclass(frozen=True)
class Sites:
    healthy: ApacheServer
    misrouted: ApacheServer
    """The alias-order misroute: /suburl/ is answered by the root application."""


@pytest.fixture(scope="module")
def sites(apache_module: ApacheFactory) -> Sites:
    found = Sites(apache_module(scenario_template("healthy")),
                  apache_module(scenario_template("ordering")))
    warm(found.healthy)
    warm(found.misrouted)
    return found


def manifest(tmp: Path, name: str, server: ApacheServer | None) -> Path:
    """The scenario's manifest; with ``server``, one whose [probe] connect names it."""
    text = scenario_manifest("ordering" if name == "misrouted" else "healthy").read_text()
    # A request timeout to spare: the machine running the tests may be busy.
    connect = f'connect = "{server.connect}"\n' if server is not None else ""
    text = f"[probe]\n{connect}samples = 2\ntimeout = 10\n\n" + text
    path = tmp / f"{name}{'-connect' if server else ''}.toml"
    path.write_text(text)
    return path


def shipped(path: Path) -> str:
    """A shipped file with the test environment's ``probe`` for the installed one."""
    return path.read_text().replace(INSTALLED_PROBE, PROBE[0])


# -- icinga2 ----------------------------------------------------------------------------------

ICINGA_DIRS = {"DataDir": "data", "LogDir": "log", "CacheDir": "cache", "SpoolDir": "spool",
               "InitRunDir": "run", "ConfigDir": "etc"}


def test_icinga2_runs_the_shipped_check(tmp_path: Path, sites: Sites) -> None:
    """Three hosts, one daemon: the optional variables unset, all set, and a healthy site.

    With none of the optional variables on a host, the command line must not carry an empty
    ``--connect ''`` (it did: every such check was UNKNOWN, which ``icinga2 daemon -C``
    cannot see).
    """
    icinga2 = tool("icinga2")
    for sub in ICINGA_DIRS.values():
        (tmp_path / sub).mkdir()
    (tmp_path / "wsgi-probe.conf").write_text(shipped(CONTRIB / "nagios" / "wsgi-probe.conf"))
    token = tmp_path / "token"
    # A token these loopback-mode endpoints do not hold: a probe with a token accepts only
    # signed answers, so every URL of that host is not_live (forged).
    token.write_text("a-token-the-endpoints-do-not-hold\n")
    plain = manifest(tmp_path, "misrouted", sites.misrouted)
    bare = manifest(tmp_path, "misrouted", None)
    healthy = manifest(tmp_path, "healthy", sites.healthy)
    command = tmp_path / "run" / "command"
    sock = tmp_path / "check.sock"  # all-vars: its check runs in the resident checker
    (tmp_path / "icinga2.conf").write_text(f"""
include "{tmp_path}/wsgi-probe.conf"
object IcingaApplication "app" {{ }}
object CheckerComponent "checker" {{ }}
object ExternalCommandListener "command" {{ command_path = "{command}" }}
object FileLogger "main" {{ path = "{tmp_path}/log/icinga2.log"; severity = "notice" }}
object CheckCommand "alive" {{ command = [ "/bin/true" ] }}
object Host "no-vars" {{
  check_command = "alive"
  vars.wsgi_probe_manifest = "{plain}"
}}
object Host "all-vars" {{
  check_command = "alive"
  vars.wsgi_probe_manifest = "{bare}"
  vars.wsgi_probe_connect = "{sites.misrouted.connect}"
  vars.wsgi_probe_token_file = "{token}"
  vars.wsgi_probe_warning = "0"
  vars.wsgi_probe_critical = "7"
  vars.wsgi_probe_timeout = 40
  vars.wsgi_probe_via = "{sock}"
}}
object Host "healthy" {{
  check_command = "alive"
  vars.wsgi_probe_manifest = "{healthy}"
}}
""")
    hosts = ("no-vars", "all-vars", "healthy")
    defines = [f"-D{k}={tmp_path / v}" for k, v in ICINGA_DIRS.items()]
    log = tmp_path / "log" / "icinga2.log"
    args = [icinga2, "daemon", "-c", str(tmp_path / "icinga2.conf"), *defines,
            "-DRunAsUser=root", "-DRunAsGroup=root"]
    with check_server(sock), running("icinga2", args, workdir=tmp_path) as daemon:
        wait_for(lambda: command.exists() or None, what="icinga2's command pipe",
                 timeout=60, context=daemon.log)
        # The shipped check_interval is 5 minutes: ask for the checks now, as an admin would.
        now = int(time.time())
        with command.open("w") as pipe:
            for host in hosts:
                pipe.write(f"[{now}] SCHEDULE_FORCED_SVC_CHECK;{host};wsgi-routing;{now}\n")

        def finished() -> int | None:
            text = log.read_text(errors="replace") if log.exists() else ""
            done = text.count(f"('{PROBE[0]}' 'check'")
            return done if done >= len(hosts) else None

        wait_for(finished, what="three wsgi-probe checks to finish", timeout=120,
                 context=lambda: log.read_text(errors="replace")[-5000:])
        assert daemon.stop() == 0, daemon.log()
    state = icinga_state(tmp_path / "data" / "icinga2.state")
    results = {host: state[f"Service:{host}!wsgi-routing"]["last_check_result"]
               for host in hosts}
    context = "\n".join(f"{h}: {r['command']} -> {r['exit_status']} {r['output']}"
                        for h, r in results.items())
    for result in results.values():
        assert "" not in result["command"], context
    assert "--connect" not in results["no-vars"]["command"], context
    assert "--token-file" not in results["no-vars"]["command"], context
    # Without the optional variables: the plugin's own answer, CRITICAL for the misroute.
    assert results["no-vars"]["exit_status"] == 2, context
    assert results["no-vars"]["output"].startswith(
        "WSGI-PROBE CRITICAL - 1 of 6 URLs misrouted: site-1.example.com/suburl/ answered by "
        f"project-1 ({UNDETERMINED})"), context
    # Every optional variable reaches the command line, and -w 0 -c 7 makes four problems
    # (the four unsigned answers; the two refused URLs stay ok) WARNING.
    command_line = results["all-vars"]["command"]
    for option, value in (("--connect", sites.misrouted.connect), ("--token-file", str(token)),
                          ("-w", "0"), ("-c", "7"), ("-t", "40"), ("--via", str(sock))):
        assert command_line[command_line.index(option) + 1] == value, context
    assert results["all-vars"]["exit_status"] == 1, context
    assert results["all-vars"]["output"].startswith("WSGI-PROBE WARNING - 4 of 6 URLs failing"), \
        context
    assert results["healthy"]["exit_status"] == 0, context
    assert results["healthy"]["output"].startswith("WSGI-PROBE OK - 4 URLs answered"), context
    assert "--via" not in results["no-vars"]["command"], context
    # all-vars's check (and only it) ran in the resident checker.
    assert sock.with_suffix(".log").read_text().splitlines()[-1] == (
        "probe check: stopped after 1 check"), context


# -- nagios4 ----------------------------------------------------------------------------------

NAGIOS_OBJECTS = """
define timeperiod {
    timeperiod_name always
    alias always
    monday 00:00-24:00
    tuesday 00:00-24:00
    wednesday 00:00-24:00
    thursday 00:00-24:00
    friday 00:00-24:00
    saturday 00:00-24:00
    sunday 00:00-24:00
}""" + NAGIOS_SITE_OBJECTS


@pytest.mark.parametrize(("name", "via"), [("healthy", ""), ("misrouted", ""),
                                         ("misrouted", "console script"),
                                         ("misrouted", "written client")],
                         ids=["healthy", "misrouted", "misrouted-via-resident-checker",
                              "misrouted-written-client"])
def test_nagios4_runs_the_shipped_service(tmp_path: Path, sites: Sites, name: str,
                                         via: str) -> None:
    """The shipped command and service, scheduled by nagios4 (interval_length 1: the
    service's 5 and 1 are seconds), state and output read from status.dat; ``via``: the
    check sent to a resident ``probe check --serve`` with ``--via`` in $ARG2$, by the console
    script or by the file ``probe check --write-client`` writes, named in the command line
    in place of ``probe check``."""
    nagios = tool("nagios4", "nagios")
    server = sites.misrouted if name == "misrouted" else sites.healthy
    site = manifest(tmp_path, name, server)
    sock = tmp_path / "check.sock"
    objects = shipped(CONTRIB / "nagios" / "wsgi-probe.cfg").replace(
        "/etc/wsgi-probe/site.toml", str(site))
    if via:
        objects = objects.replace("!--perfdata-urls", f"!--perfdata-urls --via {sock}")
        assert str(sock) in objects
    if via == "written client":
        client = tmp_path / "check_wsgi_probe"
        subprocess.run([*PROBE, "check", "--write-client", str(client)], check=True,
                       capture_output=True, timeout=60)
        objects = objects.replace(f"{PROBE[0]} check ", f"{client} ")
        assert f"command_line    {client} -m " in objects, objects
    (tmp_path / "wsgi-probe.cfg").write_text(objects)
    (tmp_path / "minimal.cfg").write_text(NAGIOS_OBJECTS)
    (tmp_path / "results").mkdir()
    status = tmp_path / "status.dat"
    settings = {
        "log_file": tmp_path / "nagios.log", "cfg_file": tmp_path / "minimal.cfg",
        "check_result_path": tmp_path / "results", "lock_file": tmp_path / "nagios.lock",
        "temp_file": tmp_path / "nagios.tmp", "temp_path": tmp_path,
        "status_file": status, "object_cache_file": tmp_path / "objects.cache",
        "precached_object_file": tmp_path / "objects.precache",
        "state_retention_file": tmp_path / "retention.dat",
        "nagios_user": "root", "nagios_group": "root",
        "interval_length": 1, "status_update_interval": 1, "check_result_reaper_frequency": 1,
        # Every service checked at once after start, not spread over the interval.
        "service_inter_check_delay_method": "n", "max_service_check_spread": 1,
        "retain_state_information": 0, "use_retained_scheduling_info": 0,
        "check_external_commands": 0, "enable_notifications": 0, "use_syslog": 0,
        "service_check_timeout": 60,
    }
    lines = [f"{key}={value}" for key, value in settings.items()]
    lines.append(f"cfg_file={tmp_path / 'wsgi-probe.cfg'}")
    (tmp_path / "nagios.cfg").write_text("\n".join(lines) + "\n")

    def service() -> dict[str, str] | None:
        for block in nagios_status(status):
            if block.get("service_description") != "WSGI routing":
                continue
            # The misroute is only paged once it is HARD (max_check_attempts 2).
            if block.get("has_been_checked") == "1" and (
                    name == "healthy" or block.get("state_type") == "1"):
                return block
        return None

    with contextlib.ExitStack() as stack:
        if via:
            stack.enter_context(check_server(sock))
        daemon = stack.enter_context(
            running("nagios4", [nagios, str(tmp_path / "nagios.cfg")], workdir=tmp_path))
        found = wait_for(service, what="nagios4 to record the service's state", timeout=120,
                         context=lambda: daemon.log() + (tmp_path / "nagios.log").read_text(
                             errors="replace")[-3000:])
    if via:  # the resident checker ran the checks, not the plugin's local fallback
        served = sock.with_suffix(".log").read_text().splitlines()[-1]
        assert re.fullmatch(r"probe check: stopped after [1-9][0-9]* checks?", served), served
    context = "\n".join(f"{k}={v}" for k, v in found.items())
    if name == "healthy":
        assert found["current_state"] == "0", context
        assert found["plugin_output"] == ("WSGI-PROBE OK - 4 URLs answered by the expected "
                                          "instance, 2 URLs refused as required"), context
    else:
        assert found["current_state"] == "2" and found["state_type"] == "1", context
        assert found["plugin_output"] == (
            "WSGI-PROBE CRITICAL - 1 of 6 URLs misrouted: site-1.example.com/suburl/ "
            f"answered by project-1 ({UNDETERMINED})"), context
        # The long output names the URL, the candidate causes and what to change.
        assert UNDETERMINED in found["long_plugin_output"], context
        assert SUB in found["long_plugin_output"], context
    # --perfdata-urls from the shipped service: one response time per URL.
    assert "'site-1.example.com/'=" in found["performance_data"], context


# -- prometheus -------------------------------------------------------------------------------

PROMETHEUS_FILES = ["prometheus.yml", "prometheus-multi-target.yml"]


def prometheus_config(name: str, exporter: str) -> str:
    """A shipped scrape config for this machine: the exporter's address, 1 s intervals, the
    scenario's URLs for the multi-target job's examples."""
    text = (CONTRIB / "prometheus" / name).read_text()
    text = every_second(text.replace("127.0.0.1:8397", exporter))
    # The example's non-manifest URL (and its instance) -> one the ordering site serves.
    return text.replace("http://site-3.example.com/", "http://www.site-1.example.com/").replace(
        "__param_expected: project-3", "__param_expected: project-1")


@pytest.mark.parametrize("name", PROMETHEUS_FILES)
def test_prometheus_scrapes_and_alerts(tmp_path: Path, sites: Sites, name: str) -> None:
    """The shipped scrape config and rules in a real prometheus: the exporter is up, the
    misrouted URL has wsgi_probe_url_ok 0 (the others 1), and WSGIProbeMisroute goes pending
    for exactly that URL, once."""
    binary = tool("prometheus")
    site = manifest(tmp_path, "misrouted", sites.misrouted)
    exporter = start_exporter(["-m", str(site)])
    try:
        config = prometheus_config(name, exporter.address)
        with prometheus(binary, tmp_path, config) as prom:
            pending = prom.pending_misroute()
            up = prom.query("query", query="up")["result"]
            ok = prom.query("query", query="wsgi_probe_url_ok")["result"]
            targets = prom.query("targets")["activeTargets"]

            def cpu_seen() -> list[dict[str, Any]] | None:
                return prom.query("query", query="process_cpu_seconds_total")["result"] or None

            cpu = wait_for(cpu_seen, what="the exporter's process_cpu_seconds_total",
                           timeout=60, context=prom.daemon.log)
    finally:
        exporter.stop()
    context = f"alerts {pending}\nup {up}\nok {ok}\ntargets {targets}\ncpu {cpu}"
    # The exporter's own process, from one job only (its /metrics, or the exporters' job
    # beside the /probe one), so WSGIProbeExporterBusy can warn once per exporter.
    assert [sample["metric"]["instance"] for sample in cpu] == [exporter.address], context
    assert up and all(sample["value"][1] == "1" for sample in up), context
    by_url = {sample["metric"]["url"]: sample["value"][1] for sample in ok}
    assert by_url[SUB] == "0", context
    assert {url for url, value in by_url.items() if value == "0"} == {SUB}, context
    # One alert for the misrouted URL, with the cause /metrics gives it, still pending.
    [alert] = pending
    assert alert["state"] == "pending", context
    assert alert["labels"]["url"] == SUB, context
    # Undetermined without the configuration: an empty label, which Prometheus drops.
    assert "cause" not in alert["labels"], context


# -- the exporter page in chromium ------------------------------------------------------------

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One headless run in its own session, killed with its helpers if it hangs."""
    process = subprocess.Popen([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=120)
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_exporter_page_in_chromium(tmp_path: Path, sites: Sites) -> None:
    """The page as a browser renders it at laptop width (1280x800): the misroute first, as a
    block with its verdict, who answered, its explanation and fix; the healthy URLs as a
    short list; the overall status coloured. The screenshot stays in the test's tmp dir
    (pytest keeps the last three runs' dirs: /tmp/pytest-of-USER/pytest-current/...)."""
    from html.parser import HTMLParser

    binary = tool("chromium", "chromium-browser")
    site = manifest(tmp_path, "misrouted", sites.misrouted)
    exporter = start_exporter(["-m", str(site)])
    try:
        exporter.get("/metrics")  # the page shows the last sweep: make one
        url = exporter.url("/")
        dumped = chromium(binary, tmp_path / "profile", "--dump-dom", url)
        screenshot = tmp_path / "exporter-page.png"
        shot = chromium(binary, tmp_path / "profile", f"--screenshot={screenshot}",
                        "--window-size=1280,800", url)
    finally:
        exporter.stop()
    assert dumped.returncode == 0, dumped.stderr[-3000:]
    assert shot.returncode == 0 and screenshot.stat().st_size > 0, shot.stderr[-3000:]

    class Page(HTMLParser):
        """The text of each problem block's parts (by class), the healthy list's items, and
        the status badge's class."""

        def __init__(self) -> None:
            super().__init__()
            self.problems: list[dict[str, str]] = []
            self.healthy: list[str] = []
            self.status: str | None = None
            self.part: str | None = None
            self.in_ok_list = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            css = dict(attrs).get("class") or ""
            if tag == "article" and css == "problem":
                self.problems.append({})
            elif self.problems and css in ("url", "verdict", "fact-answered-by",
                                           "explanation", "fix") and not self.in_ok_list:
                self.part = css
                self.problems[-1].setdefault(css, "")
            elif tag == "ul" and css == "ok":
                self.in_ok_list = True
            elif tag == "li" and self.in_ok_list:
                self.healthy.append("")
            elif tag == "span" and css.startswith("status "):
                self.status = css

        def handle_endtag(self, tag: str) -> None:
            if tag in ("span", "dd", "p"):
                self.part = None
            if tag == "ul":
                self.in_ok_list = False

        def handle_data(self, data: str) -> None:
            if self.part and self.problems:
                self.problems[-1][self.part] += data
            elif self.in_ok_list and self.healthy:
                self.healthy[-1] += data

    parsed = Page()
    parsed.feed(dumped.stdout)
    context = dumped.stdout[-5000:]
    assert len(parsed.problems) == 1, context
    (first,) = parsed.problems
    assert first["url"] == SUB and first["verdict"] == f"wrong_instance ({UNDETERMINED})", \
        context
    assert first["fact-answered-by"] == "project-1", context
    assert "the mount at / took it" in first["explanation"], context
    assert "should be served by project-2" in first["explanation"], context
    assert first["fix"].startswith("Fix: Make the mount of project-2 at /suburl take its URLs "
                                   "before the one at /"), context
    assert len(parsed.healthy) == 5, context
    assert all(": ok, " in item for item in parsed.healthy), context
    assert parsed.status == "status status-critical", context
    # Nothing runs off a laptop's window: a copy of the page (the exporter is stopped; the
    # copy has no CSP header) with one script that writes the document's width into the DOM.
    saved = tmp_path / "page.html"
    saved.write_text(dumped.stdout.replace(
        "</body>", "<script>document.body.dataset.width = "
                   "document.documentElement.scrollWidth;</script></body>"), encoding="utf-8")
    measured = chromium(binary, tmp_path / "profile", "--dump-dom", "--window-size=1280,800",
                        saved.as_uri())
    width = re.search(r'data-width="(\d+)"', measured.stdout)
    assert width is not None, measured.stdout[-3000:] + measured.stderr[-3000:]
    assert int(width.group(1)) <= 1280, width.group(1)
