"""The type each field of an endpoint answer must have, and what a wrong one makes of the
answer: one rule for every field the probe reads (docs/endpoint-protocol.md, "Fields of the
wrong type").

- A field that says who answered or proves the answer live (:data:`REQUIRED`, all sent
  since the first endpoint) makes the answer ``bad_answer`` when its type is wrong: the
  verdict is built on it, and there is nothing to judge the answer by without it.
- Every other field (:data:`OPTIONAL`: added later, or a diagnostic) is read as absent, as
  from an endpoint older than it, and said once in the URL's evidence: the probe judges
  answers without it already, so one of the wrong type takes nothing more from the verdict.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from probe.safe_text import one_line

MAX_PID = 2**32
"""Above any real process id; a bigger number is not one (and not a float either)."""


def _is_int(value: object) -> bool:
    return type(value) is int


def pid_or_none(value: object) -> int | None:
    """A process id (also a count: 1 or more, as one is); None for anything else."""
    return value if type(value) is int and 0 < value < MAX_PID else None


def offset_or_none(value: object) -> int | None:
    """A UTC offset in seconds; real ones are within a day."""
    return value if type(value) is int and abs(value) < 86400 else None


def number_or_none(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value) if abs(value) < 1e300 else math.inf
        return number if math.isfinite(number) else None
    return None


def _text(value: object) -> bool:
    return type(value) is str or isinstance(value, str)


def _object(value: object) -> bool:
    return isinstance(value, Mapping)


def _texts_list(value: object) -> bool:
    # clean_json keeps a JSON array a list (or a tuple)
    return isinstance(value, list | tuple) and all(_text(each) for each in value)


@dataclass(frozen=True, slots=True)
class FieldType:
    """One field (``code.script_loads``: ``code``'s ``script_loads``) and the type it needs."""

    path: str
    kind: str
    """The type in words, after "not": ``a string or null``."""
    fits: Callable[[object], bool]
    """Whether a value other than null has the type."""


_STRING = "a string or null"


def _texts(*paths: str) -> tuple[FieldType, ...]:
    return tuple(FieldType(p, _STRING, _text) for p in paths)


REQUIRED: tuple[FieldType, ...] = (
    FieldType("pid", "a process id", lambda v: pid_or_none(v) is not None),
    *_texts("label", "process_group", "application_group", "started_at"),
    FieldType("settings_module", "an object", _object),
    *_texts("settings_module.environ", "settings_module.loaded"),
    FieldType("request", "an object", _object),
    *_texts("request.host", "request.script_name", "request.path_info", "nonce", "signature"),
)
"""Who answered (instance_id, checked apart: it may not be null either), and the proof that
it answered this request: a wrong type is ``bad_answer``."""

OPTIONAL: tuple[FieldType, ...] = (
    FieldType("ppid", "a process id", lambda v: pid_or_none(v) is not None),
    FieldType("loaded_pid", "a process id", lambda v: pid_or_none(v) is not None),
    *_texts("process_started_at", "settings_module.file", "script_file"),
    FieldType("code", "an object", _object),
    *_texts("code.version", "code.version_source", "code.script_mtime",
            "code.first_loaded_at"),
    FieldType("code.script_loads", "a count (1 or more)", lambda v: pid_or_none(v) is not None),
    FieldType("python", "an object", _object),
    *_texts("python.prefix", "python.version", "python.django_version"),
    FieldType("server", "an object", _object),
    *_texts("server.hostname", "server.software", "server.listen",
            "server.mod_wsgi_version"),
    FieldType("server.multiprocess", "true, false or null", lambda v: type(v) is bool),
    FieldType("server.worker_id", "an integer or null", _is_int),
    FieldType("server.uwsgi", "an object", _object),
    FieldType("server.listens", "a list of strings or null", _texts_list),
    FieldType("time_zone", "an object", _object),
    *_texts("time_zone.environ", "time_zone.name"),
    FieldType("time_zone.utc_offset_s", "seconds within a day",
           lambda v: offset_or_none(v) is not None),
    *_texts("request.forwarded_host", "request.scheme", "request.request_uri",
            "request.script_url", "request.forwarded_prefix", "request.force_script_name",
            "request.forwarded_proto"),
    FieldType("request.host_allowed", "true, false or null", lambda v: type(v) is bool),
    FieldType("request.is_secure", "true, false or null", lambda v: type(v) is bool),
    FieldType("uptime_s", "a number or null", lambda v: number_or_none(v) is not None),
)
"""Added later or diagnostics: a wrong type is read as absent, and said."""


def kind_of(value: object) -> str:
    """The JSON type of ``value``, as the note names the type seen."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    return "an array" if isinstance(value, list | tuple) else "null"


def shown(value: object) -> str:
    """``value`` in JSON's words, one line of at most 40 characters."""
    # In JSON's words (null, true, "text"): the answer is JSON, not Python.
    return one_line(json.dumps(value, ensure_ascii=False, default=repr), limit=40)


def wrong(path: str, value: object, kind: str) -> str:
    """``pid is "abc" (a string), not a process id``: the field, the value and type seen."""
    seen = kind_of(value)
    return f"{path} is {shown(value)}" + (f" ({seen})" if seen != "null" else "") + \
        f", not {kind}"


def _value(data: Mapping[str, Any], path: str) -> object:
    """The value at ``path``; None where it or the object holding it is missing (or is not
    an object: that is said of the object itself)."""
    head, _, name = path.partition(".")
    if not name:
        return data.get(head)
    table = data.get(head)
    return table.get(name) if isinstance(table, Mapping) else None


def mistyped(data: Mapping[str, Any], fields: tuple[FieldType, ...]) -> tuple[str, ...]:
    """Each of ``fields`` present in ``data`` with a value of the wrong type, in words."""
    found: list[str] = []
    for field in fields:
        value = _value(data, field.path)
        if value is not None and not field.fits(value):
            found.append(wrong(field.path, value, field.kind))
    return tuple(found)


def read_as_absent(notes: Iterable[tuple[str, ...]]) -> str | None:
    """The one line a URL's evidence says of its answers' optional fields of a wrong type
    (``notes``: each answer's), each said once; None where there are none."""
    seen = dict.fromkeys(note for some in notes for note in some)
    return ("read as absent, as from an endpoint older than the field "
            "(docs/endpoint-protocol.md): " + "; ".join(seen)) if seen else None
