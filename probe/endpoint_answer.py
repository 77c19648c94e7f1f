"""The endpoint's answer, read at this one boundary into typed, safe values: every field the
probe uses, and what makes an answer not a valid one (docs/endpoint-protocol.md). What an
answer shares with others (:mod:`probe.compact`) is read once (:mod:`probe.shared_once`).
The type each field must have, and what a wrong one makes of the answer, is
:mod:`probe.answer_types`: one table for every field, checked here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, cast

from probe.answer_types import (
    OPTIONAL,
    REQUIRED,
    FieldType,
    mistyped,
    number_or_none,
    offset_or_none,
    pid_or_none,
    shown,
)
from probe.compact import SharedAnswer, SharedObject
from probe.safe_text import clean_json, one_line
from probe.shared_once import Derived

_OWN = frozenset({"request", "nonce", "signature", "uptime_s", "hits"})
"""The fields each request makes an answer's own (probe.compact.PER_REQUEST, and ``request``
that holds some): everything else is the same in all answers of one process."""

_PER_ANSWER = frozenset({"request.path_info", "request.request_uri"})
"""The fields of ``request`` each answer has its own (the rest of it is shared)."""


def _split(fields: tuple[FieldType, ...]) -> tuple[tuple[FieldType, ...], ...]:
    """``fields`` as checked: of the shared part, of the shared part of ``request``, and of
    each answer's own part (probe.shared_once.Derived reads each apart)."""
    def own(field: FieldType) -> bool:
        return field.path.split(".")[0] in _OWN

    return (tuple(f for f in fields if not own(f)),
            tuple(f for f in fields if own(f) and f.path.startswith("request.")
                  and f.path not in _PER_ANSWER),
            tuple(f for f in fields if own(f) and (not f.path.startswith("request.")
                                                   or f.path in _PER_ANSWER)))


_SHARED_REQUIRED, _REQUEST_REQUIRED, _OWN_REQUIRED = _split(REQUIRED)
_SHARED_OPTIONAL, _REQUEST_OPTIONAL, _OWN_OPTIONAL = _split(OPTIONAL)
# ``request`` itself is named before its fields, as answer_problems names them.
_CONTAINER = tuple(f for f in _OWN_REQUIRED if f.path == "request")
_OWN_LEAVES = tuple(f for f in _OWN_REQUIRED if f.path != "request")


def _text(value: object) -> str | None:
    return one_line(value) if isinstance(value, str) else None


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
        "ppid": pid_or_none(data.get("ppid")),
        "script_mtime": _text(code.get("script_mtime")),
        "script_loads": pid_or_none(code.get("script_loads")),  # a count: 1 or more
        "first_loaded_at": _text(code.get("first_loaded_at")),
        "process_started_at": _text(data.get("process_started_at")),
        "loaded_pid": pid_or_none(data.get("loaded_pid")),
        "tz_environ": _text(zone.get("environ")),
        "tz_name": _text(zone.get("name")),
        "tz_offset_s": offset_or_none(zone.get("utc_offset_s")),
    }


def _shared_fields(data: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...],
                                                    tuple[str, ...]]:
    """The typed fields, the problems and the optional fields read as absent of what an
    answer shares with others (all but :data:`_OWN`): computed once per shared part of a
    large sweep's answers."""
    settings = _table(data, "settings_module")
    fields = {
        "label": _text(data.get("label")),
        "instance_id": _text(data.get("instance_id")),
        "pid": pid_or_none(data.get("pid")),
        "process_group": _text(data.get("process_group")),
        "application_group": _text(data.get("application_group")),
        "settings_environ": _text(settings.get("environ")),
        "settings_loaded": _text(settings.get("loaded")),
        "settings_file": _text(settings.get("file")),
        "started_at": _text(data.get("started_at")),
        **_runtime_fields(data),
    }
    return fields, _identity_problems(data), mistyped(data, _SHARED_OPTIONAL)

_shared_fields_once = Derived(_shared_fields, _OWN)


def answer_problems(data: Mapping[str, Any]) -> tuple[str, ...]:
    """What makes ``data`` not a valid endpoint answer (docs/endpoint-protocol.md), in words.

    ``instance_id`` and ``pid`` are required (an answer is judged by who made it); every
    other field of :data:`probe.answer_types.REQUIRED` must have its type when present. A
    field an older or minimal endpoint does not send (``nonce``, ``request``) is no problem,
    nor is any extra field, nor an optional one of the wrong type (read as absent).
    """
    return (_identity_problems(data) + mistyped(data, _CONTAINER)
            + mistyped(data, _REQUEST_REQUIRED) + mistyped(data, _OWN_LEAVES))


def _identity_problems(data: Mapping[str, Any]) -> tuple[str, ...]:
    """answer_problems of the fields before ``request`` (all shared with other answers)."""
    problems: list[str] = []
    instance_id = data.get("instance_id")
    if not isinstance(instance_id, str) or not instance_id:
        problems.append(f"instance_id is {shown(instance_id)}, not a non-empty string")
    if "pid" not in data:
        problems.append("pid is missing")
    elif data["pid"] is None:
        problems.append("pid is null, not a process id")
    return (*problems, *mistyped(data, _SHARED_REQUIRED))


def _request_fields(request: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...],
                                                       tuple[str, ...]]:
    """The typed fields of ``request`` but path_info (each answer's own), their problems
    (path_info's come after them, as answer_problems names them) and the optional ones read
    as absent."""
    inside = {"request": request}
    fields = {"host": _text(request.get("host")),
              "script_name": _text(request.get("script_name")),
              "forwarded_host": _text(request.get("forwarded_host"))}
    return fields, mistyped(inside, _REQUEST_REQUIRED), mistyped(inside, _REQUEST_OPTIONAL)


_request_fields_once = Derived(_request_fields, frozenset({"path_info", "request_uri"}))


@dataclass(frozen=True, slots=True)
class EndpointAnswer:
    """The fields of the endpoint's JSON that diagnosis uses, read defensively.

    This is the one place a server's answer enters the probe: ``raw`` is the
    answer made safe by :func:`probe.safe_text.clean_json` (any encoder can
    write it, it is bounded), every typed text field is one printable line, and
    a field of the wrong type becomes ``None`` and is named in ``problems`` (a required
    one: :data:`probe.answer_types.REQUIRED`) or ``ignored`` (any other).
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
    ignored: tuple[str, ...] = ()
    """The optional fields of the wrong type, read as absent (probe.answer_types), in words:
    said once in the URL's evidence."""

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
        fields, problems, ignored = _shared_fields_once(safe)
        request = safe.get("request")
        table = mapping(request)
        # The request's host and mount are shared with other answers too (held once, read
        # once: probe.compact); its path_info is each answer's own.
        seen, seen_problems, seen_ignored = _request_fields_once(table)
        path_info, nonce, signature = table.get("path_info"), safe.get("nonce"), \
            safe.get("signature")
        problems += mistyped(safe, _CONTAINER) + seen_problems + mistyped(safe, _OWN_LEAVES)
        ignored += seen_ignored + mistyped(safe, _OWN_OPTIONAL)
        return cls(
            raw=safe,
            **seen,
            path_info=_text(path_info),
            uptime_s=number_or_none(safe.get("uptime_s")),
            nonce=_text(nonce),
            signature=_text(signature),
            problems=problems,
            ignored=ignored,
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
