"""no_endpoint without --config where the expected instance answered the endpoint for the same
host at another address of the sweep (tester T24 m1: ``<VirtualHost *:31781>`` where
``*:31781 *:31782`` was meant): the name not routed on that port leads, with the IP-based
VirtualHost beside the default one, and the answer elsewhere quoted; never "Install the
endpoint" first. The answer is project-1's real one from that sweep (out/m1.noconf.json)."""

from __future__ import annotations

from typing import Any

from probe import manifest
from probe.diagnose import diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target
from probe.model import Cause, EvidenceKind, Liveness, Observation, Sample, TargetResult
from tests.t24_answers import m2_manifest, m2_project_4, t24_answer
from tests.test_diagnose import result

SCRIPT = "/tmp/t-real24/cases/lab/sites/project-1/wsgi.py"
# project-1's answer to http://a.example.test:31781/ in T24's m1 sweep (fields trimmed)
M1_ANSWER: dict[str, Any] = t24_answer(
    "project-1", "0c2ed27ae2ed3ed51967046980b480b8", 13179, 13177, "mysite.settings", 31781,
    "2026-12-07T15:15:30.333+00:00", 2.036, "NybouOmsDGMB5lNJ_-ib4LhsQJ8Nk_FW")
MANIFEST = """\
[probe]
connect = "127.0.0.1"

[instances.project-1]
label = "project-1"
settings = "mysite.settings"
process_group = "project-1"
urls = ["http://a.example.test:31781/", "http://a.example.test:31782/"]
"""
APACHE = "Apache/2.4.71 (Debian)"
# re-tester R30: a bare 'apachectl -S' reads the system's configuration, not a file given with
# -f; the answer came from another address (maybe another Apache), so its ppid is not used
PS_CHECK = ("the running Apache's own command line with '-S' in place of its '-k start' ('ps "
            "-ww -o pid=,args= -C apache2,httpd' shows it; its binary and -f, -d and -D options "
            "kept: 'apache2 -f FILE -S'; 'apachectl -S' where it shows no -f, since apachectl "
            "reads the system's configuration)")


def _obs(url: str, address: str, sample: Sample) -> Observation:
    return Observation(Target(url, "project-1", address), (sample, sample))


def _m1(answered_at: str = "127.0.0.1:31781") -> TargetResult:
    answered = Sample(elapsed_ms=20.0, status_code=200, server=APACHE,
                      endpoint=EndpointAnswer.from_json(M1_ANSWER), address=answered_at,
                      liveness=Liveness.UNSIGNED)
    refused = Sample(elapsed_ms=10.0, status_code=403, server=APACHE,
                     address="127.0.0.1:31782")
    report = diagnose(manifest.parse(MANIFEST, "m.toml"), [
        _obs("http://a.example.test:31781/", answered_at, answered),
        _obs("http://a.example.test:31782/", "127.0.0.1:31782", refused)])
    return result(report, "http://a.example.test:31782/")


def test_another_port_of_the_same_ip_leads_with_the_name_on_that_port() -> None:
    found = _m1()
    assert found.verdict.value == "no_endpoint"
    assert found.fix.startswith(
        "Check which VirtualHost takes a.example.test at 127.0.0.1:31782 (probe sweep --config "
        f"PATH names it with its line; or {PS_CHECK}): project-1's endpoint answered "
        "a.example.test at 127.0.0.1:31781, so either no VirtualHost of port 31782 names "
        "a.example.test"), found.fix
    assert "*:31782 on its <VirtualHost> line)" in found.fix, found.fix
    assert "13177" not in found.fix, found.fix  # the ppid of an answer at another port
    # the 403 at 127.0.0.1:31782 shows a Listen there: none is asked for (R24's m1)
    assert "Listen" not in found.fix, found.fix
    assert "or an IP-based <VirtualHost 127.0.0.1:31782> takes every name at " \
           "127.0.0.1:31782" in found.fix, found.fix
    assert "Install the endpoint" not in found.fix, found.fix
    assert "token" not in found.fix, found.fix
    # the answer elsewhere, quoted as it came
    assert (f"project-1's endpoint answered http://a.example.test:31781/ at 127.0.0.1:31781 in "
            f"this sweep (label 'project-1', process_group 'project-1', script_file "
            f"'{SCRIPT}', pid 13179), to a request without a token as this one was") \
        in found.explanation, found.explanation
    assert any(e.kind is EvidenceKind.OBSERVED and e.source == "GET http://a.example.test:31781/"
               for e in found.evidence), found.evidence
    assert [c.cause for c in found.candidates] == [Cause.VHOST_FALLBACK], found.candidates
    assert "IP-based <VirtualHost 127.0.0.1:31782>" in found.candidates[0].check


def test_the_same_name_at_another_ip_says_the_site_is_bound_there() -> None:
    found = _m1("[::1]:31782")
    assert "so either the VirtualHost meant for project-1 does not take 127.0.0.1:31782 (it " \
           "answered at [::1]:31782: give it this address too); or an IP-based " \
           "<VirtualHost 127.0.0.1:31782> takes every name" in found.fix, found.fix
    assert "Install the endpoint" not in found.fix, found.fix


M2_MANIFEST = m2_manifest(settings=False, refuse=False)
SCRIPT_4 = "/tmp/t-real24/cases/lab/sites/project-4/wsgi.py"


def test_the_instance_s_answer_to_another_host_elsewhere_says_it_is_installed() -> None:
    """R24's m2 [3]: d.conf's VirtualHost written for 127.0.0.1:31782 (meant for [::1]);
    project-4 answered a.example.test there, d.example.test at [::1] got the default 403."""
    data = m2_project_4()
    answered = Sample(elapsed_ms=20.0, status_code=200, server=APACHE,
                      endpoint=EndpointAnswer.from_json(data), address="127.0.0.1:31782",
                      liveness=Liveness.UNSIGNED)
    refused = Sample(elapsed_ms=10.0, status_code=403, server=APACHE, address="[::1]:31782")
    report = diagnose(manifest.parse(M2_MANIFEST, "m.toml"), [
        Observation(Target("http://a.example.test:31782/", "project-1", "127.0.0.1:31782"),
                    (answered, answered)),
        Observation(Target("http://d.example.test:31782/", "project-4", "[::1]:31782"),
                    (refused, refused))])
    found = result(report, "http://d.example.test:31782/")
    assert found.verdict.value == "no_endpoint"
    assert found.fix.startswith(
        "Check which VirtualHost takes d.example.test at [::1]:31782 (probe sweep --config "
        f"PATH names it with its line; or {PS_CHECK}): project-4's endpoint answered "
        "http://a.example.test:31782/ at 127.0.0.1:31782, so either no VirtualHost at "
        "[::1]:31782 names d.example.test (the first, default one answered: give "
        "d.example.test to the VirtualHost meant for project-4, and that VirtualHost this "
        "address if it lacks it"), found.fix
    assert "Install the endpoint" not in found.fix, found.fix
    assert (f"project-4's endpoint answered http://a.example.test:31782/ at 127.0.0.1:31782 in "
            f"this sweep (label 'project-4', process_group 'project-4', script_file "
            f"'{SCRIPT_4}', pid 14352), to a request without a token as this one was: it is "
            f"installed in the application of project-4.") in found.explanation, \
        found.explanation
    assert [c.cause for c in found.candidates] == [Cause.VHOST_FALLBACK], found.candidates
