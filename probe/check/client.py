"""``probe check --via SOCKET``: hand the check to a resident ``probe check --serve``.

A Nagios server starts the plugin once per service and interval, and a standalone
``probe check`` spends most of its time importing the model, the sweep and the reports
(bench/RESULTS.md). With ``--via``, this process imports only the socket module, sends its
arguments, working directory and environment to the server, which forks a warm copy of
itself to run the check exactly as a standalone plugin would, and prints the answer.

Nothing about the result depends on the server: when nothing listens at SOCKET (the
service is stopped) or the server runs another version, the check runs here instead, with
the same output, only slower. Waiting is bounded by ``-t`` like every plugin's run.
"""

from __future__ import annotations

# posix, not os: os (with stat, posixpath and the collections ABCs) is a third of what this
# client imports when a written client starts without site; the few calls needed are these.
import posix
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: start-up is the point
if TYPE_CHECKING:
    import _socket
    from collections.abc import Sequence
    from typing import NoReturn

GRACE = 1.0
"""Seconds the client waits beyond ``-t``: the server's own alarm at ``-t`` names the stage
the check was in, which is a better answer than the client's."""


def _local(args: list[str], standalone: str | None) -> NoReturn:
    """The check without the server (it is not there or runs another version): in this
    process, or, from a script written by ``probe check --write-client`` (whose interpreter
    started without the environment's packages), by the ``standalone`` console script in
    this process's place."""
    if standalone is not None:
        try:
            # The console script of this environment, named when the client was written; no
            # shell, the arguments pass as they came.
            posix.execv(standalone, [standalone, "check", *args])
        except OSError as exc:
            _unknown(f"cannot run {standalone} ({exc.strerror}): write the client again with "
                     "probe check --write-client")
    from probe.check.args import main

    main(args)


def _finish(code: int, stdout: bytes, stderr: bytes = b"") -> NoReturn:
    # write and _exit: the output is already whole, and nothing here needs the
    # interpreter's shutdown (a few milliseconds of every check).
    for fd, data in ((2, stderr), (1, stdout)):
        while data:
            data = data[posix.write(fd, data):]
    posix._exit(code)


def _unknown(message: str) -> NoReturn:
    from probe.check.status_line import UNKNOWN_EXIT, unknown_text

    _finish(int(UNKNOWN_EXIT), unknown_text(message).encode("utf-8"))


def _stranger(server: _socket.socket) -> str | None:
    """Why the process serving the socket may not be sent this check, or None when it runs
    as this user or root. The request carries the whole environment (the token with it) and
    the answer becomes the plugin's: whoever created the socket (any user, in a world-writable
    directory) must not get either. The server checks its clients' uid the same way."""
    import _socket

    option = getattr(_socket, "SO_PEERCRED", None)
    if option is None:
        return "cannot be asked who it runs as on this system (no SO_PEERCRED)"
    try:
        # struct ucred: pid, uid, gid as C ints.
        uid = int.from_bytes(server.getsockopt(_socket.SOL_SOCKET, option, 12)[4:8],
                             sys.byteorder)
    except OSError as exc:
        return f"cannot be asked who it runs as ({exc.strerror})"
    mine = posix.getuid()
    if uid in (mine, 0):
        return None
    return f"runs as uid {uid}, not as this user (uid {mine}) or root"


def main(args: Sequence[str], standalone: str | None = None) -> NoReturn:
    """``probe check ARGS`` where ARGS hold ``--via SOCKET`` (from a written client: any
    ARGS, ``standalone`` the ``probe`` console script)."""
    # _socket, not socket: socket.py imports enum and selectors, a third of this path's
    # imports, for names and wrappers this client does not use.
    import _socket
    import time

    from probe import __version__
    from probe.check import framing
    from probe.check.argv import take_option, timeout_of
    from probe.defaults import CHECK_TIMEOUT

    via, rest = take_option("--via", args)
    if not via:
        _local(rest, standalone)
    timeout = timeout_of(rest, CHECK_TIMEOUT)
    server = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    server.settimeout(timeout + GRACE)
    try:
        server.connect(via)
    except OSError:  # nobody serves there (stopped, never started, not ours): check here
        server.close()
        _local(rest, standalone)
    stranger = _stranger(server)
    if stranger is not None:
        server.close()
        _unknown(f"the check server at {via} {stranger}: nothing sent to it")
    environ = [b"%s=%s" % item for item in posix.environ.items()]  # bytes, as os.environb
    encoding = sys.getfilesystemencoding()  # os.fsencode's
    message = framing.request(__version__.encode(), posix.getcwdb(),
                              [a.encode(encoding, "surrogateescape") for a in rest], environ)
    deadline = time.monotonic() + timeout + GRACE

    def read(size: int) -> bytes:  # the whole wait is bounded, not each read
        server.settimeout(max(deadline - time.monotonic(), 0.001))
        return server.recv(size)

    try:
        server.sendall(message)
        server.shutdown(_socket.SHUT_WR)
        data = framing.receive(read)
        answer = framing.read_answer(data)
    except TimeoutError:
        _unknown(f"plugin timed out after {timeout:g} s while waiting for the check server "
                 f"at {via}")
    except (OSError, framing.WireError) as exc:
        _unknown(f"the check server at {via} gave no answer: {exc}")
    finally:
        server.close()
    if answer is None:  # the server runs another version of wsgi-probe
        _local(rest, standalone)
    code, stdout, stderr = answer
    _finish(code, stdout, stderr)
