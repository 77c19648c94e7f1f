"""The answer came from where an ``error_page`` sends a request whose hand-over fails
(:class:`probe.front.Fallback`): nginx got no usable answer from the location's hand-over
(its own 502, 503 or 504) and went on in the fallback location, whose application answered.
The configuration read does send the request there, so no reload is blamed; the line to fix
is the hand-over that failed, not the fallback that answered in its place.

Which failure it was, only nginx's error log line for the request says; it is named as the
check, not guessed.
"""

from __future__ import annotations

from probe.diagnose.fronts import same_listen
from probe.diagnose.nginx_fixes import Words
from probe.diagnose.pass_target import OwnAnswer
from probe.front import Fallback, PredictedRoute, RouteStep


def _at(addresses: str | None, listen: str) -> bool:
    return any(same_listen(listen, a.strip()) for a in (addresses or "").split(",") if a)


def fallback_answered(route: PredictedRoute, upstream: RouteStep | None, expected: str,
                      who: str, at: str | None,
                      own: OwnAnswer | None) -> tuple[Words, Fallback] | None:
    """The words when the answering address is a fallback's, not the hand-over's."""
    fell = next((f for f in route.fallbacks if at and _at(f.upstream, at)), None)
    if fell is None or not at or _at(route.upstream, at):
        return None
    where = upstream.source if upstream is not None else fell.source
    why = (f" The answering server.listen {at} is where {fell.page} at {fell.source} sends "
           f"the request: {fell.location} ({fell.location_source}) passes to {fell.upstream}. "
           f"nginx goes there only when the hand-over at {where} ({route.upstream}) fails "
           f"with one of those codes, so it did not answer this request: nginx's error log "
           f"line for it says why ('connect() failed' when nothing listens, 'upstream timed "
           f"out', 'no live upstreams').")
    if own is not None and _at(route.upstream, own.listen):
        fix = (f"{expected} answers on {route.upstream} for other requests (its own URL "
               f"{own.url}): read nginx's error log line for this request (a timeout, "
               f"max_fails) for why it did not get it. {fell.location} at "
               f"{fell.location_source} answered in its place; leave it, or make it pass to "
               f"{expected}'s address, not {who}'s.")
    else:
        seen = (f" ({expected} answers its own URL {own.url} on server.listen "
                f"{own.listen!r})" if own is not None else "")
        fix = (f"Make the hand-over at {where} answer: start {expected}'s application server "
               f"on {route.upstream}, or correct that address to where {expected} "
               f"listens{seen}; nginx's error log line for this request ('connect() failed "
               f"(111: Connection refused)', or '(2: No such file or directory)' for a socket) "
               f"says which. {fell.location} ({fell.location_source}, {who}'s address) "
               f"answered only because the hand-over failed: changing it does not bring "
               f"{expected} back.")
    return Words(why, fix), fell


def fallback_unknown(route: PredictedRoute, upstream: RouteStep, expected: str,
                     at: str | None) -> Words | None:
    """No server.listen in the answer, and an error_page fallback beside the hand-over:
    which of the two answered is not known here, and the access log tells."""
    if at or not route.fallbacks:
        return None
    pages = "; ".join(f"{f.page} at {f.source} to {f.location} ({f.location_source}), which "
                      f"passes to {f.upstream or 'an address not decided here'}"
                      for f in route.fallbacks)
    return Words(f" The answer carries no server.listen (null), so whether the hand-over at "
                 f"{upstream.source} ({route.upstream}) answered, or a fallback after it "
                 f"failed, is not known: {pages}.",
                 f"Find where this request went: nginx's access log line for it with "
                 f"$upstream_addr and $upstream_status (two addresses, the first with 502, "
                 f"504 or 503, when the fallback took it). If the hand-over answered, give "
                 f"{upstream.source} {expected}'s address; if the fallback did, make the "
                 f"hand-over at {upstream.source} answer (nginx's error log line for the "
                 f"request says why it failed).")
