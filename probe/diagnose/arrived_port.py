"""Which of Apache's ``Listen`` sockets another front passed a URL to, told by the application
that answered: where Apache listens on several ports, the Host that arrived does not say the
port (mod_wsgi's ``request.server_port`` is the Host header's port or the scheme's default,
not the socket's), but the answer's ``script_file`` mounted in the VirtualHosts of one port
only does (configured and observed).

Re-tester R22's ``wrong_port``: nginx's block for site3 passed to a second ``Listen`` whose
VirtualHosts serve other sites; with ``--config APACHE_CONF`` the output was the one without
configuration. Here the port it arrived at and the port the URL's site is on are named at
their lines; the line that chose the port is the front's, and its configuration is the check.
Never a fix moving VirtualHosts: they are right for the sites they are written for.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from probe.apache.hostnames import name_matches
from probe.apache.model import Listen, Server, Site
from probe.diagnose.arrived import ArrivedRoutes
from probe.diagnose.fronts import server_header
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig
from probe.model import Cause, Evidence, EvidenceKind, Observation, Verdict
from probe.safe_text import quoted


def _ports(servers: list[Server]) -> set[int]:
    return {a.port for s in servers for a in s.addresses if a.port is not None}


def _listen(site: Site, port: int) -> Listen | None:
    return next((lst for lst in site.listens if lst.port == port), None)


def passed_elsewhere(obs: Observation, diagnosis: Diagnosis,
                     front: FrontConfig) -> Diagnosis | None:
    """``wrong_upstream`` where the answer's application is mounted only on one of Apache's
    Listens and the URL's site on another; None where the configuration does not say so."""
    if not isinstance(front, ArrivedRoutes) or diagnosis.verdict is not Verdict.WRONG_INSTANCE:
        return None
    site = front.site
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    if not front.unjoined(obs.target.url, address) or len({x.port for x in site.listens}) < 2:
        return None
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer), None)
    script = answer.raw.get("script_file") if answer is not None else None
    if answer is None or not isinstance(script, str) or not script:
        return None
    mounted = [app for app in site.apps if app.target == script and not app.server.is_main]
    there = _ports([app.server for app in mounted])
    host = (urlsplit(obs.target.url).hostname or "").lower()
    claims = [v for v in site.vhosts if name_matches(v.server_name, v.aliases, host)]
    meant = next((v for v in claims if _ports([v]) - there), None)
    if len(there) != 1 or meant is None:
        return None  # mounted on several ports (or none read), or the site shares the port
    arrived_at, at = _listen(site, next(iter(there))), mounted[0]
    site_port = sorted(_ports([meant]) - there)[0]
    meant_at = _listen(site, site_port)
    if arrived_at is None or meant_at is None:
        return None
    group = (f", daemon group {quoted(answer.process_group)} (process_group)"
             if answer.process_group else "")
    runs = next((f", which runs {app.target} ({app.directive.where})" for app in site.apps
                 if app.server == meant), "")
    header = server_header(obs)
    through = f" (Server: {header})" if header else ""
    listens = ", ".join(f"Listen {x.directive.arg(0)} at {x.directive.where}"
                        for x in site.listens)
    explanation = (
        f"{obs.target.url} should be served by {obs.target.expected}, but "
        f"{diagnosis.answered_by or 'another application'} answered it through the front in "
        f"between{through}. Apache's configuration listens on several ports "
        f"({listens}). The application that answered, {script} (script_file){group}, is "
        f"mounted only in {at.server.describe()} (WSGIScriptAlias at {at.directive.where}), "
        f"on Listen {arrived_at.directive.arg(0)} ({arrived_at.directive.where}): the request "
        f"arrived there (where this file is the one Apache runs). {host} is claimed by "
        f"{meant.describe()}{runs}, on Listen {meant_at.directive.arg(0)} "
        f"({meant_at.directive.where}). So the front in between passed it to port "
        f"{arrived_at.port}, not {site_port}; the line that chose the port is the front's, "
        f"which Apache's configuration does not show.")
    fix = (f"Point the front's pass line for {host} at Apache's port {site_port} (Listen "
           f"{meant_at.directive.arg(0)} at {meant_at.directive.where}), not {arrived_at.port}: "
           f"nginx: the proxy_pass of the server block that takes {host} ('nginx -T' shows it; "
           f"probe sweep --config with nginx's configuration names its line). Leave Apache's "
           f"VirtualHosts as they are: each is right for the site it is written for.")
    return dataclasses.replace(
        diagnosis, cause=Cause.WRONG_UPSTREAM, candidates=(), explanation=explanation, fix=fix,
        evidence=(*diagnosis.evidence,
                  Evidence(EvidenceKind.OBSERVED, f"script_file = {script!r}",
                           f"GET {obs.target.url}"),
                  Evidence(EvidenceKind.CONFIGURED, f"WSGIScriptAlias {at.mount} {at.target}",
                           at.directive.where),
                  Evidence(EvidenceKind.CONFIGURED, f"Listen {arrived_at.directive.arg(0)}",
                           arrived_at.directive.where),
                  Evidence(EvidenceKind.CONFIGURED, meant.describe(), meant.where),
                  Evidence(EvidenceKind.CONFIGURED, f"Listen {meant_at.directive.arg(0)}",
                           meant_at.directive.where)))
