"""mod_proxy in front of application servers (:mod:`probe.apache.proxy`):

* ``proxy_order`` (error): a narrower ``ProxyPass`` never takes its path: in server context
  an earlier broader one matches first (mod_proxy uses the first that matches); among
  ``<Location>`` sections a later one for a broader path overrides it (httpd merges the
  sections in order, the last one's ``ProxyPass`` wins);
* ``proxy_host`` (warning): a ``ProxyPass`` to an HTTP backend where no ``ProxyPreserveHost
  On`` is in force for a path it takes (:mod:`probe.apache.proxy_host`: the server's line,
  a ``<Proxy>`` for the backend, a ``<Location>`` for the path; the finding names the line
  in force): the application receives the backend's ``host:port`` as Host, so
  ``ALLOWED_HOSTS`` and the links it builds are wrong; a note when sections that may match
  only some of its paths (a ``ProxyPassMatch``, a ``<LocationMatch>``) leave it undecided;
* ``proxy_strips`` (warning): a ``ProxyPass`` that takes a sub-path and passes the rest
  without it (``/b/`` to ``http://app/``): the application gets no prefix in its path, so
  unless something tells it the prefix its links leave it (mod_wsgi-express behind a
  balancer too: its --mount-point); said of what the line does, not of what the application
  believes (its server may add a SCRIPT_NAME lint cannot see: tester T30's uWSGI mount
  /shop). A ``uwsgi://`` target whose path is not the path taken (``/app/`` to
  ``.../shop/`` or ``.../shop/app/``) too: mod_proxy_uwsgi hands uWSGI the target's path as
  PATH_INFO, so the fix is the URL's path there and a uWSGI mount for it. Django's
  FORCE_SCRIPT_NAME only hedged: it applies to every request of the process, and lint
  cannot tell whether that process serves other mounts.
* ``proxy_slash`` (warning): a ``ProxyPass`` whose path ends with ``/`` and whose target
  does not, or the reverse (:mod:`probe.apache.proxy_slash`): httpd's mod_proxy
  documentation asks for both or neither, as the rest of the path is appended to the target
  as written (``ProxyPass "/" "balancer://mycluster"`` passes ``/x`` to a balancer called
  ``myclusterx``: 500, AH01144).
* ``proxy_reverse_backend`` (warning): a ``ProxyPass`` whose ``ProxyPassReverse`` lines for
  its path (:func:`probe.apache.proxy_reverse.reverse_lines`) all name another backend: the
  ``ProxyPass`` decides where requests go, the ``ProxyPassReverse`` only which ``Location``
  headers are rewritten, so the backend's redirects keep its own address (a tester moved a
  NetBox ``ProxyPass`` to another port and left its ``ProxyPassReverse`` behind).

Balancer targets (``balancer://``) and ``!`` exclusions are followed; a ``ProxyPassMatch``
is not ordered against others (its pattern is a regular expression).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from probe.apache.model import Server, Site
from probe.apache.names import alias_match_length
from probe.apache.proxy import HostSetting, members, rules
from probe.apache.proxy_host import PathHost, rule_host
from probe.apache.proxy_reverse import (
    backend_key,
    reverse_lines,
    reverse_target,
    whole_path,
)
from probe.apache.proxy_rule import ProxyRule, socket_url
from probe.apache.proxy_slash import passed, slash_mismatch, slashed
from probe.lint.findings import ConfigFinding, Severity

_HTTP = ("http://", "https://", "balancer://")


def proxy_rules(site: Site) -> list[ConfigFinding]:
    found: list[ConfigFinding] = []
    for server in (site.main, *site.vhosts):
        sections, direct = rules(site, server)
        own = [r for r in (*sections, *direct) if _own(server, r)]
        found += _order(sections, direct, own)
        found += _host(site, server, own)
        found += [_strips(site, r) for r in own if r.strips or r.uwsgi_moved]
        found += [_slash(r) for r in own if slash_mismatch(r)]
        found += [f for r in own for f in _reverse(site, server, r)]
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
    found: list[ConfigFinding] = []
    told: set[int] = set()  # a setting's line is named once, at the first rule it holds for
    for rule in (r for r in own if r.target.lower().startswith(_HTTP)):
        host = rule_host(site, server, rule)
        off = next((d for d in host.decided if not d.on), None)
        if off is not None and (not host.undecided or not rule.regex):
            key = id(off.setting.directive) if off.setting is not None else 0
            if key not in told:
                told.add(key)
                found.append(_not_preserved(server, rule, off))
        elif host.undecided:
            found.append(_undecided(rule, host.decided[0] if host.decided else None,
                                    host.undecided))
    return found


def _setting(setting: HostSetting) -> str:
    section = setting.section
    inside = "" if section is None else \
        f", inside <{section.name} {' '.join(section.args)}> at {section.where},"
    return f"'ProxyPreserveHost {setting.directive.arg(0)}' at {setting.directive.where}{inside}"


def _not_preserved(server: Server, rule: ProxyRule, off: PathHost) -> ConfigFinding:
    paths = f"every path matching {off.path}" if rule.regex else off.path
    if off.setting is None:
        # The main server is named once where the ProxyPass is its own line.
        where = server.describe() if server.is_main else f"{server.describe()}, the main server"
        said = (f"no ProxyPreserveHost is written for {paths} (none in {where}, a <Proxy> for "
                f"its backend or a <Location> for it)")
        fix = f"add 'ProxyPreserveHost On' in {server.describe()}"
    else:
        said = (f"{_setting(off.setting)} is the setting in force for {paths} (the last "
                f"that matches in httpd's merge order: the server's line, then <Proxy> "
                f"sections, then <Location> sections)")
        inherited = off.setting.section is None and not server.is_main and not any(
            d is off.setting.directive for d in server.directives)
        fix = (f"add 'ProxyPreserveHost On' in {server.describe()}" if inherited else
               f"at {off.setting.directive.where}, write 'ProxyPreserveHost On'")
    return ConfigFinding(
        "proxy_host", Severity.WARNING, rule.directive.file, rule.directive.line,
        f"{rule.written()} passes {paths} to an application and {said}: mod_proxy sends the "
        f"backend's host:port as Host, not the name the client asked for (Django's "
        f"ALLOWED_HOSTS refuses it, its links name the backend)", fix)


def _undecided(rule: ProxyRule, decided: PathHost | None,
               maybe: tuple[HostSetting, ...]) -> ConfigFinding:
    base = "no ProxyPreserveHost (Off)" if decided is None or decided.setting is None \
        else _setting(decided.setting).rstrip(",")
    where = f"matching {rule.pattern}" if rule.regex else f"below {rule.pattern}"
    others = "; ".join(_setting(s).rstrip(",") for s in maybe)
    return ConfigFinding(
        "proxy_host", Severity.NOTE, rule.directive.file, rule.directive.line,
        f"{rule.written()} passes paths {where} to an application with {base} in force; for "
        f"those of them that a section also matches, {others} holds instead: which of these "
        f"paths the application is requested at is not in the configuration, so whether it "
        f"receives the client's Host there is not decided",
        "request a URL this rule takes that the section matches, through this server, and "
        "read the Host the application received (the endpoint's request.host; probe sweep "
        "--config on that URL names the line in force)")


def _strips(site: Site, rule: ProxyRule) -> ConfigFinding:
    prefix = rule.pattern.rstrip("/")
    example = rule.pattern + ("" if rule.pattern.endswith("/") else "/") + "x"
    if rule.uwsgi_moved:
        kept = (urlsplit(socket_url(rule.target)).path or "/").rstrip("/")
        return ConfigFinding(
            "proxy_strips", Severity.WARNING, rule.directive.file, rule.directive.line,
            f"{rule.written()} passes {example} to uWSGI with PATH_INFO {kept}/x "
            f"(mod_proxy_uwsgi hands the target's path and the rest of the URL as PATH_INFO; "
            f"uWSGI's --manage-script-name makes the --mount that PATH_INFO starts with its "
            f"SCRIPT_NAME): the path uWSGI gets, SCRIPT_NAME and PATH_INFO together, starts "
            f"{kept or '/'}, not {prefix}, so unless something else tells the application "
            f"{prefix} its links and redirects leave {prefix}/",
            f"pass the URL's path: write {whole_path(site, rule)}, and mount the application "
            f"at {prefix} in uWSGI: '--mount {prefix}=<its WSGI file>' (ini: 'mount = "
            f"{prefix}=<its WSGI file>') beside any mount it has, with '--manage-script-name'")
    return ConfigFinding(
        "proxy_strips", Severity.WARNING, rule.directive.file, rule.directive.line,
        f"{rule.written()} takes {prefix} off the path it passes to {rule.target} ({example} "
        f"is passed as {passed(rule, example)}): no {prefix} reaches the application in the "
        f"path, so unless something tells it the prefix its links and redirects leave "
        f"{prefix}/",
        f"pass the whole path: write {whole_path(site, rule)}, and tell the application server "
        f"its prefix (waitress --url-prefix={prefix}, gunicorn SCRIPT_NAME={prefix} in its "
        f"environment, uWSGI --mount {prefix}=..., mod_wsgi-express --mount-point {prefix}); "
        f"Django's FORCE_SCRIPT_NAME only where that application serves no other mount (it "
        f"applies to every request of the process)")


def _slash(rule: ProxyRule) -> ConfigFinding:
    example = rule.pattern + "x"
    ends, other = ("its path", "its target") if rule.pattern.endswith("/") else \
        ("its target", "its path")
    balanced = (f" (here {passed(rule, example)} names a balancer no <Proxy> defines: "
                f"mod_proxy answers 500 and logs AH01144)"
                if rule.target.lower().startswith("balancer://") else "")
    return ConfigFinding(
        "proxy_slash", Severity.WARNING, rule.directive.file, rule.directive.line,
        f"{rule.written()}: {ends} ends with / and {other} does not; mod_proxy appends the "
        f"rest of the path to the target as written ({example} is passed as "
        f"{passed(rule, example)}), so requests to the backend miss or double a slash "
        f"(httpd's ProxyPass documentation: if the first argument ends with a trailing /, "
        f"the second should too, and vice versa){balanced}",
        f"write {slashed(rule)} (and the same on a ProxyPassReverse for it)")


def _reverse(site: Site, server: Server, rule: ProxyRule) -> list[ConfigFinding]:
    """``proxy_reverse_backend``: said at each ``ProxyPassReverse`` line for the path when
    none of them names the ``ProxyPass``'s backend (a second line for another address is
    common: ``localhost`` and ``127.0.0.1`` both written)."""
    if rule.regex or not rule.target.lower().startswith(_HTTP):
        return []
    lines = reverse_lines(site, rule)
    meant = _backends(site, server, rule.target)
    if any(_backends(site, server, reverse_target(d, rule)) & meant for d in lines):
        return []
    found = []
    for line in lines:
        other = reverse_target(line, rule)
        found.append(ConfigFinding(
            "proxy_reverse_backend", Severity.WARNING, line.file, line.line,
            f"{rule.written()} at {rule.where} sends {rule.pattern} to {rule.target}, while "
            f"{' '.join([line.name, *line.args])} at {line.where} rewrites the Location "
            f"headers of answers from {other}, another backend: the ProxyPass decides where "
            f"requests go; the ProxyPassReverse only rewrites Location, Content-Location and "
            f"URI headers that begin with its URL, so a redirect that names {rule.target}'s "
            f"address reaches the client as written, pointing at the backend instead of this "
            f"server",
            f"check which backend is meant for {rule.pattern}: the one answering there is "
            f"{rule.target} (at {rule.where}); if it is, write "
            f"{' '.join([line.name, *(rule.target if a == other else a for a in line.args)])} "
            f"at {line.where}; if {other} is, write {rule.line(other)} at {rule.where}"))
    return found


def _backends(site: Site, server: Server, url: str) -> set[tuple[str, str]]:
    """``url``'s backend and, for a ``balancer://``, its members' (mod_proxy_balancer rewrites
    a ``ProxyPassReverse`` to the balancer for each member's URL; a line per member is the
    older way to write the same)."""
    return {backend_key(url)} | {backend_key(f"http://{m.address}")
                                 for m in members(site, server, url)}
