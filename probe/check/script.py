"""``probe check --write-client PATH``: a plugin file that sends each check to the resident
checker and starts in about half the time of the console script.

A console script's interpreter starts with ``site``, which reads and runs every ``.pth`` file
of the environment (setuptools' shim, an editable install's path): a quarter of the start-up
of a ``probe check --via`` client (bench/RESULTS.md). The written file is a Python script run
with ``-I -S`` -- isolated (no environment variables, no user site) and without ``site`` --
that appends the directory holding the ``probe`` package to sys.path and runs
:mod:`probe.check.client`, which needs nothing else: the socket layer and the netstrings.

Where the check would run in the client (no ``--via``, nobody serving the socket, a server
of another version, ``--help``), this process, without the environment's other packages,
cannot run it: the script hands over to the ``probe`` console script with ``exec``, the same
arguments, so the same output. A script left behind by a moved or removed environment says
so in one UNKNOWN line.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from probe import __version__
from probe.check.argv import take_option
from probe.environment import Environment
from probe.errors import UsageError
from probe.exits import ExitStatus

MARK = "# wsgi-probe check client"
"""The second line of every written script: what may be overwritten by the next write."""

TEMPLATE = """\
#!{python} -IS
{mark}: `probe check`, with the check sent to the resident checker at
# --via SOCKET (`probe check --serve SOCKET`) by a process that starts without site.
# Written by `probe check --write-client` (wsgi-probe {version}); write it again with
# the same command when the environment below moves. Edits are lost then.
import sys

sys.path.append({root!r})
from probe.check.client import main

main(sys.argv[1:], standalone={probe!r})
"""


def text(python: str, root: str, probe: str) -> str:
    """The script for the interpreter ``python``, the directory holding the ``probe`` package,
    and the ``probe`` console script that runs a check without the server."""
    for name, value in (("interpreter", python), ("probe", probe)):
        if not value or any(c.isspace() for c in value) or len(value) > 200:
            # A shebang line ends at the first blank and at 255 bytes on Linux.
            raise UsageError(f"the {name} path {value!r} cannot start a script (blanks in "
                             "it, or too long): install wsgi-probe under a plainer path")
    return TEMPLATE.format(python=python, mark=MARK, version=__version__, root=root,
                           probe=probe)


def installed() -> tuple[str, str, str]:
    """This environment's interpreter, package directory and ``probe`` console script."""
    import probe

    python = os.path.realpath(sys.executable)
    root = str(Path(probe.__file__).resolve().parent.parent)
    console = Path(sysconfig.get_path("scripts")) / "probe"
    if not os.access(console, os.X_OK):
        raise UsageError(f"no probe console script at {console}: install wsgi-probe with pip "
                         "into this environment and run its probe to write the client")
    return python, root, str(console)


def write(path: Path, content: str) -> None:
    """``content`` at ``path``, mode 0755, replaced in one step; a file that is not an
    earlier client is never overwritten."""
    if path.is_dir():
        raise UsageError(f"{path} is a directory: give the path of the file to write")
    if path.exists():
        from probe import files

        try:
            # Without blocking: a FIFO at PATH (another user's, in /tmp) hung the command.
            head = files.head_bytes(path, 512).split(b"\n")
        except OSError as exc:
            raise UsageError(f"{path}: cannot write: {exc.strerror}; give the path of a "
                             "regular file") from None
        if len(head) < 2 or not head[1].startswith(MARK.encode()):
            raise UsageError(f"{path} exists and is not a client written by wsgi-probe: "
                             "not overwritten")
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise UsageError(f"cannot write in {path.parent}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(content)
        # A plugin file: run by the monitoring daemon's user, written by an administrator.
        os.chmod(temporary, 0o755)  # noqa: S103
        os.replace(temporary, path)
    except OSError as exc:
        os.unlink(temporary)
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


def main(args: Sequence[str], env: Environment | None = None) -> NoReturn:
    """``probe check --write-client PATH``: one line on success; a usage error is one line,
    exit 2 (as ``--serve``)."""
    env = env or Environment.from_process()
    path, rest = take_option("--write-client", args)
    try:
        if not path:
            raise UsageError("--write-client needs the path of the file to write")
        if rest:
            raise UsageError("probe check --write-client takes no other option (each check "
                             f"brings its own): {' '.join(rest)}")
        target = Path(path).absolute()
        write(target, text(*installed()))
    except UsageError as exc:
        env.stderr.write(f"probe: {exc}\n")
        sys.exit(int(ExitStatus.ERROR))
    env.stdout.write(f"probe check: wrote {target}; run it with the arguments of probe check "
                     "and --via SOCKET\n")
    sys.exit(int(ExitStatus.SUCCESS))
