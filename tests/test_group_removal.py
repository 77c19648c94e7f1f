"""What removing a shared application group does, from the answers (re-tester R33, case b:
after lint's old fix every mass host answered from group 'mass.test|/app.wsgi')."""

from __future__ import annotations

from probe.diagnose.group_removal import DEFAULT_REMOVED, removal_words
from probe.endpoint_answer import EndpointAnswer


def _answer(host: str, group: str, script_name: str = "/app.wsgi") -> EndpointAnswer:
    return EndpointAnswer.from_json({
        "label": host, "pid": 20641, "application_group": group, "process_group": "",
        "request": {"host": host, "script_name": script_name}})


def test_r33_a_shared_resource_group_of_several_hosts_is_never_said_to_separate() -> None:
    said = removal_words("mass.test|/app.wsgi", [_answer("beta.mass.test:18634",
                                                         "mass.test|/app.wsgi"),
                                                 _answer("alpha.mass.test", "mass.test|/app.wsgi")])
    assert "alone gives each" not in said
    assert "Hosts alpha.mass.test, beta.mass.test" in said
    assert "removing a WSGIApplicationGroup line does not separate them" in said
    assert "WSGIApplicationGroup %{ENV:APP_GROUP}" in said


def test_global_at_one_mount_for_several_hosts_is_undecided_with_the_check() -> None:
    said = removal_words("", [_answer("beta.mass.test", ""), _answer("alpha.mass.test", "")])
    assert "only where their VirtualHosts' ServerNames differ" in said
    assert "the check: sweep with --config PATH" in said


def test_global_at_different_mounts_keeps_the_default_words() -> None:
    said = removal_words("", [_answer("a.test", "", "/a"), _answer("a.test", "", "/b")])
    assert said.startswith(f"Removing {DEFAULT_REMOVED} alone gives each application its own")
