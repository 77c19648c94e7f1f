"""The data that flows through a sweep: samples in, verdicts out.

Kept apart from I/O so diagnosis can be tested with hand-built observations.

Longer than 300 lines because :class:`EndpointAnswer` reads every endpoint field into a typed,
safe value at this one boundary (the endpoint's answer keeps growing, docs/endpoint-protocol.md);
the other classes are small.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, cast

from probe.compact import SharedAnswer, SharedObject
from probe.errors import ErrorKind
from probe.manifest import Target
from probe.safe_text import clean_json, one_line
from probe.shared_once import Derived


class Verdict(StrEnum):
    OK = "ok"
    WRONG_INSTANCE = "wrong_instance"
    SETTINGS_MISMATCH = "settings_mismatch"
    SERVED_UNMAPPED = "served_unmapped"
    INCONSISTENT = "inconsistent"
    NO_ENDPOINT = "no_endpoint"
    HTTP_ERROR = "http_error"
    UNREACHABLE = "unreachable"
    STALE = "stale"
    BAD_ANSWER = "bad_answer"
    NOT_LIVE = "not_live"
    WRONG_RUNTIME = "wrong_runtime"
    MIXED_CODE = "mixed_code"
    HOST_MISMATCH = "host_mismatch"
    """The right application, but it received another Host than the URL's."""
    HOST_REJECTED = "host_rejected"
    """The right application, but Django rejects the Host (ALLOWED_HOSTS): pages are 400."""
    MOUNT_MISMATCH = "mount_mismatch"
    """The right application, but its SCRIPT_NAME is not the URL's mount prefix."""


class Cause(StrEnum):
    ALIAS_ORDER = "alias_order"
    ENVIRON_LEAK = "environ_leak"
    VHOST_FALLBACK = "vhost_fallback"
    TLS_SNI = "tls_sni"
    SHARED_INTERPRETER = "shared_interpreter"
    PROCESS_GROUP_SCOPE = "process_group_scope"
    WRONG_PYTHON = "wrong_python"
    STALE_CODE = "stale_code"
    TIME_ZONE_LEAK = "time_zone_leak"
    HOST_REWRITTEN = "host_rewritten"
    DAEMON_GROUP_UNUSED = "daemon_group_unused"
    CACHED = "cached"
    """not_live: the answer carried another request's nonce (a cache stored it)."""
    FORGED = "forged"
    """not_live: the answer's signature is wrong or missing (made without the token)."""
    DEFAULT_SERVER = "default_server"
    """nginx: no server_name matched; the address's default server proxied the request."""
    WRONG_UPSTREAM = "wrong_upstream"
    """nginx: the server block for the name proxies to another application's upstream."""
    UPSTREAM_DOWN = "upstream_down"
    """nginx answered 502/504 itself: its upstream did not answer."""
    VHOST_SHADOWED = "vhost_shadowed"
    """An earlier site claims the host name (a wildcard alias, the same name in another
    file): named from a configuration line or from an extra request."""
    URL_MAPPING = "url_mapping"
    """A URL-mapping step before the WSGI mounts (a rewrite, proxy or alias) took the path:
    named only from a configuration line."""


class Liveness(StrEnum):
    """How far an answer is proven made for its request (probe.liveness)."""

    LIVE = "live"
    """The nonce came back (and the signature is right, where the probe has a token)."""
    UNSIGNED = "unsigned"
    """The nonce came back without a signature, to a probe without a token (loopback mode)."""
    UNPROVEN = "unproven"
    """No nonce field (an older endpoint), to a probe without a token: nothing proven."""
    CACHED = "cached"
    """Another request's nonce, or none: an answer stored by a cache."""
    FORGED = "forged"
    """The probe has a token and the signature is wrong, or it or the nonce is missing."""


class FrontKind(StrEnum):
    """What sits in front of the application (its configuration: probe.front)."""

    APACHE = "apache"  # httpd with mod_wsgi (embedded or daemon mode)
    NGINX = "nginx"  # nginx proxying to an application server
    APP_SERVER = "app_server"  # gunicorn, uWSGI, waitress, mod_wsgi-express reached directly
    UNKNOWN = "unknown"


class Status(StrEnum):
    """Overall status, ordered as the Monitoring Plugins order them."""

    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    UNKNOWN = "unknown"


MAX_PID = 2**32
"""Above any real process id; a bigger number is not one (and not a float either)."""

_TEXT_FIELDS = ("label", "process_group", "application_group", "started_at")


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
    _table_problems(data, "settings_module", ("environ", "loaded"), problems)
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


@lru_cache(maxsize=4096)
def _started(text: str) -> datetime | None:
    """Parsed once per distinct ``started_at`` (read for every answer of an instance when
    comparing code ages; a sweep has a few distinct ones, however many URLs)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class TlsInfo:
    """What an HTTPS answer's TLS handshake showed: the SNI sent and the certificate presented."""

    sni: str | None
    subject: str | None
    """The certificate's subject as libcurl shows it (``CN = ...``), if known."""
    names: tuple[str, ...] = ()
    """Its subjectAltName DNS names."""

    def describe(self) -> str:
        names = ", ".join(self.names) or "none"
        return f"subject {self.subject or '(unknown)'}, DNS names: {names}"


@dataclass(frozen=True, slots=True)
class Sample:
    """One probe request's outcome.

    ``status_code`` is None when no HTTP answer came (``error`` and ``error_kind``
    say why). With an answer, ``endpoint`` is set when it was the probe
    endpoint's JSON; otherwise ``error`` may say why it was not.
    """

    elapsed_ms: float
    status_code: int | None = None
    endpoint: EndpointAnswer | None = None
    location: str | None = None
    error: str | None = None
    error_kind: ErrorKind | None = None
    liveness: Liveness | None = None
    """Set for an endpoint answer to a request that carried a nonce."""
    cache: tuple[str, ...] = ()
    """Cache headers of the answer (``Age: 12``), as probe.liveness.cache_evidence shows them."""
    tls: TlsInfo | None = None
    address: str | None = None
    """``HOST:PORT`` that answered, when the connection said so."""
    server: str | None = None
    """The answer's Server header (``nginx/1.22.1``): which front answered."""

    @property
    def trusted_answer(self) -> EndpointAnswer | None:
        """The endpoint answer, when it is valid and not proven stale or forged.

        What the rest of a sweep may learn from (findings, causes): a cache's replay
        of another host's answer must not make two instances look like one.
        """
        answer = self.endpoint
        if answer is None or answer.problems:
            return None
        if self.liveness in (Liveness.CACHED, Liveness.FORGED):
            return None
        return answer


@dataclass(frozen=True, slots=True)
class Observation:
    """One target's samples, as the sweep gathered them."""

    target: Target
    samples: tuple[Sample, ...]

    @property
    def last(self) -> Sample | None:
        return self.samples[-1] if self.samples else None


class EvidenceKind(StrEnum):
    """Where a claim of an explanation comes from."""

    OBSERVED = "observed"  # a field of an answer, a header, a status
    PROBED = "probed"  # the answer to an extra request sent to tell causes apart
    CONFIGURED = "configured"  # a configuration file's line


@dataclass(frozen=True)
class Evidence:
    """One claim of an explanation and its source: for ``observed`` the field and its value
    (``endpoint.process_group = "site1"``), for ``probed`` the request sent
    (``GET http://x.invalid/__probe__ at 127.0.0.1:8080``), for ``configured``
    ``file:line``."""

    kind: EvidenceKind
    claim: str
    source: str


@dataclass(frozen=True)
class Candidate:
    """A cause the evidence could not rule out, and the one check that would decide."""

    cause: Cause
    check: str


@dataclass(frozen=True, slots=True)
class TargetResult:
    """The diagnosis of one URL: one element of the JSON report's ``targets`` (docs/sweep.md)."""

    url: str
    expected: str | None
    verdict: Verdict
    cause: Cause | None
    explanation: str
    fix: str
    observed: EndpointAnswer | None
    """The last sample's endpoint answer, typed; ``observed.raw`` is its (safe) JSON."""
    status_code: int | None
    samples: int
    elapsed_ms: float
    answered_by: str | None = None
    """Who answered, as diagnosis judged it: an instance name, else the label or
    application group the endpoint reported; None when no endpoint answered."""
    pids: tuple[int, ...] = ()
    cache_headers: tuple[str, ...] = ()
    """Cache headers seen in any sample's answer (``X-Cache: HIT from cdn``), in order."""
    address: str | None = None
    """``HOST:PORT`` probed: the target's (connect, resolved) or the one that answered."""
    evidence: tuple[Evidence, ...] = ()
    """Where each claim of ``explanation`` and ``fix`` comes from."""
    candidates: tuple[Candidate, ...] = ()
    """When ``cause`` is None on a problem: the causes the evidence leaves open."""

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.OK

    @property
    def cause_text(self) -> str | None:
        """The cause as reports show it: its name, ``cause undetermined: A or B`` when the
        evidence left candidates, else None."""
        if self.cause is not None:
            return self.cause.value
        if self.candidates and not self.ok:
            return "cause undetermined: " + " or ".join(c.cause.value for c in self.candidates)
        return None


@dataclass(frozen=True)
class Finding:
    """A cross-URL finding (the JSON report's ``findings``, docs/verdicts.md)."""

    code: str
    severity: Status
    instances: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class Report:
    """A whole sweep: one TargetResult per URL, the findings across URLs (docs/sweep.md)."""

    targets: tuple[TargetResult, ...]
    findings: tuple[Finding, ...] = ()
    duration_s: float = 0.0
    interrupted: bool = False

    @property
    def problems(self) -> tuple[TargetResult, ...]:
        return tuple(t for t in self.targets if not t.ok)

    @property
    def status(self) -> Status:
        if not self.targets:
            return Status.UNKNOWN
        if self.problems or any(f.severity is Status.CRITICAL for f in self.findings):
            return Status.CRITICAL
        if any(f.severity is Status.WARNING for f in self.findings):
            return Status.WARNING
        return Status.OK
