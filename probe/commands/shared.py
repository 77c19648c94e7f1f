"""What every command of ``probe`` uses at its edge: its context settings, the one line it
fails with, its :class:`~probe.environment.Environment`, and printing or writing its output."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import NoReturn

import click

from probe.environment import Environment
from probe.exits import ExitStatus
from probe.safe_text import one_line

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail(message: str, status: int = ExitStatus.ERROR) -> NoReturn:
    """One clear line on stderr, no traceback, then exit."""
    click.echo(f"probe: {one_line(message, limit=None)}", err=True)
    sys.exit(status)


def environment() -> Environment:
    """The running command's :class:`~probe.environment.Environment`, made once by
    :class:`ProbeGroup`: the only place commands read streams, terminals and variables."""
    obj = click.get_current_context().find_root().obj
    return obj if isinstance(obj, Environment) else Environment.from_process()


def output_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``-o``'s value: ``-`` is stdout, as for most tools (it made a file named ``-``); an
    empty path is refused (it wrote to stdout without a word)."""
    if value == "-":
        return None
    if value == "":
        raise click.BadParameter("an empty path (- is stdout)")
    return value


def emit(text: str | Iterable[str], output: str | None) -> None:
    """Print ``text`` (or its pieces, one after the other), or write it to the file ``output``
    in one step (:mod:`probe.output_file`: an interrupted write leaves the old file whole)."""
    parts = (text,) if isinstance(text, str) else text
    if not output:
        # click.echo per megabyte, not per piece: it looks the stream up on every call.
        batch: list[str] = []
        size = 0
        for part in parts:
            batch.append(part)
            size += len(part)
            if size >= 1 << 20:
                click.echo("".join(batch), nl=False)
                batch, size = [], 0
        if batch:
            click.echo("".join(batch), nl=False)
        return
    from probe import output_file

    try:
        output_file.write(output, parts)
    except OSError as exc:
        fail(f"{output}: cannot write: {exc.strerror or exc}")
