"""The sweep's progress bar on stderr: a CLI concern, handed to the sweep as a callback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def bar(total: int, *, enabled: bool) -> Iterator[Callable[[], None] | None]:
    """A rich progress bar advanced by the callback it yields (None when not ``enabled``)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    progress = Progress(TextColumn("probing"), BarColumn(), MofNCompleteColumn(),
                        console=Console(stderr=True), transient=True)
    task = progress.add_task("probe", total=total)
    with progress:
        yield lambda: progress.advance(task)
