"""Where the ``error_page`` lines in force at a location that passes send a request whose
answer is not the one nginx passes on (:class:`probe.front.Fallback`), for the route
(:mod:`probe.nginx.route`):

* nginx's own errors, when the hand-over fails (502 nothing listens, 504 too slow, 503 no
  live member; :data:`probe.nginx.error_pages.GATEWAY`), always;
* the application's own answer of 300 or more, only behind ``proxy_intercept_errors on``
  (``uwsgi_``, ``fastcgi_``, ``scgi_``, ``grpc_`` for their passes), for the codes an
  ``error_page`` lists; without it the application's status reaches the client as sent.

A named target goes on in ``location @name``; a URI target is an internal redirect (the
method becomes GET): the locations are searched again with it, and the location it matches
and that location's hand-over are where the answer then comes from; a URL target is
nginx's redirect to it, no application's answer. Where the location reached has rewrite
lines or a ``try_files`` of its own, the route walks it as any other (:data:`Walk`, from
:mod:`probe.nginx.route`), and the location that passes is the one named.

An ``error_page`` inside an ``if`` of the location is not modelled: it is listed as not
followed, with its line, and nothing is said of where it sends a request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from probe.front import Fallback, PredictedRoute
from probe.nginx.error_pages import ErrorPage, intercepted, intercepting, on_failure
from probe.nginx.model import Location, NginxModel, Server
from probe.nginx.passes import pass_of, source
from probe.nginx.select import choose_location
from probe.nginx.text import Directive
from probe.nginx.variables import resolve


def _passing(loc: Location) -> str | None:
    if loc.proxy_pass is not None:
        return "proxy_pass"
    return loc.other_pass.name if loc.other_pass is not None else None


@dataclass(frozen=True)
class Followed:
    """A fallback's location walked as the route walks any: its steps, and the location
    whose hand-over the request took (None: none passes)."""

    route: PredictedRoute
    passing: Location | None


Walk = Callable[[Location, str, str], Followed]  # (location, its $uri, the error_page line)


def fallbacks(model: NginxModel, server: Server, loc: Location, known: dict[str, str],
              walk: Walk | None = None) -> tuple[Fallback, ...]:
    """The error_page lines that take a request from ``loc``'s hand-over: on its failure,
    and, where errors are intercepted, on the application's own status; then those inside
    an ``if``, said not followed."""
    line = intercepting(loc.intercepts, _passing(loc))
    pages = intercepted(loc.error_pages) if line is not None else on_failure(loc.error_pages)
    return (tuple(_fallback(model, server, page, known, line, walk) for page in pages)
            + _in_ifs(loc))


def _in_ifs(loc: Location) -> tuple[Fallback, ...]:
    found = []
    for block in (d for d in loc.phase.ops if d.name == "if"):
        for d in block.children("error_page"):
            codes = tuple(int(a) for a in d.args[:-1] if a.isdigit())
            found.append(Fallback(
                f"error_page {' '.join(d.args)}", source(d.where),
                f"a target not followed (it is inside the if at {block.where}, whose "
                f"error_page lines the route does not model: where it sends a request is "
                f"not said here)",
                source(block.where), None, status="not known", codes=codes))
    return tuple(found)


def _walked(base: Fallback, found: Location, uri: str, walk: Walk | None) -> Fallback | None:
    """``base`` with ``found`` walked through its own rewrite / try_files lines; None where
    it has none (its own hand-over is the answer's)."""
    if walk is None or (not found.phase.ops and found.phase.try_files is None):
        return None
    followed = walk(found, uri, base.page)
    route = followed.route
    later = [s for s in route.steps if s.stage == "mapping"][1:]
    via = "; ".join(f"{s.rule} ({s.decision}, {s.source})" for s in later)
    if route.undecided is not None:
        via = f"{via}; {route.undecided}" if via else route.undecided
    ended = next((s for s in reversed(later) if s.decision.startswith("return")), None)
    handover = (_handover(followed.passing) if followed.passing is not None
                else f"{ended.decision} at {ended.source}" if ended is not None else None)
    return replace(base, location=found.describe(), location_source=source(found.where),
                   upstream=route.upstream if route.undecided is None else None,
                   handover=handover, via=via or None)


def _fallback(model: NginxModel, server: Server, page: ErrorPage, known: dict[str, str],
              line: Directive | None, walk: Walk | None = None) -> Fallback:
    base = Fallback(page.written(), source(page.where), page.target, None, None,
                    status=page.status(page.codes[0]) if page.answer or page.redirect
                    else "the error's own code", codes=page.codes,
                    intercept=f"{line.name} {line.args[0]}" if line is not None else None,
                    intercept_source=source(line.where) if line is not None else None)
    if page.redirect:
        return replace(base, location=f"nginx's {base.status}")
    if page.target.startswith("@"):
        named = server.named(page.target)
        if named is None:
            return base
        walked = _walked(base, named, known.get("$uri", ""), walk)
        if walked is not None:
            return walked
        handed = pass_of(model, named, known)
        return replace(base, location=named.describe(), location_source=source(named.where),
                       upstream=handed.upstream if handed is not None else None,
                       handover=_handover(named))
    resolved = resolve(page.target, model.maps, known)
    if resolved.value is None:
        return replace(base, location=f"{page.target} (decided at request time: "
                                      f"{resolved.said})", location_source=base.source)
    uri = resolved.value.partition("?")[0]
    choice = choose_location(server, uri)
    found = choice.location
    if found is None or choice.redirect is not None:
        return replace(base, location=f"no location ({choice.rule})" if found is None
                       else f"301 to {choice.redirect}", location_source=source(server.where),
                       uri=uri)
    walked = _walked(replace(base, uri=uri), found, uri, walk)
    if walked is not None:
        return walked
    handed = pass_of(model, found, {**known, "$uri": uri})
    return replace(base, location=found.describe(), location_source=source(found.where),
                   upstream=handed.upstream if handed is not None else None,
                   handover=_handover(found), uri=uri)


def _handover(loc: Location | None) -> str | None:
    """The location's hand-over as written, with its line; None where it passes nowhere."""
    if loc is None:
        return None
    if loc.proxy_pass is not None:
        return f"proxy_pass {loc.proxy_pass.url} at {loc.proxy_pass.where}"
    if loc.other_pass is not None and loc.other_pass.args:
        return f"{loc.other_pass.name} {loc.other_pass.args[0]} at {loc.other_pass.where}"
    if loc.returns is not None:
        return f"return {loc.returns.code} at {loc.returns.where}"
    return None
