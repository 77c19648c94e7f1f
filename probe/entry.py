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

    cli()
