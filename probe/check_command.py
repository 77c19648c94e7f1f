"""The click command class of ``probe check``, light enough to load with the whole CLI.

It lives apart from probe.check and probe.check_runtime (which re-exports it) so
that ``probe --version`` and ``probe check --help`` do not import the plugin
(nagiosplugin, the reports, the manifest): a Nagios server starts ``probe`` once a
minute per service, and start-up is most of a check's time.
"""

from __future__ import annotations

from typing import Any

import click


class PluginCommand(click.Command):
    """A click command that keeps the Monitoring Plugin exit codes even while parsing.

    Click exits 2 on a usage error and 0 after --help/--version; a plugin must
    exit 3 (UNKNOWN) for all of them, with one readable line on stdout.
    """

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.exceptions.Exit:  # --help or --version printed, now exit UNKNOWN
            raise click.exceptions.Exit(3) from None
        except click.ClickException as exc:
            from probe.report.nagios import render
            from probe.report.nagios_evaluate import unknown

            message = f"{exc.format_message()} (see 'probe {info_name or 'check'} --help')"
            click.echo(render(unknown(message)), nl=False)
            raise click.exceptions.Exit(3) from None
