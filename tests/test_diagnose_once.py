"""What diagnosis works out once per sweep and hands to every URL it fits (the name an answer
is shown by, the ok verdict's words, a zone's offset, whether other code of the instance is
newer) is what working it out for that URL would give: each cache keyed by less than what it
reads would hand one URL another's result, and these tests, which ask in an order that would
show it, fail."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from itertools import product
from typing import Any

from probe import manifest
from probe.diagnose import SweepContext, diagnose
from probe.diagnose.causes_runtime import _offset, _offset_at
from probe.endpoint_answer import EndpointAnswer
from probe.model import Verdict

from .test_diagnose import SITE1, SITE2, WWW1, ep, run, sites, thrice
from .test_diagnose_causes import p1, p2_site2, with_runtime


def test_each_answer_is_shown_by_the_name_worked_out_for_it() -> None:
    context = SweepContext(sites(), [])
    base = EndpointAnswer.from_json(ep("project-1", host="site-1.example.com"))
    answers = [replace(base, label=label, process_group=group, application_group=app, pid=pid)
               for label, group, app, pid in product(
                   ("project-1", "project-2", None), ("project-1", "other", ""),
                   ("site-1.example.com|", None), (7, 8, None))]
    expected = ("project-1", "project-2", "*", None)
    shown = [context.display_name(a, e) for a, e in product(answers, expected)]
    fresh = [SweepContext(sites(), []).display_name(a, e) for a, e in product(answers, expected)]
    assert shown == fresh
    # The names differ where the fields do: the cache had something to tell apart.
    assert {"pid 7", "pid 8", "project-1", "project-2", "site-1.example.com|"} <= set(shown)


def www1(**changes: Any) -> dict[str, Any]:
    return with_runtime(ep("project-1", host=WWW1.split("/")[2], vhost="site-1.example.com",
                           pid=7, process_group="pg"), **changes)


def test_each_ok_url_names_its_own_process() -> None:
    report = run([thrice(SITE1, "project-1", p1()),
                  thrice(SITE2, "project-2", p2_site2()),
                  thrice(WWW1, "project-1",
                         {**www1(), "process_group": ""})])
    assert [t.verdict for t in report.targets] == [Verdict.OK] * 3
    assert [t.explanation for t in report.targets] == [
        "answered by project-1 (pid 7, daemon 'pg')",
        "answered by project-2 (pid 8, daemon 'project-2')",
        "answered by project-1 (pid 7, embedded)"]


def test_a_zone_offset_is_the_one_of_its_own_second() -> None:
    context = SweepContext(sites(), [])
    # Chicago leaves CST for CDT at 2026-03-08 08:00:00 UTC.
    change = datetime(2026, 3, 8, 8, tzinfo=UTC)
    moments = [change + timedelta(milliseconds=250 * n) for n in range(-12, 12)]
    moments += [m.astimezone(timezone(timedelta(hours=5, minutes=30))) for m in moments]
    assert [_offset_at(context, "America/Chicago", m) for m in moments] == \
        [_offset("America/Chicago", m) for m in moments]
    assert {_offset_at(context, "America/Chicago", m) for m in moments} == {-21600, -18000}
    # Another zone at the same moments has its own offsets.
    assert {_offset_at(context, "Asia/Tokyo", m) for m in moments} == {32400}


def test_processes_answering_either_side_of_a_zone_change_are_both_right() -> None:
    def at(started: str, uptime: float, offset: int, name: str) -> dict[str, Any]:
        return {**p1(time_zone__name=name, time_zone__utc_offset_s=offset),
                "started_at": started, "uptime_s": uptime}

    # Both answered within one minute of the change, each with its own offset.
    before = at("2026-03-08T07:59:00+00:00", 59.5, -21600, "CST")
    after = at("2026-03-08T07:59:00+00:00", 60.5, -18000, "CDT")
    report = run([thrice(SITE1, "project-1", before), thrice(SITE1, "project-1", after)])
    assert [t.verdict for t in report.targets] == [Verdict.OK, Verdict.OK]
    wrong = at("2026-03-08T07:59:00+00:00", 60.5, -21600, "CST")
    report = run([thrice(SITE1, "project-1", before), thrice(SITE1, "project-1", wrong)])
    assert [t.verdict for t in report.targets] == [Verdict.OK, Verdict.WRONG_RUNTIME]


THREE = manifest.parse("""\
[instances.project-2]
label = "project-2"
settings = "mysite.settings_two"
urls = ["http://site-2.example.com/", "http://site-2.example.com/a/",
        "http://site-2.example.com/new/"]
""", "three.toml")


def p2(version: str, started: str) -> dict[str, Any]:
    data = ep("project-2", host="site-2.example.com", pid=8, settings="mysite.settings_two",
              started_at=started)
    return with_runtime(data, code__version=version) | {"started_at": started}


def test_each_start_is_weighed_against_the_newer_code() -> None:
    # The same server and code, started after and before the other code: only the one started
    # before it runs old code, whichever of the two is diagnosed first.
    late, early = p2("1", "2026-11-30T12:00:00+00:00"), p2("1", "2026-11-30T10:00:00+00:00")
    other = thrice("http://site-2.example.com/new/", "project-2",
                   p2("2", "2026-11-30T11:00:00+00:00"))
    for first, second in ((late, early), (early, late)):
        report = diagnose(THREE, [thrice(SITE2, "project-2", first),
                                  thrice(SITE2 + "a/", "project-2", second), other])
        assert [t.verdict for t in report.targets][:2] == [
            Verdict.OK if first is late else Verdict.MIXED_CODE,
            Verdict.OK if second is late else Verdict.MIXED_CODE]
