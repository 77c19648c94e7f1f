"""The data that flows through a sweep: samples in, verdicts out.

Kept apart from I/O so diagnosis can be tested with hand-built observations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from probe.manifest import Target


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


class Cause(StrEnum):
    ALIAS_ORDER = "alias_order"
    ENVIRON_LEAK = "environ_leak"
    VHOST_FALLBACK = "vhost_fallback"


class Status(StrEnum):
    """Overall status, ordered as the Monitoring Plugins order them."""

    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    UNKNOWN = "unknown"


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _num_or_none(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


@dataclass(frozen=True)
class EndpointAnswer:
    """The fields of the endpoint's JSON that diagnosis uses, read defensively.

    A server may answer anything, so every field is checked for type and a bad
    one becomes ``None``; ``raw`` keeps the object for reports.
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

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EndpointAnswer:
        settings = data.get("settings_module")
        settings = settings if isinstance(settings, dict) else {}
        request = data.get("request")
        request = request if isinstance(request, dict) else {}
        return cls(
            raw=data,
            label=_str_or_none(data.get("label")),
            instance_id=_str_or_none(data.get("instance_id")),
            pid=_int_or_none(data.get("pid")),
            process_group=_str_or_none(data.get("process_group")),
            application_group=_str_or_none(data.get("application_group")),
            settings_environ=_str_or_none(settings.get("environ")),
            settings_loaded=_str_or_none(settings.get("loaded")),
            host=_str_or_none(request.get("host")),
            script_name=_str_or_none(request.get("script_name")),
            path_info=_str_or_none(request.get("path_info")),
            started_at=_str_or_none(data.get("started_at")),
            uptime_s=_num_or_none(data.get("uptime_s")),
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

        ISO 8601 with an offset or ``Z``; without one it is UTC, as the contract says.
        """
        if not self.started_at:
            return None
        try:
            moment = datetime.fromisoformat(self.started_at.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
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
    error_kind: str | None = None
    address: str | None = None
    """``HOST:PORT`` that answered, when the connection said so."""


@dataclass(frozen=True)
class Observation:
    target: Target
    samples: tuple[Sample, ...]

    @property
    def last(self) -> Sample | None:
        return self.samples[-1] if self.samples else None


@dataclass(frozen=True)
class TargetResult:
    """The diagnosis of one URL: contract section 4, one element of ``targets``."""

    url: str
    expected: str | None
    verdict: Verdict
    cause: Cause | None
    explanation: str
    fix: str
    observed: Mapping[str, Any] | None
    status_code: int | None
    samples: int
    elapsed_ms: float
    answered_by: str | None = None
    """Who answered, as diagnosis judged it: an instance name, else the label or
    application group the endpoint reported; None when no endpoint answered."""
    pids: tuple[int, ...] = ()
    address: str | None = None
    """``HOST:PORT`` probed: the target's (connect, resolved) or the one that answered."""

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.OK


@dataclass(frozen=True)
class Finding:
    """A cross-URL finding (contract section 4, ``findings``)."""

    code: str
    severity: Status
    instances: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class Report:
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
