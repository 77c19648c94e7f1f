"""The shipped monitoring configs run by the real daemons against real Apache/mod_wsgi.

- icinga2 with contrib/nagios/wsgi-probe.conf, with and without the optional host variables;
  the check result is read from the state file icinga2 writes when it stops;
- nagios4 with contrib/nagios/wsgi-probe.cfg (interval_length 1), service state and plugin
  output read from status.dat;
- prometheus with contrib/prometheus (1 s intervals, short ``for:``), asked over its HTTP API;
- the exporter's page rendered by headless Chromium.

Marked ``daemons`` (slow-ish: each starts a daemon); ``-m "not daemons"`` leaves them out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from monitoring_helpers import PROBE

from .apache import ApacheServer, scenario_manifest, scenario_template
from .conftest import ApacheFactory
from .daemons import icinga_state, running, tool, wait_for

pytestmark = [pytest.mark.apache, pytest.mark.daemons]

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
    return Sites(apache_module(scenario_template("healthy")),
                 apache_module(scenario_template("ordering")))


def manifest(tmp: Path, name: str, server: ApacheServer | None) -> Path:
    """The scenario's manifest; with ``server``, one whose [probe] connect names it."""
    text = scenario_manifest("ordering" if name == "misrouted" else "healthy").read_text()
    if server is not None:
        text = f'[probe]\nconnect = "{server.connect}"\nsamples = 2\n\n' + text
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
    token.write_text("not-needed-on-loopback\n")
    plain = manifest(tmp_path, "misrouted", sites.misrouted)
    bare = manifest(tmp_path, "misrouted", None)
    healthy = manifest(tmp_path, "healthy", sites.healthy)
    command = tmp_path / "run" / "command"
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
  vars.wsgi_probe_critical = "2"
  vars.wsgi_probe_timeout = 40
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
    with running("icinga2", args, workdir=tmp_path) as daemon:
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
        "project-1 (alias_order)"), context
    # Every optional variable reaches the command line, and -w 0 -c 2 makes it WARNING.
    command_line = results["all-vars"]["command"]
    for option, value in (("--connect", sites.misrouted.connect), ("--token-file", str(token)),
                          ("-w", "0"), ("-c", "2"), ("-t", "40")):
        assert command_line[command_line.index(option) + 1] == value, context
    assert results["all-vars"]["exit_status"] == 1, context
    assert results["all-vars"]["output"].startswith("WSGI-PROBE WARNING - 1 of 6 URLs"), context
    assert results["healthy"]["exit_status"] == 0, context
    assert results["healthy"]["output"].startswith("WSGI-PROBE OK - 4 URLs answered"), context
