"""The causes of issue 11, from hand-built answers, each with near misses that must not be flagged.

Answers are shaped as in tests/test_diagnose.py (mod_wsgi's default application group
``SERVERNAME|SCRIPT_NAME``), plus the runtime fields the endpoint reports since issue 11.
"""

from __future__ import annotations

from typing import Any

import pytest

from probe import manifest
from probe.diagnose import diagnose
from probe.manifest import Manifest
from probe.model import Cause, Report, Sample, TlsInfo, Verdict

from .test_diagnose import (
    SITE1,
    SITE2,
    SITES,
    SUB,
    UNKNOWN,
    WWW2,
    answered,
    ep,
    obs,
    result,
    run,
    thrice,
)

# 2026-11-30 12:00 UTC: Chicago is UTC-6 (CST), Tokyo UTC+9 (JST).
STARTED = "2026-11-30T11:59:00.000+00:00"
UPTIME = 60.0


def with_runtime(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``data`` with python/code/time_zone fields as the endpoint reports them."""
    python = {**data["python"], "prefix": "/srv/venv-1", "django_version": "5.1.3"}
    code = {"version": None, "script_mtime": None}
    zone = {"environ": "America/Chicago", "name": "CST", "utc_offset_s": -21600}
    for key, value in changes.items():
        section, _, field = key.partition("__")
        {"python": python, "code": code, "time_zone": zone, "request": data["request"]}[
            section][field] = value
    return {**data, "python": python, "code": code, "time_zone": zone,
            "started_at": STARTED, "uptime_s": UPTIME}


def sites(extra: str = "", extra_2: str = "") -> Manifest:
    text = SITES.replace('urls = ["http://site-1.example.com/", "http://www.site-1.example.com/"]',
                         extra + 'urls = ["http://site-1.example.com/", '
                         '"http://www.site-1.example.com/"]')
    text = text.replace('urls = ["http://site-1.example.com/suburl/"',
                        extra_2 + 'urls = ["http://site-1.example.com/suburl/"')
    return manifest.parse(text, "site.toml")


def p1(**changes: Any) -> dict[str, Any]:
    return with_runtime(ep("project-1", host="site-1.example.com", pid=7, process_group="pg"),
                        **changes)


def p2_sub(**kwargs: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"host": "site-1.example.com", "mount": "/suburl", "pid": 7,
                            "process_group": "pg", "settings": "mysite.settings_two"}
    changes = {k: v for k, v in kwargs.items() if "__" in k}
    base |= {k: v for k, v in kwargs.items() if "__" not in k}
    return with_runtime(ep("project-2", **base), **changes)


def p2_site2(**changes: Any) -> dict[str, Any]:
    return with_runtime(ep("project-2", host="site-2.example.com", pid=8,
                           settings="mysite.settings_two"), **changes)


def verdict(report: Report, url: str) -> tuple[Verdict, Cause | None]:
    found = result(report, url)
    return found.verdict, found.cause


# -- 2. two applications in one interpreter ----------------------------------------------------


def test_shared_interpreter_is_not_called_environ_leak() -> None:
    sub = p2_sub(application_group="", settings="mysite.settings_two",
                 loaded="mysite.settings")
    report = run([thrice(SITE1, "project-1", {**p1(), "application_group": ""}),
                  thrice(SUB, "project-2", sub), thrice(SITE2, "project-2", p2_site2())])
    assert verdict(report, SUB) == (Verdict.SETTINGS_MISMATCH, Cause.SHARED_INTERPRETER)
    text = result(report, SUB).explanation
    assert "project-1" in text and "pid 7" in text and "%{GLOBAL}" in text
    assert "WSGIApplicationGroup %{GLOBAL}" in result(report, SUB).fix
    assert verdict(report, SITE2) == (Verdict.OK, None)


def test_other_application_group_in_the_same_process_stays_environ_leak() -> None:
    sub = p2_sub(settings="mysite.settings")
    report = run([thrice(SITE1, "project-1", p1()), thrice(SUB, "project-2", sub)])
    assert verdict(report, SUB) == (Verdict.SETTINGS_MISMATCH, Cause.ENVIRON_LEAK)


# -- 1. process group applied too broadly -------------------------------------------------------

PG = ('process_group = "project-1"\n', 'process_group = "project-2"\n')


def test_mount_in_another_instances_daemon_group() -> None:
    one = {**p1(), "process_group": "project-1"}
    sub = p2_sub(process_group="project-1", settings="mysite.settings")
    report = run([thrice(SITE1, "project-1", one), thrice(SUB, "project-2", sub)], sites(*PG))
    assert verdict(report, SUB) == (Verdict.WRONG_INSTANCE, Cause.PROCESS_GROUP_SCOPE)
    found = result(report, SUB)
    assert "'project-1' (pid 7)" in found.explanation
    assert "also runs project-1" in found.explanation
    # The settings leaked too: said as a consequence, not as another verdict.
    assert "'mysite.settings' instead of 'mysite.settings_two'" in found.explanation
    assert "process-group=project-2" in found.fix
    assert verdict(report, SITE1) == (Verdict.OK, None)


def test_mount_in_another_instances_group_under_wsgi_application_group_global() -> None:
    # WSGIApplicationGroup %{GLOBAL}: both report application group '' (the main
    # interpreter), so the shared group is seen only by the other application answering from it.
    one = {**p1(), "process_group": "project-1", "application_group": ""}
    sub = {**p2_sub(process_group="project-1", settings="mysite.settings"),
           "application_group": ""}
    report = run([thrice(SITE1, "project-1", one), thrice(SUB, "project-2", sub)], sites(*PG))
    assert verdict(report, SUB) == (Verdict.WRONG_INSTANCE, Cause.PROCESS_GROUP_SCOPE)
    found = result(report, SUB)
    assert "also runs project-1 (the same processes and, by application_group ''" in \
        found.explanation
    assert "'mysite.settings' instead of 'mysite.settings_two'" in found.explanation
    assert "in the <Location> or <Directory> of /suburl instead" in found.fix


def test_two_applications_in_one_daemon_group_with_own_groups_and_settings_are_fine() -> None:
    # Near miss: nothing declares separate daemon groups, each has its own interpreter and
    # its own settings: a legitimate way to save memory.
    sub = p2_sub()
    report = run([thrice(SITE1, "project-1", p1()), thrice(SUB, "project-2", sub)])
    assert verdict(report, SUB) == (Verdict.OK, None)
    assert verdict(report, SITE1) == (Verdict.OK, None)


def test_same_declared_group_for_both_is_fine() -> None:
    same = ('process_group = "pg"\n', 'process_group = "pg"\n')
    report = run([thrice(SITE1, "project-1", p1()), thrice(SUB, "project-2", p2_sub())],
                 sites(*same))
    assert verdict(report, SUB) == (Verdict.OK, None)


def test_embedded_answer_is_left_to_the_unused_daemon_group_cause() -> None:
    sub = p2_sub(process_group="")
    report = run([thrice(SUB, "project-2", sub)], sites(*PG))
    assert verdict(report, SUB) == (Verdict.WRONG_INSTANCE, Cause.DAEMON_GROUP_UNUSED)


def test_another_named_group_no_other_application_uses_is_the_unused_group_cause() -> None:
    # No second application answers from 'other': no evidence of a group applied too broadly.
    sub = p2_sub(process_group="other")
    report = run([thrice(SUB, "project-2", sub)], sites(*PG))
    assert verdict(report, SUB) == (Verdict.WRONG_INSTANCE, Cause.DAEMON_GROUP_UNUSED)
    # A <Location> or <Directory> WSGIProcessGroup overrides the VirtualHost's: the answers
    # cannot tell where the group is set, so the fix names both places.
    assert "a WSGIProcessGroup in a <Location> or <Directory> of this path overrides" in \
        result(report, SUB).fix


def test_another_application_in_the_right_group_is_not_process_group_scope() -> None:
    wrong_app = {**p1(), "process_group": "project-2"}
    report = run([thrice(SUB, "project-2", wrong_app)], sites(*PG))
    assert verdict(report, SUB)[0] is Verdict.WRONG_INSTANCE
    assert verdict(report, SUB)[1] is not Cause.PROCESS_GROUP_SCOPE


# -- 4. wrong Python or virtualenv ---------------------------------------------------------------


def test_wrong_prefix_names_the_field_and_whose_environment_it_is() -> None:
    m = sites(extra_2='python_prefix = "/srv/venv-2/"\ndjango_version = "5.1"\n')
    report = run([thrice(SITE1, "project-1", p1()), thrice(SUB, "project-2", p2_sub())], m)
    assert verdict(report, SUB) == (Verdict.WRONG_RUNTIME, Cause.WRONG_PYTHON)
    text = result(report, SUB).explanation
    assert "python.prefix is '/srv/venv-1', the manifest expects '/srv/venv-2/'" in text
    assert "environment project-1 answers from" in text
    assert "django_version" not in text  # 5.1.3 is a 5.1
    assert "python-home= of 'WSGIDaemonProcess pg'" in result(report, SUB).fix


def test_right_prefix_and_versions_are_fine() -> None:
    m = sites(extra_2='python_prefix = "/srv/venv-1"\npython_version = "3.11"\n'
                      'django_version = "5.1.3"\n')
    report = run([thrice(SUB, "project-2", p2_sub())], m)
    assert verdict(report, SUB) == (Verdict.OK, None)


def test_version_prefix_matches_whole_components_only() -> None:
    m = sites(extra_2='python_version = "3.1"\n')
    report = run([thrice(SUB, "project-2", p2_sub())], m)
    assert verdict(report, SUB) == (Verdict.WRONG_RUNTIME, Cause.WRONG_PYTHON)
    assert "python.version is '3.11.9'" in result(report, SUB).explanation


# -- 7. stale or mixed code ----------------------------------------------------------------------


def test_samples_of_one_url_disagreeing_on_code_are_mixed_code() -> None:
    old = p2_site2(code__version="41", code__script_mtime="2026-11-30T10:00:00+00:00")
    new = {**p2_site2(code__version="42", code__script_mtime="2026-11-30T11:00:00+00:00"),
           "pid": 9}
    report = run([obs(SITE2, "project-2", answered(old), answered(new), answered(old))])
    assert verdict(report, SITE2) == (Verdict.MIXED_CODE, Cause.STALE_CODE)
    assert "'41'" in result(report, SITE2).explanation
    assert "'42'" in result(report, SITE2).explanation


def test_the_url_served_by_older_code_is_flagged_not_the_newer() -> None:
    old = p2_sub(code__script_mtime="2026-11-30T10:00:00+00:00")
    new = p2_site2(code__script_mtime="2026-11-30T11:00:00+00:00")
    report = run([thrice(SUB, "project-2", old), thrice(SITE2, "project-2", new)])
    assert verdict(report, SUB) == (Verdict.MIXED_CODE, Cause.STALE_CODE)
    assert verdict(report, SITE2) == (Verdict.OK, None)
    assert "pid 8" in result(report, SUB).explanation
    assert "touch its WSGI script" in result(report, SUB).fix


def test_same_code_everywhere_is_fine() -> None:
    same = "2026-11-30T10:00:00+00:00"
    report = run([thrice(SUB, "project-2", p2_sub(code__script_mtime=same)),
                  thrice(SITE2, "project-2", p2_site2(code__script_mtime=same))])
    assert verdict(report, SUB) == (Verdict.OK, None)
    assert verdict(report, SITE2) == (Verdict.OK, None)


def test_other_instances_code_is_not_compared() -> None:
    report = run([thrice(SITE1, "project-1", p1(code__version="1")),
                  thrice(SITE2, "project-2", p2_site2(code__version="2"))])
    assert verdict(report, SITE1) == (Verdict.OK, None)


def test_declared_code_version_not_loaded_is_stale() -> None:
    m = sites(extra_2='code_version = "42"\n')
    report = run([thrice(SITE2, "project-2", p2_site2(code__version="41"))], m)
    assert verdict(report, SITE2) == (Verdict.STALE, Cause.STALE_CODE)
    report = run([thrice(SITE2, "project-2", p2_site2(code__version="42"))], m)
    assert verdict(report, SITE2) == (Verdict.OK, None)


# -- 8. time zone crossing sub interpreters ------------------------------------------------------


def test_time_zone_set_by_another_interpreter_of_the_process() -> None:
    tokyo = p2_sub(settings="mysite.settings_two", time_zone__environ="Asia/Tokyo",
                   time_zone__name="JST", time_zone__utc_offset_s=32400)
    victim = p1(time_zone__name="JST", time_zone__utc_offset_s=32400)
    report = run([thrice(SITE1, "project-1", victim), thrice(SUB, "project-2", tokyo)])
    assert verdict(report, SITE1) == (Verdict.WRONG_RUNTIME, Cause.TIME_ZONE_LEAK)
    text = result(report, SITE1).explanation
    assert "'America/Chicago'" in text and "'JST'" in text
    assert "project-2, in the same process (pid 7)" in text
    assert verdict(report, SUB) == (Verdict.OK, None)


def _in(pid: int, name: str, offset: int) -> dict[str, Any]:
    """project-1's answer from process ``pid`` running in zone ``name``."""
    return {**p1(time_zone__name=name, time_zone__utc_offset_s=offset), "pid": pid,
            "instance_id": f"project-1-{pid}"}


def test_a_leak_across_processes_names_every_pid_of_each_zone_and_the_samples() -> None:
    """Seven samples, five processes in JST, one in UTC, one right (CST), no zone declared
    in the manifest: every pid per zone (at most three, then how many more) and the count
    of samples, not one pid."""
    answers = [_in(pid, "JST", 32400) for pid in (7, 8, 9, 10, 11)] + [
        _in(12, "UTC", 0), _in(13, "CST", -21600)]
    report = run([obs(SITE1, "project-1", *(answered(a) for a in answers))])
    assert verdict(report, SITE1) == (Verdict.WRONG_RUNTIME, Cause.TIME_ZONE_LEAK)
    text = result(report, SITE1).explanation
    assert "asked for time zone 'America/Chicago'" in text, text
    assert "runs in 'JST' (UTC offset 32400 s) in pids 7, 8, 9 and 2 more (5 of 7 samples)" \
        in text, text
    assert "and in 'UTC' (UTC offset 0 s) in pid 12 (1 of 7 samples)" in text, text
    assert "pid 13" not in text, text
    # one process, every sample: its pid and the count
    report = run([thrice(SITE1, "project-1", _in(7, "JST", 32400))])
    text = result(report, SITE1).explanation
    assert "runs in 'JST' (UTC offset 32400 s) in pid 7 (all 3 samples)" in text, text


def test_own_time_zone_in_effect_is_fine() -> None:
    report = run([thrice(SITE1, "project-1", p1())])
    assert verdict(report, SITE1) == (Verdict.OK, None)


def test_manifest_time_zone_differs_from_the_settings_is_not_a_leak() -> None:
    m = sites(extra='time_zone = "Europe/Paris"\n')
    report = run([thrice(SITE1, "project-1", p1())], m)
    assert verdict(report, SITE1) == (Verdict.WRONG_RUNTIME, None)
    assert "Europe/Paris" in result(report, SITE1).explanation


def test_unknown_zone_names_are_not_judged() -> None:
    report = run([thrice(SITE1, "project-1", p1(time_zone__environ="Mars/Olympus"))])
    assert verdict(report, SITE1) == (Verdict.OK, None)


# -- 6. Host rewritten by a front proxy ---------------------------------------------------------


def test_host_rewritten_by_a_front_proxy() -> None:
    answer = p1(request__host="127.0.0.1:8081", request__forwarded_host="site-2.example.com")
    report = run([thrice(SITE2, "project-2", answer)])
    assert verdict(report, SITE2) == (Verdict.WRONG_INSTANCE, Cause.HOST_REWRITTEN)
    text = result(report, SITE2).explanation
    assert "'127.0.0.1:8081'" in text and "X-Forwarded-Host 'site-2.example.com'" in text
    assert "ProxyPreserveHost On" in result(report, SITE2).fix


def test_refused_url_served_through_a_rewriting_proxy() -> None:
    answer = p1(request__host="backend.internal")
    report = run([thrice(UNKNOWN, None, answer)])
    assert verdict(report, UNKNOWN) == (Verdict.SERVED_UNMAPPED, Cause.HOST_REWRITTEN)
    assert "no X-Forwarded-Host" in result(report, UNKNOWN).explanation


def test_same_host_with_port_case_or_dot_is_not_rewritten() -> None:
    answer = ep("project-1", host="WWW.Site-2.example.com.:80", vhost="site-1.example.com")
    report = run([thrice(WWW2, None, answer)])
    assert verdict(report, WWW2) == (Verdict.SERVED_UNMAPPED, None)  # not host_rewritten


# -- 5. TLS/SNI ----------------------------------------------------------------------------------

HTTPS_SITES = """\
[instances.project-1]
label = "project-1"
urls = ["https://site-1.example.com/"]

[instances.project-2]
label = "project-2"
urls = ["https://site-2.example.com/", "http://site-2.example.com/"]
"""
HTTPS1, HTTPS2 = "https://site-1.example.com/", "https://site-2.example.com/"
SITE1_CERT = TlsInfo(sni=None, subject=None, names=("site-1.example.com",))


def tls_status(code: int, tls: TlsInfo | None) -> Sample:
    return Sample(elapsed_ms=1.0, status_code=code, tls=tls)


def test_421_without_sni_names_the_certificate_of_the_first_vhost() -> None:
    m = manifest.parse(HTTPS_SITES, "site.toml")
    report = run([obs(HTTPS2, "project-2", tls_status(421, SITE1_CERT))], m)
    assert verdict(report, HTTPS2) == (Verdict.NO_ENDPOINT, Cause.TLS_SNI)
    text = result(report, HTTPS2).explanation
    assert "no SNI" in text and "DNS names: site-1.example.com" in text
    assert "first one for *:443" in result(report, HTTPS2).fix


def test_421_with_sni_says_the_name_is_ambiguous() -> None:
    m = manifest.parse(HTTPS_SITES, "site.toml")
    cert = TlsInfo(sni="site-2.example.com", subject="site-2", names=("site-2.example.com",))
    report = run([obs(HTTPS2, "project-2", tls_status(421, cert))], m)
    assert verdict(report, HTTPS2) == (Verdict.NO_ENDPOINT, Cause.TLS_SNI)
    assert "SNI name 'site-2.example.com'" in result(report, HTTPS2).explanation


def test_403_without_sni_is_a_hint_not_a_fact() -> None:
    m = manifest.parse(HTTPS_SITES, "site.toml")
    report = run([obs(HTTPS2, "project-2", tls_status(403, SITE1_CERT))], m)
    assert verdict(report, HTTPS2) == (Verdict.NO_ENDPOINT, Cause.TLS_SNI)
    assert "Likely (not certain)" in result(report, HTTPS2).explanation
    assert "SSLStrictSNIVHostCheck" in result(report, HTTPS2).fix  # advice, not a claim
    assert "SSLStrictSNIVHostCheck" not in result(report, HTTPS2).explanation


def test_403_with_sni_and_421_over_http_are_not_tls() -> None:
    m = manifest.parse(HTTPS_SITES, "site.toml")
    with_sni = TlsInfo(sni="site-2.example.com", subject=None, names=("site-2.example.com",))
    report = run([obs(HTTPS2, "project-2", tls_status(403, with_sni)),
                  obs("http://site-2.example.com/", "project-2", tls_status(421, None))], m)
    assert verdict(report, HTTPS2) == (Verdict.NO_ENDPOINT, None)
    assert verdict(report, "http://site-2.example.com/") == (Verdict.NO_ENDPOINT, None)


def test_refused_url_answering_421_stays_refused() -> None:
    text = HTTPS_SITES + '\n[refuse]\nurls = ["https://unknown.invalid/"]\n'
    report = run([obs("https://unknown.invalid/", None, tls_status(421, SITE1_CERT))],
                 manifest.parse(text, "site.toml"))
    assert verdict(report, "https://unknown.invalid/") == (Verdict.OK, None)


def test_nagios_status_line_names_the_new_verdicts_and_causes() -> None:
    from probe.report.nagios import problem_phrase

    tokyo = p2_sub(time_zone__environ="Asia/Tokyo", time_zone__name="JST",
                   time_zone__utc_offset_s=32400)
    victim = p1(time_zone__name="JST", time_zone__utc_offset_s=32400)
    report = run([thrice(SITE1, "project-1", victim), thrice(SUB, "project-2", tokyo)])
    assert problem_phrase(result(report, SITE1)) == (
        "site-1.example.com/ wrong runtime (time_zone_leak)")


def test_leak_within_one_daemon_group_hints_at_the_group_scope_without_claiming_it() -> None:
    sub = p2_sub(settings="mysite.settings")
    report = run([thrice(SITE1, "project-1", p1()), thrice(SUB, "project-2", sub)])
    assert verdict(report, SUB) == (Verdict.SETTINGS_MISMATCH, Cause.ENVIRON_LEAK)
    assert "Both run in the daemon process group 'pg'" in result(report, SUB).explanation
    # Embedded: no daemon group to blame.
    embedded = p2_sub(settings="mysite.settings", process_group="")
    one = {**p1(), "process_group": ""}
    report = run([thrice(SITE1, "project-1", one), thrice(SUB, "project-2", embedded)])
    assert verdict(report, SUB) == (Verdict.SETTINGS_MISMATCH, Cause.ENVIRON_LEAK)
    assert "daemon process group" not in result(report, SUB).explanation


def test_a_large_sweep_identifies_each_answer_a_bounded_number_of_times(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Cross-URL causes must not compare every URL with every answer of the sweep: with
    mixed_code doing so, 1,000 URLs took 11.6 s (a count, not a time, guards it here)."""
    from probe.diagnose.identify import SweepContext

    urls = [f"http://site-1.example.com/u{n}/" for n in range(200)]
    text = ('[instances.project-1]\nlabel = "project-1"\nurls = '
            + "[" + ", ".join(f'"{u}"' for u in urls) + "]\n")
    answer = {**p1(), "code": {"version": "7", "script_mtime": "2026-11-30T00:00:00+00:00"}}
    calls = 0
    real = SweepContext.identify

    def counting(self: SweepContext, *args: Any, **kwargs: Any) -> str | None:
        nonlocal calls
        calls += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SweepContext, "identify", counting)
    report = diagnose(manifest.parse(text, "m.toml"), [thrice(u, "project-1", answer)
                                                        for u in urls])
    assert {r.verdict for r in report.targets} == {Verdict.OK}
    assert calls < 20 * len(urls), calls  # linear; the quadratic check made ~len(urls) ** 2
