"""``-o`` and ``--save-baseline``: never onto a file the command read, and written in one step
(probe.output_file). The refusals run the real commands (click's runner); the interrupted
write is a real process killed with SIGKILL in the middle of a large report."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from probe import output_file
from probe.cli import main
from tests.monitoring_helpers import closed_port

MANIFEST = '[instances.a]\nlabel = "a"\nurls = ["http://127.0.0.1:{port}/"]\n'
CONFIG = """Listen 127.0.0.1:8080
<VirtualHost 127.0.0.1:8080>
    ServerName a.test
    WSGIDaemonProcess app
    WSGIProcessGroup app
    WSGIScriptAlias / {root}/wsgi.py
</VirtualHost>
Include {root}/extra.conf
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "m.toml").write_text(MANIFEST.format(port=closed_port()))
    (tmp_path / "token").write_text("s3cret\n")
    (tmp_path / "token").chmod(0o600)
    (tmp_path / "httpd.conf").write_text(CONFIG.format(root=tmp_path))
    (tmp_path / "extra.conf").write_text("# included\n")
    (tmp_path / "wsgi.py").write_text("application = None\n")
    (tmp_path / "deployed").write_text("x")
    os.utime(tmp_path / "deployed", (0, 0))
    return tmp_path


def sweep(site: Path, *args: str) -> Result:
    return run("sweep", "-m", str(site / "m.toml"), "--timeout", "0.5", *args)


def refused(result: Result, option: str, path: Path, what: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.output == (f"probe: {option} {path} is {what} this command reads: not "
                             "overwritten; give another path\n")


@pytest.mark.parametrize(("option", "name", "what", "extra"), [
    ("-o", "m.toml", "the manifest", ()),
    ("-o", "token", "the token file", ("--token-file", "token")),
    ("-o", "httpd.conf", "a configuration file", ("--config", "httpd.conf")),
    ("-o", "extra.conf", "a configuration file", ("--config", "httpd.conf")),
    ("-o", "deployed", "a --restarted-after file", ("--restarted-after", "a=@{deployed}")),
    ("--save-baseline", "m.toml", "the manifest", ()),
    ("--save-baseline", "token", "the token file", ("--token-file", "token")),
])
def test_sweep_refuses_to_overwrite_what_it_read(site: Path, option: str, name: str,
                                                 what: str, extra: tuple[str, ...]) -> None:
    before = {p.name: p.read_bytes() for p in site.iterdir()}
    given = [str(site / x) if x in before else x.format(deployed=site / "deployed")
             for x in extra]
    refused(sweep(site, *given, option, str(site / name)), option, site / name, what)
    assert {p.name: p.read_bytes() for p in site.iterdir()} == before


def test_a_link_or_a_hard_link_to_an_input_is_the_input(site: Path) -> None:
    manifest = site / "m.toml"
    (site / "link.toml").symlink_to(manifest)
    os.link(manifest, site / "hard.toml")
    kept = manifest.read_bytes()
    for name in ("link.toml", "hard.toml"):
        refused(sweep(site, "-o", str(site / name)), "-o", site / name,
                f"the manifest ({manifest})")
    assert manifest.read_bytes() == kept


def test_the_report_and_the_baseline_are_not_one_file(site: Path) -> None:
    out = site / "both.json"
    result = sweep(site, "-o", str(out), "--save-baseline", str(out))
    assert result.exit_code == 2
    assert result.output == f"probe: -o {out} is the --save-baseline file too: give another path\n"
    assert not out.exists()


def test_a_baseline_moves_on_and_other_outputs_are_written(site: Path) -> None:
    baseline = site / "base.json"
    assert sweep(site, "--save-baseline", str(baseline)).exit_code == 1
    first = baseline.read_bytes()
    # --save-baseline onto --baseline: read first, then replaced (a rolling baseline).
    result = sweep(site, "--baseline", str(baseline), "--save-baseline", str(baseline),
                   "--format", "json", "-o", str(site / "report.json"))
    assert result.exit_code == 1, result.output
    assert baseline.read_bytes() != first
    assert json.loads((site / "report.json").read_text())["targets"]


def test_discover_refuses_to_overwrite_the_configuration_or_a_script(site: Path) -> None:
    for name, what in (("httpd.conf", "a configuration file"),
                       ("extra.conf", "a configuration file"), ("wsgi.py", "a WSGI script")):
        kept = (site / name).read_bytes()
        refused(run("discover", str(site / "httpd.conf"), "-o", str(site / name)), "-o",
                site / name, what)
        assert (site / name).read_bytes() == kept
    result = run("discover", str(site / "httpd.conf"), "-o", str(site / "new.toml"))
    assert result.exit_code == 0 and "[instances." in (site / "new.toml").read_text()


# -- written in one step --------------------------------------------------------------------

def test_an_existing_reports_mode_is_kept_and_a_new_one_follows_the_umask(
        tmp_path: Path) -> None:
    old = tmp_path / "report.json"
    old.write_text("old")
    old.chmod(0o640)
    if os.geteuid() == 0:  # the directory's owner's file keeps its owner (a service's logs)
        os.chown(tmp_path, 65534, 65534)
        os.chown(old, 65534, 65534)
    output_file.write(str(old), ["new ", "text"])
    assert old.read_text() == "new text"
    status = old.stat()
    assert stat.S_IMODE(status.st_mode) == 0o640
    if os.geteuid() == 0:
        assert (status.st_uid, status.st_gid) == (65534, 65534)
    mask = os.umask(0o027)
    try:
        output_file.write(str(tmp_path / "new.json"), ["x"])
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.json", "report.json"]


def test_a_link_stays_a_link_and_its_target_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    target = tmp_path / "reports" / "latest.json"
    target.write_text("old")
    link = tmp_path / "report.json"
    link.symlink_to(target)
    output_file.write(str(link), ["new"])
    assert link.is_symlink() and target.read_text() == "new"
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["latest.json"]


def test_another_users_fifo_is_not_written_even_with_a_reader(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("another user's FIFO needs root")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o666)
    os.chown(fifo, 65534, 65534)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    try:
        with pytest.raises(OSError, match="not a regular file"):
            output_file.write(str(fifo), ["through ", "the pipe"])
    finally:
        with open(fifo, "wb"):  # lets cat end
            pass
    assert reader.communicate(timeout=10)[0] == b""
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    old = tmp_path / "report.json"
    old.write_text('{"old": true}')

    def pieces() -> object:
        yield '{"new": '
        raise RuntimeError("a renderer failed")

    with pytest.raises(RuntimeError):
        output_file.write(str(old), pieces())  # type: ignore[arg-type]
    assert old.read_text() == '{"old": true}'
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


WRITER = """
import sys, time
from probe.commands.shared import emit

def report():
    yield '{"targets": ['
    for i in range(200_000):
        yield '{"url": "http://site-%d.example.com/", "verdict": "ok"},' % i
    print("half", flush=True)
    time.sleep(60)  # killed here, with 12 MB written
    yield "{}]}"

emit(report(), sys.argv[1])
"""


def test_kill_9_mid_write_leaves_the_old_report_whole(tmp_path: Path) -> None:
    old = tmp_path / "report.json"
    old.write_text(json.dumps({"targets": [{"url": "http://kept/"}]}))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(old)], env=env,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "half\n"
        deadline = time.monotonic() + 10
        while written(writer.pid) < 10_000_000:
            assert time.monotonic() < deadline, "the writer wrote less than expected"
            time.sleep(0.05)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
        if writer.stdout is not None:
            writer.stdout.close()
    assert json.loads(old.read_text()) == {"targets": [{"url": "http://kept/"}]}
    # Nothing left: the temporary file had no name (O_TMPFILE) or was removed.
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def written(pid: int) -> int:
    """Bytes in the regular files ``pid`` holds open: the temporary file has no name to look
    at where it was made with O_TMPFILE."""
    sizes = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            found = os.stat(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if stat.S_ISREG(found.st_mode):
            sizes.append(found.st_size)
    return max(sizes, default=0)
