"""probe/diagnose/: hand-built observations, every verdict and cause.

The endpoint answers are shaped like contrib/wsgi_endpoint.py's JSON under mod_wsgi, where
the default application group %{RESOURCE} is ``SERVERNAME[:PORT]|SCRIPT_NAME``: the name of
the VirtualHost that really served the request (port only when not 80/443), then the mount.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from probe import manifest
from probe.diagnose import catch_all_vhost, diagnose, vhost_of
from probe.diagnose.discriminate import INVALID_HOST, key_of
from probe.endpoint_answer import EndpointAnswer
from probe.errors import ErrorKind
from probe.manifest import Manifest, Target
from probe.model import (
    Cause,
    Evidence,
    EvidenceKind,
    Finding,
    Observation,
    Report,
    Sample,
    Status,
    TargetResult,
    Verdict,
)

SITES = """\
[instances.project-1]
label = "project-1"
settings = "mysite.settings"
urls = ["http://site-1.example.com/", "http://www.site-1.example.com/"]

[instances.project-2]
label = "project-2"
settings = "mysite.settings_two"
urls = ["http://site-1.example.com/suburl/", "http://site-2.example.com/"]

[refuse]
urls = ["http://www.site-2.example.com/", "http://unknown.invalid/"]
"""

# The "fallback" scenario: www.site-2 should be project-2, but its ServerAlias is missing.
FALLBACK_SITES = """\
[instances.project-1]
label = "project-1"
settings = "mysite.settings"
urls = ["http://site-1.example.com/", "http://www.site-1.example.com/"]

[instances.project-2]
label = "project-2"
settings = "mysite.settings_two"
urls = ["http://site-1.example.com/suburl/", "http://site-2.example.com/",
        "http://www.site-2.example.com/"]

[refuse]
urls = ["http://unknown.invalid/"]
"""

SITE1 = "http://site-1.example.com/"
WWW1 = "http://www.site-1.example.com/"
SUB = "http://site-1.example.com/suburl/"
SITE2 = "http://site-2.example.com/"
WWW2 = "http://www.site-2.example.com/"
UNKNOWN = "http://unknown.invalid/"

STARTED = "2024-05-01T10:00:00.000+00:00"


def sites(text: str = SITES) -> Manifest:
    return manifest.parse(text, "site.toml")


def ep(
    label: str | None,
    *,
    host: str,
    vhost: str | None = None,
    mount: str = "",
    path_info: str = "/__probe__",
    pid: int = 101,
    process_group: str | None = None,
    application_group: str | None = None,
    settings: str | None = "mysite.settings",
    loaded: str | None = None,
    instance_id: str | None = None,
    started_at: str = STARTED,
) -> dict[str, Any]:
    """The endpoint's JSON as mod_wsgi would make it; ``vhost`` defaults to ``host``."""
    group = application_group if application_group is not None else f"{vhost or host}|{mount}"
    return {
        "schema": 1,
        "label": label,
        "instance_id": instance_id or f"{label}-{group}-{pid}",
        "pid": pid,
        "ppid": 1,
        "process_group": label if process_group is None else process_group,
        "application_group": group,
        "settings_module": {"environ": settings, "loaded": loaded},
        "request": {
            "host": host,
            "server_name": vhost or host,
            "server_port": "80",
            "scheme": "http",
            "script_name": mount,
            "path_info": path_info,
        },
        "script_file": f"/srv/{label}/wsgi.py",
        "server": {"software": "Apache", "mod_wsgi_version": "5.0.0",
                   "multithread": True, "multiprocess": False},
        "python": {"version": "3.11.9", "implementation": "cpython",
                   "executable": "/usr/bin/python3"},
        "started_at": started_at,
        "uptime_s": 12.5,
        "hits": 1,
    }


def answered(data: dict[str, Any], elapsed_ms: float = 2.0) -> Sample:
    return Sample(elapsed_ms=elapsed_ms, status_code=200, endpoint=EndpointAnswer.from_json(data))


def status(code: int, *, location: str | None = None, error: str | None = None) -> Sample:
    return Sample(elapsed_ms=1.0, status_code=code, location=location, error=error)


def failed(kind: str, error: str = "") -> Sample:
    return Sample(elapsed_ms=5.0, error=error or f"it failed: {kind}", error_kind=ErrorKind(kind))


def obs(url: str, expected: str | None, *samples: Sample) -> Observation:
    return Observation(Target(url, expected), tuple(samples))


def thrice(url: str, expected: str | None, data: dict[str, Any]) -> Observation:
    return obs(url, expected, answered(data, 1.0), answered(data, 3.0), answered(data, 2.0))


# Daemon mode, longest alias first, deny-all default vhost: everything right.
P1_SITE1 = ep("project-1", host="site-1.example.com", pid=101)
P1_WWW1 = ep("project-1", host="www.site-1.example.com", vhost="site-1.example.com", pid=101)
P2_SUB = ep("project-2", host="site-1.example.com", mount="/suburl", pid=102,
            settings="mysite.settings_two")
P2_SITE2 = ep("project-2", host="site-2.example.com", pid=102, settings="mysite.settings_two")


def healthy(**replace: Observation) -> dict[str, Observation]:
    observations = {
        SITE1: thrice(SITE1, "project-1", P1_SITE1),
        WWW1: thrice(WWW1, "project-1", P1_WWW1),
        SUB: thrice(SUB, "project-2", P2_SUB),
        SITE2: thrice(SITE2, "project-2", P2_SITE2),
        WWW2: obs(WWW2, None, status(403), status(403), status(403)),
        UNKNOWN: obs(UNKNOWN, None, status(403), status(403), status(403)),
    }
    observations.update(replace)
    return observations


def run(
    observations: dict[str, Observation] | list[Observation],
    m: Manifest | None = None,
    **kwargs: Any,
) -> Report:
    listed = list(observations.values()) if isinstance(observations, dict) else observations
    return diagnose(m or sites(), listed, **kwargs)


def result(report: Report, url: str) -> TargetResult:
    (found,) = [t for t in report.targets if t.url == url]
    return found


def verdicts(report: Report) -> dict[str, tuple[str, str | None]]:
    return {
        t.url: (t.verdict.value, t.cause.value if t.cause else None) for t in report.targets
    }


def codes(report: Report) -> list[str]:
    return [f.code for f in report.findings]


# --- healthy: the near-misses that must not be flagged ----------------------------------------


def test_healthy_sites_are_all_ok_without_findings() -> None:
    report = run(healthy())
    assert verdicts(report) == {url: ("ok", None) for url in healthy()}
    assert report.findings == ()
    assert report.status is Status.OK
    assert report.problems == ()


def test_healthy_root_and_suburl_pair_is_ok() -> None:
    report = run(healthy())
    root, sub = result(report, SITE1), result(report, SUB)
    assert (root.answered_by, root.pids) == ("project-1", (101,))
    assert (sub.answered_by, sub.pids) == ("project-2", (102,))
    assert sub.cause is None
    assert sub.explanation == "answered by project-2 (pid 102, daemon 'project-2')"
    assert sub.fix == ""


def test_www_alias_served_by_site1_vhost_is_ok() -> None:
    # application_group names site-1.example.com, the URL's host is www.site-1.example.com:
    # the right instance answered through its ServerAlias, so that is no fallback.
    report = run(healthy())
    www = result(report, WWW1)
    assert (www.verdict, www.cause, www.answered_by) == (Verdict.OK, None, "project-1")


def test_result_fields_come_from_the_samples() -> None:
    report = run(healthy())
    sub = result(report, SUB)
    assert sub.url == SUB
    assert sub.expected == "project-2"
    assert sub.samples == 3
    assert sub.elapsed_ms == 3.0  # the slowest sample
    assert sub.status_code == 200
    assert sub.observed is not None and sub.observed.raw == P2_SUB
    assert sub.ok


def test_daemon_processes_with_different_pids_are_ok() -> None:
    # processes=2: each process has its own copy, so pid and instance_id differ per sample.
    a = ep("project-2", host="site-1.example.com", mount="/suburl", pid=102,
           settings="mysite.settings_two")
    b = ep("project-2", host="site-1.example.com", mount="/suburl", pid=103,
           settings="mysite.settings_two")
    report = run(healthy(**{SUB: obs(SUB, "project-2", answered(a), answered(b), answered(a))}))
    sub = result(report, SUB)
    assert (sub.verdict, sub.pids) == (Verdict.OK, (102, 103))
    assert report.findings == ()


@pytest.mark.parametrize(
    ("samples", "how"),
    [
        ((status(403), status(403)), "refused (HTTP 403)"),
        ((status(404),), "refused (HTTP 404)"),
        ((status(421),), "refused (HTTP 421)"),
        ((failed("closed"), failed("closed")), "refused (connection closed)"),
        ((status(403), failed("closed")), "refused (HTTP 403, connection closed)"),
    ],
)
def test_refused_urls_are_ok(samples: tuple[Sample, ...], how: str) -> None:
    report = run(healthy(**{WWW2: obs(WWW2, None, *samples)}))
    www2 = result(report, WWW2)
    assert (www2.verdict, www2.cause, www2.explanation) == (Verdict.OK, None, how)
    assert www2.expected is None


def test_refuse_statuses_come_from_the_manifest() -> None:
    text = SITES.replace(
        '"http://unknown.invalid/"]', '"http://unknown.invalid/"]\nstatuses = [410]'
    )
    report = run(healthy(**{WWW2: obs(WWW2, None, status(410)),
                            UNKNOWN: obs(UNKNOWN, None, status(403))}), sites(text))
    assert result(report, WWW2).verdict is Verdict.OK
    unknown = result(report, UNKNOWN)
    assert unknown.verdict is Verdict.NO_ENDPOINT
    assert "HTTP 403" in unknown.explanation
    assert "[410]" in unknown.explanation


# --- wrong_instance / alias_order -------------------------------------------------------------


def ordering() -> dict[str, Observation]:
    # "/" listed before "/suburl" in site-1's vhost: project-1 swallows /suburl/.
    swallowed = ep("project-1", host="site-1.example.com", path_info="/suburl/__probe__",
                   pid=101)
    return healthy(**{SUB: thrice(SUB, "project-2", swallowed)})


def test_alias_order() -> None:
    # The answer shows the mount at / took /suburl/ (SCRIPT_NAME ''); the order of the mounts
    # is a configuration fact nobody read here: undetermined, with the candidates.
    report = run(ordering())
    sub = result(report, SUB)
    assert (sub.verdict, sub.cause) == (Verdict.WRONG_INSTANCE, None)
    assert [c.cause for c in sub.candidates] == [Cause.ALIAS_ORDER, Cause.URL_MAPPING]
    assert all("--config" in c.check for c in sub.candidates)
    assert sub.cause_text == "cause undetermined: alias_order or url_mapping"
    assert Evidence(EvidenceKind.OBSERVED, "request.script_name = ''",
                    "GET http://site-1.example.com/suburl/__probe__") in sub.evidence
    assert sub.answered_by == "project-1"
    assert report.status is Status.CRITICAL
    others = {url: v for url, v in verdicts(report).items() if url != SUB}
    assert set(others.values()) == {("ok", None)}
    assert codes(report) == []  # wrong_instance says it all: no shared_* finding on top


def test_alias_order_explanation_names_both_mounts_and_fix_orders_them() -> None:
    sub = result(run(ordering()), SUB)
    assert "project-2 mounted at /suburl" in sub.explanation
    assert "project-1 (pid 101, daemon 'project-1'): the mount at / took it" in sub.explanation
    assert "path_info '/suburl/__probe__'" in sub.explanation
    assert "WSGIScriptAlias" not in sub.explanation  # no directive nobody read
    assert "mount of project-2 at /suburl take its URLs before the one at /" in sub.fix
    assert "/srv/project-1/wsgi.py" in sub.fix


def test_alias_order_is_not_also_a_shared_instance_finding() -> None:
    # project-1's copy answers URLs of project-1 and project-2, but wrong_instance says so.
    assert "shared_instance" not in codes(run(ordering()))


def test_alias_order_through_a_server_alias_is_not_vhost_fallback() -> None:
    # www.site-1.example.com is a name of site-1's site: its own URL is answered by
    # project-1 through it. The shorter mount swallows /suburl for both names; "give the
    # name to another site" would be wrong advice.
    text = SITES.replace(
        'urls = ["http://site-1.example.com/suburl/", "http://site-2.example.com/"]',
        'urls = ["http://site-1.example.com/suburl/", "http://www.site-1.example.com/suburl/",'
        ' "http://site-2.example.com/"]',
    )
    www_sub = "http://www.site-1.example.com/suburl/"
    swallowed_www = ep("project-1", host="www.site-1.example.com", vhost="site-1.example.com",
                       path_info="/suburl/__probe__")
    report = run({**ordering(), www_sub: thrice(www_sub, "project-2", swallowed_www)},
                 sites(text))
    www = result(report, www_sub)
    assert (www.verdict, www.cause) == (Verdict.WRONG_INSTANCE, None)
    assert [c.cause for c in www.candidates] == [Cause.ALIAS_ORDER, Cause.URL_MAPPING]
    assert "ServerAlias" not in www.fix


def test_wrong_instance_at_the_same_mount_has_no_cause() -> None:
    # WSGIScriptAlias /suburl points at project-1's script: not an ordering problem.
    wrong = ep("project-1", host="site-1.example.com", mount="/suburl", pid=101)
    report = run(healthy(**{SUB: thrice(SUB, "project-2", wrong)}))
    sub = result(report, SUB)
    assert (sub.verdict, sub.cause) == (Verdict.WRONG_INSTANCE, None)
    assert "should be served by project-2 but was answered by project-1" in sub.explanation
    assert "application group 'site-1.example.com|/suburl'" in sub.explanation


def test_wrong_instance_unknown_to_the_manifest_is_named_by_label() -> None:
    stranger = ep("legacy", host="site-2.example.com", pid=300, settings="old.settings")
    sub = result(run(healthy(**{SITE2: thrice(SITE2, "project-2", stranger)})), SITE2)
    assert (sub.verdict, sub.cause, sub.answered_by) == (Verdict.WRONG_INSTANCE, None, "legacy")


def test_instance_is_recognised_by_process_group_and_application_group() -> None:
    text = """\
    [instances.a]
    process_group = "pg-a"
    application_group = "site-1.example.com|"
    urls = ["http://site-1.example.com/"]
    """
    m = manifest.parse(text.replace("    ", ""), "site.toml")
    right = ep("whatever", host="site-1.example.com", process_group="pg-a")
    wrong_group = ep("whatever", host="site-1.example.com", process_group="pg-b")
    ok = run([thrice(SITE1, "a", right)], m)
    bad = run([thrice(SITE1, "a", wrong_group)], m)
    assert result(ok, SITE1).verdict is Verdict.OK
    assert result(bad, SITE1).verdict is Verdict.WRONG_INSTANCE
    # Same mount (application group), another daemon group, and no other application seen in
    # that group: nothing shows the group was applied too broadly, only that pg-a went unused.
    assert result(bad, SITE1).cause is Cause.DAEMON_GROUP_UNUSED
    # The VirtualHost named is the one for the port the requests went to (--connect), not
    # the URL's default port.
    sent = [dataclasses.replace(s, address="127.0.0.1:28103")
            for s in thrice(SITE1, "a", wrong_group).samples]
    fix = result(run([obs(SITE1, "a", *sent)], m), SITE1).fix
    assert fix is not None and "the VirtualHost for site-1.example.com:28103" in fix, fix
    assert "site-1.example.com:80" not in fix


def test_instance_is_recognised_by_settings_when_it_declares_nothing_else() -> None:
    text = '[instances.a]\nsettings = "a.settings"\nurls = ["http://site-1.example.com/"]\n'
    m = manifest.parse(text, "site.toml")
    right = ep(None, host="site-1.example.com", settings="a.settings")
    wrong = ep(None, host="site-1.example.com", settings="b.settings")
    assert result(run([thrice(SITE1, "a", right)], m), SITE1).verdict is Verdict.OK
    assert result(run([thrice(SITE1, "a", wrong)], m), SITE1).verdict is Verdict.WRONG_INSTANCE


def test_instance_that_declares_only_urls_accepts_the_endpoint_answer() -> None:
    # Such a manifest is refused (probe.identities); built by hand it still has nothing to
    # contradict, so the answer cannot be "wrong".
    m = manifest.Manifest(instances={"app": manifest.Instance("app", (SITE1,))})
    answer = ep("app-v2", host="site-1.example.com")
    report = run([thrice(SITE1, "app", answer)], m)
    assert result(report, SITE1).verdict is Verdict.OK


# --- wrong_instance / vhost_fallback ----------------------------------------------------------


def fallback() -> dict[str, Observation]:
    caught = ep("project-1", host="www.site-2.example.com", vhost="site-1.example.com")
    return {
        SITE1: thrice(SITE1, "project-1", P1_SITE1),
        WWW1: thrice(WWW1, "project-1", P1_WWW1),
        SUB: thrice(SUB, "project-2", P2_SUB),
        SITE2: thrice(SITE2, "project-2", P2_SITE2),
        WWW2: thrice(WWW2, "project-2", caught),
        UNKNOWN: thrice(UNKNOWN, None, ep("project-1", host="unknown.invalid",
                                          vhost="site-1.example.com")),
    }


def probed(url: str, data: dict[str, Any] | None) -> dict[str, Sample]:
    """The answer to the extra .invalid request at the address of ``url``'s observation."""
    key, _ = key_of(Observation(Target(url, None), ()))
    return {key: answered(data) if data is not None else status(403)}


def default_site_answer() -> dict[str, Any]:
    return ep("project-1", host=INVALID_HOST, vhost="site-1.example.com")


def test_vhost_fallback_wrong_instance() -> None:
    # The site that answered also answers a name nobody owns: it is the default site. No
    # site claiming the name, or the default site claiming it: only the configuration says.
    report = run(fallback(), sites(FALLBACK_SITES), probed=probed(WWW2, default_site_answer()))
    www2 = result(report, WWW2)
    assert (www2.verdict, www2.cause) == (Verdict.WRONG_INSTANCE, None)
    assert {c.cause for c in www2.candidates} == {Cause.VHOST_FALLBACK, Cause.VHOST_SHADOWED}
    assert www2.answered_by == "project-1"
    assert "from the site 'site-1.example.com'" in www2.explanation
    assert "it is the address's default site" in www2.explanation
    assert "ServerAlias" not in www2.explanation
    assert [e.kind for e in www2.evidence] == [EvidenceKind.OBSERVED, EvidenceKind.PROBED]
    assert www2.evidence[1].source.startswith(f"GET http://{INVALID_HOST}/__probe__")
    assert "'www.site-2.example.com'" in www2.fix
    assert "<VirtualHost *:80>" in www2.fix
    assert "Require all denied" in www2.fix
    assert codes(report) == []


def test_the_default_site_answering_from_another_process_is_the_same_application() -> None:
    # A multi-process daemon group answers the .invalid request from another process (its own
    # pid and instance_id): still the default site, every time, not by the toss of which
    # process took the request.
    other_process = ep("project-1", host=INVALID_HOST, vhost="site-1.example.com", pid=4242)
    report = run(fallback(), sites(FALLBACK_SITES), probed=probed(WWW2, other_process))
    www2 = result(report, WWW2)
    assert (www2.verdict, www2.cause) == (Verdict.WRONG_INSTANCE, None)
    assert {c.cause for c in www2.candidates} == {Cause.VHOST_FALLBACK, Cause.VHOST_SHADOWED}
    assert www2.evidence[1].claim.startswith("answered by the same application (label "
                                             "'project-1', settings 'mysite.settings'")
    # Another application (another label) answering it is another site, as before.
    other_site = ep("project-2", host=INVALID_HOST, vhost="site-1.example.com", pid=4242)
    report = run(fallback(), sites(FALLBACK_SITES), probed=probed(WWW2, other_site))
    assert result(report, WWW2).cause is Cause.VHOST_SHADOWED


def test_another_site_claiming_the_name_is_vhost_shadowed() -> None:
    # The .invalid name gets a refusal: the site that answered is not the default one.
    report = run(fallback(), sites(FALLBACK_SITES), probed=probed(WWW2, None))
    www2 = result(report, WWW2)
    assert (www2.verdict, www2.cause) == (Verdict.WRONG_INSTANCE, Cause.VHOST_SHADOWED)
    assert "is not the address's default, so it claims 'www.site-2.example.com'" in \
        www2.explanation
    assert www2.candidates == ()


def test_a_refusal_over_https_decides_nothing() -> None:
    """Over HTTPS the .invalid request goes without the token (no certificate can name it):
    an endpoint with a token refuses it, so a refusal is not another site claiming the name."""
    https = {url.replace("http://", "https://"): observation for url, observation in
             ((o.target.url, Observation(Target(o.target.url.replace("http://", "https://"),
                                                o.target.expected), o.samples))
              for o in fallback().values())}
    www2_url = WWW2.replace("http://", "https://")
    report = run(https, sites(FALLBACK_SITES.replace("http://", "https://")),
                 probed=probed(www2_url, None))
    www2 = result(report, www2_url)
    assert (www2.verdict, www2.cause) == (Verdict.WRONG_INSTANCE, None)
    [evidence] = [e for e in www2.evidence if e.kind is EvidenceKind.PROBED]
    assert "(without certificate checks, so without the token)" in evidence.source
    assert evidence.claim.startswith("answered HTTP 403 without an endpoint answer; an "
                                     "endpoint with a token answers nothing without it")


def test_without_the_extra_request_both_stay_candidates() -> None:
    www2 = result(run(fallback(), sites(FALLBACK_SITES)), WWW2)
    assert (www2.verdict, www2.cause) == (Verdict.WRONG_INSTANCE, None)
    assert all("--no-extra-probes" in c.check for c in www2.candidates)
    assert "default site" not in www2.explanation


def test_vhost_fallback_served_unmapped() -> None:
    report = run(fallback(), sites(FALLBACK_SITES),
                 probed=probed(UNKNOWN, default_site_answer()))
    unknown = result(report, UNKNOWN)
    assert (unknown.verdict, unknown.cause) == (Verdict.SERVED_UNMAPPED, None)
    assert {c.cause for c in unknown.candidates} == {Cause.VHOST_FALLBACK,
                                                     Cause.VHOST_SHADOWED}
    assert unknown.expected is None
    assert unknown.answered_by == "project-1"
    assert "must be refused but was answered by" in unknown.explanation
    assert "from the site 'site-1.example.com'" in unknown.explanation
    assert "refuse unknown names" in unknown.fix
    assert "<VirtualHost *:80>" in unknown.fix
    # A URL to refuse belongs to no site (the fix once read "give it to the site for nothing").
    assert unknown.fix.startswith("No site is meant to answer 'unknown.invalid': give it to "
                                  "none and make the first site")
    assert "nothing" not in unknown.fix


def test_vhost_fallback_with_a_port_in_the_application_group() -> None:
    url = "http://www.site-2.example.com:8080/"
    text = FALLBACK_SITES.replace('"http://www.site-2.example.com/"', f'"{url}"')
    caught = ep("project-1", host="www.site-2.example.com:8080",
                vhost="site-1.example.com:8080")
    observations = fallback()
    del observations[WWW2]
    observations[url] = thrice(url, "project-2", caught)
    found = result(run(observations, sites(text)), url)
    assert (found.verdict, found.cause) == (Verdict.WRONG_INSTANCE, None)
    assert "from the site 'site-1.example.com'" in found.explanation
    assert "<VirtualHost *:8080>" in found.fix


def test_vhost_fallback_without_mod_wsgi_application_group() -> None:
    # Outside mod_wsgi: project-1 has no URL on www.site-2, so it crossed sites.
    caught = ep("project-1", host="www.site-2.example.com", application_group="")
    caught["application_group"] = None
    observations = fallback()
    observations[WWW2] = thrice(WWW2, "project-2", caught)
    www2 = result(run(observations, sites(FALLBACK_SITES)), WWW2)
    assert (www2.verdict, www2.cause) == (Verdict.WRONG_INSTANCE, None)
    assert {c.cause for c in www2.candidates} == {Cause.VHOST_FALLBACK, Cause.VHOST_SHADOWED}
    assert "from another site" in www2.explanation


def test_refuse_url_served_without_endpoint_is_served_unmapped() -> None:
    report = run(healthy(**{WWW2: obs(WWW2, None, status(200, error="answer is text/html"))}))
    www2 = result(report, WWW2)
    assert (www2.verdict, www2.cause) == (Verdict.SERVED_UNMAPPED, None)
    assert "HTTP 200" in www2.explanation


def test_refuse_url_redirecting_is_a_problem() -> None:
    report = run(healthy(**{WWW2: obs(WWW2, None, status(301, location="https://x/"))}))
    www2 = result(report, WWW2)
    assert not www2.ok
    assert "redirecting to https://x/" in www2.explanation


def test_refuse_url_unreachable_or_5xx() -> None:
    report = run(healthy(**{WWW2: obs(WWW2, None, failed("connect")),
                            UNKNOWN: obs(UNKNOWN, None, status(503))}))
    assert result(report, WWW2).verdict is Verdict.UNREACHABLE
    assert result(report, UNKNOWN).verdict is Verdict.HTTP_ERROR


# --- settings_mismatch / environ_leak ---------------------------------------------------------


def envleak(**changes: Any) -> dict[str, Observation]:
    # Embedded mode, one Apache child (pid 500): project-1 loaded first and set
    # DJANGO_SETTINGS_MODULE in the process environment; project-2 used setdefault().
    common: dict[str, Any] = {"pid": 500, "process_group": ""}
    p1 = ep("project-1", host="site-1.example.com", **common)
    p1_www = ep("project-1", host="www.site-1.example.com", vhost="site-1.example.com", **common)
    p2_sub = ep("project-2", host="site-1.example.com", mount="/suburl",
                **{"settings": "mysite.settings", **common, **changes})
    p2_site2 = ep("project-2", host="site-2.example.com",
                  **{"settings": "mysite.settings", **common, **changes})
    return healthy(**{
        SITE1: thrice(SITE1, "project-1", p1),
        WWW1: thrice(WWW1, "project-1", p1_www),
        SUB: thrice(SUB, "project-2", p2_sub),
        SITE2: thrice(SITE2, "project-2", p2_site2),
    })


def test_environ_leak() -> None:
    report = run(envleak())
    for url in (SUB, SITE2):
        found = result(report, url)
        assert (found.verdict, found.cause) == (Verdict.SETTINGS_MISMATCH, Cause.ENVIRON_LEAK)
        assert found.answered_by == "project-2"
        assert "project-1's settings 'mysite.settings'" in found.explanation
        assert "instead of 'mysite.settings_two'" in found.explanation
        assert "same process (pid 500)" in found.explanation
        assert "os.environ['DJANGO_SETTINGS_MODULE'] = 'mysite.settings_two'" in found.fix
        assert "setdefault" in found.fix
        assert "daemon" in found.fix
        # What decided the cause is observed; how the value got there is left to the script.
        assert [(e.kind, e.claim) for e in found.evidence] == [
            (EvidenceKind.OBSERVED, "settings_module.environ = 'mysite.settings'"),
            (EvidenceKind.OBSERVED, "application_group = 'site-1.example.com|/suburl'"
             if url == SUB else "application_group = 'site-2.example.com|'"),
            (EvidenceKind.OBSERVED, "pid = 500, as in answers of project-1"),
        ]
        assert "tells which" in found.explanation
    assert result(report, SITE1).verdict is Verdict.OK
    assert report.status is Status.CRITICAL
    assert codes(report) == ["embedded_shared_process"]


def test_environ_leak_seen_in_the_loaded_settings() -> None:
    # Django configured: settings_module.loaded is what counts.
    report = run(envleak(settings="mysite.settings_two", loaded="mysite.settings"))
    found = result(report, SUB)
    assert (found.verdict, found.cause) == (Verdict.SETTINGS_MISMATCH, Cause.ENVIRON_LEAK)


def test_embedded_leak_in_another_child_than_the_owner() -> None:
    # The owner was seen in another child process only: still embedded, still a leak.
    report = run(envleak(pid=501))
    found = result(report, SUB)
    assert (found.verdict, found.cause) == (Verdict.SETTINGS_MISMATCH, Cause.ENVIRON_LEAK)
    # That child 501 also ran project-1 is not seen: only that both run embedded.
    assert "embedded in an Apache child process (pid 501), as project-1 is" in found.explanation
    assert "also runs" not in found.explanation
    assert ("process_group = '' (embedded)" in [e.claim for e in found.evidence])


def test_settings_mismatch_without_leak_in_daemon_mode() -> None:
    # Another instance's settings, but in its own daemon process: no shared environment.
    wrong = ep("project-2", host="site-1.example.com", mount="/suburl", pid=102,
               settings="mysite.settings")
    report = run(healthy(**{SUB: thrice(SUB, "project-2", wrong)}))
    found = result(report, SUB)
    assert (found.verdict, found.cause) == (Verdict.SETTINGS_MISMATCH, None)
    assert "DJANGO_SETTINGS_MODULE is 'mysite.settings', not 'mysite.settings_two'" in (
        found.explanation
    )


def test_settings_mismatch_with_settings_of_no_instance() -> None:
    odd = ep("project-2", host="site-2.example.com", pid=500, process_group="",
             settings="mysite.settings_dev")
    report = run(healthy(**{SITE2: thrice(SITE2, "project-2", odd)}))
    found = result(report, SITE2)
    assert (found.verdict, found.cause) == (Verdict.SETTINGS_MISMATCH, None)


# --- inconsistent -----------------------------------------------------------------------------


def test_inconsistent_instance_between_samples() -> None:
    swallowed = ep("project-1", host="site-1.example.com", path_info="/suburl/__probe__")
    mixed = obs(SUB, "project-2", answered(P2_SUB), answered(swallowed), answered(P2_SUB))
    found = result(run(healthy(**{SUB: mixed})), SUB)
    assert (found.verdict, found.cause) == (Verdict.INCONSISTENT, None)
    assert "3 requests" in found.explanation
    assert "2x project-2" in found.explanation
    assert "1x project-1" in found.explanation


def test_an_inconsistent_url_is_not_also_a_shared_instance_finding() -> None:
    """A proxy pool sending some of project-2's requests to project-1's copy: the URL's own
    verdict says so; a finding calling them "not separate instances" would claim more than
    the answers show (a tester's nginx pool)."""
    swallowed = ep("project-1", host="site-1.example.com", path_info="/suburl/__probe__",
                   instance_id="copy-1")
    mine = ep("project-1", host="site-1.example.com", instance_id="copy-1")
    mixed = obs(SUB, "project-2", answered(P2_SUB), answered(swallowed), answered(P2_SUB))
    report = run(healthy(**{SUB: mixed, SITE1: thrice(SITE1, "project-1", mine)}))
    assert result(report, SUB).verdict is Verdict.INCONSISTENT
    assert "shared_instance" not in codes(report)


def test_inconsistent_settings_between_samples() -> None:
    # Embedded, several children that loaded the instances in different orders.
    good = ep("project-2", host="site-2.example.com", pid=500, process_group="",
              settings="mysite.settings_two")
    leaked = ep("project-2", host="site-2.example.com", pid=501, process_group="",
                settings="mysite.settings")
    found = result(run(healthy(**{SITE2: obs(SITE2, "project-2", answered(good),
                                                answered(leaked))})), SITE2)
    assert found.verdict is Verdict.INCONSISTENT
    assert found.pids == (500, 501)
    assert "'mysite.settings'" in found.explanation
    assert "'mysite.settings_two'" in found.explanation


# --- no_endpoint, http_error, unreachable, stale ----------------------------------------------


def test_no_endpoint() -> None:
    report = run(healthy(**{SITE2: obs(SITE2, "project-2", status(404), status(404))}))
    found = result(report, SITE2)
    assert (found.verdict, found.cause, found.observed) == (Verdict.NO_ENDPOINT, None, None)
    assert found.status_code == 404
    assert "http://site-2.example.com/__probe__ answered HTTP 404" in found.explanation
    assert "probe endpoint --install" in found.fix


def test_no_endpoint_html_and_redirect() -> None:
    html = obs(SITE2, "project-2", status(200, error="answer is text/html, not the endpoint's"))
    moved = obs(SITE1, "project-1", status(302, location="https://site-1.example.com/login/"))
    report = run(healthy(**{SITE2: html, SITE1: moved}))
    assert result(report, SITE2).verdict is Verdict.NO_ENDPOINT
    assert "text/html" in result(report, SITE2).explanation
    found = result(report, SITE1)
    assert found.verdict is Verdict.NO_ENDPOINT
    assert "redirecting to https://site-1.example.com/login/" in found.explanation


def test_http_error_without_leak_hint() -> None:
    report = run(healthy(**{SUB: obs(SUB, "project-2", status(500))}))
    found = result(report, SUB)
    assert (found.verdict, found.cause) == (Verdict.HTTP_ERROR, None)
    assert found.explanation == ("http://site-1.example.com/suburl/ answered HTTP 500 (no "
                                 "Server header).")
    assert "likely cause" not in found.explanation
    # Nothing of this URL's answer names Apache: its log is not claimed (a tester's HAProxy).
    assert "Apache" not in found.fix and "no Server header" in found.fix


def test_apache_500_fix_promises_no_traceback() -> None:
    # mod_wsgi refuses some requests itself (WSGI0152): the log has the reason, maybe no
    # traceback at all.
    sample = dataclasses.replace(status(500), server="Apache/2.4.71 (Debian) mod_wsgi/6.1.1")
    found = result(run(healthy(**{SUB: obs(SUB, "project-2", sample)})), SUB)
    assert "the traceback of this request" not in found.fix
    assert "WSGI0152" in found.fix and "--config" in found.fix


def test_http_error_with_leak_hint_when_embedded_neighbour_has_other_settings() -> None:
    observations = envleak()
    observations[SUB] = obs(SUB, "project-2", status(500), status(500))
    found = result(run(observations), SUB)
    assert found.verdict is Verdict.HTTP_ERROR
    assert found.cause is None  # a hint, not a certainty
    assert "likely cause (not certain)" in found.explanation
    assert "project-1 runs embedded" in found.explanation
    assert "'mysite.settings'" in found.explanation
    # Only the neighbour's answer is observed (re-tester R26): no same process claimed, and
    # what decides it named.
    assert "in the same process" not in found.explanation, found.explanation
    assert "no answer of this URL shows whether it runs embedded beside it" in \
        found.explanation, found.explanation
    assert "--config PATH (the mount and process group that take this URL) or the module " \
           "named in the error log's traceback for this request decides it" in found.explanation
    assert "setdefault" in found.fix


def test_no_leak_hint_when_the_neighbour_is_a_daemon() -> None:
    observations = healthy(**{SUB: obs(SUB, "project-2", status(500))})
    found = result(run(observations), SUB)
    assert "likely cause" not in found.explanation


def test_no_leak_hint_when_the_embedded_neighbour_is_on_another_host() -> None:
    observations = envleak()
    observations[SITE2] = obs(SITE2, "project-2", status(500))
    # On site-2.example.com nothing else answered: project-1 lives on site-1 only.
    found = result(run(observations), SITE2)
    assert found.verdict is Verdict.HTTP_ERROR
    assert "likely cause" not in found.explanation


def test_no_leak_hint_when_the_embedded_neighbour_has_the_same_settings() -> None:
    text = SITES.replace('settings = "mysite.settings_two"', 'settings = "mysite.settings"')
    observations = envleak()
    observations[SUB] = obs(SUB, "project-2", status(500))
    found = result(run(observations, sites(text)), SUB)
    assert "likely cause" not in found.explanation


@pytest.mark.parametrize(
    ("kind", "fix_says"),
    [
        ("connect", "server is running"),
        ("dns", "--connect"),
        ("tls", "certificate"),
        ("not_tls", "do not speak TLS"),
        ("timeout", "too slow"),
    ],
)
def test_unreachable(kind: str, fix_says: str) -> None:
    report = run(healthy(**{SITE1: obs(SITE1, "project-1", failed(kind, f"x: {kind} failed"))}))
    found = result(report, SITE1)
    assert (found.verdict, found.cause, found.status_code) == (Verdict.UNREACHABLE, None, None)
    assert found.explanation == f"x: {kind} failed"
    assert fix_says in found.fix


def test_partly_unreachable_says_how_many_failed() -> None:
    mixed = obs(SITE1, "project-1", answered(P1_SITE1), failed("timeout", "slow"),
                answered(P1_SITE1))
    found = result(run(healthy(**{SITE1: mixed})), SITE1)
    assert found.verdict is Verdict.UNREACHABLE
    assert found.explanation == "1 of 3 requests failed: slow"


def test_no_samples_is_unreachable() -> None:
    found = result(run(healthy(**{SITE1: obs(SITE1, "project-1")})), SITE1)
    assert found.verdict is Verdict.UNREACHABLE
    assert found.samples == 0
    assert "interrupted" in found.explanation


def test_stale() -> None:
    deploy = datetime(2024, 5, 1, 11, 0, tzinfo=UTC)
    report = run(healthy(), restarted_after=deploy)
    found = result(report, SITE1)
    assert (found.verdict, found.cause) == (Verdict.STALE, None)
    assert "2024-05-01T10:00:00.000+00:00" in found.explanation
    assert "pid 101" in found.explanation
    assert "Restart" in found.fix
    assert result(report, WWW2).verdict is Verdict.OK  # refused URLs have no instance


def test_not_stale_when_started_after_the_deploy() -> None:
    report = run(healthy(), restarted_after=datetime(2024, 5, 1, 9, 59, tzinfo=UTC))
    assert {t.verdict for t in report.targets} == {Verdict.OK}


def test_naive_restarted_after_is_utc() -> None:
    late = run(healthy(), restarted_after=datetime(2024, 5, 1, 10, 0, 1))
    early = run(healthy(), restarted_after=datetime(2024, 5, 1, 9, 59, 59))
    assert result(late, SITE1).verdict is Verdict.STALE
    assert result(early, SITE1).verdict is Verdict.OK


# --- cross-URL findings -----------------------------------------------------------------------


def test_embedded_shared_process_warning() -> None:
    # Embedded, one child, settings assigned (no leak yet): every URL ok, but a warning.
    report = run(envleak(settings="mysite.settings_two"))
    assert {t.verdict for t in report.targets} == {Verdict.OK}
    (finding,) = report.findings
    assert finding.code == "embedded_shared_process"
    assert finding.severity is Status.WARNING
    assert finding.instances == ("project-1", "project-2")
    assert "pid 500" in finding.explanation
    assert report.status is Status.WARNING


def test_embedded_shared_process_names_global_as_the_main_interpreter() -> None:
    # project-1 answers application_group '' (WSGIApplicationGroup %{GLOBAL}): that is
    # mod_wsgi's main interpreter, not a sub interpreter.
    observations = envleak(settings="mysite.settings_two")
    global_p1 = ep("project-1", host="site-1.example.com", pid=500, process_group="",
                   application_group="")
    observations[SITE1] = thrice(SITE1, "project-1", global_p1)
    (finding,) = run(observations).findings
    assert finding.code == "embedded_shared_process"
    assert "in separate interpreters (project-1 in the main interpreter, application_group " \
           "'' in its answers: %{GLOBAL}; project-2 in a sub interpreter) that share one " \
           "process environment" in finding.explanation, finding.explanation
    (plain,) = run(envleak(settings="mysite.settings_two")).findings
    assert "in separate sub interpreters that share" in plain.explanation


def test_embedded_instances_in_separate_children_are_not_shared() -> None:
    observations = envleak(settings="mysite.settings_two", pid=501)
    assert codes(run(observations)) == []


def test_one_embedded_instance_is_not_shared() -> None:
    lonely = ep("project-2", host="site-2.example.com", pid=500, process_group="",
                settings="mysite.settings_two")
    report = run(healthy(**{SITE2: thrice(SITE2, "project-2", lonely)}))
    assert report.findings == ()


def test_shared_interpreter() -> None:
    # WSGIApplicationGroup %{GLOBAL} in one daemon process for both projects.
    common: dict[str, Any] = {"pid": 200, "process_group": "shared", "application_group": ""}
    p1 = ep("project-1", host="site-1.example.com", **common)
    p2 = ep("project-2", host="site-1.example.com", mount="/suburl",
            settings="mysite.settings_two", **common)
    report = run(healthy(**{SITE1: thrice(SITE1, "project-1", p1),
                            SUB: thrice(SUB, "project-2", p2)}))
    assert result(report, SITE1).verdict is Verdict.OK
    assert result(report, SUB).verdict is Verdict.OK
    (finding,) = report.findings
    assert finding.code == "shared_interpreter"
    assert finding.severity is Status.CRITICAL
    assert finding.instances == ("project-1", "project-2")
    assert "pid 200" in finding.explanation
    assert "WSGIApplicationGroup" in finding.explanation
    assert report.status is Status.CRITICAL


def test_shared_interpreter_is_one_finding_for_the_processes_of_one_daemon_group() -> None:
    # quattor's keystone: two processes of one daemon group, each holding both applications
    # in %{GLOBAL}; one finding per pid said the same thing twice.
    answers = {pid: {label: ep(label, host="site-1.example.com", pid=pid,
                               process_group="keystone-public", application_group="",
                               mount="/suburl" if label == "project-2" else "",
                               settings=f"mysite.{label}")
                     for label in ("project-1", "project-2")} for pid in (200, 201)}
    report = run(healthy(**{
        SITE1: obs(SITE1, "project-1", answered(answers[200]["project-1"]),
                   answered(answers[201]["project-1"])),
        SUB: obs(SUB, "project-2", answered(answers[200]["project-2"]),
                 answered(answers[201]["project-2"]))}))
    [finding] = [f for f in report.findings if f.code == "shared_interpreter"]
    assert "in each of the processes pid 200 and pid 201 of one server (daemon group " \
           "'keystone-public', application group '')" in finding.explanation


def test_shared_interpreter_names_who_answered_not_who_was_expected() -> None:
    # project-2's URL answered by project-1 in that interpreter: project-2 never ran there.
    common: dict[str, Any] = {"pid": 200, "process_group": "shared", "application_group": ""}
    p1 = ep("project-1", host="site-1.example.com", **common)
    other = ep("other-app", host="www.site-1.example.com", settings="other.settings", **common)
    report = run(healthy(**{SITE1: thrice(SITE1, "project-1", p1),
                            SUB: thrice(SUB, "project-2", p1),
                            WWW1: thrice(WWW1, "project-1", other)}))
    [finding] = [f for f in report.findings if f.code == "shared_interpreter"]
    assert finding.instances == ("other-app", "project-1")
    assert "project-2" not in finding.explanation
    # What works leads; removing %{GLOBAL} alone leaves os.environ shared.
    assert "Run each application in its own daemon process group" in finding.explanation
    assert "still share one process and its os.environ" in finding.explanation


def test_embedded_shared_interpreter_is_not_also_a_shared_process_warning() -> None:
    # One interpreter (same pid and application group): shared_interpreter says it all.
    common: dict[str, Any] = {"pid": 500, "process_group": "",
                              "application_group": "site-1.example.com|"}
    p1 = ep("project-1", host="site-1.example.com", **common)
    p2 = ep("project-2", host="site-1.example.com", mount="/suburl",
            settings="mysite.settings_two", **common)
    report = run(healthy(**{SITE1: thrice(SITE1, "project-1", p1),
                            SUB: thrice(SUB, "project-2", p2)}))
    assert codes(report) == ["shared_interpreter"]


def test_same_pid_different_interpreters_is_no_shared_interpreter() -> None:
    common: dict[str, Any] = {"pid": 200, "process_group": "shared"}
    p1 = ep("project-1", host="site-1.example.com", **common)
    p2 = ep("project-2", host="site-1.example.com", mount="/suburl",
            settings="mysite.settings_two", **common)
    report = run(healthy(**{SITE1: thrice(SITE1, "project-1", p1),
                            SUB: thrice(SUB, "project-2", p2)}))
    assert report.findings == ()


def test_shared_instance() -> None:
    # Instances told apart by settings only, and both claim the same settings: one copy
    # (one instance_id) answers both, so each URL looks right, but they are not separate.
    # (Such a manifest is refused as look-alikes; built by hand, the finding still shows.)
    same = "mysite.settings"
    m = manifest.Manifest(instances={
        "shop": manifest.Instance("shop", (SITE1,), settings=same),
        "blog": manifest.Instance("blog", (SITE2,), settings=same)})
    one: dict[str, Any] = {"instance_id": "abc123", "pid": 300}
    report = run([
        thrice(SITE1, "shop", ep(None, host="site-1.example.com", **one)),
        thrice(SITE2, "blog", ep(None, host="site-2.example.com", **one)),
    ], m)
    assert {t.verdict for t in report.targets} == {Verdict.OK}
    (finding,) = report.findings
    assert finding.code == "shared_instance"
    assert finding.severity is Status.CRITICAL
    assert finding.instances == ("blog", "shop")
    assert "abc123" in finding.explanation
    assert report.status is Status.CRITICAL


# --- ad hoc URLs (expected "*") ---------------------------------------------------------------


def test_ad_hoc_targets_are_ok_and_show_who_answered() -> None:
    m = manifest.from_urls([SITE1, SUB])
    report = run([thrice(SITE1, "*", P1_SITE1), thrice(SUB, "*", P2_SUB)], m)
    assert verdicts(report) == {SITE1: ("ok", None), SUB: ("ok", None)}
    assert result(report, SITE1).answered_by == "project-1"
    assert result(report, SUB).answered_by == "project-2"
    assert result(report, SUB).expected == "*"
    assert report.findings == ()


def test_ad_hoc_targets_still_produce_findings() -> None:
    m = manifest.from_urls([SITE1, SUB])
    common: dict[str, Any] = {"pid": 500, "process_group": ""}
    p1 = ep("project-1", host="site-1.example.com", **common)
    p2 = ep("project-2", host="site-1.example.com", mount="/suburl", **common)
    report = run([thrice(SITE1, "*", p1), thrice(SUB, "*", p2)], m)
    assert {t.verdict for t in report.targets} == {Verdict.OK}
    assert [(f.code, f.instances) for f in report.findings] == [
        ("embedded_shared_process", ("project-1", "project-2")),
    ]
    assert report.status is Status.WARNING


def test_ad_hoc_without_label_is_named_by_application_group() -> None:
    m = manifest.from_urls([SUB])
    found = result(run([thrice(SUB, "*", ep(None, host="site-1.example.com",
                                            mount="/suburl", process_group="pg"))], m), SUB)
    assert found.answered_by == "site-1.example.com|/suburl"


def test_ad_hoc_non_endpoint_is_still_a_problem() -> None:
    m = manifest.from_urls([SITE1])
    assert result(run([obs(SITE1, "*", status(404))], m), SITE1).verdict is Verdict.NO_ENDPOINT


# --- helpers and Report.status ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "vhost"),
    [
        ("site-1.example.com|/suburl", "site-1.example.com"),
        ("site-1.example.com|", "site-1.example.com"),
        ("site-1.example.com:8080|/suburl", "site-1.example.com"),
        ("Site-1.Example.com|", "site-1.example.com"),
        ("", None),
        (None, None),
        ("%{GLOBAL}", None),
        ("|/x", None),
    ],
)
def test_vhost_of(group: str | None, vhost: str | None) -> None:
    assert vhost_of(group) == vhost


def test_catch_all_vhost_port() -> None:
    assert catch_all_vhost("https://a.example/").startswith("<VirtualHost *:443>\n")
    assert catch_all_vhost("http://a.example/").startswith("<VirtualHost *:80>\n")
    assert catch_all_vhost("http://a.example:8081/x/").startswith("<VirtualHost *:8081>\n")


def target(verdict: Verdict) -> TargetResult:
    return TargetResult(url="http://a/", expected="a", verdict=verdict, cause=None,
                        explanation="", fix="", observed=None, status_code=200, samples=1,
                        elapsed_ms=1.0)


def finding(severity: Status) -> Finding:
    return Finding(code="x", severity=severity, instances=("a",), explanation="")


@pytest.mark.parametrize(
    ("targets", "findings", "expected"),
    [
        ((), (), Status.UNKNOWN),
        ((), (finding(Status.CRITICAL),), Status.UNKNOWN),
        ((target(Verdict.OK),), (), Status.OK),
        ((target(Verdict.OK),), (finding(Status.WARNING),), Status.WARNING),
        ((target(Verdict.OK),), (finding(Status.CRITICAL),), Status.CRITICAL),
        ((target(Verdict.OK), target(Verdict.STALE)), (), Status.CRITICAL),
        ((target(Verdict.UNREACHABLE),), (finding(Status.WARNING),), Status.CRITICAL),
        ((target(Verdict.OK),), (finding(Status.WARNING), finding(Status.CRITICAL)),
         Status.CRITICAL),
    ],
)
def test_report_status(
    targets: tuple[TargetResult, ...], findings: tuple[Finding, ...], expected: Status
) -> None:
    report = Report(targets, findings)
    assert report.status is expected
    assert report.problems == tuple(t for t in targets if t.verdict is not Verdict.OK)


def test_diagnose_keeps_duration_and_interrupted() -> None:
    report = run(healthy(), duration_s=1.25, interrupted=True)
    assert (report.duration_s, report.interrupted) == (1.25, True)
    assert [t.url for t in report.targets] == list(healthy())


# --- words and evidence: issue 14 ----------------------------------------------------------


WWW_SUB = "http://www.site-1.example.com/suburl/"
WWW_SUB_SITES = SITES.replace(
    'urls = ["http://site-1.example.com/suburl/", "http://site-2.example.com/"]',
    'urls = ["http://site-1.example.com/suburl/", "http://www.site-1.example.com/suburl/",'
    ' "http://site-2.example.com/"]',
)
SWALLOWED_WWW = ep("project-1", host="www.site-1.example.com", vhost="site-1.example.com",
                   path_info="/suburl/__probe__")


def test_alias_order_fix_names_the_vhost_that_exists() -> None:
    """www.site-1 is a name of site-1.example.com's site: there is no VirtualHost
    "for www.site-1.example.com" to edit, and no such claim is made."""
    report = run({**ordering(), WWW_SUB: thrice(WWW_SUB, "project-2", SWALLOWED_WWW)},
                 sites(WWW_SUB_SITES))
    www = result(report, WWW_SUB)
    assert www.cause is None
    assert "VirtualHost for www.site-1.example.com" not in www.fix
    assert www.fix.startswith("Make the mount of project-2 at /suburl take its URLs before "
                              "the one at /"), www.fix


def test_one_url_alone_cannot_tell_alias_order_from_fallback() -> None:
    """Without the manifest's other URLs on www.site-1 (as /probe?target= of a URL the manifest
    does not list), the answer fits several causes: name them, pick none."""
    report = run([thrice(WWW_SUB, "project-2", SWALLOWED_WWW)], sites(WWW_SUB_SITES))
    www = result(report, WWW_SUB)
    assert (www.verdict, www.cause) == (Verdict.WRONG_INSTANCE, None)
    assert [c.cause for c in www.candidates] == [Cause.VHOST_FALLBACK, Cause.VHOST_SHADOWED,
                                                 Cause.ALIAS_ORDER]
    assert "Cause undetermined: vhost_fallback or vhost_shadowed or alias_order" in \
        www.explanation


def test_one_url_on_its_own_vhost_is_a_shorter_mount() -> None:
    # site-1/suburl/ answered by site-1's own site: no other site involved, even alone.
    swallowed = ep("project-1", host="site-1.example.com", path_info="/suburl/__probe__")
    report = run([thrice(SUB, "project-2", swallowed)])
    assert [c.cause for c in result(report, SUB).candidates] == [Cause.ALIAS_ORDER,
                                                                  Cause.URL_MAPPING]


def test_one_url_at_the_root_of_another_vhost_is_not_alias_order() -> None:
    # www.site-2/ answered at / by site-1's site: a mount's order cannot explain a root URL.
    stray = ep("project-1", host="www.site-2.example.com", vhost="site-1.example.com")
    report = run([thrice(WWW2, "project-2", stray)], sites(FALLBACK_SITES))
    assert {c.cause for c in result(report, WWW2).candidates} == {Cause.VHOST_FALLBACK,
                                                                  Cause.VHOST_SHADOWED}


def test_refuse_url_says_how_many_requests_failed() -> None:
    refused = "http://www.site-2.example.com/__probe__: connection refused by 127.0.0.1:32080"
    both = run(healthy(**{WWW2: obs(WWW2, None, failed("connect", refused),
                                    failed("connect", refused))}))
    assert result(both, WWW2).explanation == refused  # all failed: no "1 of 2"
    one = run(healthy(**{WWW2: obs(WWW2, None, status(403), failed("connect", refused))}))
    assert result(one, WWW2).explanation == f"1 of 2 requests failed: {refused}"
