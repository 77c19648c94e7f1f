"""``probe ps`` prints what another local user chose (a process's command line, its title,
its user name) as one printable line: no terminal escape or bidi override reaches the
terminal (security tester T37: a program named apache2 with ``-f`` holding ``ESC ] 0 ;``, an
unterminated OSC, and U+202E, printed raw in root's table)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from probe.cli import main
from probe.procs import ProcessFacts, classify
from probe.procs_read import snapshot
from probe.procs_table import render_table
from tests import reaper

OSC = "\x1b]0;PWNED"
"""An OSC "set window title" left unterminated: the terminal takes what follows as the title."""
RLO = "\u202e"
HOSTILE = f"/tmp/{OSC}\x07\x1b[2J\x1b[31mred{RLO}lmth.conf"
"""T37's -f path: OSC, BEL, CSI (clear screen, red) and a bidi override."""
TITLE = f"(wsgi:{OSC}{RLO}[/bold]grp)"
"""A daemon title of the same user's choosing; ``[/bold]`` is rich markup that would raise."""


def _no_raw(text: str) -> None:
    assert "\x1b]" not in text and RLO not in text and "\x07" not in text
    assert "\x1b[2J" not in text and "\x1b[31m" not in text


def test_every_cell_and_line_from_a_process_is_one_printable_line() -> None:
    now = 1_000_000.0
    parent = ProcessFacts(pid=100, ppid=1, name="apache2",
                          cmdline=("/usr/sbin/apache2", "-f", HOSTILE, "-k", "start"),
                          username=f"ev{OSC}il{RLO}", rss=1, create_time=now - 5, sockets=())
    daemon = ProcessFacts(pid=101, ppid=100, name="apache2", cmdline=(TITLE,),
                          username=f"www{RLO}", rss=1, create_time=now - 5, sockets=())
    rows = classify([parent, daemon], now=now)
    for terminal in (False, True):
        text = render_table(rows, terminal=terminal)
        _no_raw(text)
        assert "\\x1b]0;PWNED" in text and "\\u202e" in text
        assert "pid 100 runs /tmp/\\x1b]0;PWNED\\x07\\x1b[2J\\x1b[31mred\\u202elmth.conf" in text
        assert "ev\\x1b]0;PWNEDil\\u202e" in text and "[/bold]grp" in text


@pytest.fixture()
def fake_apache(tmp_path: Path) -> Iterator[int]:
    """A real process named apache2 (a link to Python: the kernel names the process after the
    link) whose command line holds T37's -f path, with a child whose title is ``TITLE``; as
    any local user could start."""
    link = tmp_path / "apache2"
    link.symlink_to(os.path.realpath(sys.executable))
    child = (f"import subprocess, time; subprocess.Popen([{TITLE!r}, '-c', "
             f"'import time; time.sleep(60)'], executable={str(link)!r}); time.sleep(60)")
    proc = subprocess.Popen([str(link), "-c", child, "-f", HOSTILE, "-k", "start"],
                            start_new_session=True)
    reaper.remember(proc.pid, "fake apache2 with escapes")
    try:
        deadline = time.monotonic() + 10
        while not psutil.Process(proc.pid).children():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        yield proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        reaper.forget(proc.pid)


def test_probe_ps_table_of_a_real_process_holds_no_escape(fake_apache: int) -> None:
    result = CliRunner().invoke(main, ["ps"])
    assert result.exit_code == 0, result.output
    table = result.stdout_bytes.decode()
    _no_raw(table)
    assert f"pid {fake_apache} runs /tmp/\\x1b]0;PWNED" in table
    assert "\\u202elmth.conf" in table
    [child] = [line for line in table.splitlines()
               if line.split()[1:2] == [str(fake_apache)] and "wsgi daemon" in line]
    assert "\\x1b]0;PWNED\\u202e[/bold]grp" in child
    # on a terminal too (rich's own escapes for colour are there; none of the process's)
    rows = classify(snapshot()[0], now=time.time())
    _no_raw(render_table([r for r in rows if fake_apache in (r.pid, r.ppid)], terminal=True))
