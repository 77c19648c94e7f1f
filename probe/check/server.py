"""``probe check --serve SOCKET``: a resident checker for ``probe check --via SOCKET``.

The server imports everything a check needs and runs a few checks of its own once
(probe.check.warmup), then forks a copy of itself for each request, ahead of it (the spare
of probe.check.spare waits for the next connection). The child takes the client's working
directory and environment and runs the plugin's own code path
(:func:`probe.check.plugin.main`, its alarm at ``-t`` included), so an answer is the one the
same command line would print standalone, without the start-up. A fork per check also
keeps checks apart: one that hangs or crashes takes nothing else with
it, and whatever it allocated is gone when it ends.

Only the user the server runs as (and root) may ask: the socket is created mode 0600 and
every peer's uid is checked (SO_PEERCRED), because a check reads files named in its
arguments with the server's rights.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import signal
import socket
import stat
import struct
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import NoReturn

from probe import __version__
from probe.check import framing, warmup
from probe.check.argv import take_option
from probe.check.spare import Children
from probe.check.status_line import UNKNOWN_EXIT, unknown_text
from probe.check.warmup import WarmUp
from probe.environment import Environment
from probe.errors import UsageError
from probe.exits import ExitStatus

MAX_CHILDREN = 64
"""Children at once, the spare waiting for the next check included (probe.check.spare); the
next check waits for one to end (a Nagios server's burst of checks queues here instead of
forking without bound)."""

REQUEST_SECONDS = 5.0
"""A client has this long to send its request: it sends it at once, a stuck one is dropped."""


class _Stop(BaseException):
    """SIGTERM or SIGINT: stop serving, remove the socket. Not an Exception: one that comes
    during a warm-up check must pass the plugin's last line of defence."""


class _StopSignal:
    """SIGTERM's and SIGINT's handler. While the server warms up it raises :class:`_Stop`
    (a warm-up check may take seconds); once it serves, it only notes the signal, and the
    loop ends at its next turn (at most a second): raised in the loop, it could fall
    between reading a child's news and counting it (a check lost from the count)."""

    def __init__(self) -> None:
        self.asked = False
        self.raising = True

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.asked = True
        if self.raising:
            raise _Stop


def listen(path: str) -> socket.socket:
    """A listening socket at ``path``, mode 0600. A socket left by a server that is gone is
    replaced; a live server's socket, or anything that is not a socket, is refused."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        pass
    else:
        if not stat.S_ISSOCK(mode):
            raise UsageError(f"{path}: exists and is not a socket, not replacing it")
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except ConnectionRefusedError:  # a server that is gone left it
            os.unlink(path)
        except OSError as exc:
            raise UsageError(f"{path}: {exc.strerror}") from None
        else:
            raise UsageError(f"{path}: another check server answers there")
        finally:
            probe.close()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)  # created 0600: no window in which another user may connect
    try:
        sock.bind(path)
    except OSError as exc:
        sock.close()
        raise UsageError(f"{path}: cannot listen there: {exc.strerror}") from None
    finally:
        os.umask(old)
    sock.listen(128)
    return sock


def peer_uid(conn: socket.socket) -> int:
    ucred = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", ucred)[1])


def warm() -> list[WarmUp] | None:
    """Import what every check uses, then run a few checks end to end (probe.check.warmup),
    once, before the first fork: whatever a check imports or sets up on first use would
    otherwise be done again in every child (tests/integration/test_check_server_apache.py
    checks that a warm check imports nothing and runs no function for the first time)."""
    import hashlib  # noqa: F401  # imported to be inherited: a signature's check (a token)
    import hmac  # noqa: F401
    import zoneinfo  # noqa: F401  # an answer's time zone (Django's name one)

    import pycurl  # noqa: F401

    from probe import credentials, manifest, sweep, transport  # noqa: F401
    from probe.check import args, plugin  # noqa: F401
    from probe.diagnose import causes, nginx_causes  # noqa: F401  # a problem's, nginx's words
    from probe.report import nagios, nagios_evaluate  # noqa: F401

    args.parser()  # argparse, gettext and locale
    return warmup.run(check)


def _send(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


def check(argv: list[str], fire: Callable[[float, str], None]) -> int:
    """The plugin on ``argv``, its output on sys.stdout: what :func:`probe.check.args.main`
    does, returning the exit status instead of ending the process."""
    from probe.check import args, plugin

    try:
        values = args.parse(argv)
    except UsageError as exc:
        sys.stdout.write(unknown_text(f"{exc} (see 'probe check --help')"))
        return int(UNKNOWN_EXIT)
    except SystemExit as exc:  # --help or --version, already written
        return int(exc.code or 0)
    values.pop("via", None)
    for name in ("serve", "write_client"):  # args.DISPATCHED that a check cannot carry
        if values.pop(name, None):
            option = "--" + name.replace("_", "-")
            sys.stdout.write(unknown_text(f"{option} cannot be sent to a check server"))
            return int(UNKNOWN_EXIT)
    try:
        options = plugin.check_options(**values)
    except UsageError as exc:
        sys.stdout.write(unknown_text(str(exc)))
        return int(UNKNOWN_EXIT)
    return plugin.main(options, fire=fire)


def _refusal(conn: socket.socket, path: str) -> str | None:
    uid = peer_uid(conn)
    if uid in (os.geteuid(), 0):
        return None
    return unknown_text(f"the check server at {path} serves only uid {os.geteuid()}; this "
                        f"check runs as uid {uid}")


def _child(conn: socket.socket, path: str) -> None:
    """One check, in a forked copy of the server (the spare that took ``conn``, which ends
    when this returns). The request is read before anything is answered, a refusal too: a
    client still sending would otherwise see a broken pipe instead of the reason."""
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    fd = conn.fileno()
    try:
        conn.settimeout(REQUEST_SECONDS)
        data = framing.receive(conn.recv)
        conn.settimeout(None)
        refused = _refusal(conn, path)
        if refused is not None:
            _send(fd, framing.answer(int(UNKNOWN_EXIT), refused))
            return
        request = framing.read_request(data)
        if request.version != __version__.encode():
            _send(fd, framing.stale(__version__))
            return
        try:
            os.chdir(request.cwd)
        except OSError as exc:  # the client's directory is not the server user's to enter
            raise UsageError(f"the check server cannot work in {os.fsdecode(request.cwd)}: "
                             f"{exc.strerror}") from None
        os.environb.clear()
        os.environb.update(request.environ)
        out, err = io.StringIO(), io.StringIO()
        sys.stdout, sys.stderr = out, err

        def fire(timeout: float, stage: str) -> None:
            from probe.check.runtime import timeout_text

            _send(fd, framing.answer(int(UNKNOWN_EXIT), timeout_text(timeout, stage),
                                     err.getvalue()))
            os._exit(0)

        code = check([os.fsdecode(a) for a in request.args], fire)
        reply = framing.answer(code, out.getvalue(), err.getvalue())
    except UsageError as exc:
        reply = framing.answer(int(UNKNOWN_EXIT), unknown_text(str(exc)))
    except BaseException as exc:  # never a traceback: the client prints one UNKNOWN line
        reply = framing.answer(int(UNKNOWN_EXIT), unknown_text(f"check server: {exc!r}"))
    with contextlib.suppress(OSError):
        _send(fd, reply)


def serve(path: str, env: Environment) -> int:
    stop = _StopSignal()
    previous = [signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)]
    sock = listen(path)
    inode = os.stat(path).st_ino
    sock.setblocking(False)  # a spare's accept after a client that gave up must not hang
    children = Children(sock, lambda conn: _child(conn, path), MAX_CHILDREN)
    server, stopped = os.getpid(), False
    try:
        warm()
        # What is imported now stays as it is: frozen out of the garbage collector, so a
        # child's collections never walk (and copy, page by page) the parent's objects.
        gc.freeze()
        env.stderr.write(f"probe check: serving checks at {path} (pid {os.getpid()}, "
                         f"wsgi-probe {__version__}); stop with SIGTERM\n")
        env.stderr.flush()
        stop.raising = False
        while not stop.asked:
            children.step(wait=1.0)  # wake up at least each second to reap children
        stopped = True
    except _Stop:
        stopped = True
    finally:
        if os.getpid() != server:  # a child the signal reached before it reset its handlers
            os._exit(0)
        for signum, handler in zip((signal.SIGTERM, signal.SIGINT), previous, strict=True):
            signal.signal(signum, handler)
        children.close()
        sock.close()
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == inode:  # ours still: a new server's is left alone
                os.unlink(path)
    if stopped:
        env.stderr.write(f"probe check: stopped after {children.served} "
                         f"check{'s' if children.served != 1 else ''}\n")
    return int(ExitStatus.SUCCESS)


def main(args: Sequence[str], env: Environment | None = None) -> NoReturn:
    """``probe check --serve SOCKET``: serve until SIGTERM; a usage error is one line, exit 2."""
    env = env or Environment.from_process()
    path, rest = take_option("--serve", args)
    try:
        if not path:
            raise UsageError("--serve needs the path of the socket to create")
        if rest:
            raise UsageError("probe check --serve takes no other option (each check brings "
                             f"its own): {' '.join(rest)}")
        code = serve(path, env)
    except UsageError as exc:
        env.stderr.write(f"probe: {exc}\n")
        code = int(ExitStatus.ERROR)
    sys.exit(code)
