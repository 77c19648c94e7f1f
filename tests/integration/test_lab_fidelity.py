"""The demo lab against real Apache + mod_wsgi: same configuration, same requests, same answers.

For each scenario (the four of ``scenarios/`` and the demo's own configuration) the same
requests go to real Apache and to the lab (:mod:`probe.lab`), and the endpoint's answers must
agree on every field that does not name the machine: label, process and application group,
settings module (environ and loaded), the request as received, threading flags, hits, and
which answers come from the same process / the same loaded copy (pids and instance ids are
compared by where they first appear, not by value).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from probe.lab import scenario
from probe.lab.apache import LabConfig, SimulatedApache, render_lab_config
from probe.lab.router import RoutingConfig, ScriptAlias, VirtualHost
from probe.lab.server import LabServer

from .apache import scenario_template
from .apache_blocks import ONE_CHILD
from .conftest import ApacheFactory

pytestmark = pytest.mark.apache

P1, P2 = scenario.PROJECT_1, scenario.PROJECT_2
DAEMONS = ("project-1", "project-2")
CATCH_ALL = VirtualHost("default.invalid", deny_all=True)
WWW1 = ("www.site-1.example.com",)


def site1(first: ScriptAlias, second: ScriptAlias) -> VirtualHost:
    return VirtualHost("site-1.example.com", server_aliases=WWW1, script_aliases=(first, second))


def site2(group: str) -> VirtualHost:
    return VirtualHost("site-2.example.com", script_aliases=(ScriptAlias("/", P2, group),))


LAB_CONFIGS = {
    "healthy": RoutingConfig((CATCH_ALL, site1(ScriptAlias("/suburl", P2, "project-2"),
                                              ScriptAlias("/", P1, "project-1")),
                             site2("project-2")), DAEMONS),
    "ordering": RoutingConfig((CATCH_ALL, site1(ScriptAlias("/", P1, "project-1"),
                                               ScriptAlias("/suburl", P2, "project-2")),
                              site2("project-2")), DAEMONS),
    "fallback": RoutingConfig((site1(ScriptAlias("/suburl", P2, "project-2"),
                                    ScriptAlias("/", P1, "project-1")),
                              site2("project-2")), DAEMONS),
    "envleak": RoutingConfig((CATCH_ALL, site1(ScriptAlias("/suburl", P2), ScriptAlias("/", P1)),
                             site2(""))),
}

def demo_httpd_conf() -> str:
    """The very httpd.conf ``probe demo`` prints (render_lab_config(scenario.CLASSIC)), with
    the test's port and the test sites' copies of the scripts."""
    text = render_lab_config(scenario.CLASSIC)
    assert "<VirtualHost *:80>" in text
    text = text.replace("<VirtualHost *:80>", "<VirtualHost *:@PORT@>")
    for path in scenario.SCRIPTS:
        text = text.replace(path, f"@SITES@/{Path(path).parent.name}/{Path(path).name}")
    assert "/srv/" not in text
    return ONE_CHILD + "\n" + text  # real Apache runs one child, as the lab says


PORT = "{port}"
# site-1 first: in the embedded scenarios the first script loaded decides the leak.
REQUESTS = [
    ("site-1.example.com", "/__probe__"),
    ("www.site-1.example.com", "/__probe__"),
    ("site-1.example.com", "/suburl/__probe__"),
    ("site-1.example.com", "/suburl/x/__probe__"),
    ("site-1.example.com", "/suburlx/__probe__"),
    ("site-2.example.com", "/__probe__"),
    ("www.site-2.example.com", "/__probe__"),
    ("unknown.invalid", "/__probe__"),
    ("SITE-1.Example.com.", "/suburl//__probe__"),
    ("site-1.example.com:8080", "/suburl/__probe__"),
    ("site-2.example.com:443", "/__probe__"),
    (PORT, "/__probe__"),
    ("site-1.example.com", "/__probe__"),
]

# code and time_zone name the machine (file times, the local zone) like python does, and
# process_started_at the moment the process began.
IGNORED = ("started_at", "uptime_s", "python", "script_file", "code", "time_zone",
           "process_started_at")


def observe(port: int) -> list[tuple[str, str, int, Any]]:
    """The answers to REQUESTS, with machine-specific values replaced by stable names."""
    names: dict[tuple[str, object], str] = {}

    def name(kind: str, value: object) -> str:
        return names.setdefault((kind, value), f"{kind}{sum(k == kind for k, _ in names)}")

    seen = []
    with requests.Session() as session:
        for host, path in REQUESTS:
            sent = f"127.0.0.1:{port}" if host == PORT else host
            answer = session.get(f"http://127.0.0.1:{port}{path}", headers={"Host": sent},
                                 timeout=15, allow_redirects=False)
            data: Any = None
            if answer.status_code == 200:
                data = {k: v for k, v in answer.json().items() if k not in IGNORED}
                data["pid"], data["ppid"] = name("pid", data["pid"]), name("pid", data["ppid"])
                data["loaded_pid"] = name("pid", data.get("loaded_pid"))
                # The real sites' settings file is a path of this machine; the lab loads none
                # (its diagnosis reads one only for two projects of one settings name, which
                # no lab scenario has).
                data["settings_module"].pop("file", None)
                data["instance_id"] = name("copy", data["instance_id"])
                data["server"] = {k: data["server"][k] for k in ("multithread", "multiprocess")}
                # Django's own judgement of the Host: the real sites run Django, the lab not
                data["request"].pop("host_allowed", None)
                data = json.loads(json.dumps(data).replace(str(port), "PORT"))
            seen.append((host, path, answer.status_code, data))
    return seen


def lab_observe(config: LabConfig) -> list[tuple[str, str, int, Any]]:
    apache = SimulatedApache(config)
    apache.start()
    with LabServer(apache) as server:
        return observe(server.port)


def compare(apache_module: ApacheFactory, httpd_conf: str, lab: LabConfig) -> None:
    server = apache_module(httpd_conf)
    real = observe(server.port)
    simulated = lab_observe(lab)
    differences = [(r, s) for r, s in zip(real, simulated, strict=True) if r != s]
    assert not differences, "\n".join(f"real: {r}\nlab:  {s}" for r, s in differences)


@pytest.mark.parametrize("name", sorted(LAB_CONFIGS))
def test_lab_answers_like_real_apache(apache_module: ApacheFactory, name: str) -> None:
    compare(apache_module, scenario_template(name), LabConfig(LAB_CONFIGS[name], scenario.SCRIPTS))


def test_demo_lab_answers_like_real_apache(apache_module: ApacheFactory) -> None:
    compare(apache_module, demo_httpd_conf(), scenario.CLASSIC)


def test_comparison_can_fail(apache_module: ApacheFactory) -> None:
    """A lab with the mounts the other way round must not pass for the demo's Apache."""
    wrong = LabConfig(LAB_CONFIGS["envleak"], scenario.SCRIPTS, scenario.IMPORT_SCRIPTS)
    with pytest.raises(AssertionError):
        compare(apache_module, demo_httpd_conf(), wrong)
