"""The few options of ``probe check`` read before its parser: ``--serve`` and ``--via``
decide which process runs the check, and ``-t`` how long the client waits for the resident
checker. Plain string work, so the client's path imports nothing for it (argparse, with
gettext and locale, costs that path more than the rest of its start-up).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Sequence


def given(option: str, args: Sequence[str]) -> bool:
    return any(a == option or a.startswith(option + "=") for a in args)


def take_option(option: str, args: Sequence[str]) -> tuple[str | None, list[str]]:
    """The value of ``option`` (``--via``, ``--serve``; the last one given, ``""`` when it
    ends the line) and the arguments without it."""
    value: str | None = None
    rest: list[str] = []
    items = iter(args)
    for arg in items:
        if arg == option:
            value = next(items, "")
        elif arg.startswith(option + "="):
            value = arg[len(option) + 1:]
        else:
            rest.append(arg)
    return value, rest


def timeout_of(args: Sequence[str], default: float) -> float:
    """``-t``/``--timeout`` as the plugin's parser reads it; ``default`` when it is absent or
    not a number (the server then answers the usage error)."""
    found = ""
    for i, arg in enumerate(args):
        if arg in ("-t", "--timeout") and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith("--timeout="):
            found = arg[len("--timeout="):]
        elif arg.startswith("-t") and len(arg) > 2 and not arg.startswith("--"):
            found = arg[2:]
    try:
        seconds = float(found)
    except ValueError:
        return default
    return seconds if 0 < seconds <= 86400 else default
