"""A Host rewritten by a proxy after the first of a chain (two hops in front of the
application: nginx -> Apache mod_proxy -> mod_wsgi), told from what the answers and the
configuration given show, so that the fix is at the hop that rewrote it.

Tester T32's chain: nginx passed the client's Host (``proxy_set_header Host $host``), Apache's
mod_proxy behind it did not (``ProxyPreserveHost Off``), and the application received
``127.0.0.1:18123`` with X-Forwarded-Host ``site2.example.com, site2.example.com``. The tool
blamed nginx's Host line: "replace 'proxy_set_header Host $host;' by 'proxy_set_header Host
$host;'" with nginx's configuration, "add proxy_set_header Host $host" without it.

* ``request.forwarded_host`` holding N > 1 comma-separated values (observed): N proxies
  passed the request on (mod_proxy appends the Host it received; nginx's ``proxy_set_header
  X-Forwarded-Host $host`` sets the header, replacing what came: said so with its line where
  nginx's configuration is given, else "appended by a later proxy"). Where the last value naming the
  URL's host is the k-th, proxy k received the URL's Host and what came after it did not: the
  Host was rewritten after the first hop, and the fix is at the inner proxy;
* nginx's configuration given (the outer front) whose ``proxy_set_header Host`` in force
  already sends the URL's host (configured), where the answers show a second hop: that line
  is not the cause; its ``proxy_pass`` names the next hop, where the fix is, and no fix
  rewriting the line into itself is said. Without a second hop shown the diagnosis stays:
  the line read as passing the Host and the Host received disagree, which is the model's or
  the line's to explain, not a chain's;
* Apache's configuration given (the inner proxy): the ``ProxyPass`` whose target is the Host
  the application received (mod_proxy without ``ProxyPreserveHost On`` sends its target's
  ``host:port``), for the URL's Host arriving on one of its ``Listen`` lines, and the
  ``ProxyPreserveHost`` in force there, at their lines (what lint reports as ``proxy_host``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from probe.diagnose.chain_words import Hop, apache_hop, chain_said, inner_fix, nginx_said
from probe.diagnose.forwarded_list import xfh_line
from probe.diagnose.fronts import mod_wsgi, software
from probe.diagnose.host_words import host_name
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.front import FrontConfig, FrontKind, PredictedRoute
from probe.model import Cause, Evidence, EvidenceKind, Observation, Verdict

_FIRST = re.compile(r"^(.*?\.)(?= [A-Z])", re.DOTALL)
"""The first sentence of an explanation: the URL, what should and what did answer it."""
_PASSED = re.compile(r" passed it to (.+?)(?:, the application listening on [^.]*)?\.$")
"""nginx_causes' "nginx (Server: ...) passed it to site1[, the application listening on ...]."."""
_IN_FRONT = ": the proxy in front did not pass the client's Host on."


def forwarded_values(answer: EndpointAnswer) -> tuple[str, ...]:
    """``request.forwarded_host``'s comma-separated values, the first proxy's first."""
    return tuple(v.strip() for v in (answer.forwarded_host or "").split(",") if v.strip())


def chained(obs: Observation, diagnosis: Diagnosis, front: FrontConfig | None,
            findings: Mapping[tuple[str, int], tuple[str, str]]) -> Diagnosis:
    """``diagnosis`` with its Host words put at the hop that rewrote the Host, where the
    answers or the configuration given show it is not the first; else unchanged."""
    if diagnosis.verdict not in (Verdict.HOST_MISMATCH, Verdict.WRONG_INSTANCE):
        return diagnosis
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer), None)
    url = obs.target.url
    wanted = (urlsplit(url).hostname or "").lower()
    if answer is None or not answer.host or not wanted or host_name(answer.host) == wanted:
        return diagnosis
    values = forwarded_values(answer)
    kept = max((i + 1 for i, v in enumerate(values) if host_name(v) == wanted), default=0)
    route = _nginx_route(obs, front)
    host = route.step("host") if route is not None else None
    passes = host is not None and host.source is not None and \
        host_name(host.decision) == wanted
    if not (len(values) > 1 and kept):
        # No second hop shown: a line read as passing the Host (a uwsgi_param HTTP_HOST
        # $server_name read so) decides nothing against what the application received.
        return diagnosis
    hop = _apache_hop(front, url, answer.host, wanted)
    setter = xfh_line(front, route) if front is not None and route is not None else None
    said = (chain_said(values, kept, answer.host, wanted, setter)
            if len(values) > 1 and kept else "")
    evidence: list[Evidence] = [
        Evidence(EvidenceKind.OBSERVED, f"request.forwarded_host = {answer.forwarded_host!r}",
                 f"GET {url}")] if said else []
    nginx = ""
    if passes and route is not None and host is not None:
        nginx = nginx_said(route, host, answer.host)
        evidence.append(Evidence(EvidenceKind.CONFIGURED, host.rule, str(host.source)))
    if hop is not None:
        evidence += [Evidence(EvidenceKind.CONFIGURED, hop.rule, hop.rule_at)]
        if hop.setting is not None:
            evidence.append(Evidence(EvidenceKind.CONFIGURED, hop.setting, hop.setting_at))
    words = f"{said}{nginx}{apache_hop(hop, findings) if hop is not None else ''}"
    fix = inner_fix(route if passes else None, answer.host, hop)
    if hop is not None and front is not None:
        fix += f" After the edit, {restart(front, answer)}."
    explanation = diagnosis.explanation
    if diagnosis.verdict is Verdict.HOST_MISMATCH:
        if host is not None and host.source is not None:
            explanation = explanation.replace(
                f" The configuration given says why: {host.rule} ({host.source}).", "")
        explanation = explanation.replace(
            _IN_FRONT, ": a proxy in between did not pass the client's Host on.") + words
    elif front is None or front.front is FrontKind.NGINX:
        first = _FIRST.match(explanation)
        head = _hop(first.group(1) if first is not None else explanation, route)
        explanation = (f"{head} It received Host {answer.host!r} (request.host), not "
                       f"{wanted!r}.{words} {_behind(answer)} chose its site by "
                       f"{host_name(answer.host)!r}: a server that picks its site by name "
                       f"answers a name none of its sites claims from its first one.")
    else:
        explanation += words
    return dataclasses.replace(
        diagnosis, explanation=explanation, fix=fix, candidates=(),
        cause=Cause.HOST_REWRITTEN if diagnosis.verdict is Verdict.WRONG_INSTANCE else None,
        evidence=(*diagnosis.evidence, *evidence))


def _hop(head: str, route: PredictedRoute | None) -> str:
    """The first sentence with the hop nginx passed the URL to (its proxy_pass, where the
    configuration given names it), not the application that answered behind it."""
    found = _PASSED.search(head)
    if found is None:
        return head
    upstream = route.step("upstream") if route is not None else None
    to = (f"{upstream.decision} ({upstream.rule}, {upstream.source})" if upstream is not None
          else "the next proxy of the chain")
    return f"{head[:found.start()]} passed it to {to}, and {found.group(1)} answered."


def _behind(answer: EndpointAnswer) -> str:
    seen = software(answer)
    return f"{seen} (server.software) then" if seen else "The server behind then"


def restart(front: FrontConfig, answer: EndpointAnswer) -> str:
    """The restart of the Apache running the file given: the answer's parent where this file
    mounts the script it ran (that Apache serves both hops), else the check that finds it."""
    from probe.apache.route import ApacheRoutes
    from probe.diagnose.join_daemon_path import apache_restart

    assert isinstance(front, ApacheRoutes)
    script = answer.raw.get("script_file")
    mounted = mod_wsgi(answer) and answer.ppid not in (None, 0, 1) and \
        any(app.target == script for app in front.site.apps)
    return apache_restart(front.files[0] if front.files else "httpd.conf",
                          [("this URL", "", answer)] if mounted else [],
                          "its configuration only when it starts or restarts", "")


def _nginx_route(obs: Observation, front: FrontConfig | None) -> PredictedRoute | None:
    if front is None or front.front is not FrontKind.NGINX:
        return None
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    return front.route(obs.target.url, address)


def _apache_hop(front: FrontConfig | None, url: str, received: str, wanted: str) -> Hop | None:
    """The VirtualHost of the Apache configuration given that takes ``url`` with its own Host
    on one of its Listens and passes it to ``received`` (the target mod_proxy sent as Host)."""
    if front is None or front.front is not FrontKind.APACHE:
        return None  # Apache's model loaded only for its configuration (a check's start-up)
    from probe.apache.proxy import preserve_host, taken_by
    from probe.apache.proxy_host import backend_url
    from probe.apache.route import ApacheRoutes
    from probe.apache.vhost_select import select_vhost

    if not isinstance(front, ApacheRoutes):
        return None
    site = front.site
    path = urlsplit(url).path or "/"
    for listen in site.listens:
        server = select_vhost(site, wanted, listen.host, listen.port).server
        rule = taken_by(site, server, path)
        if rule is None or urlsplit(rule.target).netloc.lower() != received.lower():
            continue
        setting = preserve_host(site, server, path, backend_url(rule, path))
        if setting is not None and setting.on:
            return None  # written On: not this line's doing
        directive = setting.directive if setting is not None else None
        return Hop(server.describe(), rule.written(), rule.where,
                   None if directive is None else f"ProxyPreserveHost {directive.arg(0)}",
                   "" if directive is None else directive.where,
                   (rule.directive.file, rule.directive.line))
    return None
