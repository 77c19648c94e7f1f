"""One rule for an answer's fields of the wrong type (probe.answer_types, re-tester R25's n5).

Every field the probe reads is in one of two tables: a required one of the wrong type makes
the answer ``bad_answer`` naming the field, the value and its type in one line; an optional
one is read as absent and said once, in the URL's evidence, never silently.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import pytest

from probe.answer_types import OPTIONAL, REQUIRED, FieldType
from probe.diagnose import diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.http_messages import Answer, sample_from_answer
from probe.manifest import parse
from probe.model import EvidenceKind, Observation, Sample, Verdict

MANIFEST = parse("""
[instances.good]
label = "good"
urls = ["http://good.example/"]
""")

GOOD: dict[str, Any] = {
    "schema": 1, "label": "good", "instance_id": "a" * 32, "pid": 10, "ppid": 1,
    "process_group": "good", "application_group": "good.example|",
    "settings_module": {"environ": "good.settings", "loaded": None},
    "request": {"host": "good.example", "script_name": "", "path_info": "/__probe__"},
    "started_at": "2026-11-30T00:00:00Z", "uptime_s": 1.0,
}

# A value of the wrong type for each kind of field, and the type the words name for it.
WRONG = {"a string or null": (12345, "12345 (a number)"),
         "a process id": ("7", '"7" (a string)'),
         "a count (1 or more)": ("2", '"2" (a string)'),
         "an object": ([1], "[1] (an array)"),
         "true, false or null": ("yes", '"yes" (a string)'),
         "an integer or null": ("1", '"1" (a string)'),
         "seconds within a day": ("32400", '"32400" (a string)'),
         "a number or null": ("1.0", '"1.0" (a string)'),
         "a list of strings or null": (["127.0.0.1:8001", 8002],
                                       '["127.0.0.1:8001", 8002] (an array)')}

# The typed attribute of EndpointAnswer each field is read into (the others are read from raw).
ATTRIBUTE = {"pid": "pid", "label": "label", "process_group": "process_group",
             "application_group": "application_group", "started_at": "started_at",
             "settings_module.environ": "settings_environ",
             "settings_module.loaded": "settings_loaded", "request.host": "host",
             "request.script_name": "script_name", "request.path_info": "path_info",
             "nonce": "nonce", "signature": "signature", "ppid": "ppid",
             "loaded_pid": "loaded_pid", "process_started_at": "process_started_at",
             "settings_module.file": "settings_file", "code.version": "code_version",
             "code.version_source": "code_version_source",
             "code.script_mtime": "script_mtime", "code.first_loaded_at": "first_loaded_at",
             "code.script_loads": "script_loads", "python.prefix": "python_prefix",
             "python.version": "python_version", "python.django_version": "django_version",
             "server.hostname": "hostname", "time_zone.environ": "tz_environ",
             "time_zone.name": "tz_name", "time_zone.utc_offset_s": "tz_offset_s",
             "request.forwarded_host": "forwarded_host", "uptime_s": "uptime_s"}


def with_value(path: str, value: object) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(GOOD))
    head, _, name = path.partition(".")
    if name:
        data.setdefault(head, {})[name] = value
    else:
        data[head] = value
    return data


def sample(data: dict[str, Any]) -> Sample:
    body = json.dumps(data).encode()
    return sample_from_answer(Answer(200, {"Content-Type": "application/json"}, body, 1.0))


def test_every_typed_attribute_is_in_one_table() -> None:
    """A field read into EndpointAnswer and in neither table would escape the rule."""
    paths = [f.path for f in (*REQUIRED, *OPTIONAL)]
    assert len(paths) == len(set(paths))
    untyped = {f.name for f in fields(EndpointAnswer)} - {"raw", "instance_id", "problems",
                                                          "ignored"}
    assert untyped == set(ATTRIBUTE.values())
    assert set(ATTRIBUTE) <= set(paths)


@pytest.mark.parametrize("field", REQUIRED, ids=[f.path for f in REQUIRED])
def test_a_required_field_of_the_wrong_type_is_a_bad_answer(field: FieldType) -> None:
    value, seen = WRONG[field.kind]
    report = diagnose(MANIFEST, [Observation(MANIFEST.targets()[0],
                                             (sample(with_value(field.path, value)),))])
    target = report.targets[0]
    assert target.verdict is Verdict.BAD_ANSWER, target.explanation
    said = f"{field.path} is {seen}, not {field.kind}"
    assert said in target.explanation
    assert "\n" not in target.explanation


@pytest.mark.parametrize("field", OPTIONAL, ids=[f.path for f in OPTIONAL])
def test_an_optional_field_of_the_wrong_type_is_read_as_absent_and_said_once(
        field: FieldType) -> None:
    value, seen = WRONG[field.kind]
    data = with_value(field.path, value)
    answer = EndpointAnswer.from_json(data)
    said = f"{field.path} is {seen}, not {field.kind}"
    assert answer.problems == ()
    assert answer.ignored == (said,)
    if field.path in ATTRIBUTE:
        assert getattr(answer, ATTRIBUTE[field.path]) is None
    # Two samples of the same answer: the URL says it once, as observed evidence.
    one = sample(data)
    report = diagnose(MANIFEST, [Observation(MANIFEST.targets()[0], (one, one))])
    target = report.targets[0]
    assert target.verdict is Verdict.OK, target.explanation
    notes = [e for e in target.evidence if said in e.claim]
    assert len(notes) == 1
    assert notes[0].kind is EvidenceKind.OBSERVED
    assert notes[0].claim.count(said) == 1
    assert notes[0].claim.startswith("read as absent")
    assert notes[0].source == "GET http://good.example/__probe__"


def test_a_right_answer_says_nothing_read_as_absent() -> None:
    report = diagnose(MANIFEST, [Observation(MANIFEST.targets()[0], (sample(GOOD),))])
    assert report.targets[0].evidence == ()
    assert EndpointAnswer.from_json(GOOD).ignored == ()


def test_r25_n5_cases() -> None:
    """The re-tester's five answers: each treated by the one rule (n5-new-field-types)."""
    cases = {"process_started_at": 12345, "settings_module.file": 123, "loaded_pid": "4242",
             "code.script_loads": "2", "code.first_loaded_at": 12345}
    for path, value in cases.items():
        answer = EndpointAnswer.from_json(with_value(path, value))
        assert answer.problems == (), path
        assert len(answer.ignored) == 1 and answer.ignored[0].startswith(path + " is "), path


def test_server_listens_of_another_type_is_no_socket() -> None:
    # the reader takes a whole list of strings or nothing (probe.diagnose.fronts.listens)
    from probe.diagnose.fronts import listens

    assert listens(EndpointAnswer.from_json(with_value("server.listens", ["a:1", 2]))) == ()
    assert listens(EndpointAnswer.from_json(with_value("server.listens", "a:1"))) == ()
    assert listens(EndpointAnswer.from_json(
        with_value("server.listens", ["127.0.0.1:18402", "unix:/run/b.sock"]))) == (
        "127.0.0.1:18402", "unix:/run/b.sock")
