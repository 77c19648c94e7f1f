"""What a ``proxy_pass`` line keeps when a fix changes only its address.

A ``wrong_upstream`` fix repoints the line that passes the URL elsewhere; everything on it
but the address is the location's own choice and stays: the scheme, and the URI part, which
nginx puts in place of the matched location prefix (``location /app2/ { proxy_pass
http://127.0.0.1:8002/; }`` sends ``/app2/x`` as ``/x``). A re-tester's swapped ports (T28
m4) were told "pass to 'proxy_pass http://127.0.0.1:38102;'" for the line
``proxy_pass http://127.0.0.1:38101/;``: applied, the prefix reached the application and
every real page 404'd; with the ``/`` kept every URL was ok.

Variables after the address (``http://127.0.0.1:8001$request_uri``) are kept as written too.
An address made of variables is not a line to rewrite here (its ``set`` or ``map`` decides
it), so nothing is said of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # an ok answer's diagnosis never loads the front model (tests/test_startup)
    from probe.front import RouteStep

UNREAD_NOTE = ("; on that line change only the address and keep what follows it (its URI "
               "part, such as the '/' of 'proxy_pass http://127.0.0.1:8001/;', which nginx "
               "puts in place of the location's prefix)")
"""Said where the line is not read (no --config): its URI part is not known."""


@dataclass(frozen=True)
class Kept:
    """The parts of a read ``proxy_pass`` line that a new address leaves as they are."""

    scheme: str  # "http", "https"
    tail: str  # the URI part or variables after the address, "" where there are none
    where: str  # the line's file:line

    def line(self, address: str) -> str:
        """``proxy_pass`` to ``address`` (host:port, an upstream name or ``unix:/path``)."""
        joined = f"{address}:" if address.startswith("unix:") else address
        return f"proxy_pass {self.scheme}://{joined}{self.tail};"

    def said(self) -> str:
        """Why the line keeps more than the address; "" where it keeps nothing to note."""
        if not self.tail and self.scheme == "http":
            return ""
        parts = [f"the line's URI part {self.tail!r}" if self.tail.startswith("/") else
                 f"{self.tail!r} after the address" if self.tail else "",
                 f"its scheme {self.scheme}" if self.scheme != "http" else ""]
        kept = " and ".join(p for p in parts if p)
        why = (": nginx puts it in place of the location's prefix"
               if self.tail.startswith("/") else "")
        return f"; {kept} kept{why}; only the address changes"


def split_written(url: str) -> tuple[str, str, str] | None:
    """(scheme, address, tail) of a proxy_pass URL as written; None where the address is
    made of variables or the URL has no scheme."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.isalpha():
        return None
    if rest.startswith("unix:"):
        path, colon, tail = rest[len("unix:"):].partition(":")
        return (scheme, f"unix:{path}", tail) if colon and "$" not in path else None
    cut = min((i for i in (rest.find("/"), rest.find("$")) if i >= 0), default=len(rest))
    address, tail = rest[:cut], rest[cut:]
    return (scheme, address, tail) if address else None


def kept_by(upstream: RouteStep | None) -> Kept | None:
    """What the hand-over ``upstream`` keeps beside its address; None where it is not a
    ``proxy_pass`` read with an address of its own."""
    words = upstream.rule.split() if upstream is not None else []
    if upstream is None or upstream.source is None or len(words) < 2 \
            or words[0] != "proxy_pass":
        return None
    parts = split_written(words[1].rstrip(";"))
    if parts is None:
        return None
    scheme, _, tail = parts
    return Kept(scheme, tail, str(upstream.source))
