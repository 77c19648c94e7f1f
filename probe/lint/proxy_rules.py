"""mod_proxy in front of application servers (:mod:`probe.apache.proxy`):

* ``proxy_order`` (error): a narrower ``ProxyPass`` never takes its path: in server context
  an earlier broader one matches first (mod_proxy uses the first that matches); among
  ``<Location>`` sections a later one for a broader path overrides it (httpd merges the
  sections in order, the last one's ``ProxyPass`` wins);
* ``proxy_host`` (warning): a ``ProxyPass`` to an HTTP backend where no ``ProxyPreserveHost
  On`` is in force: the application receives the backend's ``host:port`` as Host, so
  ``ALLOWED_HOSTS`` and the links it builds are wrong;
* ``proxy_strips`` (warning): a ``ProxyPass`` that takes a sub-path and passes the rest
  without it (``/b/`` to ``http://app/``): the application believes it is mounted at ``/``
  unless it is told its prefix.

Balancer targets (``balancer://``) and ``!`` exclusions are followed; a ``ProxyPassMatch``
is not ordered against others (its pattern is a regular expression).
"""

from __future__ import annotations

from probe.apache.model import Server, Site
from probe.apache.names import alias_match_length
from probe.apache.proxy import ProxyRule, rules
from probe.lint.findings import ConfigFinding, Severity

_HTTP = ("http://", "https://", "balancer://")


def proxy_rules(site: Site) -> list[ConfigFinding]:
    found: list[ConfigFinding] = []
    for server in (site.main, *site.vhosts):
        sections, direct = rules(site, server)
        own = [r for r in (*sections, *direct) if _own(server, r)]
        found += _order(sections, direct, own)
        found += _host(site, server, own)
        found += [_strips(r) for r in own if r.strips]
    return list({(f.code, f.file, f.line): f for f in found}.values())


def _own(server: Server, rule: ProxyRule) -> bool:
    """A rule written in ``server`` (a VirtualHost's rules include the main server's)."""
    if server.is_main:
        return True
    return any(d is rule.directive or d is rule.section for d in server.directives)


def _covers(broad: ProxyRule, narrow: ProxyRule) -> bool:
    return not broad.regex and not narrow.regex and broad.target != "!" and \
        alias_match_length(narrow.pattern, broad.pattern) > 0 and \
        len(broad.pattern.rstrip("/")) < len(narrow.pattern.rstrip("/"))


def _order(sections: list[ProxyRule], direct: list[ProxyRule],
           own: list[ProxyRule]) -> list[ConfigFinding]:
    found = []
    for i, rule in enumerate(direct):
        broad = next((b for b in direct[:i] if _covers(b, rule)), None)
        if broad is not None and rule in own:
            found.append(ConfigFinding(
                "proxy_order", Severity.ERROR, rule.directive.file, rule.directive.line,
                f"{rule.written()} never takes {rule.pattern}: {broad.written()} at "
                f"{broad.where} matches it first (in server context mod_proxy uses the first "
                f"ProxyPass that matches)",
                f"move it above the line at {broad.where}"))
    for i, rule in enumerate(sections):
        broad = next((b for b in sections[i + 1:] if _covers(b, rule)), None)
        if broad is not None and rule in own and rule.section is not None \
                and broad.section is not None:
            found.append(ConfigFinding(
                "proxy_order", Severity.ERROR, rule.directive.file, rule.directive.line,
                f"the ProxyPass of <{rule.section.name} {' '.join(rule.section.args)}> never "
                f"takes {rule.pattern}: <{broad.section.name} {' '.join(broad.section.args)}> "
                f"at {broad.section.where} comes later and matches it too (httpd merges "
                f"<Location> sections in order; the last one's ProxyPass wins)",
                f"move the <Location> at {rule.section.where} below the one at "
                f"{broad.section.where}"))
    return found


def _host(site: Site, server: Server, own: list[ProxyRule]) -> list[ConfigFinding]:
    main = [d for d in site.config.directives if d.key == "proxypreservehost"]
    local = [d for d in server.directives if d.key == "proxypreservehost"] \
        if not server.is_main else []
    chosen = local or main
    setting = chosen[-1] if chosen else None
    if setting is not None and setting.arg(0).lower() == "on":
        return []
    passes = [r for r in own if r.target.lower().startswith(_HTTP)]
    if not passes:
        return []
    first = passes[0]
    said = (f"'ProxyPreserveHost {setting.arg(0)}' at {setting.where}" if setting is not None
            else "no ProxyPreserveHost On in this server")
    where = server.describe()
    return [ConfigFinding(
        "proxy_host", Severity.WARNING, first.directive.file, first.directive.line,
        f"{first.written()} passes requests to an application with {said}: mod_proxy sends "
        f"the backend's host:port as Host, not the name the client asked for (Django's "
        f"ALLOWED_HOSTS refuses it, its links name the backend)",
        f"add 'ProxyPreserveHost On' in {where}")]


def _strips(rule: ProxyRule) -> ConfigFinding:
    prefix = rule.pattern.rstrip("/")
    return ConfigFinding(
        "proxy_strips", Severity.WARNING, rule.directive.file, rule.directive.line,
        f"{rule.written()} takes {prefix} off the path it passes to {rule.target}: the "
        f"application believes it is mounted at / and its links and redirects leave {prefix}/",
        f"pass the whole path (a target ending in {prefix}/) and tell the application server "
        f"its prefix (waitress --url-prefix={prefix}, gunicorn SCRIPT_NAME={prefix} in its "
        f"environment, uWSGI --mount {prefix}=...), or in Django FORCE_SCRIPT_NAME")
