"""probe/compact.py: answers kept once per distinct content, and never told apart from the
answer as decoded (the JSON report and diagnosis read them)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probe.compact import PER_REQUEST, SharedAnswer, SharedObject, Sharer
from probe.diagnose.fronts import host_allowed
from probe.endpoint_answer import EndpointAnswer, answer_problems
from probe.report.json_report import _ONE_LINE, _plain, _target_line, target_dict
from probe.safe_text import clean_json
from probe.shared_once import Derived, JsonTexts

from .test_diagnose import healthy, run

KEYS = st.sampled_from(["a", "b", "label", "nonce", "path_info", "request", "server", "x"])
LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                   st.text(max_size=8))
VALUES = st.recursive(LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=4)), max_leaves=20)
ANSWERS = st.dictionaries(KEYS, VALUES, max_size=6)


def encoded(value: Any) -> str:
    """JSON text that tells 1 from 1.0 from true, and -0.0 from 0.0; an object kept as a
    SharedObject (a Mapping, not a dict) as the dict it stands for."""
    return json.dumps(value, default=lambda kept: kept.to_dict())


@settings(max_examples=300, deadline=None)
@given(st.lists(ANSWERS, min_size=1, max_size=6))
def test_a_shared_answer_is_the_answer(answers: list[dict[str, Any]]) -> None:
    """Whatever was shared before (other answers, in any order), each answer reads and
    encodes exactly as decoded."""
    sharer = Sharer()
    texts = [encoded(a) for a in answers]  # before sharing: nothing may change them
    shared = [sharer.answer(a) for a in answers]
    for answer, text, kept in zip(answers, texts, shared, strict=True):
        assert _ONE_LINE.encode(_plain(kept)) == text  # the report's encoder: dicts only
        assert kept == answer
        assert list(kept) == list(answer)
        assert len(kept) == len(answer)
        for key in answer:
            assert key in kept
            assert encoded(kept[key]) == encoded(answer[key])
        assert "not a key" not in kept


def test_numbers_and_booleans_that_compare_equal_stay_apart() -> None:
    sharer = Sharer()
    values: list[Any] = [1, 1.0, True, 0, 0.0, -0.0, False, None, "1"]
    kept = [sharer.answer({"server": {"v": v}})["server"]["v"] for v in values]
    assert [encoded(v) for v in kept] == [encoded(v) for v in values]


def endpoint_answer(nonce: str, path: str) -> dict[str, Any]:
    return {"schema": 1, "label": "project-1", "pid": 42, "nonce": nonce,
            "request": {"host": "site.example", "path_info": path},
            "server": {"software": "Apache/2.4", "multithread": True},
            "python": {"version": "3.11", "prefix": "/venv"}}


def test_what_answers_have_in_common_is_kept_once() -> None:
    sharer = Sharer()
    first = sharer.answer(endpoint_answer("a" * 32, "/one/__probe__"))
    second = sharer.answer(endpoint_answer("b" * 32, "/two/__probe__"))
    assert first["server"] is second["server"]
    assert first["python"] is second["python"]
    assert first["label"] is second["label"]
    assert first["request"]["host"] is second["request"]["host"]
    # What each request makes its own is its own.
    assert first["request"] is not second["request"]
    assert (first["nonce"], second["nonce"]) == ("a" * 32, "b" * 32)
    assert first["request"]["path_info"] == "/one/__probe__"
    assert {"nonce", "path_info"} <= PER_REQUEST


def test_an_object_holding_a_list_is_kept_as_it_is() -> None:
    sharer = Sharer()
    one = sharer.answer({"server": {"list": [1, 2]}})
    two = sharer.answer({"server": {"list": [3]}})
    assert one["server"] == {"list": [1, 2]}
    assert two["server"] == {"list": [3]}


def test_the_tables_stop_growing_at_their_limit() -> None:
    sharer = Sharer(limit=5)
    answers = [{"label": f"label-{i}", "server": {"n": i}} for i in range(50)]
    kept = [sharer.answer(a) for a in answers]
    assert len(sharer._values) <= 5
    assert len(sharer._kept) <= 5
    assert [_plain(k) for k in kept] == answers


def test_a_shared_answer_is_a_mapping_not_a_dict() -> None:
    kept = Sharer().answer({"pid": 1, "uptime_s": math.pi})
    assert isinstance(kept, SharedAnswer)
    assert kept.get("pid") == 1
    assert kept.get("missing") is None
    assert dict(kept) == {"pid": 1, "uptime_s": math.pi}
    assert "SharedAnswer" in repr(kept)


def test_per_request_values_do_not_fill_the_tables() -> None:
    sharer = Sharer()
    sharer.answer(endpoint_answer("0" * 32, "/0/__probe__"))
    size = len(sharer._values)
    for i in range(1, 20):
        sharer.answer(endpoint_answer(f"{i:032x}", f"/{i}/__probe__"))
    assert len(sharer._values) == size


def test_what_answers_share_at_the_top_is_one_tuple() -> None:
    """Two answers of one process differ only in their own fields: the rest is held once."""
    sharer = Sharer()
    first = sharer.answer(endpoint_answer("a" * 32, "/one/__probe__"))
    second = sharer.answer(endpoint_answer("b" * 32, "/two/__probe__"))
    assert first._shared is second._shared
    assert first._own is not second._own
    assert (first["nonce"], first["pid"], first["label"]) == ("a" * 32, 42, "project-1")
    assert list(first) == list(endpoint_answer("a" * 32, "/one/__probe__"))


def test_each_urls_request_uri_does_not_fill_the_tables() -> None:
    sharer = Sharer()

    def answer(i: int) -> dict[str, Any]:
        data = endpoint_answer(f"{i:032x}", f"/{i}/__probe__")
        data["request"]["request_uri"] = f"/{i}/__probe__?q={i}"
        data["hits"] = 1000 + i
        return data

    sharer.answer(answer(0))
    size = len(sharer._values)
    kept = [sharer.answer(answer(i)) for i in range(1, 20)]
    assert len(sharer._values) == size
    assert [k["request"]["request_uri"] for k in kept] == [f"/{i}/__probe__?q={i}"
                                                           for i in range(1, 20)]
    assert [k["hits"] for k in kept] == [1000 + i for i in range(1, 20)]


def test_equal_texts_of_one_request_are_one_string() -> None:
    data = endpoint_answer("a" * 32, "/one/__probe__")
    data["request"]["request_uri"] = "".join(["/one/", "__probe__"])  # equal, not the same
    assert data["request"]["request_uri"] is not data["request"]["path_info"]
    kept = Sharer().answer(data)
    assert kept["request"]["request_uri"] is kept["request"]["path_info"]
    assert _plain(kept) == data


def test_keep_gives_one_string_per_distinct_text() -> None:
    sharer = Sharer()
    one = sharer.text("".join(["127.0.0.1", ":8080"]))
    two = sharer.text("".join(["127.0.0.1:", "8080"]))
    assert one is two
    assert sharer.text("127.0.0.1:8081") == "127.0.0.1:8081"
    assert sharer.text("127.0.0.1:8081") is not one


def test_an_object_of_its_own_shares_its_common_part_and_reads_as_a_dict() -> None:
    sharer = Sharer()
    one, two = endpoint_answer("a" * 32, "/one/__probe__"), endpoint_answer("b" * 32, "/two/")
    first, second = sharer.answer(one), sharer.answer(two)
    assert isinstance(first["request"], SharedObject)
    assert first["request"]._shared is second["request"]._shared  # its host, kept once
    assert first["request"] == one["request"]
    assert first["request"].get("path_info") == "/one/__probe__"
    # A verbose report prints an answer as a dict of Python values: as decoded.
    assert repr(dict(first)) == repr(one)
    assert repr(first["request"]) == repr(one["request"])


def test_an_answer_reads_the_same_shared_or_not() -> None:
    data = endpoint_answer("a" * 32, "/one/__probe__")
    data["request"].update(script_name="/app", host_allowed=False)
    data["settings_module"] = {"environ": "site.settings", "nonce": "per request"}
    shared = EndpointAnswer.from_clean(Sharer().answer(data))
    plain = EndpointAnswer.from_clean(clean_json(data))
    assert isinstance(shared.raw["settings_module"], SharedObject)
    assert replace(shared, raw={}) == replace(plain, raw={})
    assert (shared.host, shared.script_name, shared.settings) == (
        "site.example", "/app", "site.settings")
    assert host_allowed(shared) is False


ODD = st.one_of(st.none(), st.integers(-2, 2), st.sampled_from(["", "x", "a\nb"]),
                st.lists(st.integers(), max_size=1), st.floats(allow_nan=False))
"""A field's value: mostly one of a few (so answers share parts), now and then of a type the
endpoint never sends (a hostile or broken server)."""


def _field(usual: list[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(usual), st.sampled_from(usual), ODD)


HOSTILE_ANSWERS = st.fixed_dictionaries({
    "schema": st.just(1), "instance_id": _field(["i" * 32, "j" * 32]),
    "label": _field(["project-1", "project-2"]), "pid": _field([41, 42]),
    "process_group": _field(["pg", ""]), "application_group": _field(["site|"]),
    "settings_module": st.one_of(
        st.fixed_dictionaries({"environ": _field(["s.settings"]), "loaded": _field([None])}),
        ODD),
    "request": st.one_of(
        st.fixed_dictionaries({"host": _field(["site.example"]),
                               "script_name": _field(["", "/app"]),
                               "path_info": _field(["/a/__probe__", "/b/__probe__"]),
                               "request_uri": _field(["/a/__probe__"]),
                               "forwarded_host": _field([None, "front.example"])}),
        ODD),
    "python": st.fixed_dictionaries({"prefix": _field(["/venv"]),
                                     "version": _field(["3.11.2"])}),
    "time_zone": st.fixed_dictionaries({"environ": _field(["UTC"]),
                                        "utc_offset_s": _field([0, -21600])}),
    "uptime_s": _field([1.5, 2.5]), "hits": _field([1, 2]),
    "nonce": _field(["n" * 32, None]), "signature": _field([None, "sig"]),
})


@settings(max_examples=300, deadline=None)
@given(st.lists(HOSTILE_ANSWERS, min_size=2, max_size=6))
def test_fields_read_once_per_shared_part_are_each_answers_own(
        answers: list[dict[str, Any]]) -> None:
    """EndpointAnswer reads what answers share once (probe.compact.Derived): every answer,
    sharing its parts with the ones before it or not, reads as the same answer decoded alone,
    problems included, in the same order."""
    sharer = Sharer()
    for data in answers:
        plain = clean_json(data)
        shared = EndpointAnswer.from_clean(sharer.answer(clean_json(data)))
        assert replace(shared, raw={}) == replace(EndpointAnswer.from_clean(plain), raw={})
        assert shared.problems == answer_problems(plain)


def test_derived_once_per_shared_part_and_never_from_an_answers_own_field() -> None:
    sharer = Sharer()
    seen: list[object] = []

    def label(data: Mapping[str, Any]) -> object:
        seen.append(data.get("label"))
        return data.get("label")

    once = Derived(label, frozenset({"nonce", "request"}))
    first = sharer.answer(endpoint_answer("a" * 32, "/one/__probe__"))
    second = sharer.answer(endpoint_answer("b" * 32, "/two/__probe__"))
    assert once(first) == once(second) == "project-1"
    assert seen == ["project-1"]
    other = sharer.answer({**endpoint_answer("c" * 32, "/x/__probe__"), "label": "project-2"})
    assert once(other) == "project-2"
    assert once({"label": "plain"}) == "plain"  # a plain dict: derived each time
    assert seen == ["project-1", "project-2", "plain"]
    reads_own = Derived(lambda data: data.get("nonce"), frozenset({"nonce", "request"}))
    with pytest.raises(AssertionError, match="nonce"):
        reads_own(first)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(ANSWERS, HOSTILE_ANSWERS), min_size=1, max_size=6))
def test_an_answers_json_text_with_its_shared_part_encoded_once_is_the_whole_encoded(
        answers: list[dict[str, Any]]) -> None:
    """The JSON report writes each answer's shared part from a text made once per shared
    part (probe.compact.JsonTexts): byte for byte the encoder's text of the whole answer,
    whatever was shared before it."""
    sharer = Sharer()
    texts = JsonTexts(_ONE_LINE.encode)
    for data in answers:
        kept = sharer.answer(clean_json(data))
        assert texts(kept) == _ONE_LINE.encode(_plain(kept))
        assert texts(kept) == texts(kept)  # the second time from the kept text


def test_a_report_line_is_its_target_encoded_whole() -> None:
    """A target line puts the observed answer's text between the target's other fields:
    the same text as encoding the whole target (the JSON report, probe.report.json_report)."""
    report = run(healthy())
    sharer = Sharer()
    lines = 0
    for target in report.targets:
        if target.observed is None:
            continue
        shared = replace(target, observed=EndpointAnswer.from_clean(
            sharer.answer(clean_json(dict(target.observed.raw)))))
        assert isinstance(shared.observed and shared.observed.raw, SharedAnswer)
        assert _target_line(shared) == _ONE_LINE.encode(target_dict(shared))
        assert json.loads(_target_line(shared)) == target_dict(target)
        lines += 1
    assert lines >= 3


def test_what_is_derived_once_starts_afresh_when_full() -> None:
    """A long-lived exporter meets new processes without end: past its limit the table
    starts afresh, so the newest answers are still derived once each."""
    sharer = Sharer()
    seen: list[object] = []

    def label(data: Mapping[str, Any]) -> object:
        seen.append(data.get("label"))
        return data.get("label")

    once = Derived(label, frozenset({"nonce", "request"}), limit=2)
    texts = JsonTexts(_ONE_LINE.encode, limit=2)
    answers = [sharer.answer({**endpoint_answer(f"{n:032}", "/p/__probe__"), "label": f"l{n}"})
               for n in range(5)]
    for answer in answers:
        assert once(answer) == once(answer) == answer["label"]
        assert texts(answer) == texts(answer) == _ONE_LINE.encode(_plain(answer))
    assert seen == [f"l{n}" for n in range(5)]
    assert len(once._seen) <= 2 and len(texts._texts) <= 2


def test_an_object_of_its_own_seen_before_keeps_its_own_values() -> None:
    # The second time a key order and value types come, the split is looked up, not redone:
    # each answer still reads its own values, and the part shared is the one kept.
    def request(host: str, port: object, allowed: object, path: str) -> dict[str, Any]:
        # path_info and request_uri equal, but two strings, as decoded
        return {"host": host, "port": port, "path_info": "".join(["/", path]),
                "request_uri": "/" + path, "allowed": allowed}

    sharer = Sharer()
    requests = [request("a", 1, True, "1"), request("a", 1, True, "2"),
                request("b", 1, True, "3"), request("a", True, 1, "4"),
                request("a", 1, False, "5"), request("a", True, 1, "6"),
                request("a", 1, True, "7")]
    requests[2]["request_uri"] = "/x"
    texts = [encoded(r) for r in requests]
    kept = [sharer.answer({"request": r})["request"] for r in requests]
    assert [encoded(k) for k in kept] == texts
    assert kept[6]._shared is kept[1]._shared is kept[0]._shared
    assert kept[5]._shared is kept[3]._shared
    assert len({id(k._shared) for k in kept}) == 4
    # path_info and request_uri, equal texts, are one string
    assert [k["path_info"] is k["request_uri"] for k in kept] == [True, True, False] + [True] * 4
