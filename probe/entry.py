"""The ``probe`` console script: ``--version`` answered before click is imported.

Importing click and the command tree is most of ``probe --version``'s start-up
(bench/RESULTS.md); a monitoring system may ask for the version of every check it
runs. Anything else goes to the click application in :mod:`probe.cli` unchanged.
"""

from __future__ import annotations

import sys

from probe import __version__

VERSION_LINE = f"wsgi-probe, version {__version__}\n"
"""What click's ``version_option`` prints for ``probe --version`` (a test compares them)."""


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        sys.stdout.write(VERSION_LINE)
        return
    from probe.cli import main as cli

    cli()
