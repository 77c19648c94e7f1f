"""The three misroutes of the mod_wsgi blog post (and the healthy setup), on real Apache.

Each scenario is ``scenarios/<name>/httpd.conf.in`` + ``manifest.toml``; the test starts Apache
with it and runs ``probe sweep --format json`` as a user would, then checks the verdict and the
cause of every URL, the findings and the exit status.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .apache import ApacheServer, scenario_manifest, scenario_template
from .conftest import ApacheFactory
from .evidence_check import assert_sourced

pytestmark = pytest.mark.apache

S1 = "http://site-1.example.com/"
WWW1 = "http://www.site-1.example.com/"
SUB = "http://site-1.example.com/suburl/"
S2 = "http://site-2.example.com/"
WWW2 = "http://www.site-2.example.com/"
UNKNOWN = "http://unknown.invalid/"

OK = ("ok", None)


@dataclass
class Expected:
    exit_status: int
    # url -> (expected instance or None for [refuse], verdict, cause)
    targets: dict[str, tuple[str | None, str, str | None]]
    findings: set[str] = field(default_factory=set)
    warm_up: list[tuple[str, str]] = field(default_factory=list)  # (host, path) before sweeping
    # url -> {dotted path in the endpoint's JSON: value} of the last sample ("observed")
    observed: dict[str, dict[str, Any]] = field(default_factory=dict)
    # url -> cause with --config (the scenario's httpd.conf), where it differs from above:
    # a cause the answers alone leave undetermined, the configuration names with file:line
    configured: dict[str, str] = field(default_factory=dict)


def _all(overrides: dict[str, tuple[str, str | None]], *,
         p2_urls: tuple[str, ...] = (SUB, S2), refuse: tuple[str, ...] = (WWW2, UNKNOWN),
         ) -> dict[str, tuple[str | None, str, str | None]]:
    expected: dict[str, str | None] = {S1: "project-1", WWW1: "project-1"}
    expected |= {url: "project-2" for url in p2_urls}
    expected |= {url: None for url in refuse}
    return {url: (inst, *overrides.get(url, OK)) for url, inst in expected.items()}


SCENARIOS = {
    "healthy": Expected(0, _all({})),
    "ordering": Expected(
        1, _all({SUB: ("wrong_instance", None)}), configured={SUB: "alias_order"},
        observed={SUB: {"label": "project-1", "process_group": "project-1",
                        "application_group": "site-1.example.com|",
                        "request.script_name": "", "request.path_info": "/suburl/__probe__"}}),
    "envleak": Expected(
        1, _all({SUB: ("settings_mismatch", "environ_leak"),
                 S2: ("settings_mismatch", "environ_leak")}),
        findings={"embedded_shared_process"},
        warm_up=[("site-1.example.com", "/")],
        observed={SUB: {"label": "project-2", "process_group": "",
                        "application_group": "site-1.example.com|/suburl",
                        "settings_module.environ": "mysite.settings",
                        "settings_module.loaded": "mysite.settings"},
                  S2: {"label": "project-2", "application_group": "site-2.example.com|",
                       "settings_module.loaded": "mysite.settings"}}),
    "fallback": Expected(
        1, _all({WWW2: ("wrong_instance", None), UNKNOWN: ("served_unmapped", None)},
                p2_urls=(SUB, S2, WWW2), refuse=(UNKNOWN,)),
        configured={WWW2: "vhost_fallback", UNKNOWN: "vhost_fallback"},
        observed={WWW2: {"label": "project-1", "application_group": "site-1.example.com|",
                         "request.host": "www.site-2.example.com"},
                  UNKNOWN: {"label": "project-1", "application_group": "site-1.example.com|"}}),
}


def probe_command() -> list[str]:
    """The ``probe`` console script of the environment running the tests."""
    script = Path(sys.executable).parent / "probe"
    if script.exists():
        return [str(script)]
    found = shutil.which("probe")
    assert found, f"no 'probe' console script next to {sys.executable} or on PATH"
    return [found]


def dig(data: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        data = data[key] if isinstance(data, dict) else None
    return data


def sweep(server: ApacheServer, manifest: Path,
          *options: str) -> tuple[int, dict[str, Any], str]:
    done = subprocess.run(
        # --timeout: the first request to a daemon process loads Django, slow on a loaded machine.
        [*probe_command(), "sweep", "-m", str(manifest), "--connect", server.connect,
         "--format", "json", "--timeout", "30", *options],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    context = (f"probe sweep exited {done.returncode}\nstderr:\n{done.stderr[-3000:]}\n"
               f"stdout:\n{done.stdout[-3000:]}\napache error log:\n{server.error_log()[-3000:]}")
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"probe sweep did not print JSON\n{context}", pytrace=False)
    assert_sourced(report)  # every scenario's explanations: no claim without a source
    return done.returncode, report, context


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(apache: ApacheFactory, name: str) -> None:
    expected = SCENARIOS[name]
    server = apache(scenario_template(name))
    for host, path in expected.warm_up:
        response = server.get(path, host)
        assert response.status_code == 404, (host, path, response.status_code)  # Django's 404

    status, report, context = sweep(server, scenario_manifest(name))

    assert report["schema"] == 1, context
    assert report["summary"]["targets"] == len(expected.targets), context
    targets = {t["url"]: t for t in report["targets"]}
    assert set(targets) == set(expected.targets), context
    got = {url: (t["expected"], t["verdict"], t["cause"]) for url, t in targets.items()}
    assert got == expected.targets, context
    for url, fields in expected.observed.items():
        observed = targets[url]["observed"]
        assert {key: dig(observed, key) for key in fields} == fields, (url, context)
    # Exactly these findings: an extra, false one must fail the scenario too.
    codes = sorted(f["code"] for f in report["findings"])
    assert codes == sorted(expected.findings), context
    if name == "healthy":
        assert report["summary"]["status"] == "ok", context
        assert report["summary"]["problems"] == 0, context
    else:
        assert report["summary"]["problems"] == sum(
            verdict != "ok" for _inst, verdict, _cause in expected.targets.values()), context
    assert status == expected.exit_status, context

    # The same server swept with its own httpd.conf: the same verdicts, and the causes the
    # configuration decides, each citing its line.
    status, report, context = sweep(server, scenario_manifest(name), "--config",
                                    str(server.conf_path))
    got = {t["url"]: (t["expected"], t["verdict"], t["cause"]) for t in report["targets"]}
    assert got == {url: (inst, verdict, expected.configured.get(url, cause))
                   for url, (inst, verdict, cause) in expected.targets.items()}, context
    for url in expected.configured:
        target = next(t for t in report["targets"] if t["url"] == url)
        assert any(e["kind"] == "configured" and e["source"].startswith(str(server.conf_path))
                   for e in target["evidence"]), (url, context)
        assert str(server.conf_path) in target["fix"], (url, context)
        # lint's finding of the same line tells the same story
        assert f"probe lint reports {expected.configured[url]} at {server.conf_path}:" in \
            target["explanation"], (url, context)
    assert status == expected.exit_status, context
