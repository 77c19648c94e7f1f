"""``--restarted-after``: the moment of a deploy, as a person or a deploy script writes it.

Every ISO 8601 form ``date --iso-8601=ns``, ``date -u +%FT%TZ`` or Python's ``isoformat()``
write is accepted (fractional seconds with ``.`` or ``,``, ``Z``, ``+HH:MM`` / ``+HHMM``
offsets, a date alone, the basic ``20261130T020945Z`` form), because a post-deploy check
that rejects the deploy script's own timestamp is not run at all. ``@FILE`` is that file's
modification time: the deployed ``wsgi.py``, touched by the deploy, says when it happened
without any clock arithmetic in the CI job. No offset means UTC (docs/cli.md).
"""

from __future__ import annotations

from datetime import UTC, datetime

from probe.errors import UsageError
from probe.files import regular_stat


def parse_deploy_time(value: str, where: str = "--restarted-after") -> datetime:
    """A timezone-aware moment; UsageError with one line saying what was expected."""
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
