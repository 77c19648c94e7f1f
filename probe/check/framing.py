"""The few bytes between ``probe check --via`` and ``probe check --serve``: netstrings.

A request is the client's version, its working directory, its arguments and its
environment; an answer is the exit status and the plugin's standard output and error, or
"stale" when the server runs another version (the client then checks by itself: a resident
process left running over an upgrade must not answer with old code).

Each item is a netstring (``<length>:<bytes>,``): no item needs escaping, the reader knows
every length before it reads, so a peer cannot make the other side read past the limit,
and the client imports nothing but the socket module (json alone would cost it more than
the rest of its start-up).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the client's start-up)
if TYPE_CHECKING:
    from collections.abc import Callable

MAGIC = b"WSGI-PROBE-CHECK/1\n"
"""First bytes of every request and answer: a wrong peer (another protocol, an old version)
is told apart at once."""

LIMIT = 1 << 20
"""Bytes a request or an answer may take: a manifest path, arguments and an environment fit in
far less; a hostile or broken peer cannot grow the other side's memory without bound."""


class WireError(ValueError):
    """The bytes are not a request or an answer of this protocol."""


def pack(items: list[bytes]) -> bytes:
    return MAGIC + b"".join(b"%d:%s," % (len(item), item) for item in items)


def unpack(data: bytes) -> list[bytes]:
    if not data.startswith(MAGIC):
        raise WireError("not a wsgi-probe check message")
    items: list[bytes] = []
    at = len(MAGIC)
    while at < len(data):
        colon = data.find(b":", at, at + 12)
        if colon < 0 or not data[at:colon].isdigit():
            raise WireError("a length is missing")
        end = colon + 1 + int(data[at:colon])
        if end >= len(data) or data[end:end + 1] != b",":
            raise WireError("an item is cut short")
        items.append(data[colon + 1:end])
        at = end + 1
    return items


STALE = b"stale"


class Request:
    __slots__ = ("args", "cwd", "environ", "version")

    def __init__(self, version: bytes, cwd: bytes, args: list[bytes],
                 environ: dict[bytes, bytes]) -> None:
        self.version = version
        self.cwd = cwd
        self.args = args
        self.environ = environ


def request(version: bytes, cwd: bytes, args: list[bytes], environ: list[bytes]) -> bytes:
    return pack([version, cwd, b"%d" % len(args), *args, *environ])


def read_request(data: bytes) -> Request:
    items = unpack(data)
    if len(items) < 3 or not items[2].isdigit() or len(items) < 3 + int(items[2]):
        raise WireError("the arguments are cut short")
    count = int(items[2])
    environ = dict(item.partition(b"=")[::2] for item in items[3 + count:])
    return Request(items[0], items[1], items[3:3 + count], environ)


def answer(code: int, stdout: str, stderr: str = "") -> bytes:
    return pack([b"%d" % code, stdout.encode("utf-8", "replace"),
                 stderr.encode("utf-8", "replace")])


def stale(version: str) -> bytes:
    return pack([STALE, version.encode("utf-8")])


def read_answer(data: bytes) -> tuple[int, bytes, bytes] | None:
    """(exit status, standard output, standard error); None for "stale"."""
    items = unpack(data)
    if len(items) == 2 and items[0] == STALE:
        return None
    if len(items) != 3 or not items[0].isdigit() or int(items[0]) > 3:
        raise WireError("not a plugin answer")
    return int(items[0]), items[1], items[2]


def receive(read: Callable[[int], bytes], limit: int = LIMIT) -> bytes:
    """Everything a peer sends until it shuts its side (``read``: a socket's ``recv``), at
    most ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = read(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise WireError(f"more than {limit} bytes")
        chunks.append(chunk)
