"""``probe check``: the sweep as a Monitoring Plugin (Nagios, Icinga, Naemon, ...).

:mod:`~probe.check.args` parses the command line with the standard library,
:mod:`~probe.check.plugin` runs acquire -> evaluate -> summarise -> runtime,
:mod:`~probe.check.options` holds thresholds, :mod:`~probe.check.runtime` the alarm and the
exit, :mod:`~probe.check.status_line` the first line; :mod:`~probe.check.server` is the
resident checker (``--serve``) and :mod:`~probe.check.client` sends it a check (``--via``),
from the console script or from the file :mod:`~probe.check.script` writes
(``--write-client``).
Nothing is imported here: the cheap paths (``--help``, a bad manifest, ``--via``) must not
pay for the sweep.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import NoReturn


def main(args: Sequence[str]) -> NoReturn:
    """``probe check ARGS``: the resident checker (``--serve``), a check sent to it
    (``--via``), or the plugin in this process."""
    from probe.check.argv import given

    if given("--serve", args):
        from probe.check import server

        server.main(args)
    if given("--write-client", args):
        from probe.check import script

        script.main(args)
    if given("--via", args):
        from probe.check import client

        client.main(args)
    from probe.check import args as plugin_args

    plugin_args.main(args)
