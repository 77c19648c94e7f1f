"""The ``host`` step of a route (:mod:`probe.nginx.route`): the Host header nginx sends
upstream, from the ``proxy_set_header`` in force at the location (after nginx's
inheritance, :class:`probe.nginx.model.HeaderSet`), its variables resolved from the request,
the ``map`` blocks and the ``set`` lines read (:mod:`probe.nginx.flow`); and the ``prefix``
step, the X-Forwarded-Prefix sent, from the same lines."""

from __future__ import annotations

from probe.front import RouteStep
from probe.nginx.flow import Vars, names
from probe.nginx.model import Location, ProxyPass
from probe.nginx.passes import source
from probe.nginx.variables import Map, resolve


def proxy_host(proxy: ProxyPass) -> str:
    """nginx's ``$proxy_host``, the Host it sends by default: the proxy_pass host and port,
    the scheme's own port left off, and ``localhost`` for a ``unix:`` socket (nginx names
    no host there; checked against nginx 1.22, which sends ``Host: localhost``)."""
    if proxy.target.startswith("unix:"):
        return "localhost"
    return proxy.target.removesuffix(":443" if proxy.scheme == "https" else ":80")


def host_sent(value: str, proxy: ProxyPass, maps: dict[str, Map], vars_: Vars) -> str | None:
    """``proxy_set_header Host VALUE`` as sent for this request; None: not decided here."""
    if any(n in vars_.unknown for n in names(value)):
        return None
    known = {**vars_.known, "$proxy_host": proxy_host(proxy)}
    sent = resolve(value, maps, known).value
    return None if sent is None or "$" in sent else sent


def _unix(proxy: ProxyPass) -> str:
    return " ('localhost' for a unix: socket)" if proxy.target.startswith("unix:") else ""


def host_step(loc: Location, proxy: ProxyPass, maps: dict[str, Map],
              vars_: Vars) -> tuple[RouteStep, str | None]:
    """The step, and the Host sent when the lines read decide it."""
    header = loc.header_set.named("host")
    unread = loc.header_set.unread
    # proxy_set_header at any level leaves nginx's own default for Host in place
    sent = host_sent(header.value if header else "$proxy_host", proxy, maps, vars_)
    decided, where = sent or "(decided at request time)", header.where if header else None
    if header and header.where:
        rule = f"proxy_set_header Host {header.value}"
        why = [vars_.unknown[n] for n in names(header.value) if n in vars_.unknown]
        given = [vars_.by_set[n] for n in names(header.value) if n in vars_.by_set]
        rule += f" ({'; '.join(why or given)})" if why or given else ""
    elif unread is not None:
        sent, decided, where = None, "(not known)", unread.where
        rule = (f"include {' '.join(unread.args)} at {unread.where} was not read: the "
                f"proxy_set_header in force here are not known")
    elif loc.header_set.dropped_host is not None:
        # The outer line is what the operator believes in force: name it and the lines
        # in force here, which replaced it (the innermost level with lines of its own:
        # a Host added at an outer level would be dropped again).
        outer, _ = loc.header_set.dropped_host
        first = next((h.where for h in loc.headers if h.where), None)
        where = first or loc.header_set.source
        rule = (f"the proxy_set_header lines at {where} (of the block at "
                f"{loc.header_set.source}) replace every inherited one, proxy_set_header "
                f"Host {outer.value} at {outer.where} among them: nginx sends Host "
                f"$proxy_host{_unix(proxy)}")
    else:
        # the location and its proxy_pass are where a Host line belongs: named with lines
        first = next((h.where for h in loc.headers if h.where), None)
        inherited = (f"; the proxy_set_header lines in force are at {first}, which a line "
                     f"of the location's own would replace"
                     if first and loc.header_set.source != loc.where else "")
        rule = (f"{loc.describe()} at {loc.where} passes with proxy_pass {proxy.url} at "
                f"{proxy.where} and no proxy_set_header Host in force{inherited}: nginx "
                f"sends Host $proxy_host{_unix(proxy)}")
        where = loc.where
    return RouteStep("host", decided, rule, source(where)), sent


def prefix_step(loc: Location) -> RouteStep | None:
    """The ``prefix`` step: a ``proxy_set_header X-Forwarded-Prefix`` in force at the
    location, with its line (a mount fix names it rather than asking to add it again);
    None where there is none or the lines in force are not known."""
    header = loc.header_set.named("x-forwarded-prefix")
    if header is None or not header.where or loc.header_set.unread is not None:
        return None
    return RouteStep("prefix", header.value, f"proxy_set_header X-Forwarded-Prefix "
                     f"{header.value}", source(header.where))
