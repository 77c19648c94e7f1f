"""A ``kill -9`` of a real ``probe sweep -o`` while it writes its report leaves no temporary
file where the filesystem has ``O_TMPFILE`` (the file has no name until it is whole), and
where it has not, the next write to the same path removes the leftover, and only files this
tool made (probe.output_file). The sweep is stopped, by a ``sitecustomize`` in its path, right
after its report's bytes are synced and before the rename: the moment a named temporary file
is whole and not yet the report."""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from probe import output_file
from tests.monitoring_helpers import PROBE, closed_port

HOOK = """
import os, time
if os.environ.get("NO_TMPFILE"):
    import probe.output_file
    probe.output_file.USE_TMPFILE = False
if os.environ.get("SYNCED"):
    _fsync = os.fsync
    def fsync(fd):
        _fsync(fd)
        open(os.environ["SYNCED"], "w").close()
        time.sleep(60)  # killed here
    os.fsync = fsync
"""
OLD = {"targets": [{"url": "http://kept/"}]}


def sweep(tmp_path: Path, *, hooked: bool, tmpfile: bool = True) -> subprocess.Popen[str]:
    (tmp_path / "hook").mkdir(exist_ok=True)
    (tmp_path / "hook" / "sitecustomize.py").write_text(HOOK)
    (tmp_path / "m.toml").write_text(
        f'[instances.a]\nlabel = "a"\nurls = ["http://127.0.0.1:{closed_port()}/"]\n')
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(tmp_path / "hook"), str(Path(__file__).resolve().parent.parent)])}
    env.pop("SYNCED", None)
    if hooked:
        env["SYNCED"] = str(tmp_path / "synced")
    if not tmpfile:
        env["NO_TMPFILE"] = "1"
    return subprocess.Popen(
        [*PROBE, "sweep", "-m", str(tmp_path / "m.toml"), "--timeout", "0.5", "--samples",
         "1", "--format", "json", "-o", str(tmp_path / "out" / "report.json")],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, text=True)


def killed_mid_write(tmp_path: Path, *, tmpfile: bool) -> list[str]:
    """The names in the report's directory after a kill -9 with the report whole but not
    renamed; the old report must be untouched."""
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.json").write_text(json.dumps(OLD))
    writer = sweep(tmp_path, hooked=True, tmpfile=tmpfile)
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "synced").exists():
            assert writer.poll() is None, "the sweep ended before it wrote its report"
            assert time.monotonic() < deadline, "the sweep did not reach its report"
            time.sleep(0.02)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
    assert writer.returncode == -signal.SIGKILL
    assert json.loads((tmp_path / "out" / "report.json").read_text()) == OLD
    return sorted(p.name for p in (tmp_path / "out").iterdir())


def has_tmpfile(directory: Path) -> bool:
    try:
        os.close(os.open(directory, os.O_TMPFILE | os.O_RDWR, 0o600))
    except (OSError, AttributeError) as exc:
        if isinstance(exc, OSError) and exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR,
                                                          errno.EINVAL):
            raise
        return False
    return True


def test_kill_9_leaves_no_temporary_file_with_o_tmpfile(tmp_path: Path) -> None:
    if not has_tmpfile(tmp_path):
        pytest.skip(f"no O_TMPFILE on the filesystem of {tmp_path}")
    assert killed_mid_write(tmp_path, tmpfile=True) == ["report.json"]


def test_a_leftover_of_this_tool_is_removed_by_the_next_write(tmp_path: Path) -> None:
    names = killed_mid_write(tmp_path, tmpfile=False)
    [leftover] = [n for n in names if n != "report.json"]
    assert leftover.startswith(".report.json.wsgi-probe.") and leftover.endswith(".tmp")
    out = tmp_path / "out"
    hour_ago = time.time() - 3600
    os.utime(out / leftover, (hour_ago, hour_ago))
    # Look-alikes that stay: fresh (a writer at work), another name, two links, another user.
    kept = {".report.json.wsgi-probe.fresh123.tmp": None,
            ".report.json.abcd1234.tmp": hour_ago,  # mkstemp's name without the mark
            ".other.json.wsgi-probe.abcd1234.tmp": hour_ago,
            ".report.json.wsgi-probe.linked12.tmp": hour_ago}
    for name, when in kept.items():
        (out / name).write_text("x")
        if when is not None:
            os.utime(out / name, (when, when))
    os.link(out / ".report.json.wsgi-probe.linked12.tmp", tmp_path / "elsewhere")
    if os.geteuid() == 0:
        theirs = out / ".report.json.wsgi-probe.nobody12.tmp"
        theirs.write_text("x")
        os.chown(theirs, 65534, 65534)
        os.utime(theirs, (hour_ago, hour_ago))
        kept[theirs.name] = hour_ago
    writer = sweep(tmp_path, hooked=False, tmpfile=False)
    assert writer.wait(timeout=60) == 1
    assert sorted(p.name for p in out.iterdir()) == sorted(["report.json", *kept])
    assert json.loads((out / "report.json").read_text())["targets"][0]["verdict"] \
        == "unreachable"


def test_remove_leftovers_never_raises(tmp_path: Path) -> None:
    assert output_file.remove_leftovers(str(tmp_path / "gone"), "report.json") == []


def test_where_the_nameless_file_cannot_be_linked_it_is_copied(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not has_tmpfile(tmp_path):
        pytest.skip(f"no O_TMPFILE on the filesystem of {tmp_path}")
    old = tmp_path / "report.json"
    old.write_text("old")
    old.chmod(0o640)

    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EPERM, "linkat refused")

    monkeypatch.setattr(os, "link", refused)
    text = "x" * 3_000_000
    output_file.write(str(old), [text, "end"])
    assert old.read_text() == text + "end"
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
