"""``proxy_unix_as_host`` (error): a ``ProxyPass``/``ProxyPassMatch`` target, or a
``BalancerMember`` of the balancer one names, that writes a unix socket as a URL's host
(``http://unix:/run/app.sock/``, ``uwsgi://unix:/run/app.sock``).

httpd reads a socket only in its own form, before the URL
(``unix:/run/app.sock|http://localhost/``); written as the host, ``unix`` is a host name:
``apache2 -t`` says Syntax OK and every request through the line gets 500, with
``AH00898: DNS lookup failure for: unix:`` in the error log (Debian's apache2 2.4, checked for
``http://`` and ``uwsgi://`` targets and a ``BalancerMember``). An error, not a warning: no
request through it is ever served. Re-tester R36 wrote such a line as a sweep's fix told it
(:mod:`probe.apache.proxy_unix_host`), and lint said nothing.
"""

from __future__ import annotations

from probe.apache.model import Server, Site
from probe.apache.proxy import rules
from probe.apache.proxy_rule import ProxyRule
from probe.apache.proxy_unix_host import unix_lines
from probe.lint.findings import ConfigFinding, Severity


def proxy_unix_as_host(site: Site) -> list[ConfigFinding]:
    found: dict[tuple[str, int], ConfigFinding] = {}
    for server in (site.main, *site.vhosts):
        sections, direct = rules(site, server)
        for rule in (r for r in (*sections, *direct) if _own(server, r)):
            for u in unix_lines(site, rule):
                d = u.directive
                found.setdefault((d.file, d.line), ConfigFinding(
                    "proxy_unix_as_host", Severity.ERROR, d.file, d.line,
                    f"{u.read.said(d.where, u.member)} (apache2 -t accepts the line; every "
                    f"request through it fails)",
                    f"write '{u.rewritten}' in place of '{u.written()}' (mod_proxy's unix "
                    f"socket form: the socket, '|', then the URL, whose host is not connected "
                    f"to)"))
    return list(found.values())


def _own(server: Server, rule: ProxyRule) -> bool:
    """A rule written in ``server`` (a VirtualHost's list holds the main server's too)."""
    return server.is_main or any(d is rule.directive or d is rule.section
                                 for d in server.directives)
