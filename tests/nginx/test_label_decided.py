"""The answer's other fields weigh before the label reading (re-tester R22, nginx in front of
Apache + mod_wsgi with three name-based VirtualHosts, a manifest declaring label,
process_group and settings per site):

* wrong_port: site3's URL answered by another application (settings 'chain.settings_other1',
  process_group 'other1'): both contradict what the manifest declares for site3, so "set
  label = 'other1' in [instances.site3] ... nothing else changes" is ruled out (observed);
* no_remoteip step 3: every site answers label 'chain' with its own process_group and
  settings: the application meant answered under another label (decided), and no pass line
  is blamed ("pass to site1's address" would have broken a working route).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.front_config import load_front
from probe.manifest import parse
from probe.model import Cause, Observation, TargetResult, Verdict
from tests.test_diagnose import ep, thrice

APACHE = "127.0.0.1:41371"
MANIFEST = "".join(f"""
[instances.site{n}]
label = "site{n}"
process_group = "site{n}"
settings = "chain.settings_site{n}"
urls = ["http://site{n}.example:46643/"]
""" for n in (1, 2, 3))


def conf(tmp_path: Path) -> ConfigJoin:
    blocks = "".join(f"""    server {{ listen 127.0.0.1:46643; server_name site{n}.example;
        location / {{ proxy_pass http://{APACHE}/; proxy_set_header Host $host; }} }}
""" for n in (1, 2, 3))
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + blocks + "}\n")
    return load_front(str(path), {})  # with lint's findings, as probe sweep --config has it


def through_nginx(n: int, label: str, group: str, settings: str, pid: int) -> Observation:
    url = f"http://site{n}.example:46643/"
    data = ep(label, host=f"site{n}.example", pid=pid, process_group=group,
              application_group="", settings=settings)
    observed = thrice(url, f"site{n}", data)
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:46643")
        for s in observed.samples))


def site(n: int, label: str | None = None) -> Observation:
    return through_nginx(n, label or f"site{n}", f"site{n}", f"chain.settings_site{n}", 25880 + n)


def one(config: ConfigJoin | None, url: str, *observations: Observation,
        manifest: str = MANIFEST) -> TargetResult:
    report = diagnose(parse(manifest), list(observations), config=config)
    return next(t for t in report.targets if t.url == url)


WRONG_PORT = (site(1), site(2), through_nginx(3, "other1", "other1", "chain.settings_other1",
                                              25886))
SITE3 = "http://site3.example:46643/"
SITE1 = "http://site1.example:46643/"


def test_an_answer_contradicting_declared_fields_is_no_label_reading(tmp_path: Path) -> None:
    for config in (None, conf(tmp_path)):
        found = one(config, SITE3, *WRONG_PORT)
        assert found.verdict is Verdict.WRONG_INSTANCE, found
        assert Cause.MANIFEST_LABEL not in [c.cause for c in found.candidates], found
        assert found.cause is not Cause.MANIFEST_LABEL, found
        assert "set label" not in found.fix and "Compare the labels" not in found.fix, found.fix


def test_an_answer_agreeing_on_every_other_declared_field_decides_the_label(
        tmp_path: Path) -> None:
    chained = [site(n, "chain") for n in (1, 2, 3)]
    for config in (None, conf(tmp_path)):
        found = one(config, SITE1, *chained)
        assert found.verdict is Verdict.WRONG_INSTANCE, found  # identify(): a near miss
        assert found.cause is Cause.MANIFEST_LABEL, (found.cause, found.explanation)
        assert found.candidates == (), found.candidates
        assert ("it is answered with settings 'chain.settings_site1' and process group "
                "'site1' as the manifest declares for site1, but label 'chain', not 'site1'"
                ) in found.explanation, found.explanation
        assert "passed it to" not in found.explanation, found.explanation
        assert found.fix.startswith("Set label = 'chain' in [instances.site1], or "
                                    "wrap(label='site1') in site1's WSGI script"), found.fix
        assert "proxy_pass" not in found.fix and "pass to" not in found.fix, found.fix
        # no line is in question: lint's nginx_no_refusing_default at the block's line is not
        assert "probe lint says" not in found.fix, found.fix
        assert {e.claim for e in found.evidence} == {
            "label = 'chain'", "settings = 'chain.settings_site1'",
            "process_group = 'site1'"}, found.evidence


def test_fields_another_instance_declares_too_do_not_decide() -> None:
    """Two instances declare the same group and settings: the answer may be either's."""
    manifest = MANIFEST.replace('process_group = "site2"', 'process_group = "site1"').replace(
        '"chain.settings_site2"', '"chain.settings_site1"')
    found = one(None, SITE1, *[site(n, "chain") for n in (1, 2, 3)], manifest=manifest)
    assert found.cause is not Cause.MANIFEST_LABEL, found
