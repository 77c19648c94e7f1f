"""An X-Forwarded-Host of several comma-separated values (``request.forwarded_host``, observed)
at an application that received the URL's own name as Host: what Django makes of it, and the
proxy that appended a value.

Re-tester R32's chain (nginx -> Apache mod_proxy -> mod_wsgi, ``ProxyPreserveHost On``): the
application got Host ``site1.example.com`` and X-Forwarded-Host ``site1.example.com,
site1.example.com``. nginx set the header (``proxy_set_header X-Forwarded-Host $host``) and
Apache's mod_proxy appended the Host it received (it adds X-Forwarded-Host, -For and -Server
unless ``ProxyAddHeaders Off``). The finding said Django would use that value and accept it
(``request.host_allowed`` true) and told nginx to write the line it already has.

* Django 5.2's ``HttpRequest._get_raw_host`` (django/http/request.py) takes the whole header
  with ``USE_X_FORWARDED_HOST = True``, not one of its values; ``split_domain_port`` finds no
  host in ``a, b`` (``host_validation_re``), so ``get_host()`` raises ``DisallowedHost``
  whatever ``ALLOWED_HOSTS`` holds, ``'*'`` included (R32 saw it). The endpoint's
  ``request.host_allowed`` now takes the whole header as Django does (contrib/wsgi_endpoint.py);
  an older endpoint checked the list's last value only, so a true may come from either;
* the fix is at the proxy that appended, never the line that set the first value: with
  Apache's configuration given, the VirtualHost that takes the URL's name on one of its Listens
  and passes the path with ``ProxyPass`` while no ``ProxyAddHeaders Off`` is in force there
  (configured); with nginx's, its X-Forwarded-Host line already sending ``$host`` is said not
  to be the cause, with the address it passes to; else "a later proxy appended", with what
  stops mod_proxy's appending as a condition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.diagnose.host_words import host_name
from probe.safe_text import quoted

if TYPE_CHECKING:
    from probe.apache.config import Directive
    from probe.apache.model import Server
    from probe.front import FrontConfig, PredictedRoute

OFF = "ProxyAddHeaders Off"
UNSET = "RequestHeader unset X-Forwarded-Host"
LATER = ("Keep one value: a proxy after the one that set X-Forwarded-Host appended the Host it "
         f"received to it. Where that proxy is Apache's mod_proxy (it appends unless told not "
         f"to), write '{OFF}' in the VirtualHost whose ProxyPass passes the URL on (it then "
         f"adds no X-Forwarded-* header and passes on those it received), or '{UNSET}' there "
         f"(mod_headers; mod_proxy then sends its own value alone); probe sweep --config "
         f"with that proxy's configuration names the line.")


@dataclass(frozen=True)
class Appender:
    """The Apache VirtualHost that appends to X-Forwarded-Host as it passes the URL on."""

    site: str
    rule: str
    rule_at: str
    written: str | None  # 'ProxyAddHeaders On' at its line, else None (mod_proxy's default)
    written_at: str


def values(forwarded: str) -> tuple[str, ...]:
    """``request.forwarded_host``'s comma-separated values, the first proxy's first."""
    return tuple(v.strip() for v in forwarded.split(",") if v.strip())


def listed_words(forwarded: str, hosts: list[str]) -> str:
    """The list as received: how many values, and whether each is the URL's name (the Host
    the application received, ``hosts``)."""
    got = values(forwarded)
    same = {host_name(v) for v in got} <= {host_name(h) for h in hosts}
    each = "each the URL's name" if same else f"the first {quoted(got[0])}"
    later = "a later one" if len(got) == 2 else "later ones"
    return (f"{quoted(forwarded)} (request.forwarded_host), {len(got)} values, {each}: one "
            f"proxy set it and {later} appended the Host received")


def django_words(forwarded: str, version: str | None) -> str:
    """What Django's get_host() makes of a list with USE_X_FORWARDED_HOST = True."""
    seen = (f" (these answers report Django {version}, python.django_version)"
            if version and version.startswith("5.2") else
            f" (these answers report Django {version}, python.django_version: its own "
            f"django/http/request.py decides)" if version else "")
    return (f"with it Django 5.2's get_host(){seen} takes the whole header, not one of its "
            f"values, and {quoted(forwarded)} is no host name to its check "
            f"(split_domain_port finds none in it): it raises DisallowedHost, and every real "
            f"page answers 400 Bad Request whatever ALLOWED_HOSTS holds, '*' included")


def apache_appender(front: FrontConfig, url: str) -> Appender | None:
    """The VirtualHost of the Apache configuration given that takes ``url``'s name on one of
    its Listens and passes its path with ``ProxyPass`` while ``ProxyAddHeaders`` is not Off
    there; None where none does (or the file is not Apache's)."""
    from probe.apache.proxy import taken_by
    from probe.apache.route import ApacheRoutes
    from probe.apache.vhost_select import select_vhost

    if not isinstance(front, ApacheRoutes):
        return None
    site = front.site
    parts = urlsplit(url)
    wanted, path = (parts.hostname or "").lower(), parts.path or "/"
    for listen in site.listens:
        server = select_vhost(site, wanted, listen.host, listen.port).server
        rule = taken_by(site, server, path)
        if rule is None:
            continue
        setting = _add_headers(front, server, path)
        if setting is not None and setting.arg(0).lower() == "off":
            continue  # written Off: this hop adds nothing
        return Appender(server.describe(), rule.written(), rule.where,
                        None if setting is None else f"ProxyAddHeaders {setting.arg(0)}",
                        "" if setting is None else setting.where)
    return None


def _add_headers(front: FrontConfig, server: Server, path: str) -> Directive | None:
    """The ``ProxyAddHeaders`` in force for ``path``: the last of the server's own (the
    VirtualHost's, else the main server's) and of the ``<Location>`` sections matching the
    path, the main server's first (httpd's merge order; a per-directory setting)."""
    from probe.apache.proxy_rule import location_matches
    from probe.apache.route import ApacheRoutes

    assert isinstance(front, ApacheRoutes)
    main = tuple(d for d in front.site.config.directives if d.key != "virtualhost")
    scopes = [main] if server.is_main else [main, server.directives]
    found = None
    for scope in reversed(scopes):
        found = next((d for d in reversed(scope) if d.key == "proxyaddheaders" and d.args),
                     None)
        if found is not None:
            break
    for scope in scopes:
        for section in scope:
            if section.key in ("location", "locationmatch") and section.args and \
                    location_matches(section, path):
                inner = [d for d in section.body() if d.key == "proxyaddheaders" and d.args]
                found = inner[-1] if inner else found
    return found


def appender_fix(hop: Appender) -> str:
    """The fix at the hop that appends, at its lines."""
    state = (f"'{hop.written}' at {hop.written_at}" if hop.written is not None else
             "no ProxyAddHeaders is written for it (On, mod_proxy's default)")
    return (f"In {hop.site}, mod_proxy appends the Host it received to X-Forwarded-Host as it "
            f"passes the URL on with '{hop.rule}' ({hop.rule_at}): {state}. Write '{OFF}' "
            + (f"at {hop.written_at} in its place" if hop.written is not None else
               f"beside the ProxyPass at {hop.rule_at}")
            + f" (it then adds no X-Forwarded-* header and passes on those it received), or "
              f"'{UNSET}' there (mod_headers; mod_proxy then sends its own value alone).")


def xfh_line(front: FrontConfig, route: PredictedRoute) -> tuple[str, str] | None:
    """(value, file:line) of the X-Forwarded-Host line nginx's configuration has in force at
    the location that takes the route; None where none (or not nginx's)."""
    mapping = route.step("mapping")
    model = getattr(front, "model", None)
    from probe.nginx.select import location_at  # nginx's model: with its config only

    location = None if mapping is None or model is None else location_at(model, mapping.source)
    header = location.header_set.named("x-forwarded-host") if location is not None else None
    return None if header is None or not header.where else (header.value, header.where)


def nginx_sets(route: PredictedRoute, where: str, value: str) -> str:
    """nginx's X-Forwarded-Host line that already sends the URL's name, and its next hop."""
    upstream = route.step("upstream")
    to = (f" The value after it was appended by the server it passes the URL to, "
          f"{upstream.decision} ({upstream.rule}, {upstream.source}): "
          if upstream is not None else " The value after it was appended by a later proxy: ")
    return (f"Leave nginx's line as it is: 'proxy_set_header X-Forwarded-Host {value};' "
            f"({where}) sets the header to the URL's name, and nginx does not append.{to}"
            + LATER[LATER.index("Where that proxy"):])

