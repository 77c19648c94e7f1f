"""The ``probe`` console script: ``--version`` and ``probe check`` before click is imported.

Importing click and the command tree is most of ``probe --version``'s start-up
(bench/RESULTS.md); a monitoring system may ask for the version of every check it
runs, and runs ``probe check`` once a minute per service. So ``--version`` is answered
here and ``probe check ...`` goes to the plugin's own parser (:mod:`probe.check.args`);
anything else goes to the click application in :mod:`probe.cli` unchanged.
"""

from __future__ import annotations

import sys

from probe import VERSION_LINE


def main() -> None:
    args = sys.argv[1:]
    if args in (["--version"], ["-V"]):
        sys.stdout.write(VERSION_LINE)
        return
    if args[:1] == ["check"]:
        if any(a == "--via" or a.startswith("--via=") for a in args):
            # Before anything else is imported: the resident checker's client path is
            # measured in milliseconds (probe.check.client).
            from probe.check.client import main as via

            via(args[1:])
        from probe.check.args import main as check

        check(args[1:])
    from probe.cli import main as cli

    cli()
