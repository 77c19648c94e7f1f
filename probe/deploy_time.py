"""``--restarted-after``: the moment of a deploy, as a person or a deploy script writes it.

Every ISO 8601 form ``date --iso-8601=ns``, ``date -u +%FT%TZ`` or Python's ``isoformat()``
write is accepted (fractional seconds with ``.`` or ``,``, ``Z``, ``+HH:MM`` / ``+HHMM``
offsets, a date alone, the basic ``20261130T020945Z`` form), because a post-deploy check
that rejects the deploy script's own timestamp is not run at all. ``@FILE`` is that file's
modification time: the deployed ``wsgi.py``, touched by the deploy, says when it happened
without any clock arithmetic in the CI job. No offset means UTC (docs/cli.md).

A deploy often reaches one application of several: ``--restarted-after INSTANCE=TIME`` (or
``INSTANCE=@FILE``, repeatable) and an instance's ``restarted_after`` manifest key set the time
for that instance only (:class:`RestartCutoffs`); the plain form applies to the others.
An ``@FILE`` of the manifest is read when each sweep runs (the exporter sweeps for days).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from probe.errors import UsageError
from probe.files import regular_stat

CLOCK_SKEW = timedelta(minutes=5)
"""How far a deploy time may be ahead of this machine's clock: the deploy host's clock may
run a little ahead. Further ahead, every process would be ``stale``, and no deploy happens
in the future."""


def parse_deploy_time(value: str, where: str = "--restarted-after") -> datetime:
    """A timezone-aware moment, not later than now (give or take :data:`CLOCK_SKEW`);
    UsageError with one line saying what was expected."""
    moment = _moment(value, where)
    now = datetime.now(UTC)
    if moment > now + CLOCK_SKEW:
        given = repr(value.strip())
        if value.strip().startswith("@"):
            given += f" (modified {moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ})"
        raise UsageError(
            f"{where}: {given} is later than this machine's clock "
            f"({now:%Y-%m-%dT%H:%M:%SZ}) by more than {CLOCK_SKEW.seconds // 60} minutes: a "
            f"deploy cannot be in the future (a typo, or a clock to set right?)")
    return moment


def _moment(value: str, where: str) -> datetime:
    text = value.strip()
    if text.startswith("@"):
        path = text[1:]
        try:
            # A regular file only: the time of a FIFO or a device says nothing of a deploy.
            mtime = regular_stat(path).st_mtime
        except OSError as exc:
            raise UsageError(f"{where}: cannot read the time of {path!r}: "
                             f"{exc.strerror or exc}") from None
        return datetime.fromtimestamp(mtime, UTC)
    try:
        # Python 3.11's fromisoformat reads ISO 8601 (comma decimals, Z, basic format); it
        # stops at microseconds, which is finer than any process start time anyway.
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{where}: not an ISO 8601 time or @FILE: {value!r} "
            f"(e.g. 2026-11-30T02:09:45Z, 2026-11-30T03:09:45.27+01:00, @/srv/app/wsgi.py)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Cutoff:
    """A deploy time and where it was given, for the stale verdict's explanation."""

    moment: datetime
    source: str
    """``--restarted-after``, ``--restarted-after project-1=@/srv/app/wsgi.py``, ..."""


@dataclass(frozen=True)
class RestartCutoffs:
    """When each instance must have restarted: its own time, else everyone's."""

    everyone: Cutoff | None = None
    instances: Mapping[str, Cutoff] = field(default_factory=dict)

    def of(self, instance: str | None) -> Cutoff | None:
        found = self.instances.get(instance) if instance is not None else None
        return found or self.everyone

    def __bool__(self) -> bool:
        return self.everyone is not None or bool(self.instances)

    def over(self, base: RestartCutoffs) -> RestartCutoffs:
        """These times, falling back to ``base``'s (the command line over the manifest)."""
        return RestartCutoffs(self.everyone or base.everyone,
                              {**base.instances, **self.instances})


def cutoff(value: str, where: str, source: str) -> Cutoff:
    """One ``TIME`` or ``@FILE`` read now; ``where`` names it in an error, ``source`` in the
    stale verdict."""
    return Cutoff(parse_deploy_time(value, where), source)


def parse_restarted_after(values: Sequence[str], instances: Sequence[str] | None,
                          option: str = "--restarted-after") -> RestartCutoffs:
    """``--restarted-after`` as given (repeatable): at most one ``TIME``/``@FILE`` for every
    instance, and any number of ``INSTANCE=TIME``/``INSTANCE=@FILE``. ``instances`` are the
    manifest's names (None: URLs given on the command line, no instance to name)."""
    everyone: Cutoff | None = None
    own: dict[str, Cutoff] = {}
    for value in values:
        text = value.strip()
        name, sign, when = text.partition("=")
        if text.startswith("@") or not sign:
            if everyone is not None:
                raise UsageError(f"{option}: given twice for every instance ({everyone.source} "
                                 f"and {text}); name the instance: {option} INSTANCE=TIME")
            everyone = cutoff(text, option, f"{option} {text}")
            continue
        name = name.strip()
        if instances is None or name not in instances:
            known = ", ".join(instances or ()) or "none: URLs were given, not a manifest"
            raise UsageError(f"{option} {name}=...: no instance {name!r} in the manifest "
                             f"(instances: {known})")
        if name in own:
            raise UsageError(f"{option} {name}=...: given twice for {name}")
        own[name] = cutoff(when, f"{option} {name}=", f"{option} {name}={when.strip()}")
    return RestartCutoffs(everyone, own)


def manifest_cutoffs(declared: Mapping[str, str]) -> RestartCutoffs:
    """The manifest's ``restarted_after`` per instance, read now (an ``@FILE`` at each sweep)."""
    return RestartCutoffs(None, {
        name: cutoff(value, f"instances.{name}.restarted_after",
                     f"instances.{name}.restarted_after = {value}")
        for name, value in declared.items()})


UNUSABLE = "deploy_time_unusable"
"""The finding's code, and the exporter's label for it."""


@dataclass(frozen=True)
class Unusable:
    """A manifest deploy time a sweep could not use (an ``@FILE`` touched into the future,
    or gone)."""

    instance: str
    error: str
    """The one line :func:`parse_deploy_time` refused it with."""

    @property
    def explanation(self) -> str:
        """The text of the sweep's ``deploy_time_unusable`` finding (docs/verdicts.md)."""
        return (f"{self.error}; the stale verdict of {self.instance}'s URLs is judged without "
                f"it in this sweep")


def usable_manifest_cutoffs(declared: Mapping[str, str]
                            ) -> tuple[RestartCutoffs, tuple[Unusable, ...]]:
    """:func:`manifest_cutoffs` for a sweep that must run whatever they say (the exporter):
    a time that cannot be used is left out, and said, instead of refusing the sweep."""
    own: dict[str, Cutoff] = {}
    unusable: list[Unusable] = []
    for name, value in declared.items():
        try:
            own.update(manifest_cutoffs({name: value}).instances)
        except UsageError as exc:
            unusable.append(Unusable(name, str(exc)))
    return RestartCutoffs(None, own), tuple(unusable)


def as_cutoffs(value: datetime | RestartCutoffs | None) -> RestartCutoffs:
    """One moment for every instance (how callers gave it before) or the per-instance form."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return RestartCutoffs(Cutoff(moment, "--restarted-after"))
    return value or RestartCutoffs()


def sweep_cutoffs(declared: Mapping[str, str], given: datetime | RestartCutoffs | None, *,
                  skip_unusable: bool) -> tuple[RestartCutoffs, tuple[Unusable, ...]]:
    """A sweep's deploy times: the manifest's (``declared``, read now), the caller's
    (``given``, the command line's) over them; with ``skip_unusable`` (the exporter) a
    manifest time that cannot be used is left out and returned instead of refused."""
    if skip_unusable:
        own, unusable = usable_manifest_cutoffs(declared)
    else:
        own, unusable = manifest_cutoffs(declared), ()
    return as_cutoffs(given).over(own), unusable
