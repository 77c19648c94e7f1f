"""The configuration join of a URL the endpoint did not answer (``no_endpoint``, a 500).

No answer says who was reached, so only the predicted route (``--config``) can say why:

* ``no_endpoint``: where the route does not reach the expected instance's WSGI script (an
  Alias, a rewrite or proxy before mod_wsgi, another VirtualHost, another mount), that step
  is the reason, with its ``file:line``; installing the endpoint is advised only where the
  route reaches the script;
* a 500 from Apache: where the route's daemon process group cannot be used by the
  VirtualHost (lint's ``undefined_daemon`` at the line that names it), that is the cause.

The intended script is the one the instance's own right answers report (``script_file``),
as in :mod:`probe.diagnose.join`.
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.apache import alias_slash
from probe.apache.port_vhost import vhost_of
from probe.apache.proxy_log import backend_schemes
from probe.apache.route import ApacheRoutes
from probe.apache.vhost_select import NO_VHOST
from probe.diagnose import redirected
from probe.diagnose.identify import SweepContext
from probe.diagnose.join_claimed import intended, known, owner, shadowed
from probe.diagnose.join_daemon_500 import daemon_out_of_reach
from probe.diagnose.join_daemon_path import daemon_path_500, same_apache
from probe.diagnose.join_embedded import embedded_500
from probe.diagnose.join_env_group import env_group_500
from probe.diagnose.join_gateway import gateway_error
from probe.diagnose.join_missing_script import missing_script
from probe.diagnose.join_mount_needs import apache_log, fleet_server, reached_fix
from probe.diagnose.join_proxy import GATEWAY, no_endpoint
from probe.diagnose.join_proxy_500 import proxy_500
from probe.diagnose.server_errors import ASK_CONFIG, CONFIG_HINT, UNREAD, with_log
from probe.diagnose.wording import Diagnosis
from probe.front import Divergence, FrontConfig, PredictedRoute, RouteStep, Source
from probe.model import Cause, Evidence, EvidenceKind, Observation, Verdict

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin

_MOUNTS_LATER = ("mod_rewrite, mod_proxy and mod_alias map a path before mod_wsgi's "
                 "WSGIScriptAlias is tried")


def unanswered(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
               config: ConfigJoin) -> Diagnosis:
    """``diagnosis`` of a URL without an endpoint answer, with what the route says."""
    if diagnosis.verdict is Verdict.NO_ENDPOINT and diagnosis.cause is None:
        return _no_endpoint(obs, diagnosis, context, config)
    # The sample the verdict was told from: the last 5xx (other samples may have answered).
    last = next((s for s in reversed(obs.samples) if (s.status_code or 0) >= 500),
                obs.samples[-1] if obs.samples else None)
    if diagnosis.verdict is Verdict.HTTP_ERROR and last is not None and \
            last.status_code in GATEWAY:
        route = _route(obs, context, config.front)
        log = apache_log(config.front, route, fleet_server(obs, context))
        found = gateway_error(obs, diagnosis, route, last.status_code, log,
                              _schemes(config.front, route), config.front)
        if found is not None:
            return found
        return _not_proxied(obs, diagnosis, route, config.front, log)
    if diagnosis.verdict is Verdict.HTTP_ERROR and diagnosis.cause is None and \
            last is not None and last.status_code == 500:
        route = _route(obs, context, config.front)
        found = proxy_500(diagnosis, route, config.front) or env_group_500(
            obs, diagnosis, route, context, config) or daemon_out_of_reach(
            diagnosis, route, config, fleet_server(obs, context), _hosts(obs, context))
        if found is diagnosis:  # not out of reach: maybe no group applies at all
            found = embedded_500(obs, diagnosis, context, config)
        if found is diagnosis:  # a daemon group of its own: no embedded leak, its path?
            found = daemon_path_500(diagnosis, route, config.front,
                                    lambda: same_apache(obs, context))
        # --config was read: its hint is spent whatever it told, and it names the log.
        log = apache_log(config.front, route, fleet_server(obs, context))
        return dataclasses.replace(found, fix=with_log(found.fix.replace(CONFIG_HINT, ""), log))
    return diagnosis


def _hosts(obs: Observation, context: SweepContext) -> tuple[str, ...]:
    instance = context.manifest.instances.get(obs.target.expected or "")  # its URLs' hosts
    return tuple(urlsplit(u).hostname or "" for u in (instance.urls if instance else ()))


def _not_proxied(obs: Observation, diagnosis: Diagnosis, route: PredictedRoute,
                 front: FrontConfig, log: str) -> Diagnosis:
    """A gateway status where --config was read and the route takes no ``ProxyPass``: the
    answers' words without the ask for it, and (Apache) where the route does take the URL."""
    fix = with_log(diagnosis.fix.replace(ASK_CONFIG, ""), log)
    explanation = diagnosis.explanation.replace(UNREAD, ".")
    if not isinstance(front, ApacheRoutes):  # nginx's words are its own (front_terms)
        return dataclasses.replace(diagnosis, explanation=explanation, fix=fix)
    path = urlsplit(route.url).path or "/"
    if route.undecided is not None:
        explanation += (f" The configuration given does not decide what takes {path}: "
                        f"{route.undecided}.")
    elif route.steps:
        step = route.steps[-1]
        at = f" ({step.source})" if step.source is not None else ""
        explanation += (f" The configuration given takes {path} through no ProxyPass: its "
                        f"route ends at {step.rule}{at}.")
    return dataclasses.replace(diagnosis, explanation=explanation, fix=fix,
                               evidence=(*diagnosis.evidence, *_configured(route.steps)))


def _route(obs: Observation, context: SweepContext, front: FrontConfig) -> PredictedRoute:
    """The route of the request that got the status: the probe URL's, at its address."""
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    return front.route(obs.target.probe_url(context.manifest.probe.segment), address)


def _same(a: str | None, b: str) -> bool:
    return a is not None and os.path.realpath(a) == os.path.realpath(b)


def _configured(steps: tuple[RouteStep, ...]) -> tuple[Evidence, ...]:
    return tuple(Evidence(EvidenceKind.CONFIGURED, s.rule, str(s.source))
                 for s in steps if s.source is not None)


def _no_endpoint(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
                 config: ConfigJoin) -> Diagnosis:
    diagnosis = redirected.route_given(diagnosis)  # the configuration was given
    route = _route(obs, context, config.front)
    found_redirect = redirected.with_route(obs, diagnosis, context, route)
    if found_redirect is not None:
        return found_redirect
    if route.undecided is not None or not route.steps:
        return diagnosis
    proxied = no_endpoint(obs, diagnosis, route, config, context)
    if proxied is not None:
        from probe.diagnose.pass_unanswered import unanswered as backend_said

        return backend_said(obs, proxied, context, route, config.front) or proxied
    if (missing := missing_script(obs, diagnosis, context, config, route)) is not None:
        return missing  # the alias's file is missing: mod_wsgi's 404, whatever the names
    path = urlsplit(obs.target.url).path or "/"  # the URL's own, as the manifest says it
    meant = intended(obs, context, config, route)
    script = meant.script
    expected = obs.target.expected or "the expected instance"
    mount = route.step("mount")
    # A script another instance's answers report is not where this endpoint must answer.
    other = owner(obs, context, route.script_file)
    if route.script_file is not None and (_same(route.script_file, script) if script else
                                          other is None):
        where = f" ({mount.rule}, {mount.source})" if mount and mount.source else ""
        said = (f" The configuration given routes {path} to {route.script_file}{where}: the "
                f"endpoint must answer from that script.")
        return dataclasses.replace(diagnosis, explanation=diagnosis.explanation + said,
                                   fix=reached_fix(obs, diagnosis, context, config, route),
                                   evidence=(*diagnosis.evidence, *_configured(route.steps)))
    site_step = route.step("site")
    if site_step is not None and site_step.by == NO_VHOST and \
            isinstance(config.front, ApacheRoutes):
        return _no_vhost(obs, diagnosis, context, config.front, route, site_step, script)
    found = None
    if script is not None and config.divergence is not None:
        found = config.divergence(route, script, None)
    claimed = shadowed(obs, diagnosis, context, config, route, found, meant)
    if claimed is not None:
        return claimed
    step, meant_step, cause = _deciding(route, found)
    whose = f"{expected}'s WSGI script" + (f" ({script})" if script else "")
    if route.script_file is None:
        reached = (f"it runs no WSGI application there "
                   f"({mount.rule if mount else 'no WSGI mount matches'})")
    else:
        reached = f"it runs {route.script_file}" + (f" ({mount.source})" if mount and
                                                     mount.source else "")
    explanation = (f"{diagnosis.explanation} The configuration given does not route {path} "
                   f"to {whose}: {step.rule} ({step.source}), so {reached}.")
    if meant_step is not None and meant_step.source is not None:
        explanation += (f" Where {expected} is configured: {meant_step.rule} "
                        f"({meant_step.source}).")
    if meant.chosen:
        explanation += f" The intended application: {meant.chosen}."
    fix = _fix(step, meant_step, route, path, expected, urlsplit(route.url).hostname or "")
    cited: tuple[Evidence, ...] = ()
    if step.by == alias_slash.BY and isinstance(config.front, ApacheRoutes):
        fix = _slash_fix(config.front, step) or fix
    if step.stage == "site" and isinstance(config.front, ApacheRoutes):
        instance = context.manifest.instances.get(obs.target.expected or "")
        owned = config.front.site_fix(route, obs.target.url, expected,
                                      instance.process_group if instance else None,
                                      meant_step.source if meant_step else None,
                                      known(obs, context, script))
        if owned is not None:
            fix = owned.fix
            cited = tuple(Evidence(EvidenceKind.CONFIGURED, what, str(where))
                          for what, where in owned.cites)
    evidence = (*diagnosis.evidence,
                *_configured((*route.steps, *((meant_step,) if meant_step else ()))), *cited)
    # A cause the route names is decided: the answers' candidates go (docs/verdicts.md).
    return dataclasses.replace(diagnosis, cause=cause, explanation=explanation, fix=fix,
                               evidence=evidence,
                               candidates=() if cause is not None else diagnosis.candidates)


def _no_vhost(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
              front: ApacheRoutes, route: PredictedRoute, site_step: RouteStep,
              script: str | None) -> Diagnosis:
    """No VirtualHost is written for the request's port, so the main server answered: the
    fix is the port of the expected instance's VirtualHost, not a name (a ServerAlias added
    to a VirtualHost of another port never reaches this one)."""
    path = urlsplit(obs.target.url).path or "/"
    expected = obs.target.expected or "the expected instance"
    instance = context.manifest.instances.get(obs.target.expected or "")
    port = (route.address or "").rpartition(":")[2] or str(urlsplit(route.url).port or "")
    own = vhost_of(front.site, front.site.vhosts, script,
                   instance.process_group if instance is not None else None)
    where = f" ({site_step.source})" if site_step.source is not None else ""
    explanation = (f"{diagnosis.explanation} The configuration given does not route {path} "
                   f"to {expected}'s WSGI script: {site_step.rule}{where}, and it runs no "
                   f"WSGI application of {expected} there.")
    cited: list[Evidence] = []
    if own is None:
        fix = (f"Write a <VirtualHost *:{port}> for {expected} (its WSGI lines inside), or "
               f"send the URL to the port of the VirtualHost that runs it: no VirtualHost of "
               f"the configuration is written for port {port}, and none of them is told "
               f"{expected}'s by its script or daemon group.")
    else:
        at = Source(own.server.file, own.server.line)
        on = ", ".join(str(p) for p in own.ports) or "every port"
        explanation += (f" {expected}'s VirtualHost is {own.opening} ({at}), with "
                        f"{own.why} ({own.where}): it is written for port {on}, the URL uses "
                        f"port {port}.")
        fix = (f"At {at}, write <VirtualHost *:{port}> instead of {own.opening} if that "
               f"VirtualHost is meant for port {port} (or add *:{port} to that line for "
               f"both ports); else send the URL to port {on}, where it is written.")
        cited = [Evidence(EvidenceKind.CONFIGURED, f"{own.opening}: {expected}'s "
                          f"VirtualHost", str(at)),
                 Evidence(EvidenceKind.CONFIGURED, own.why, str(own.where))]
    return dataclasses.replace(diagnosis, cause=None, explanation=explanation, fix=fix,
                               evidence=(*diagnosis.evidence, *_configured(route.steps),
                                         *cited))


def _slash_fix(front: ApacheRoutes, step: RouteStep) -> str | None:
    """The alias, written without the trailing slash that keeps requests off its script."""
    where = step.source
    app = next((a for a in front.site.apps if where is not None and
                (a.directive.file, a.directive.line) == (where.file, where.line)), None)
    return alias_slash.beyond_fix(app) if app is not None else None


def _deciding(route: PredictedRoute,
              found: Divergence | None) -> tuple[RouteStep, RouteStep | None, Cause | None]:
    """The step where the route leaves the intended script, what was meant, the cause."""
    if found is not None and found.step.source is not None:
        return found.step, found.meant, Cause(found.cause) if found.cause else None
    mapping = route.step("mapping")
    if mapping is not None and mapping.source is not None:
        return mapping, None, Cause.URL_MAPPING
    site = route.step("site")
    mount = route.step("mount")
    if mount is not None and mount.source is not None:
        return mount, None, None
    assert site is not None  # a decided Apache route starts with its site
    return site, None, Cause.VHOST_FALLBACK if site.by == "default" else None


def _fix(step: RouteStep, meant: RouteStep | None, route: PredictedRoute, path: str,
         expected: str, host: str) -> str:
    if step.stage == "mapping":
        return (f"At {step.source}, keep {path} out of that rule ({step.rule}): "
                f"{_MOUNTS_LATER}, so the mount of {expected} never sees it. Then install the "
                f"endpoint if it is still not answered.")
    if step.stage == "site":
        other = f"the VirtualHost of {expected}" if meant is None else meant.decision \
            if str(meant.source) in meant.decision else f"{meant.decision} ({meant.source})"
        if step.by == "default":
            return (f"Add 'ServerAlias {host}' inside {other}: no ServerName or ServerAlias "
                    f"for this address matches {host}, so the first VirtualHost answers "
                    f"({step.source}).")
        if step.by == "only":  # an IP-based VirtualHost claims no name: it takes them all
            port = (route.address or "").rpartition(":")[2] or "PORT"
            return (f"At {step.source}, make that VirtualHost's address '*' (<VirtualHost "
                    f"*:{port}>) so that httpd compares names among every VirtualHost of the "
                    f"port, or send {host}'s requests to an address where {other} answers.")
        return (f"At {step.source}, stop claiming {host} (narrow that name or wildcard), so "
                f"that {other} gets it.")
    if meant is not None and meant.source is not None:
        return (f"Move the line at {meant.source} above the one at {step.source}: mod_wsgi "
                f"uses the first WSGIScriptAlias that matches.")
    return (f"Give {expected} a mount for {path} before the one at {step.source} "
            f"({route.script_file or 'no application'} takes it now).")


def _schemes(front: FrontConfig, route: PredictedRoute) -> frozenset[str]:
    """The schemes of the backends the route's ``ProxyPass`` passes to (its log codes)."""
    rule = front.proxy_rule(route) if isinstance(front, ApacheRoutes) else None
    return frozenset() if rule is None or not isinstance(front, ApacheRoutes) else \
        backend_schemes(front.site, rule)
