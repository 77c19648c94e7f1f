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
nginx's redirect to it, no application's answer.
"""

from __future__ import annotations

from dataclasses import replace

from probe.front import Fallback
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


def fallbacks(model: NginxModel, server: Server, loc: Location,
              known: dict[str, str]) -> tuple[Fallback, ...]:
    """The error_page lines that take a request from ``loc``'s hand-over: on its failure,
    and, where errors are intercepted, on the application's own status."""
    line = intercepting(loc.intercepts, _passing(loc))
    pages = intercepted(loc.error_pages) if line is not None else on_failure(loc.error_pages)
    return tuple(_fallback(model, server, page, known, line) for page in pages)


def _fallback(model: NginxModel, server: Server, page: ErrorPage, known: dict[str, str],
              line: Directive | None) -> Fallback:
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
