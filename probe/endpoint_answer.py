"""The endpoint's answer, read at this one boundary into typed, safe values: every field the
probe uses, and what makes an answer not a valid one (docs/endpoint-protocol.md). What an
answer shares with others (:mod:`probe.compact`) is read once (:mod:`probe.shared_once`).

Why this module is longer than 300 lines: it is the one place where every field of an answer
is read, typed and checked; split, a field could be read in one module and left unchecked in
the other.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, cast

from probe.compact import SharedAnswer, SharedObject
from probe.safe_text import clean_json, one_line
from probe.shared_once import Derived

MAX_PID = 2**32
"""Above any real process id; a bigger number is not one (and not a float either)."""

_TEXT_FIELDS = ("label", "process_group", "application_group", "started_at",
                "process_started_at")


def _text(value: object) -> str | None:
    return one_line(value) if isinstance(value, str) else None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _pid(value: object) -> int | None:
    return value if isinstance(value, int) and _is_int(value) and 0 < value < MAX_PID else None


def _num_or_none(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value) if abs(value) < 1e300 else math.inf
        return number if math.isfinite(number) else None
    return None


def _offset(value: object) -> int | None:
    """A UTC offset in seconds; real ones are within a day."""
    return value if isinstance(value, int) and _is_int(value) and abs(value) < 86400 else None


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    return mapping(data.get(key))


def mapping(value: object) -> Mapping[str, Any]:
    """``value`` when it is a JSON object (a dict, or a Mapping of probe.compact), else {}."""
    # The types first: an ABC's isinstance costs more, for every object of every answer.
    if type(value) in _MAPPINGS:
        return cast("Mapping[str, Any]", value)
    return value if isinstance(value, Mapping) else {}


_MAPPINGS = (dict, SharedAnswer, SharedObject)
"""What an answer's objects are (probe.compact): told by type, not by the Mapping ABC."""


def _runtime_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The python/code/time_zone/server fields, each None when missing or of the wrong type."""
    python, code, zone = _table(data, "python"), _table(data, "code"), _table(data, "time_zone")
    return {
        "python_prefix": _text(python.get("prefix")),
        "python_version": _text(python.get("version")),
        "django_version": _text(python.get("django_version")),
        "code_version": _text(code.get("version")),
        "code_version_source": _text(code.get("version_source")),
        "hostname": _text(_table(data, "server").get("hostname")),
        "ppid": _pid(data.get("ppid")),
        "script_mtime": _text(code.get("script_mtime")),
        "script_loads": _pid(code.get("script_loads")),  # a count: 1 or more, as a pid is
        "first_loaded_at": _text(code.get("first_loaded_at")),
        "process_started_at": _text(data.get("process_started_at")),
        "loaded_pid": _pid(data.get("loaded_pid")),
        "tz_environ": _text(zone.get("environ")),
        "tz_name": _text(zone.get("name")),
        "tz_offset_s": _offset(zone.get("utc_offset_s")),
    }


def _shared_fields(data: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The typed fields and the problems of what an answer shares with others (all but
    :data:`_OWN`): computed once per shared part of a large sweep's answers."""
    settings = _table(data, "settings_module")
    fields = {
        "label": _text(data.get("label")),
        "instance_id": _text(data.get("instance_id")),
        "pid": _pid(data.get("pid")),
        "process_group": _text(data.get("process_group")),
        "application_group": _text(data.get("application_group")),
        "settings_environ": _text(settings.get("environ")),
        "settings_loaded": _text(settings.get("loaded")),
        "settings_file": _text(settings.get("file")),
        "started_at": _text(data.get("started_at")),
        **_runtime_fields(data),
    }
    return fields, _identity_problems(data)


_OWN = frozenset({"request", "nonce", "signature", "uptime_s", "hits"})
"""The fields each request makes an answer's own (probe.compact.PER_REQUEST, and ``request``
that holds some): everything else is the same in all answers of one process."""

_shared_fields_once = Derived(_shared_fields, _OWN)


def answer_problems(data: Mapping[str, Any]) -> tuple[str, ...]:
    """What makes ``data`` not a valid endpoint answer (docs/endpoint-protocol.md), in words.

    ``instance_id`` and ``pid`` are required (an answer is judged by who made it);
    every other field the probe reads must have its type when present. A field an
    older or minimal endpoint does not send (``nonce``, ``request``) is no problem,
    nor is any extra field.
    """
    return _identity_problems(data) + _own_problems(data)


def _shown(value: object) -> str:
    # In JSON's words (null, true, "text"): the answer is JSON, not Python.
    return one_line(json.dumps(value, ensure_ascii=False, default=repr), limit=40)


def _identity_problems(data: Mapping[str, Any]) -> tuple[str, ...]:
    """answer_problems of the fields before ``request`` (all shared with other answers)."""
    problems: list[str] = []
    shown = _shown
    instance_id = data.get("instance_id")
    if not isinstance(instance_id, str) or not instance_id:
        problems.append(f"instance_id is {shown(instance_id)}, not a non-empty string")
    if "pid" not in data:
        problems.append("pid is missing")
    elif _pid(data["pid"]) is None:
        problems.append(f"pid is {shown(data['pid'])}, not a process id")
    for key in _TEXT_FIELDS:
        if data.get(key) is not None and not isinstance(data[key], str):
            problems.append(f"{key} is {shown(data[key])}, not a string or null")
    _table_problems(data, "settings_module", ("environ", "loaded", "file"), problems)
    return tuple(problems)


def _own_problems(data: Mapping[str, Any]) -> tuple[str, ...]:
    """answer_problems of ``request``, ``nonce`` and ``signature`` (each answer's own)."""
    problems: list[str] = []
    _table_problems(data, "request", ("host", "script_name", "path_info"), problems)
    for key in ("nonce", "signature"):
        if data.get(key) is not None and not isinstance(data[key], str):
            problems.append(f"{key} is {_shown(data[key])}, not a string or null")
    return tuple(problems)


def _request_fields(request: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The typed fields of ``request`` but path_info (each answer's own), and their
    problems (path_info's come after them, as answer_problems names them)."""
    problems: list[str] = []
    for name in ("host", "script_name"):
        value = request.get(name)
        if value is not None and not isinstance(value, str):
            problems.append(f"request.{name} is {_shown(value)}, not a string or null")
    fields = {"host": _text(request.get("host")),
              "script_name": _text(request.get("script_name")),
              "forwarded_host": _text(request.get("forwarded_host"))}
    return fields, tuple(problems)


_request_fields_once = Derived(_request_fields, frozenset({"path_info", "request_uri"}))


def _table_problems(data: Mapping[str, Any], key: str, inner: tuple[str, ...],
                    problems: list[str]) -> None:
    table = data.get(key)
    if table is None:
        return
    if not isinstance(table, Mapping):
        problems.append(f"{key} is {_shown(table)}, not an object")
        return
    for name in inner:
        value = table.get(name)
        if value is not None and not isinstance(value, str):
            problems.append(f"{key}.{name} is {_shown(value)}, not a string or null")


@dataclass(frozen=True, slots=True)
class EndpointAnswer:
    """The fields of the endpoint's JSON that diagnosis uses, read defensively.

    This is the one place a server's answer enters the probe: ``raw`` is the
    answer made safe by :func:`probe.safe_text.clean_json` (any encoder can
    write it, it is bounded), every typed text field is one printable line, and
    a field of the wrong type becomes ``None`` and is named in ``problems``.
    """

    raw: Mapping[str, Any]
    label: str | None
    instance_id: str | None
    pid: int | None
    process_group: str | None
    application_group: str | None
    settings_environ: str | None
    settings_loaded: str | None
    host: str | None
    script_name: str | None
    path_info: str | None
    started_at: str | None
    uptime_s: float | None
    nonce: str | None = None
    signature: str | None = None
    problems: tuple[str, ...] = ()
    """Why this is not a valid endpoint answer; empty when it is one."""

    @property
    def sends_nonce(self) -> bool:
        """Whether the endpoint knows the ``nonce`` field (older ones do not send it)."""
        return "nonce" in self.raw
    # Added for issue 11 (what runs, not only who answers); all optional in old answers.
    python_prefix: str | None = None
    python_version: str | None = None
    django_version: str | None = None
    code_version: str | None = None
    script_mtime: str | None = None
    tz_environ: str | None = None
    tz_name: str | None = None
    tz_offset_s: int | None = None
    forwarded_host: str | None = None
    # Added for issue 24 (fleets): where the code version came from, which machine and which
    # server (the parent process) answered.
    code_version_source: str | None = None
    hostname: str | None = None
    ppid: int | None = None
    # Added for a script run again in its process (mod_wsgi embedded mode's reload).
    script_loads: int | None = None
    first_loaded_at: str | None = None
    process_started_at: str | None = None
    # Added for processes forked from one loaded copy (gunicorn --preload).
    loaded_pid: int | None = None
    # Added for two projects of one settings name (mysite.settings): the file it came from.
    settings_file: str | None = None

    @classmethod
    def from_json(cls, data: object) -> EndpointAnswer:
        """Read any decoded JSON value; one that is not an object has no fields at all."""
        if not isinstance(data, Mapping):
            kind = "an array" if isinstance(data, list) else one_line(repr(data), limit=40)
            empty = cls.from_json({})
            return replace(empty, problems=(f"the answer is {kind}, not a JSON object",))
        return cls.from_clean(clean_json(data if type(data) is dict else dict(data)))

    @classmethod
    def from_clean(cls, safe: Mapping[str, Any]) -> EndpointAnswer:
        """:meth:`from_json` of an object already made safe by clean_json (or loads_clean)."""
        fields, problems = _shared_fields_once(safe)
        request = safe.get("request")
        table = mapping(request)
        # The request's host and mount are shared with other answers too (held once, read
        # once: probe.compact); its path_info is each answer's own.
        seen, seen_problems = _request_fields_once(table)
        path_info, nonce, signature = table.get("path_info"), safe.get("nonce"), \
            safe.get("signature")
        if request is not None and table is not request:
            problems += (f"request is {_shown(request)}, not an object",)
        problems += seen_problems
        for name, value in (("request.path_info", path_info), ("nonce", nonce),
                            ("signature", signature)):
            if value is not None and type(value) is not str:
                problems += (f"{name} is {_shown(value)}, not a string or null",)
        return cls(
            raw=safe,
            **seen,
            path_info=_text(path_info),
            uptime_s=_num_or_none(safe.get("uptime_s")),
            nonce=_text(nonce),
            signature=_text(signature),
            problems=problems,
            **fields,
        )

    @property
    def settings(self) -> str | None:
        """The settings module really in use: the loaded one when Django is configured."""
        return self.settings_loaded or self.settings_environ

    @property
    def embedded(self) -> bool:
        return self.process_group == ""

    @property
    def started(self) -> datetime | None:
        """``started_at`` as a timezone-aware datetime; None when missing or unreadable.

        ISO 8601 with an offset or ``Z``; without one it is UTC (docs/endpoint-protocol.md).
        """
        return _started(self.started_at) if self.started_at else None

    @property
    def process_started(self) -> datetime | None:
        """``process_started_at`` as a timezone-aware datetime; None when missing or unreadable."""
        return _started(self.process_started_at) if self.process_started_at else None

    @property
    def first_loaded(self) -> datetime | None:
        """``code.first_loaded_at`` as a timezone-aware datetime; None when missing."""
        return _started(self.first_loaded_at) if self.first_loaded_at else None


@lru_cache(maxsize=4096)
def _started(text: str) -> datetime | None:
    """Parsed once per distinct ``started_at`` (read for every answer of an instance when
    comparing code ages; a sweep has a few distinct ones, however many URLs)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
