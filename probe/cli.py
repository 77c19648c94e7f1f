"""The ``probe`` command line: the group every command runs in, and where an exception a
command lets escape becomes an exit status. The commands live in :mod:`probe.commands`."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

from probe import __version__
from probe.check.args import SUMMARY as CHECK_SUMMARY
from probe.commands.configuration import discover, lint, ps
from probe.commands.endpoint import endpoint
from probe.commands.exporter import exporter
from probe.commands.shared import CONTEXT, environment, fail
from probe.commands.sweep import sweep
from probe.environment import Environment
from probe.errors import ProbeError
from probe.exits import outcome

_HELP_ASKED: tuple[type[Exception], ...] = tuple(
    getattr(click.exceptions, name) for name in ("NoArgsIsHelpError",)
    if hasattr(click.exceptions, name))
"""click's "no arguments: here is the help" (a UsageError since click 8.2): help, not an
error, so shown as click shows it."""


def _one_line(exc: click.UsageError, subcommand: str | None = None) -> NoReturn:
    """A usage error as one line: click writes four (usage, a hint, a blank, the error), and
    every error a user can cause is one line (docs/cli.md)."""
    # "probe" whatever the program was called (python -m probe, a test's runner): the root's
    # name may be several words ("python -m probe"), so the subcommands' names are taken from
    # their own contexts, never by splitting the whole path.
    names: list[str] = []
    ctx = exc.ctx
    while ctx is not None and ctx.parent is not None:
        names.insert(0, ctx.info_name or "")
        ctx = ctx.parent
    if exc.ctx is None and subcommand:  # click leaves some option errors without a context
        names = [subcommand]
    where = " ".join(["probe", *filter(None, names)])
    click.echo(f"probe: {exc.format_message()} (see '{where} --help')", err=True)
    sys.exit(exc.exit_code)


class ProbeGroup(click.Group):
    """Runs every command; whatever escapes one is mapped by :func:`probe.exits.outcome`."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except _HELP_ASKED:
            raise
        except click.UsageError as exc:  # `probe --bogus`
            _one_line(exc)

    def invoke(self, ctx: click.Context) -> Any:
        if not isinstance(ctx.obj, Environment):  # a test may pass its own (obj=...)
            ctx.obj = Environment.from_process()
        try:
            return super().invoke(ctx)
        except _HELP_ASKED:
            raise
        except click.UsageError as exc:  # an unknown command, a command's bad option or value
            _one_line(exc, ctx.invoked_subcommand)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise  # click's own usage errors and exits, and commands' chosen statuses
        except BaseException as exc:  # the one place exceptions become statuses
            command = ctx.invoked_subcommand
            result = outcome(exc, command)
            env = environment()
            if result.internal and env.environ.get("WSGI_PROBE_TRACEBACK"):
                import traceback  # only for a bug, asked for: not at every command's start

                traceback.print_exc(file=env.stderr)
            if command == "check":
                from probe.check.status_line import unknown_text

                # A plugin's one line goes to stdout, where Nagios reads it.
                click.echo(unknown_text(result.message), nl=False)
            elif result.message:
                click.echo(f"probe: {result.message}", err=True)
            sys.exit(result.status)


@click.group(cls=ProbeGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="wsgi-probe")
def main() -> None:
    """Prove which WSGI instance really answers each host and path, and say why when it is wrong."""


class ForwardedCommand(click.Command):
    """A command whose arguments click leaves alone (``--`` and ``-h`` included): the
    command parses them itself."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.args = list(args)
        return ctx.args


@main.command(cls=ForwardedCommand, add_help_option=False, help=CHECK_SUMMARY)
@click.pass_context
def check(ctx: click.Context) -> None:
    # A Monitoring Plugin parses its own arguments (probe.check.args, where its options and
    # help live); probe.entry sends `probe check` there without click. This command keeps
    # it in `probe --help` and in `python -m probe` / main(["check", ...]), unchanged.
    from probe.check import main as check_main

    check_main(ctx.args)


@main.command(context_settings=CONTEXT)
@click.option("--serve", is_flag=True,
              help="Keep the lab running until Ctrl-C and print its manifest, to try "
                   "sweep, check and exporter on it.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Loopback port for the lab (0 picks a free one).")
def demo(serve: bool, port: int) -> None:
    """Sweep a built-in, SIMULATED Apache/mod_wsgi with the three classic misroutes.

    Nothing to install or configure: the lab runs in this process on 127.0.0.1.
    Exit status 0 (the problems found are the demo), 1 if the lab itself failed.
    """
    from probe import demo as demonstration
    from probe import logs
    logs.configure(0)
    try:
        status = demonstration.run(serve=serve, port=port, env=environment())
    except ProbeError as exc:
        fail(str(exc))
    sys.exit(status)


for _command in (sweep, endpoint, exporter, lint, discover, ps):
    main.add_command(_command)
