"""Diagnosis of an answer that matches the expected instance on some declared fields only.

No contradictory sentence ("should be served by mysite but was answered by mysite"), the field
that differs named with what was seen, and a cause only where the answer is evidence for it:
``daemon_group_unused`` when only the daemon process group differs, never ``alias_order`` from
a URL path that is not a mount.
"""

from __future__ import annotations

from typing import Any

import pytest

from probe import manifest
from probe.manifest import Manifest
from probe.model import Cause, TargetResult, Verdict
from tests.test_diagnose import answered, ep, obs, result, run, thrice

EXPRESS_SITE = """\
[instances.mysite]
label = "mysite"
settings = "mysite.settings"
process_group = "mysite"
urls = ["http://localhost:8000/", "http://localhost:8000/admin/"]
"""

ROOT = "http://localhost:8000/"
ADMIN = "http://localhost:8000/admin/"


def parse(text: str) -> Manifest:
    return manifest.parse(text, "site.toml")


def express_answer(**changes: Any) -> dict[str, Any]:
    """mod_wsgi-express: its daemon group is named after host and port, %{GLOBAL} interpreter."""
    data = ep("mysite", host="localhost:8000", process_group="localhost:8000",
              application_group="", pid=501)
    data.update(changes)
    return data


def express_report(data: dict[str, Any]) -> dict[str, TargetResult]:
    report = run([thrice(ROOT, "mysite", data), thrice(ADMIN, "mysite", data)],
                 parse(EXPRESS_SITE))
    return {url: result(report, url) for url in (ROOT, ADMIN)}


def test_wrong_daemon_group_names_the_field_and_what_was_seen() -> None:
    results = express_report(express_answer())
    for url, target in results.items():
        assert (target.verdict, target.cause) == (Verdict.WRONG_INSTANCE,
                                                  Cause.DAEMON_GROUP_UNUSED), url
        assert ("label 'mysite' as expected, but process group 'localhost:8000', not 'mysite'"
                in target.explanation)
        assert "but was answered by mysite" not in target.explanation
        assert "process_group = 'localhost:8000'" in target.fix
        assert target.answered_by == "mysite (group 'localhost:8000')"
        assert target.answered_by != target.expected


def test_admin_under_the_root_mount_is_not_alias_order() -> None:
    admin = express_report(express_answer())[ADMIN]
    assert admin.cause is not Cause.ALIAS_ORDER
    assert "WSGIScriptAlias for /admin" not in admin.explanation + admin.fix


def test_the_right_group_is_ok() -> None:
    results = express_report(express_answer(process_group="mysite"))
    assert {t.verdict for t in results.values()} == {Verdict.OK}


HTTPS_SITE = """\
[instances.project-1]
label = "project-1"
process_group = "project-1"
urls = ["http://site-1.example.com/", "https://site-1.example.com/"]
"""


def test_a_vhost_copied_without_its_process_group_runs_embedded() -> None:
    http = ep("project-1", host="site-1.example.com", pid=101)
    https = ep("project-1", host="site-1.example.com", pid=7, process_group="")
    report = run([thrice("http://site-1.example.com/", "project-1", http),
                  thrice("https://site-1.example.com/", "project-1", https)], parse(HTTPS_SITE))
    assert result(report, "http://site-1.example.com/").verdict is Verdict.OK
    target = result(report, "https://site-1.example.com/")
    assert (target.verdict, target.cause) == (Verdict.WRONG_INSTANCE, Cause.DAEMON_GROUP_UNUSED)
    assert "process group '' (embedded mode), not 'project-1'" in target.explanation
    assert "runs embedded" in target.explanation
    assert "VirtualHost for site-1.example.com:443" in target.fix
    assert "WSGIProcessGroup project-1" in target.fix
    assert target.answered_by == "project-1 (embedded)"


GROUPED = """\
[instances.project-1]
label = "project-1"
process_group = "project-1"
application_group = "site-1.example.com|"
urls = ["http://site-1.example.com/"]

[instances.project-2]
label = "project-2"
process_group = "project-2"
urls = ["http://site-2.example.com/"]
"""


def diagnose_one(text: str, url: str, expected: str, data: dict[str, Any]) -> TargetResult:
    return result(run([thrice(url, expected, data)], parse(text)), url)


def test_another_label_in_the_expected_group_is_no_group_cause() -> None:
    # project-3's code answers in project-2's daemon group: not a daemon group mistake, and
    # not decided as the manifest's label either: the group (all project-2 declares besides
    # its label) says where the code runs, not which application it is
    data = ep("project-3", host="site-2.example.com", pid=202, process_group="project-2")
    target = diagnose_one(GROUPED, "http://site-2.example.com/", "project-2", data)
    assert (target.verdict, target.cause) == (Verdict.WRONG_INSTANCE, None)
    assert ("process group 'project-2' as expected, but label 'project-3', not 'project-2'"
            in target.explanation)
    assert target.answered_by == "project-3"


def test_label_and_group_both_differ_is_no_group_cause() -> None:
    # agrees on the application group only: two fields differ, so no single cause
    data = ep("other", host="site-1.example.com", pid=303, process_group="other")
    target = diagnose_one(GROUPED, "http://site-1.example.com/", "project-1", data)
    assert (target.verdict, target.cause) == (Verdict.WRONG_INSTANCE, None)
    assert ("application group 'site-1.example.com|' as expected, but label 'other', not "
            "'project-1'; process group 'other', not 'project-1'") in target.explanation


def test_only_the_application_group_differs_is_no_group_cause() -> None:
    data = ep("project-1", host="site-1.example.com", pid=101,
              application_group="site-1.example.com|/x")
    target = diagnose_one(GROUPED, "http://site-1.example.com/", "project-1", data)
    assert (target.verdict, target.cause) == (Verdict.WRONG_INSTANCE, None)
    assert ("but application group 'site-1.example.com|/x', not 'site-1.example.com|'"
            in target.explanation)
    assert "correct the application group declared for project-1" in target.fix


def test_a_server_that_is_not_mod_wsgi_reports_no_group() -> None:
    data = ep("project-2", host="site-2.example.com", pid=404)
    data.update(process_group=None, application_group=None)
    data["server"] = {"software": "gunicorn/23.0.0", "mod_wsgi_version": None,
                      "multithread": False, "multiprocess": True}
    target = diagnose_one(GROUPED, "http://site-2.example.com/", "project-2", data)
    assert (target.verdict, target.cause) == (Verdict.WRONG_INSTANCE, None)
    assert ("label 'project-2' as expected, but no process group reported (gunicorn/23.0.0 is "
            "not mod_wsgi), not 'project-2'") in target.explanation


def test_another_instance_fully_identified_is_still_plain_wrong_instance() -> None:
    # a near miss of project-2 that IS project-1 (all its declared fields): project-1 answered
    data = ep("project-1", host="site-1.example.com", pid=101)
    text = GROUPED.replace('application_group = "site-1.example.com|"\n', "")
    target = diagnose_one(text, "http://site-2.example.com/", "project-2", data)
    assert target.verdict is Verdict.WRONG_INSTANCE
    assert target.cause is not Cause.DAEMON_GROUP_UNUSED
    assert target.answered_by == "project-1"
    assert "should be served by project-2 but was answered by project-1" in target.explanation


MOUNTED = """\
[instances.mysite]
label = "mysite"
urls = ["http://shop.example.com/", "http://shop.example.com/admin/"]

[instances.blog]
label = "blog"
urls = ["http://shop.example.com/blog/"]
"""


def test_alias_order_needs_a_mount_not_just_a_url_path() -> None:
    # blog (mounted at /blog) answers /admin/ at SCRIPT_NAME '': mysite is mounted at /,
    # so /admin is no mount that a shorter alias could have swallowed
    blog = ep("blog", host="shop.example.com", mount="", pid=9)
    target = diagnose_one(MOUNTED, "http://shop.example.com/admin/", "mysite", blog)
    assert target.verdict is Verdict.WRONG_INSTANCE
    assert target.cause is None


def test_alias_order_is_still_found_for_a_real_sub_mount() -> None:
    root = ep("mysite", host="shop.example.com", mount="", pid=8)
    target = diagnose_one(MOUNTED, "http://shop.example.com/blog/", "blog", root)
    assert (target.verdict, target.cause) == (Verdict.WRONG_INSTANCE, None)
    assert Cause.ALIAS_ORDER in [c.cause for c in target.candidates]
    assert "mounted at /blog" in target.explanation


def test_a_near_miss_seen_by_the_sample_disagreement_check_stays_inconsistent() -> None:
    right = ep("project-2", host="site-2.example.com", pid=202)
    embedded = ep("project-2", host="site-2.example.com", pid=7, process_group="")
    url = "http://site-2.example.com/"
    report = run([obs(url, "project-2", answered(right), answered(embedded))], parse(GROUPED))
    target = result(report, url)
    assert target.verdict is Verdict.INCONSISTENT
    assert "project-2 (embedded)" in target.explanation


# -- identify() is memoised per distinct identity: the memo must tell apart all it reads ----


def two_instances(field: str) -> Manifest:
    """Instances ``a`` and ``b`` that differ only in ``field``."""
    return parse(f'[instances.a]\n{field} = "a-value"\nurls = ["http://a.test/"]\n'
                 f'[instances.b]\n{field} = "b-value"\nurls = ["http://b.test/"]\n')


@pytest.mark.parametrize("field", ["label", "process_group", "application_group", "settings"])
def test_identify_tells_apart_answers_differing_in_one_declared_field(field: str) -> None:
    from probe.diagnose.identify import SweepContext
    from probe.endpoint_answer import EndpointAnswer

    context = SweepContext(two_instances(field), [])

    def answer(value: str) -> EndpointAnswer:
        data = ep(None, host="a.test", settings=None, process_group="", application_group="")
        if field == "settings":
            data["settings_module"] = {"environ": value, "loaded": None}
        else:
            data[field] = value
        return EndpointAnswer.from_json(data)

    # The same context asked twice with answers that differ in that field alone.
    assert context.identify(answer("a-value")) == "a"
    assert context.identify(answer("b-value")) == "b"
    assert context.identify(answer("a-value"), "b") == "a"


def test_identify_works_once_per_distinct_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 10,000-URL sweep asks identify() ~7 times per URL; each distinct identity and
    expected instance is worked out once (it was 9 % of a large sweep's time)."""
    from probe.diagnose.identify import SweepContext

    worked = 0
    real = SweepContext._identify

    def counting(self: SweepContext, *args: Any) -> str | None:
        nonlocal worked
        worked += 1
        return real(self, *args)

    monkeypatch.setattr(SweepContext, "_identify", counting)
    urls = [f"http://localhost:8000/u{n}/" for n in range(100)]
    text = EXPRESS_SITE.replace('urls = ["http://localhost:8000/", '
                                '"http://localhost:8000/admin/"]',
                                "urls = [" + ", ".join(f'"{u}"' for u in urls) + "]")
    report = run([thrice(u, "mysite", ep("mysite", host="localhost:8000",
                                          process_group="mysite")) for u in urls], parse(text))
    assert {t.verdict for t in report.targets} == {Verdict.OK}
    assert worked <= 3, worked


OGN = """\
[instances.logbook]
label = "project-1"
process_group = "ognLogbook"
urls = ["https://www.ognlogbook.example.com/"]

[instances.tracker]
label = "project-2"
process_group = "tracker"
urls = ["https://tracker.example.com/"]
"""


def test_a_label_another_instance_declares_is_that_application_not_a_manifest_slip() -> None:
    # tracker's TLS site, first on the port, runs in logbook's group (two faults at once):
    # the label seen is tracker's, so tracker's application answered logbook's URL.
    url = "https://www.ognlogbook.example.com/"
    data = ep("project-2", host="www.ognlogbook.example.com", pid=23125,
              process_group="ognLogbook", application_group="")
    target = diagnose_one(OGN, url, "logbook", data)
    assert (target.verdict, target.cause) == (Verdict.WRONG_INSTANCE, None)
    assert "Label 'project-2' is the label the manifest declares for tracker: tracker's " \
           "application answered this URL, not logbook's." in target.explanation
    assert {c.cause for c in target.candidates} == {Cause.VHOST_FALLBACK,
                                                     Cause.VHOST_SHADOWED}
    assert all("--config" in c.check and ".invalid" in c.check for c in target.candidates)
    assert target.fix.startswith("Sweep with --config PATH"), target.fix
    assert "correct the label declared" not in target.fix, target.fix
