"""The words of :mod:`.proxy_chain`: what the X-Forwarded-Host values show of a chain of
proxies, what the outer front's configuration shows of its hop, and the fix at the inner one
(its ``ProxyPreserveHost`` line where Apache's configuration is the one given)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from probe.front import PredictedRoute, RouteStep
from probe.safe_text import quoted


@dataclass(frozen=True)
class Hop:
    """The inner proxy's lines in the Apache configuration given: its VirtualHost, the
    ``ProxyPass`` that passes the URL to the address the application got as Host, and the
    ``ProxyPreserveHost`` in force there (None: none written, so Off)."""

    site: str
    rule: str
    rule_at: str
    setting: str | None
    setting_at: str
    key: tuple[str, int]  # the ProxyPass line, as lint's findings are keyed


def _nth(n: int) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(n, f"{n}th")


def chain_said(values: tuple[str, ...], kept: int, received: str, wanted: str,
               setter: tuple[str, str] | None = None) -> str:
    """What ``values`` (request.forwarded_host's) show: how many proxies passed the request
    on, and after which one the Host stopped being the URL's (``kept``: the last value
    naming it, 1-based). ``setter``: nginx's X-Forwarded-Host line (value, file:line) where
    the configuration given has one: nginx sets the header, it does not append."""
    n = len(values)
    which = ("every value is the URL's name: each of them received it" if kept == n else
             f"the {_nth(kept)} value is the URL's name and the {_nth(kept + 1)} "
             f"{quoted(values[kept])}")
    after = "the last of them (the inner one)" if kept == n else f"the {_nth(kept)} proxy"
    later = "the second was" if n == 2 else "the others were"
    how = (f"nginx set the first ('proxy_set_header X-Forwarded-Host {setter[0]};', "
           f"{setter[1]}; it sets the header, it does not append), and {later} appended by a "
           f"later proxy" if setter is not None else
           f"the first value is the first proxy's, and {later} appended by a later proxy")
    return (f" X-Forwarded-Host holds {n} values (request.forwarded_host "
            f"{quoted(', '.join(values))}): {n} proxies passed the request on; {how}; {which}, "
            f"and the application got {quoted(received)}. So the first kept the client's Host "
            f"{wanted!r}, and {after} passed the request on with a Host of its own.")


def nginx_said(route: PredictedRoute, host: RouteStep, received: str) -> str:
    """The outer nginx's hop as its configuration gives it: its Host line already sends the
    URL's name, and the address it passes to (the next hop)."""
    upstream = route.step("upstream")
    to = (f"; it passes the request to {upstream.decision} ({upstream.rule}, "
          f"{upstream.source}), not to the {quoted(received)} the application got as Host: "
          f"the server at {upstream.decision} passed it on with that Host"
          if upstream is not None else "")
    return (f" The configuration given passes the URL's Host: {host.rule} ({host.source}) "
            f"sends {host.decision!r}, so nginx's Host line is not the cause{to}.")


def apache_hop(hop: Hop, findings: Mapping[tuple[str, int], tuple[str, str]]) -> str:
    """The inner Apache's lines that send the backend's address as Host, and lint's word."""
    setting = (f"{hop.setting} at {hop.setting_at} is the ProxyPreserveHost in force there"
               if hop.setting is not None else
               "no ProxyPreserveHost is written for it (Off, mod_proxy's default)")
    code, _ = findings.get(hop.key, ("", ""))
    lint = f" probe lint reports {code} at {hop.rule_at}." if code == "proxy_host" else ""
    return (f" The configuration given is that proxy's: {hop.site} passes the URL with "
            f"'{hop.rule}' ({hop.rule_at}), and {setting}: mod_proxy sends the target's "
            f"host:port as Host, not the client's.{lint}")


def inner_fix(outer: PredictedRoute | None, received: str, hop: Hop | None) -> str:
    """The fix at the inner proxy: its line where the configuration given is Apache's,
    else both fronts' remedies for the proxy that passes to ``received``."""
    leave = ""
    if outer is not None:
        host, upstream = outer.step("host"), outer.step("upstream")
        at = f" ({upstream.rule}, {upstream.source})" if upstream is not None else ""
        leave = (f"Leave nginx's lines as they are: {host.rule} ({host.source}) passes the "
                 f"URL's Host already. The fix is at the server it passes to,"
                 f"{' ' + upstream.decision if upstream is not None else ''}{at}: "
                 if host is not None else "")
    if hop is not None:
        if hop.setting is not None:
            return (f"{leave}At {hop.setting_at}, write 'ProxyPreserveHost On' (it says "
                    f"'{hop.setting}'): mod_proxy then passes the client's Host to the "
                    f"backend of {hop.rule_at}.")
        return (f"{leave}In {hop.site}, add 'ProxyPreserveHost On' beside the ProxyPass at "
                f"{hop.rule_at}: mod_proxy then passes the client's Host to its backend.")
    start = leave or "At the inner proxy (the one after the first), "
    return (f"{start}pass the client's Host on where it passes the request to "
            f"{quoted(received)} (the Host the application got is that target's address, "
            f"what each sends without it): Apache's mod_proxy: 'ProxyPreserveHost On' in the "
            f"VirtualHost whose ProxyPass passes there; nginx: 'proxy_set_header Host $host;' in "
            f"the location whose proxy_pass passes there. probe sweep --config with that "
            f"proxy's configuration names the line.")
