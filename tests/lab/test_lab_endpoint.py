"""The real endpoint, inside the lab, over real loopback HTTP: does it report what mod_wsgi would?

Expected values are those real Apache 2.4 + mod_wsgi report for the same configuration (see
tests/integration/test_lab_fidelity.py, which compares the two directly).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from probe.lab import scenario
from probe.lab.apache import ImportScript, LabConfig, SimulatedApache
from probe.lab.router import RoutingConfig, ScriptAlias, VirtualHost
from probe.lab.server import LabServer

PARENT = 5000
P1, P2 = scenario.PROJECT_1, scenario.PROJECT_2


class Lab:
    def __init__(self, config: LabConfig):
        self.apache = SimulatedApache(config, parent_pid=PARENT)
        self.apache.start()
        self.server = LabServer(self.apache).start()
        self.session = requests.Session()

    def get(self, host: str, path: str = "/__probe__") -> requests.Response:
        return self.session.get(f"http://{self.server.connect}{path}", headers={"Host": host},
                                timeout=5, allow_redirects=False)

    def probe(self, host: str, path: str = "/__probe__") -> dict[str, Any]:
        answer = self.get(host, path)
        assert answer.status_code == 200, answer.text
        assert answer.headers["Content-Type"] == "application/json"
        data: dict[str, Any] = answer.json()
        return data

    def close(self) -> None:
        self.session.close()
        self.server.close()


@pytest.fixture(scope="module")
def classic() -> Iterator[Lab]:
    lab = Lab(scenario.CLASSIC)
    yield lab
    lab.close()


def test_root_mount(classic: Lab) -> None:
    data = classic.probe("site-1.example.com")
    assert data["label"] == "project-1"
    assert data["process_group"] == ""
    assert data["application_group"] == "site-1.example.com|"
    assert data["ppid"] == PARENT and data["pid"] != PARENT
    assert data["settings_module"] == {"environ": "mysite.settings", "loaded": "mysite.settings",
                                        "file": None}  # the lab loads no settings file
    assert data["script_file"] == P1
    request = data["request"]
    assert (request["script_name"], request["path_info"]) == ("", "/__probe__")
    assert (request["host"], request["server_name"], request["server_port"]) == (
        "site-1.example.com", "site-1.example.com", "80")


def test_alias_order_swallows_suburl(classic: Lab) -> None:
    data = classic.probe("site-1.example.com", "/suburl/__probe__")
    assert data["label"] == "project-1"
    assert data["application_group"] == "site-1.example.com|"
    assert (data["request"]["script_name"], data["request"]["path_info"]) == (
        "", "/suburl/__probe__")


def test_environ_leak_in_embedded_mode(classic: Lab) -> None:
    one = classic.probe("site-1.example.com")
    two = classic.probe("site-2.example.com")
    assert two["label"] == "project-2"
    assert two["application_group"] == "site-2.example.com|"
    assert two["pid"] == one["pid"]  # one Apache child process
    assert two["instance_id"] != one["instance_id"]  # separate interpreters, separate copies
    assert two["settings_module"] == {"environ": "mysite.settings", "loaded": "mysite.settings",
                                      "file": None}


def test_vhost_fallback_is_served_by_the_first_vhosts_interpreter(classic: Lab) -> None:
    one = classic.probe("site-1.example.com")
    for host in ("www.site-2.example.com", "unknown.invalid"):
        data = classic.probe(host)
        assert data["label"] == "project-1"
        assert data["application_group"] == "site-1.example.com|"
        assert data["instance_id"] == one["instance_id"]  # the very same loaded copy
        assert data["request"]["host"] == data["request"]["server_name"] == host


def test_server_alias_shares_the_copy(classic: Lab) -> None:
    one = classic.probe("site-1.example.com")
    www = classic.probe("www.site-1.example.com")
    assert www["instance_id"] == one["instance_id"]
    assert www["hits"] == one["hits"] + 1


def test_host_with_port_creates_another_interpreter(classic: Lab) -> None:
    one = classic.probe("site-1.example.com")
    other = classic.probe("site-1.example.com:8080")
    assert other["application_group"] == "site-1.example.com:8080|"
    assert other["request"]["server_port"] == "8080"
    assert other["instance_id"] != one["instance_id"]
    assert other["pid"] == one["pid"]


def test_application_pages_pass_through(classic: Lab) -> None:
    home = classic.get("site-2.example.com", "/")
    assert home.status_code == 200
    # project-2 runs with project-1's settings: it serves project-1's site.
    assert "mysite.settings<" in home.text
    assert classic.get("site-2.example.com", "/nowhere").status_code == 404


def test_bad_host_is_400(classic: Lab) -> None:
    assert classic.get("a..b").status_code == 400


def test_real_environment_untouched() -> None:
    before = dict(os.environ)
    lab = Lab(scenario.CLASSIC)  # a fresh lab: its preloads set DJANGO_SETTINGS_MODULE
    try:
        for host, path in (("site-1.example.com", "/__probe__"),
                           ("site-1.example.com", "/suburl/__probe__"),
                           ("site-2.example.com", "/__probe__"), ("unknown.invalid", "/")):
            assert lab.get(host, path).status_code == 200
    finally:
        lab.close()
    assert dict(os.environ) == before


def test_correct_configuration_in_daemon_mode() -> None:
    """The blog post's fix: longer mount first, daemon processes, catch-all first vhost."""
    config = LabConfig(
        RoutingConfig(
            (
                VirtualHost("default.invalid", deny_all=True),
                VirtualHost("site-1.example.com", script_aliases=(
                    ScriptAlias("/suburl", P2, "project-2"), ScriptAlias("/", P1, "project-1"))),
                VirtualHost("site-2.example.com",
                            script_aliases=(ScriptAlias("/", P2, "project-2"),)),
            ),
            daemon_process_groups=("project-1", "project-2"),
        ),
        scenario.SCRIPTS,
        (ImportScript(P1, "project-1", "site-1.example.com|"),),
    )
    lab = Lab(config)
    try:
        one = lab.probe("site-1.example.com")
        sub = lab.probe("site-1.example.com", "/suburl/__probe__")
        two = lab.probe("site-2.example.com")
        assert one["process_group"] == "project-1"
        assert (sub["label"], sub["process_group"], sub["application_group"]) == (
            "project-2", "project-2", "site-1.example.com|/suburl")
        assert (sub["request"]["script_name"], sub["request"]["path_info"]) == (
            "/suburl", "/__probe__")
        assert sub["pid"] == two["pid"] != one["pid"]
        assert one["ppid"] == two["ppid"] == PARENT
        assert two["settings_module"]["loaded"] == "mysite.settings_two"  # no leak across processes
        assert sub["instance_id"] != two["instance_id"]  # two interpreters in project-2's process
        assert lab.get("www.site-2.example.com").status_code == 403
    finally:
        lab.close()
