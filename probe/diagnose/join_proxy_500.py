"""The configuration join of a 500 where the route (``--config``) passes the URL through
Apache's mod_proxy: no WSGI script of Apache's is on that route, so neither a Python
traceback nor mod_wsgi's messages are what to look for.

What the route decides is said with its lines: the ``ProxyPass`` (file:line), the backends.
What it makes likely is said as likely: a path and target of which only one ends with ``/``
(:mod:`probe.apache.proxy_slash`; the rest of the path is appended to the target as
written, so ``ProxyPass "/" "balancer://mycluster"`` passes ``/x`` to a balancer called
``myclusterx``: apache2 answers 500 and logs AH01144), or a module the target's scheme
needs with no ``LoadModule`` line read. What decides between the causes is the error log
line of the request, named with its codes (AH01144: no handler for the URL mod_proxy built;
AH01114/AH00898, AH10101 for ``uwsgi://``: a backend not reached or not read
(:mod:`probe.apache.proxy_log`); none of them: the backend's own 500).
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from probe.apache.proxy import balancer
from probe.apache.proxy_log import backend_schemes, connect_codes, reads_http
from probe.apache.proxy_rule import ProxyRule
from probe.apache.proxy_slash import (
    balancer_name,
    modules_needed,
    passed,
    says_loaded,
    slash_mismatch,
    slashed,
)
from probe.apache.proxy_unix_host import log_check, unix_lines
from probe.apache.route import ApacheRoutes
from probe.diagnose.server_errors import APACHE_LOG, without_leak_hint
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig, PredictedRoute
from probe.model import Evidence, EvidenceKind

_AH01144 = ("AH01144 ('No protocol handler was valid for the URL ...') says mod_proxy had "
            "no handler for the URL it built")


def proxy_500(diagnosis: Diagnosis, route: PredictedRoute,
              front: FrontConfig) -> Diagnosis | None:
    """``diagnosis`` of a 500 worded with mod_proxy's route; None: the route is not one."""
    taken = route.step("proxy")
    rule = front.proxy_rule(route) if isinstance(front, ApacheRoutes) else None
    if taken is None or rule is None or not isinstance(front, ApacheRoutes):
        return None
    path = urlsplit(route.url).path or "/"
    listed = ", ".join(m.address + (f" ({m.source})" if m.source else "")
                       for m in route.members) or taken.decision.removeprefix("proxied to ")
    # where the URL built names no balancer, the members are only what the line meant
    to = f"meant for the members of {rule.target}, {listed}" if \
        _undefined_balancer(rule, path, front) is not None else f"to {listed}"
    explanation = (f"{without_leak_hint(diagnosis.explanation)} The configuration given "
                   f"passes the probe request's path {path} through mod_proxy: {taken.rule} "
                   f"({taken.source}), {to}. No WSGI script of Apache's is on this "
                   f"route (no Python, no mod_wsgi in Apache for it): the 500 is mod_proxy's "
                   f"own, or the backend's answer passed on.")
    evidence = [*diagnosis.evidence, *(Evidence(EvidenceKind.CONFIGURED, s.rule, str(s.source))
                                       for s in route.steps if s.source is not None)]
    # A sentence of its own: the fix puts it after another (its log may start lower case).
    checks = (f"Whether mod_proxy or the backend made the 500, {APACHE_LOG} at the time of "
              f"this request tells: {_AH01144}; {_unanswered(front, rule)} name a backend "
              f"of {listed} that was not reached or did not answer; with none of these for "
              f"the request, the backend answered 500 itself and its own log has the reason.")
    if lines := unix_lines(front.site, rule):
        # httpd takes 'unix' for a host name there: nothing is connected to, so no backend
        # of 'unix:80' failed to answer (re-tester R36's http://unix:/.../gamma.sock/)
        explanation += " A likely cause (not certain): " + "; ".join(
            u.read.said(u.directive.where, u.member) for u in lines) + "."
        fix = (", and ".join(f"At {u.directive.where}, write '{u.rewritten}' in place of "
                             f"'{u.written()}'" for u in lines) +
               f", then reload Apache. Whether this is the cause, {APACHE_LOG} at the time of "
               f"this request tells: '{log_check(lines[0].member)}' for it; {_AH01144}.")
        return dataclasses.replace(diagnosis, explanation=explanation, fix=fix,
                                   evidence=tuple(evidence))
    if slash_mismatch(rule):
        explanation += _slash_words(rule, path, front)
        fix = (f"At {taken.source}, write {slashed(rule)} (and the same on a ProxyPassReverse "
               f"for it), then reload Apache. {checks}")
        return dataclasses.replace(diagnosis, explanation=explanation, fix=fix,
                                   evidence=tuple(evidence))
    needed = modules_needed(front.site, rule)
    if not says_loaded(front.site):
        names = " and ".join(n.module for n in needed) or "the proxy modules"
        explanation += (f" The configuration read loads no MPM, so it is not a whole server "
                        f"and does not say whether {names} "
                        f"{'is' if len(needed) == 1 else 'are'} loaded ('apachectl -M' lists "
                        f"the modules httpd loads).")
        fix = checks
    elif missing := [n.module for n in needed if n.line is None]:
        explanation += (f" A likely cause (not certain): no LoadModule line read loads "
                        f"{' or '.join(missing)}, which {rule.target} needs; without it "
                        f"mod_proxy has no handler for the URL and logs AH01144.")
        fix = (f"Load {' and '.join(missing)} (a LoadModule line for each, or on Debian "
               f"'a2enmod {' '.join(m.removesuffix('_module') for m in missing)}'), then "
               f"reload Apache. {checks}")
    else:
        if needed:
            explanation += " The modules its target needs are loaded: " + "; ".join(
                f"LoadModule {n.module} ({n.line.where})" for n in needed if n.line) + "."
        evidence += [Evidence(EvidenceKind.CONFIGURED, f"LoadModule {n.module}", n.line.where)
                     for n in needed if n.line is not None]
        fix = checks
    return dataclasses.replace(diagnosis, explanation=explanation, fix=fix,
                               evidence=tuple(evidence))


def _slash_words(rule: ProxyRule, path: str, front: ApacheRoutes) -> str:
    ends, other = ("its path", "its target") if rule.pattern.endswith("/") else \
        ("its target", "its path")
    built = passed(rule, path)
    said = (f" A likely cause (not certain): {rule.written()} ({rule.where}): {ends} ends "
            f"with / and {other} does not, and mod_proxy appends the rest of the path to the "
            f"target as written, so {path} is passed as {built}")
    name = _undefined_balancer(rule, path, front)
    if name is not None:
        said += (f", a balancer called {name!r}, which no <Proxy balancer://{name}> defines "
                 f"(mod_proxy then answers 500 and logs AH01144)")
    return said + (". httpd's ProxyPass documentation asks for a trailing / on both or on "
                   "neither.")


def _undefined_balancer(rule: ProxyRule, path: str, front: ApacheRoutes) -> str | None:
    """The balancer name the URL built for ``path`` names where no ``<Proxy>`` defines it
    (``balancer://mycluster`` for ``/`` passes ``/x`` to ``myclusterx``); else None."""
    if not slash_mismatch(rule):
        return None
    name = balancer_name(passed(rule, path))
    defined = name is not None and any(
        balancer(front.site, s, f"balancer://{name}") is not None
        for s in (front.site.main, *front.site.vhosts))
    return None if name is None or defined else name


def _unanswered(front: ApacheRoutes, rule: ProxyRule) -> str:
    """The codes of a backend not connected to or not read, for the route's schemes."""
    schemes = backend_schemes(front.site, rule)
    # AH00898 is ap_proxyerror's code for more than one message (R36's was a DNS failure)
    read = (" or AH00898 ('Error reading from remote server'; 'DNS lookup failure for: HOST' "
            "is a host name that did not resolve)") if reads_http(schemes) else ""
    return connect_codes(schemes) + read
