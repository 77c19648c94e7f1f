"""Regular expression ``server_name``s that match the same host in two server blocks of one
address. nginx tries them in the order of the configuration and the first match wins
("Server names": "the first matching regular expression (in order of appearance in a
configuration file)"), so a later block whose expression also matches is never reached for
that host (tester T34's b-regex: ``~^(?<site>[^.]+)\\.example\\.test$`` before
``~^www\\d*\\.example\\.test$``: www's requests went to unix:/.../www.sock, 502).

* :func:`also_named`: each later block that matches, with where it would pass the URL (its
  own route, for the diagnosis to compare with where the instance meant listens);
* :func:`excluding`: the first expression rewritten so that it leaves the later one's names
  to it, a negative lookahead after its ``^``: ``~^(?!www\\d*\\.example\\.test$)(?<site>...)``
  (PCRE, as nginx compiles it); None where either is not anchored at its start;
* :func:`edit`: that line to write, or moving the later block above the first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from probe.front import AlsoNamed, PredictedRoute
from probe.nginx.model import Server
from probe.nginx.passes import source


def also_named(also: Sequence[tuple[Server, str, str]],
               route_in: Callable[[Server, str], PredictedRoute]) -> tuple[AlsoNamed, ...]:
    """``also`` (:attr:`probe.nginx.select.ServerChoice.also`) with where each block would
    pass the URL, ``route_in(block, its server_name line)``: the route it would take there."""
    found: list[AlsoNamed] = []
    for server, name, where in also:
        route = route_in(server, where)
        step = route.step("upstream")
        found.append(AlsoNamed(server.describe(), name, source(where), route.upstream,
                               step.source if step is not None else None))
    return tuple(found)


def _body(name: str) -> str | None:
    """An expression server_name's pattern after its ``^``; None: not anchored there."""
    pattern = name[1:] if name.startswith("~") else name
    pattern = pattern.strip("\"'")
    return pattern[1:] if pattern.startswith("^") else None


def excluding(first: str, later: str) -> str | None:
    """``first`` (as written, ``~^...``) made to match none of the names ``later`` matches."""
    head, tail = _body(first), _body(later)
    if head is None or tail is None:
        return None
    # without a $ the lookahead excludes every name that starts as ``later``'s do: so does it
    written = f"~^(?!{tail}){head}"
    # nginx reads a server_name with a space, a brace or a semicolon only quoted
    return f'"{written}"' if any(c in written for c in ' {};') else written


def edit(first: str, first_at: str, later: str, later_at: str) -> str:
    """The edit that lets the block of ``later`` (its server_name at ``later_at``) take the
    names it matches from the block of ``first`` (at ``first_at``), as written in nginx."""
    move = (f"move the server block whose server_name is at {later_at} above the one whose "
            f"server_name is at {first_at} (a specific expression first)")
    written = excluding(first, later)
    if written is None:
        return f"{move[:1].upper()}{move[1:]}"
    return (f"At {first_at}, write 'server_name {written};' in place of 'server_name {first};' "
            f"(a negative lookahead: the names server_name {later} at {later_at} matches are "
            f"left to that block), or {move}")
