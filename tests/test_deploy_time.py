"""probe/deploy_time.py: --restarted-after reads every ISO 8601 form and @FILE."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from probe.deploy_time import parse_deploy_time
from probe.errors import UsageError

MOMENT = datetime(2026, 11, 30, 2, 9, 45, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-30T02:09:45.270637+00:00", MOMENT.replace(microsecond=270637)),
    ("2026-11-30T02:09:45,270637123+00:00", MOMENT.replace(microsecond=270637)),  # date -Ins
    ("2026-11-30T02:09:45Z", MOMENT),
    ("2026-11-30T02:09:45", MOMENT),  # no offset: UTC
    ("2026-11-30 02:09:45", MOMENT),
    ("20261130T020945Z", MOMENT),
    ("2026-11-30T03:09:45+01:00", MOMENT),
    ("2026-11-30T03:09:45+0100", MOMENT),
    ("2026-11-29T21:09:45.5-05:00", MOMENT.replace(microsecond=500000)),
    ("2026-11-30", datetime(2026, 11, 30, tzinfo=UTC)),
    ("  2026-11-30T02:09:45Z\n", MOMENT),
])
def test_iso_8601_forms(text: str, expected: datetime) -> None:
    found = parse_deploy_time(text)
    assert found == expected
    assert found.tzinfo is not None


def test_offset_is_kept() -> None:
    found = parse_deploy_time("2026-11-30T03:09:45+01:00")
    assert found.utcoffset() == timedelta(hours=1)
    assert found.tzinfo == timezone(timedelta(hours=1))


def test_at_file_is_its_modification_time(tmp_path: Path) -> None:
    script = tmp_path / "wsgi.py"
    script.write_text("application = None\n", encoding="utf-8")
    os.utime(script, (MOMENT.timestamp(), MOMENT.timestamp() + 0.25))
    assert parse_deploy_time(f"@{script}") == MOMENT + timedelta(seconds=0.25)


@pytest.mark.parametrize(("text", "message"), [
    ("yesterday", "--restarted-after: not an ISO 8601 time or @FILE: 'yesterday'"),
    ("2026-13-01", "not an ISO 8601 time or @FILE: '2026-13-01'"),
    ("@/nonexistent/wsgi.py", "cannot read the time of '/nonexistent/wsgi.py': No such file"),
])
def test_bad_values_are_one_line(text: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_deploy_time(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_a_time_in_the_future_is_refused(tmp_path: Path) -> None:
    """A deploy later than now made every process stale; a few minutes ahead is a deploy
    host's clock running ahead, and is taken."""
    soon = datetime.now(UTC) + timedelta(minutes=2)
    assert parse_deploy_time(soon.isoformat()) == soon
    for text in ("2099-01-01T00:00:00Z", (datetime.now(UTC) + timedelta(minutes=6)).isoformat()):
        with pytest.raises(UsageError) as info:
            parse_deploy_time(text)
        assert str(info.value).startswith(f"--restarted-after: {text!r} is later than this "
                                          "machine's clock (")
        assert str(info.value).endswith(" by more than 5 minutes: a deploy cannot be in the "
                                        "future (a typo, or a clock to set right?)")
    script = tmp_path / "wsgi.py"
    script.write_text("", encoding="utf-8")
    later = datetime(2099, 1, 1, tzinfo=UTC).timestamp()
    os.utime(script, (later, later))
    with pytest.raises(UsageError, match=r"\(modified 2099-01-01T00:00:00Z\) is later than"):
        parse_deploy_time(f"@{script}")
