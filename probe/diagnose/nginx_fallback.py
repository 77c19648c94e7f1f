"""The answer came from where an ``error_page`` sends a request whose hand-over fails
(:class:`probe.front.Fallback`): nginx got no usable answer from the location's hand-over
(its own 502, 503 or 504) and went on in the fallback location, whose application answered.
The configuration read does send the request there, so no reload is blamed; the line to fix
is the hand-over that failed, not the fallback that answered in its place. A fallback that is
a URI is said with the location the URI matched and that location's hand-over.

Behind ``proxy_intercept_errors on`` (or ``uwsgi_``...), the application's own answer with a
code the ``error_page`` lists goes there too: then an error status through nginx is said as
that ``error_page``'s, with both lines (:func:`intercepted_words`); without it, an
application's own status is its own, and no ``error_page`` is named for it.

Which failure it was, only nginx's error log line for the request says, and whether the
application answered first, its access log line (``$upstream_status``); they are named as
the check, not guessed.
"""

from __future__ import annotations

from probe.diagnose.fronts import same_listen
from probe.diagnose.nginx_fixes import Words
from probe.diagnose.nginx_own_404 import SOCKET_DENIED
from probe.diagnose.pass_target import OwnAnswer
from probe.front import Fallback, PredictedRoute, RouteStep
from probe.model import Evidence, EvidenceKind


def reached(fell: Fallback) -> str:
    """Where the fallback takes the request, with the lines that decide it: the location's
    own rewrite / try_files lines too, where the route followed them (``via``)."""
    if fell.location.startswith("a target not followed"):
        return fell.location  # an error_page inside an if: nothing claimed
    through = f"; there {fell.via}, and the request" if fell.via else ""
    if fell.uri is None:
        return (f"{fell.location} ({fell.location_source}){' takes it' if through else ''}"
                f"{through} passes to {fell.upstream or 'an address not decided here'}")
    # the location a URI matched is not on the error_page line: its hand-over line is named
    passes = (f"passes to {fell.upstream or 'an address not decided here'}"
              + (f" ({fell.handover})" if fell.handover else "")
              if fell.upstream or fell.handover else "passes to no application (nginx serves "
              "a file there)")
    return (f"an internal redirect to {fell.uri} (as a GET), which {fell.location} "
            f"({fell.location_source}) takes{through or ' and'} {passes}")


def _also(fell: Fallback) -> str:
    """The intercept line that sends the application's own answers to the fallback too."""
    if fell.intercept is None:
        return ""
    return (f", or when the application there answers one of them itself ({fell.intercept} "
            f"at {fell.intercept_source})")


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
           f"the request: {reached(fell)}. nginx goes there only when the hand-over at "
           f"{where} ({route.upstream}) fails with one of those codes{_also(fell)}, so it did "
           f"not give this answer: " + (
               "nginx's error log line for it says why ('connect() failed' when nothing "
               "listens, 'upstream timed out', 'no live upstreams')." if fell.intercept is None
               else "nginx's access log line for it says which ($upstream_status: the "
                    "hand-over's status first, '404 : 200' when the application's own 404 "
                    "was handed on, '502 : 200' when the hand-over failed, whose reason the "
                    "error log line gives)."))
    if own is not None and _at(route.upstream, own.listen) and fell.intercept is not None:
        fix = (f"{expected} answers on {route.upstream} for other requests (its own URL "
               f"{own.url}): read nginx's access log line for this request; if "
               f"$upstream_status shows {expected}'s own error status, that answer is what "
               f"{fell.intercept} at {fell.intercept_source} handed to {fell.page} at "
               f"{fell.source}: fix it in {expected} (its log has the request), or take that "
               f"code out of the error_page line to let {expected}'s own answer through. "
               f"{fell.location} ({fell.location_source}, {who}'s address) answered in its "
               f"place.")
    elif own is not None and _at(route.upstream, own.listen):
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
               f"(111: Connection refused)', or '(2: No such file or directory)' for a socket"
               + (f"; {SOCKET_DENIED}" if (route.upstream or "").startswith("unix:") else "")
               + f") says which. {fell.location} ({fell.location_source}, {who}'s address) "
               f"answered only because the hand-over failed: changing it does not bring "
               f"{expected} back.")
    return Words(why, fix), fell


def _may_answer(fell: Fallback) -> bool:
    """Whether an application may have answered there: not nginx's redirect, nor a location
    a URI reached that serves a file or returns."""
    if fell.location.startswith("nginx's "):
        return False
    if fell.uri is None:
        return True  # a named location (one passing nowhere was said so before), a variable
    return fell.upstream is not None or (fell.handover is not None
                                         and not fell.handover.startswith("return "))


def fallback_unknown(route: PredictedRoute, upstream: RouteStep, expected: str,
                     at: str | None) -> Words | None:
    """No server.listen in the answer, and an error_page fallback beside the hand-over:
    which of the two answered is not known here, and the access log tells."""
    fallbacks = [f for f in route.fallbacks if _may_answer(f)]
    if at or not fallbacks:
        return None
    pages = "; ".join(f"{f.page} at {f.source} to {reached(f)}" for f in fallbacks)
    caught = next((f for f in fallbacks if f.intercept is not None), None)
    also = (f" With {caught.intercept} at {caught.intercept_source}, the application's own "
            f"answer with one of those codes goes there too." if caught is not None else "")
    first = ("the first with the hand-over's status: 502, 504 or 503 when it failed, the "
             "application's own error status when it was handed on" if caught is not None
             else "the first with 502, 504 or 503")
    return Words(f" The answer carries no server.listen (null), so whether the hand-over at "
                 f"{upstream.source} ({route.upstream}) answered, or a fallback after it "
                 f"failed, is not known: {pages}.{also}",
                 f"Find where this request went: nginx's access log line for it with "
                 f"$upstream_addr and $upstream_status (two addresses, {first}, when the "
                 f"fallback took it). If the hand-over answered, give "
                 f"{upstream.source} {expected}'s address; if the fallback did, make the "
                 f"hand-over at {upstream.source} answer (nginx's error log line for the "
                 f"request says why it failed).")


def _caught(route: PredictedRoute | None, status: int | None) -> Fallback | None:
    """The intercepting error_page whose answer the client got for ``status``: the code
    listed (its own code, or the target's), or the code it answers with (``=200``)."""
    return next((f for f in (route.fallbacks if route is not None else ())
                 if f.intercept is not None and status is not None
                 and (f.status == str(status) or (status in f.codes and f.status in (
                     "the error's own code", "the status the target answers")))), None)


def intercepted_words(route: PredictedRoute | None, status: int | None) -> str:
    """An error status through nginx that an intercepting error_page gives: the
    application's own answer was replaced by that error_page's (nginx's own errors go
    there too); "" where no hand-over intercepts errors, as nginx does by default."""
    fell = _caught(route, status)
    if fell is None or status is None:
        return ""
    codes = "/".join(str(c) for c in fell.codes if c >= 300)
    own = str(status) if status in fell.codes else codes
    shown = f"status {status}" if status in fell.codes else f"{status} in place of {codes}"
    return (f" {fell.intercept} at {fell.intercept_source} is in force with {fell.page} at "
            f"{fell.source}: nginx does not pass on an application's own {codes}, it sends "
            f"the request to {reached(fell)}, whose answer the client gets ({shown}); so the "
            f"page shown is not the application's. nginx's access log line for the request "
            f"($upstream_status, the hand-over's status first) tells whether the application "
            f"answered {own} itself or nginx's hand-over failed.")


def intercepted_evidence(route: PredictedRoute | None,
                         status: int | None) -> tuple[Evidence, ...]:
    """The two lines :func:`intercepted_words` names, as configured evidence."""
    fell = _caught(route, status)
    if fell is None:
        return ()
    return (Evidence(EvidenceKind.CONFIGURED, fell.page, str(fell.source)),
            Evidence(EvidenceKind.CONFIGURED, fell.intercept or "",
                     str(fell.intercept_source)))


def intercepted(route: PredictedRoute | None,
                status: int | None) -> tuple[str, tuple[Evidence, ...]]:
    """:func:`intercepted_words` and :func:`intercepted_evidence` at once."""
    return intercepted_words(route, status), intercepted_evidence(route, status)
