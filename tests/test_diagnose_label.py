"""The manifest's label decided where Apache + mod_wsgi answered directly, as behind nginx
(probe.diagnose.label_unmatched.label_decided, tests/nginx/test_label_decided.py).

Three sites each declare label, process_group and settings; every one answers label 'chain'
with its own group and settings. Through nginx that decided ``manifest_label``; answered
directly it got the generic near-miss words ("Check which WSGIScriptAlias ... or correct the
label declared for site1"), no cause: one misstep read two ways by the front in between.
"""

from __future__ import annotations

import dataclasses

from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin
from probe.manifest import parse
from probe.model import Cause, Observation, TargetResult, Verdict
from tests.test_diagnose import ep, result, run, thrice

MANIFEST = "".join(f"""
[instances.site{n}]
label = "site{n}"
process_group = "site{n}"
settings = "chain.settings_site{n}"
urls = ["http://site{n}.example/"]
""" for n in (1, 2, 3))
SITE1 = "http://site1.example/"


def site(n: int, label: str, settings: str | None = None) -> Observation:
    """site``n``'s URL answered by Apache directly (no front's Server header)."""
    return thrice(f"http://site{n}.example/", f"site{n}", ep(
        label, host=f"site{n}.example", pid=25880 + n, process_group=f"site{n}",
        application_group="", settings=settings or f"chain.settings_site{n}"))


def through_nginx(observed: Observation) -> Observation:
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1") for s in observed.samples))


def one(*observations: Observation, manifest: str = MANIFEST,
        config: ConfigJoin | None = None) -> TargetResult:
    return result(run(list(observations), parse(manifest), config=config), SITE1)


def test_every_other_declared_field_agreeing_decides_the_label_directly() -> None:
    found = one(*[site(n, "chain") for n in (1, 2, 3)])
    assert (found.verdict, found.cause) == (Verdict.WRONG_INSTANCE, Cause.MANIFEST_LABEL), found
    assert found.candidates == (), found.candidates
    assert ("it is answered with settings 'chain.settings_site1' and process group 'site1' as "
            "the manifest declares for site1, but label 'chain', not 'site1'"
            ) in found.explanation, found.explanation
    assert found.fix.startswith("Set label = 'chain' in [instances.site1], or "
                                "wrap(label='site1') in site1's WSGI script"), found.fix
    assert "WSGIScriptAlias" not in found.fix, found.fix
    assert {e.claim for e in found.evidence} == {
        "label = 'chain'", "settings = 'chain.settings_site1'", "process_group = 'site1'"}


def test_the_same_words_with_or_without_nginx_in_front() -> None:
    direct = one(*[site(n, "chain") for n in (1, 2, 3)])
    behind = one(*[through_nginx(site(n, "chain")) for n in (1, 2, 3)])
    assert (direct.cause, direct.explanation, direct.fix, direct.evidence) == (
        behind.cause, behind.explanation, behind.fix, behind.evidence)


def test_a_declared_field_contradicting_keeps_the_near_miss_words() -> None:
    # Same group, other settings: setting the label alone would not make it pass.
    found = one(site(1, "chain", settings="chain.settings_other"), site(2, "site2"))
    assert (found.verdict, found.cause) == (Verdict.WRONG_INSTANCE, None), found
    assert "set label" not in found.fix.lower(), found.fix
    assert "correct the label declared for site1" in found.fix, found.fix


def test_fields_another_instance_declares_too_do_not_decide() -> None:
    manifest = MANIFEST.replace('process_group = "site2"', 'process_group = "site1"').replace(
        '"chain.settings_site2"', '"chain.settings_site1"')
    found = one(*[site(n, "chain") for n in (1, 2, 3)], manifest=manifest)
    assert found.cause is not Cause.MANIFEST_LABEL, found


def test_a_url_of_the_instance_answered_with_its_label_does_not_decide() -> None:
    # site1's label is right for another of its URLs: another script answered this one.
    manifest = MANIFEST.replace('urls = ["http://site1.example/"]',
                                'urls = ["http://site1.example/", "http://site1.example/a/"]')
    own = thrice("http://site1.example/a/", "site1", ep(
        "site1", host="site1.example", pid=25881, process_group="site1", application_group="",
        settings="chain.settings_site1"))
    found = one(site(1, "chain"), own, manifest=manifest)
    assert found.cause is not Cause.MANIFEST_LABEL, found
    assert "correct the label declared for site1" in found.fix, found.fix


SITE1_CONF = """<VirtualHost *:80>
  ServerName site1.example
  WSGIApplicationGroup %{GLOBAL}
  WSGIDaemonProcess site1 processes=2 threads=15
  WSGIProcessGroup site1
  WSGIScriptAlias / "/srv/chain/wsgi.py"
</VirtualHost>
"""


def test_a_configuration_that_predicts_the_answer_blames_no_step() -> None:
    # --config: the route read reaches the script that answered; nothing left it.
    routes = ApacheRoutes(build_site(parse_text(SITE1_CONF, "t.conf"), read_scripts=False))
    joined = ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)
    found = one(site(1, "chain"), config=joined)
    assert found.cause is Cause.MANIFEST_LABEL, found
    assert "leaves the intended one" not in found.explanation, found.explanation
    assert found.fix.startswith("Set label = 'chain' in [instances.site1]"), found.fix
