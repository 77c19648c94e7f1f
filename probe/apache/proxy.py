"""mod_proxy's choice of a backend for a path inside one server, as httpd 2.4 makes it.

* ``translate_name`` runs after httpd's first ``<Location>`` walk, and mod_proxy looks first
  at the ``ProxyPass`` of the merged ``<Location>``/``<LocationMatch>`` sections: httpd
  merges the sections that match in configuration order (the main server's, then the
  VirtualHost's) and a later section's ``ProxyPass`` replaces an earlier one's, so the
  *last* matching section that has one wins;
* else the server-context ``ProxyPass``/``ProxyPassMatch`` lines, in configuration order:
  the *first* that matches wins, whichever of the two it is (a ``!`` target stops proxying
  for that path); a VirtualHost's list is the main server's lines followed by its own
  (``merge_proxy_config`` appends the VirtualHost's to the main server's; apache2 2.4.71
  does so even with ``ProxyPassInherit Off`` in the VirtualHost or the main server);
* a ``balancer://NAME`` target is the ``<Proxy balancer://NAME>`` section's
  ``BalancerMember`` lines.

``ProxyPreserveHost`` is a per-directory setting (:func:`preserve_host`): the server's line
(the VirtualHost's, else the main server's), then the ``<Proxy>``/``<ProxyMatch>`` sections
that match the backend URL (:mod:`probe.apache.proxy_sections`: httpd merges them for a
proxied request), then the ``<Location>``/``<LocationMatch>`` sections that match the path,
each kind merged in order (the main server's, then the VirtualHost's): the last one written
wins.

Checked against apache2 2.4 with ``ProxyPass /`` before ``ProxyPass /b/`` (``/`` takes
``/b/x``), ``<Location /b/>`` before ``<Location />`` (``/``'s ProxyPass takes ``/b/x``),
a ``ProxyPassMatch ^/b/`` before ``ProxyPass /b/`` (it takes ``/b/``), a main-server
``ProxyPassMatch ^/b/`` with a VirtualHost's ``ProxyPass /b/`` (the main server's takes
``/b/``, with or without ``ProxyPassInherit Off``) and
``ProxyPreserveHost Off`` inside ``<Location /b/>`` under a VirtualHost's ``On`` (the backend
gets its own address as Host for ``/b/``): tests/integration/test_apache_proxy_precedence.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.apache.balancer_members import balancer_members
from probe.apache.config import Directive
from probe.apache.model import Server, Site
from probe.apache.names import alias_match_length
from probe.apache.proxy_rule import ProxyRule, location_matches, parsed
from probe.apache.proxy_sections import SECTION_KEYS as PROXY_SECTION_KEYS
from probe.apache.proxy_sections import proxy_sections, section_matches
from probe.front import Member, RouteStep, Source
from probe.unix_sockets import normal_unix

_PASS_KEYS = ("proxypass", "proxypassmatch")
_SECTION_KEYS = ("location", "locationmatch")


def rules(site: Site, server: Server) -> tuple[list[ProxyRule], list[ProxyRule]]:
    """(the ``<Location>`` rules in merge order, the server-context rules in the order
    mod_proxy checks them) of ``server``."""
    main = _main(site)
    scopes = [main] if server.is_main else [main, server.directives]
    sections: list[ProxyRule] = []
    direct: list[ProxyRule] = []
    # the main server's lines first, the VirtualHost's appended (httpd's merge_proxy_config)
    for scope in scopes:
        inherited = scope is main and not server.is_main
        direct += [r for d in scope if d.key in _PASS_KEYS
                   and (r := parsed(d, None, inherited)) is not None]
    # the main server's sections merge first, the VirtualHost's after (they win)
    for scope in scopes:
        for section in (d for d in scope if d.key in _SECTION_KEYS and d.args):
            sections += [r for d in section.body() if d.key in _PASS_KEYS
                         and (r := parsed(d, section, False)) is not None]
    return sections, direct


def _main(site: Site) -> tuple[Directive, ...]:
    return tuple(d for d in site.config.directives if d.key != "virtualhost")


def _last(scope: tuple[Directive, ...], key: str) -> Directive | None:
    return next((d for d in reversed(scope) if d.key == key and d.args), None)


@dataclass(frozen=True)
class HostSetting:
    """The ``ProxyPreserveHost`` line in force for a path, and the section it is written in
    (None: the server's own line)."""

    directive: Directive
    section: Directive | None

    @property
    def on(self) -> bool:
        return self.directive.arg(0).lower() == "on"


def preserve_host(site: Site, server: Server, path: str,
                  backend: str | None = None) -> HostSetting | None:
    """The ``ProxyPreserveHost`` in force for ``path`` in ``server`` (None: none written, so
    Off): the last of the server's own (the VirtualHost's, else the main server's), of the
    ``<Proxy>``/``<ProxyMatch>`` sections that match ``backend`` (the URL the request is
    passed to; None: those sections not read) and of the ``<Location>``/``<LocationMatch>``
    sections that match ``path``, in httpd's merge order (the main server's sections, then
    the VirtualHost's)."""
    found, sections = host_lines(site, server)
    for setting in sections:
        section = setting.section
        if section is None:
            continue
        if section.key in PROXY_SECTION_KEYS:
            if backend is not None and section_matches(section, backend):
                found = setting
        elif location_matches(section, path):
            found = setting
    return found


def host_lines(site: Site, server: Server) -> tuple[HostSetting | None, list[HostSetting]]:
    """The server's own ``ProxyPreserveHost`` (the VirtualHost's, else the main server's) and
    the last one of each section holding one, in the order httpd merges them: the
    ``<Proxy>`` sections (``proxy_walk``), then the ``<Location>`` sections (walked again
    after it), each the main server's first."""
    main = _main(site)
    own = _last(server.directives, "proxypreservehost") or _last(main, "proxypreservehost")
    scopes = [main] if server.is_main else [main, server.directives]
    locations = [d for scope in scopes for d in scope if d.key in _SECTION_KEYS and d.args]
    found = []
    for section in (*proxy_sections(scopes), *locations):
        written = _last(section.body(), "proxypreservehost")
        if written is not None:
            found.append(HostSetting(written, section))
    return (None if own is None else HostSetting(own, None)), found


def taken_by(site: Site, server: Server, path: str) -> ProxyRule | None:
    """The ``ProxyPass`` that takes ``path`` in ``server``, or None (``!``: none)."""
    sections, direct = rules(site, server)
    found = [r for r in sections if r.matches(path)]
    if found:
        last = found[-1]
        return None if last.target == "!" else last
    first = next((r for r in direct if r.matches(path)), None)
    return None if first is None or first.target == "!" else first


def balancer(site: Site, server: Server, target: str) -> Directive | None:
    """The ``<Proxy balancer://NAME>`` section of ``target``'s balancer."""
    if not target.lower().startswith("balancer://"):
        return None
    name = target.split("://", 1)[1].split("/", 1)[0].lower()
    for scope in (server.directives, _main(site)):
        for d in scope:
            if d.key == "proxy" and d.args and d.args[0].lower().rstrip("/") == \
                    f"balancer://{name}":
                return d
    return None


def members(site: Site, server: Server, target: str,
            passed: Directive | None = None) -> tuple[Member, ...]:
    """The backends ``target`` sends to: its balancer's members (``passed``: the ProxyPass
    line, which may set the balancer's method), else itself."""
    section = balancer(site, server, target)
    if section is not None:
        return balancer_members(section, _address, passed)
    if target.lower().startswith("balancer://"):
        return ()
    return (Member(_address(target), None),)


def _address(url: str) -> str:
    """``host:port`` of a backend URL (``http://127.0.0.1:8101/`` gives ``127.0.0.1:8101``);
    ``unix:/path.sock`` of httpd's ``unix:/path.sock|http://localhost/``: the socket is where
    the backend listens, as its answer's ``server.listen`` says, not the URL's host."""
    socket, bar, _ = url.partition("|")
    if bar and socket[:5].lower() == "unix:":
        return normal_unix("unix:" + socket[5:])
    parts = urlsplit(url)
    if parts.hostname is None:
        return url
    port = parts.port or (443 if parts.scheme in ("https", "wss") else 80)
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{host}:{port}"


def proxy_steps(site: Site, server: Server, rule: ProxyRule,
                path: str) -> tuple[RouteStep, ...]:
    """The route's ``proxy`` step (and ``upstream`` step for a balancer) for ``rule``."""
    how = (f"the last <Location> whose ProxyPass matches {path} "
           f"(<{rule.section.name} {' '.join(rule.section.args)}> at {rule.section.where}): "
           f"httpd merges <Location> sections in order, a later one's ProxyPass wins"
           if rule.section is not None else
           f"the first ProxyPass of this server to match {path}: a main-server line, and "
           f"mod_proxy checks the main server's lines before a VirtualHost's own"
           if rule.inherited else
           f"the first ProxyPass of this server to match {path} (mod_proxy checks them in "
           f"configuration order)")
    strip = f"; it strips {rule.pattern.rstrip('/')} from the path" if rule.strips else ""
    steps: tuple[RouteStep, ...] = (RouteStep(
        "proxy", f"proxied to {rule.target}", f"{rule.written()} is {how}{strip}",
        Source(rule.directive.file, rule.directive.line),
        by=_by(rule)),)
    section = balancer(site, server, rule.target)
    if section is not None:
        listed = ", ".join(m.address for m in members(site, server, rule.target))
        steps += (RouteStep("upstream", listed or "no member",
                            f"<{section.name} {section.args[0]}> has BalancerMember "
                            f"{listed or '(none)'}", Source(section.file, section.line)),)
    return steps


def meant_rule(site: Site, server: Server, path: str, taken: ProxyRule,
               reaches: Callable[[str], bool]) -> ProxyRule | None:
    """A narrower ``ProxyPass`` that matches ``path`` but that ``taken`` shadows (an earlier
    one in server context, a later ``<Location>``), the one to an address ``reaches``
    accepts first."""
    sections, direct = rules(site, server)
    # rules() makes new objects: the line, not the object, tells the taken rule apart
    found = [r for r in (*sections, *direct) if r.directive is not taken.directive
             and r.target != "!" and r.matches(path) and _narrower(r, taken)]
    return next((r for r in found if any(reaches(m.address) for m in
                                         members(site, server, r.target))),
                max(found, key=lambda r: len(r.pattern), default=None))


def _narrower(rule: ProxyRule, taken: ProxyRule) -> bool:
    if rule.regex or taken.regex:
        return True
    return alias_match_length(rule.pattern, taken.pattern) > 0 and \
        len(rule.pattern.rstrip("/")) > len(taken.pattern.rstrip("/"))


def rule_step(site: Site, server: Server, rule: ProxyRule, path: str) -> RouteStep:
    """``rule`` as the step meant for ``path``; ``by`` says where it is written."""
    inside = "" if rule.section is None else (
        f" inside <{rule.section.name} {' '.join(rule.section.args)}> at {rule.section.where}")
    listed = ", ".join(m.address for m in members(site, server, rule.target))
    return RouteStep("proxy", f"proxied to {rule.target}",
                     f"{rule.written()}{inside} would pass {path} to {listed or rule.target}",
                     Source(rule.directive.file, rule.directive.line),
                     by=_by(rule))


def _by(rule: ProxyRule) -> str:
    """Where a rule is written: a section, a VirtualHost's server context, or the main
    server's inherited into a VirtualHost (checked before the VirtualHost's own)."""
    return "section" if rule.section is not None else "main" if rule.inherited else "server"
