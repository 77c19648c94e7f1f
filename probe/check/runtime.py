"""``probe check``'s runtime: the hard alarm at ``-t``, the immediate exit, quiet logs.

The ``-t`` timeout bounds the whole run in two layers:

1. the sweep gets a deadline a little before ``-t`` (:func:`sweep_deadline`); URLs
   unanswered by then become ``unreachable`` (a timeout of the monitored service:
   CRITICAL, named per URL in the output);
2. a hard alarm at ``-t`` (:func:`watchdog`) is the safety net for the plugin itself
   hanging past its own deadline. That is the plugin failing to do its job, so it exits
   UNKNOWN with the stage it was in, as the newer guidelines ask ("If the execution is
   terminated by this timeout, it should exit with state UNKNOWN (3) and give some
   helpful output in which stage the timeout occurred").

After its output the plugin ends the process with ``os._exit`` (:func:`exit_now`): a
sweep worker thread that outlives the deadline (a name lookup cannot be interrupted)
would otherwise be joined at interpreter exit and hold the plugin past ``-t``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import NoReturn

from probe.check.status_line import UNKNOWN_EXIT, unknown_text


class Stage:
    """What the plugin is doing, for the timeout message."""

    def __init__(self) -> None:
        self.text = "starting"

    def __call__(self, text: str) -> None:
        self.text = text


def timeout_text(timeout: float, stage: str) -> str:
    return unknown_text(f"plugin timed out after {timeout:g} s while {stage}")


def timeout_exit(timeout: float, stage: str) -> None:
    text = timeout_text(timeout, stage)
    # os.write and os._exit: inside a signal handler buffered stdout may be mid-write,
    # and a normal exit would wait for sweep worker threads that may be stuck.
    os.write(sys.stdout.fileno(), text.encode("utf-8"))
    os._exit(UNKNOWN_EXIT)


@contextmanager
def watchdog(timeout: float, stage: Stage,
             fire: Callable[[float, str], None] = timeout_exit) -> Iterator[None]:
    """Call ``fire(timeout, stage)`` if the block is still running after ``timeout`` seconds.

    Uses SIGALRM (setitimer, for fractions of a second), so it only arms in the
    main thread; elsewhere the sweep deadline is the only bound.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        fire(timeout, stage.text)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def silence_logs(verbose: int) -> None:
    """Keep stderr quiet below -vvv: Icinga 2 appends stderr to the plugin output."""
    from probe import logs

    logs.configure(2, "console", silent=verbose < 3)


def exit_now(code: int) -> NoReturn:
    """End the process with ``code`` at once, output flushed.

    Not ``sys.exit``: the interpreter would join the sweep's worker threads, and
    one stuck past the deadline (a name lookup, which nothing can interrupt)
    would hold the plugin past ``-t``.
    """
    transport = sys.modules.get("probe.transport")
    if transport is not None:  # never loaded (a bad manifest): nothing is in flight
        transport.abort_in_flight()
    for stream in (sys.stdout, sys.stderr):
        # A closed or broken pipe: there is nobody left to tell.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
