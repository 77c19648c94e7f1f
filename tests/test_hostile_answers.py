"""Any JSON a server answers, in any field, never crashes a report, check or the exporter.

Property-based (hypothesis): the answer goes the real way, bytes -> transport's
parsing -> diagnosis -> every output, beside a well-behaved URL of the same
sweep that must stay ``ok`` in each of them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probe.diagnose import diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.http_messages import Answer, sample_from_answer
from probe.manifest import Manifest, parse
from probe.model import Observation, Report, Sample, Verdict
from probe.safe_text import MAX_FIELD
from tests.every_output import check_status, every_output

MANIFEST = parse("""
[instances.good]
label = "good"
urls = ["http://good.example/"]
[instances.hostile]
label = "hostile"
urls = ["http://hostile.example/"]
[refuse]
urls = ["http://refused.example/"]
""")

GOOD: dict[str, Any] = {
    "schema": 1, "label": "good", "instance_id": "a" * 32, "pid": 10, "ppid": 1,
    "process_group": "good", "application_group": "good.example|",
    "settings_module": {"environ": "good.settings", "loaded": None},
    "request": {"host": "good.example", "server_name": "good.example", "server_port": "80",
                "scheme": "http", "script_name": "", "path_info": "/__probe__"},
    "script_file": "/srv/good/wsgi.py",
    "server": {"software": "t", "mod_wsgi_version": None, "multithread": True,
               "multiprocess": False},
    "python": {"version": "3.11", "implementation": "CPython", "executable": "/usr/bin/python3"},
    "started_at": "2026-11-30T00:00:00Z", "uptime_s": 1.0, "hits": 1,
}
HOSTILE = {**GOOD, "label": "hostile", "instance_id": "b" * 32, "pid": 11,
           "process_group": "hostile", "application_group": "hostile.example|"}

# Every character, lone surrogates and controls included: valid in JSON text.
ANY_CHAR = st.characters(exclude_categories=())
NASTY = ["\ud800", "a\udfffb", "\x1b[2J\x1b[31mred", "[bold]x[/bold]", "[/x]", "]]>", "a\r\nb",
         "\u202eevil", "x" * 100_000, "'=|", "\x00", "<![CDATA[", "&amp;", "\ufffe", "\x85\u2028"]
TEXT = st.text(ANY_CHAR, max_size=40) | st.sampled_from(NASTY)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63)
    | st.floats(allow_nan=True, allow_infinity=True) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
FIELDS = sorted({*GOOD, "nonce", "signature", "extra"})


def sample(body: bytes, content_type: str = "application/json") -> Sample:
    return sample_from_answer(Answer(200, {"Content-Type": content_type}, body, 1.0))


def sweep_of(hostile: Sample) -> Report:
    """A report of three URLs: good, hostile (answered by ``hostile``), refused (403)."""
    good, hostile_target, refused = MANIFEST.targets()
    observations = [
        Observation(good, (sample(json.dumps(GOOD).encode()),) * 2),
        Observation(hostile_target, (hostile,) * 2),
        Observation(refused, (Sample(1.0, status_code=403),)),
    ]
    return diagnose(MANIFEST, observations)


def assert_unspoiled(report: Report, manifest: Manifest = MANIFEST) -> None:
    """Every output is produced, and still shows the good URL as ok and the refusal ok."""
    verdicts = {t.url: t.verdict for t in report.targets}
    assert verdicts["http://good.example/"] is Verdict.OK
    assert verdicts["http://refused.example/"] is Verdict.OK
    outputs = every_output(report, manifest)
    for name, body in outputs.items():
        assert b"good.example" in body, name
    assert check_status(report) in (0, 2)  # OK or CRITICAL: a real verdict, never UNKNOWN


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(FIELDS), value=JSON)
def test_any_json_value_in_any_field(field: str, value: object) -> None:
    answer = {**HOSTILE, field: value}
    body = json.dumps(answer, allow_nan=True).encode()
    report = sweep_of(sample(body))
    assert_unspoiled(report)
    hostile = report.targets[1]
    if field == "label" and value != "hostile":
        assert hostile.verdict is not Verdict.OK


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
@pytest.mark.parametrize("field", [*FIELDS, "settings_module.environ", "settings_module.loaded",
                                   "request.host", "request.script_name", "request.path_info"])
def test_every_nasty_string_in_every_field(field: str, text: str) -> None:
    answer = json.loads(json.dumps(HOSTILE))
    table, _, key = field.rpartition(".")
    (answer[table] if table else answer)[key] = text
    assert_unspoiled(sweep_of(sample(json.dumps(answer).encode())))


@settings(max_examples=200, deadline=None)
@given(value=JSON)
def test_any_json_document(value: object) -> None:
    assert_unspoiled(sweep_of(sample(json.dumps(value, allow_nan=True).encode())))


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=200))
def test_any_bytes(body: bytes) -> None:
    assert_unspoiled(sweep_of(sample(body)))


@pytest.mark.parametrize("text", ["\ud800", "\udfff", "a\ud800b"])
def test_lone_surrogate_label_is_written_as_an_escape(text: str) -> None:
    answer = EndpointAnswer.from_json(json.loads(json.dumps({**HOSTILE, "label": text})))
    assert answer.label is not None
    answer.label.encode("utf-8")
    assert "\\ud" in answer.label
    json.dumps(answer.raw, ensure_ascii=False).encode("utf-8")


def test_terminal_escape_never_reaches_the_table() -> None:
    report = sweep_of(sample(json.dumps({**HOSTILE, "label": "\x1b[2Jgone",
                                         "settings_module": {"environ": "\x1b]0;title\x07",
                                                             "loaded": None}}).encode()))
    outputs = every_output(report)
    for name in ("table", "check-v0", "check-v3", "junit"):
        assert b"\x1b" not in outputs[name], name
        assert b"\x07" not in outputs[name], name
    assert b"\\x1b[2Jgone" in outputs["table"]


def test_markup_in_a_label_is_shown_as_written() -> None:
    report = sweep_of(sample(json.dumps({**HOSTILE, "label": "[/bold][link=x]evil"}).encode()))
    assert b"[/bold][link=x]evil" in every_output(report)["table"]


TYPED = ("label", "instance_id", "process_group", "application_group", "started_at", "nonce",
         "signature")


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
@pytest.mark.parametrize("field", TYPED)
def test_typed_fields_are_one_printable_bounded_line(field: str, text: str) -> None:
    """The boundary itself, not only the outputs: logs and new renderers read these fields."""
    answer = EndpointAnswer.from_json({**HOSTILE, field: text})
    value = getattr(answer, field)
    assert isinstance(value, str)
    value.encode("utf-8")
    assert len(value) <= MAX_FIELD
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c in "\u2028\u202e" for c in value)


def test_broken_answers_make_no_findings() -> None:
    """Two instances' URLs answered by one broken copy: bad_answer each, no shared_instance."""
    broken = sample(json.dumps({**HOSTILE, "pid": "abc"}).encode())
    good, hostile, _ = MANIFEST.targets()
    report = diagnose(MANIFEST, [Observation(good, (broken,)), Observation(hostile, (broken,))])
    assert [t.verdict for t in report.targets] == [Verdict.BAD_ANSWER] * 2
    assert 'pid is "abc" (a string), not a process id' in report.targets[0].explanation
    assert report.findings == ()


def test_problems_name_values_in_json_words() -> None:
    """The answer is JSON: a null pid is "null", not Python's None (issue 24)."""
    answer = EndpointAnswer.from_json({**HOSTILE, "pid": None, "label": False,
                                       "settings_module": [1]})
    assert answer.problems == ("pid is null, not a process id",
                               "label is false (a boolean), not a string or null",
                               "settings_module is [1] (an array), not an object")


def test_an_integer_longer_than_python_reads_is_a_bad_answer_saying_so() -> None:
    # Valid JSON; Python refuses to read an integer of more than 4300 digits (ValueError).
    body = json.dumps({**HOSTILE, "hits": 0, "pid": 0})
    body = body.replace('"hits": 0', '"hits": ' + "1" * 5000)
    report = sweep_of(sample(body.replace('"pid": 0', '"pid": -' + "9" * 4400).encode()))
    hostile = report.targets[1]
    assert hostile.verdict is Verdict.BAD_ANSWER, hostile.explanation
    assert ("it holds integers of 4400, 5000 digits, longer than any field takes and than "
            "Python reads (4300): read as null") in hostile.explanation
    assert_unspoiled(report)
    broken = sample(b'{"schema": 1, "instance_id": "x", "pid": 1' + b"1" * 5000)
    assert broken.error == "answer claims JSON but does not parse"
