"""The ``listen`` lines that make a port speak HTTP/2 in clear and nothing else: the
``http2`` parameter without ``ssl``.

Checked with Debian's nginx 1.22.1 (its own ``-p`` prefix, ``listen 127.0.0.1:PORT http2;``):
an HTTP/1.1 request there is answered with HTTP/2 frames (a SETTINGS frame, a WINDOW_UPDATE,
then GOAWAY with PROTOCOL_ERROR: the bytes ``00 00 12 04 ...``), which libcurl reports as
"Received HTTP/0.9 when not allowed", and ``curl --http2-prior-knowledge`` gets HTTP/2 200.
HTTP/1.1 clients, browsers included (they speak HTTP/2 only over TLS), cannot use such a
port; with ``ssl`` the protocol is chosen in the TLS handshake (ALPN) and HTTP/1.1 stays.
The ``http2 on;`` directive of nginx 1.25.1 and later is not this parameter, and what it
does on a port without ``ssl`` was not checked here: it is not reported.

Read from the directive tree (the model keeps no listen parameters but ``ssl`` and
``default_server``); a ``stream`` or ``mail`` server routes no HTTP and is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the text module loads crossplane: a sweep without nginx needs none
    from probe.nginx.text import Directive, NginxText

_NOT_HTTP = ("stream", "mail")


def h2c_listens(text: NginxText) -> list[Directive]:
    """Each ``listen`` of an HTTP server block with ``http2`` and without ``ssl``."""
    return [d for d in _listens(text.directives, ())
            if "http2" in d.args[1:] and "ssl" not in d.args[1:]]


def h2c_listens_at(text: NginxText, host: str, port: int) -> list[Directive]:
    """Those of :func:`h2c_listens` that take a connection to ``host:port``: the address
    written, or the port alone, ``*:PORT`` or ``0.0.0.0:PORT`` (``[::]:PORT`` for IPv6)."""
    host = host.strip("[]").lower()
    wild = ("*", "0.0.0.0", "") if ":" not in host else ("::", "")  # noqa: S104 - compared
    found = []
    for d in h2c_listens(text):
        spec = d.args[0]
        at, _, written_port = spec.rpartition(":") if not spec.isdigit() else ("", "", spec)
        if written_port == str(port) and at.strip("[]").lower() in (host, *wild):
            found.append(d)
    return found


def said(listen: Directive) -> str:
    """The line as written, for a message: ``listen 127.0.0.1:18364 http2;``."""
    return f"listen {' '.join(listen.args)};"


def without_http2(listen: Directive) -> str:
    """The same line serving HTTP/1.1: ``http2`` taken off."""
    return f"listen {' '.join(a for a in listen.args if a != 'http2')};"


def _listens(directives: Sequence[Directive], parents: tuple[str, ...]) -> Iterator[Directive]:
    for d in directives:
        if d.name == "listen" and d.args and parents[-1:] == ("server",) and \
                not any(p in _NOT_HTTP for p in parents):
            yield d
        elif d.block is not None:
            yield from _listens(d.block, (*parents, d.name))
