"""``code_drift`` during a blue/green switch, from tester T29's real answers
(tests/t29_answers.py, L3: out/during/5.json): blue (r1) and green (r2) both answered a.test
through nginx at 127.0.0.1:40781 while its upstream switched. Every server reached only
through one front address that is none of theirs: the front's switch is said first, with
the check (sweep again, the upstream lines), never a HUP to the standby or one version on
every server as the lead; probed at their own addresses, the servers get the words as before."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from probe import manifest
from probe.manifest import Target
from probe.model import Observation
from tests import t29_answers as real
from tests.test_diagnose import answered, run

URLS = ("http://a.test/", "http://a.test/admin/")


def drift(address: str | None, answers: list[dict[str, Any]],
          code_version: str | None = None, server: str | None = "nginx/1.22.1") -> str:
    """``server``: the answers' Server header (T29's nginx sent its own; HAProxy, T32's
    front, sends none)."""
    m = manifest.parse(real.manifest("", code_version), "m.toml")
    observations = [Observation(Target(url, "site-a", address or
                                       a["server"]["listen"]),
                                (replace(answered(a), server=server if address else None),))
                    for url in URLS for a in answers]
    [text] = [f.explanation for f in run(observations, m).findings if f.code == "code_drift"]
    return text


SWITCH = ("Every one of these servers was reached through one front address, 127.0.0.1:40781 "
          "(the address probed; each answer says it listens at another): a front that switched "
          "its upstream from one to another during the sweep gives this too")


def test_servers_reached_through_one_front_lead_with_its_switch() -> None:
    text = drift(real.FRONT, real.BLUE + real.GREEN)
    assert "reached through 127.0.0.1:40781" in text, text
    lead = text.index(SWITCH)
    assert lead < text.index("send HUP to the gunicorn master (ppid 9608"), text
    assert lead < text.index("A deploy reached some of them only"), text
    assert ("sweep again once the front has settled; its upstream lines (nginx -T, or probe "
            "sweep --config) name the servers it passes to") in text, text
    # One version on every server would destroy the rollback colour.
    assert "deploy one version to every server" not in text, text


def test_a_front_no_answer_names_is_not_called_nginx() -> None:
    # T32's HAProxy (no Server header of its own): no nginx words, no --config for it
    text = drift(real.FRONT, real.BLUE + real.GREEN, server=None)
    assert SWITCH in text, text
    assert "nginx" not in text and "--config" not in text, text
    assert ("a blue/green switch: after a reload the balancer's old processes finish their "
            "connections to the former servers") in text, text
    # re-tester R32: nothing observed says HAProxy, so no HAProxy words either
    assert "HAProxy" not in text, text
    assert ("its configuration names the servers it passes to (the server lines of its "
            "backend or upstream), and its log names the server of each request") in text, text
    assert ("deploy the version meant there if 127.0.0.1:40781 is to pass to that server (a "
            "standby kept for a rollback keeps its own)") in text, text


def test_with_the_declared_version_the_other_server_is_read_as_a_standby_first() -> None:
    text = drift(real.FRONT, real.BLUE + real.GREEN, code_version="r2")
    assert "already runs 'r2', the code_version the manifest declares" in text, text
    assert text.index("runs 'r1': every one of these servers was reached through one front "
                      "address, 127.0.0.1:40781") < text.index("send HUP"), text


def test_servers_probed_at_their_own_addresses_get_no_front() -> None:
    text = drift(None, real.BLUE + real.GREEN)
    assert "front address" not in text and "reached through" not in text, text
    assert "deploy one version to every server" in text, text
