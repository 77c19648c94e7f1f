"""The ``probe`` console script: ``--version`` and ``probe check`` before click is imported.

Importing click and the command tree is most of ``probe --version``'s start-up
(bench/RESULTS.md); a monitoring system may ask for the version of every check it
runs, and runs ``probe check`` once a minute per service. So ``--version`` is answered
here and ``probe check ...`` goes to :mod:`probe.check` (the plugin's own parser, or the
resident checker); anything else goes to the click application in :mod:`probe.cli`.
"""

from __future__ import annotations

import sys

from probe import VERSION_LINE


def main() -> None:
    if sys.stdout is None or sys.stderr is None:  # closed (>&-): the import only then
        from probe.environment import fill_closed_stdio

        fill_closed_stdio()
    args = sys.argv[1:]
    if args in (["--version"], ["-V"]):
        sys.stdout.write(VERSION_LINE)
        return
    if args[:1] == ["check"]:
        from probe.check import main as check

        check(args[1:])
    from probe.cli import main as cli

    try:
        cli()
    except SystemExit as done:
        if args[:1] == ["sweep"]:
            _leave_at_once(done.code)
        raise


def _leave_at_once(code: object) -> None:
    """End a finished sweep without the interpreter's teardown, output flushed.

    Freeing every answer, result and module one by one is tens of milliseconds of a 2,000-URL
    sweep (bench/RESULTS.md), spent after the report is written. Only where nothing is left
    to do: one thread (the interpreter would join the others) and a plain status; a stream
    that cannot be flushed goes the usual way, which reports it.
    """
    import os

    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return
    if code is None:
        code = 0
    if not isinstance(code, int):
        return  # a message to print: the interpreter's way
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code)
