"""A daemon process group chosen per request (``WSGIProcessGroup %{ENV:VAR}``) joined with the
answers (``--config``): the lines that set VAR for the URL's host and path are the cause
(:mod:`probe.apache.env_vars`), never a mount to add.

* a wrong group where mod_rewrite maps the URL to its script (a RewriteRule before any
  alias, which the model does not follow to the file): the rewrite decides the script, so a
  ``WSGIScriptAlias`` added for it would not be reached (T33 applied one: nothing changed);
  the group comes from the VirtualHost's ``WSGIProcessGroup %{ENV:VAR}`` and the SetEnvIf
  lines, where the last one that matches the host wins;
* a 500 where nothing read sets VAR for the request (mod_wsgi then takes ``%{ENV:VAR}`` as
  the group's name) or a RewriteRule's ``$N`` (a part of the path) sets it: that group is
  defined nowhere, mod_wsgi's WSGI0151 in the error log is the check.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.apache.env_vars import (
    PROBE_SEGMENT,
    EnvSetting,
    PortBlocked,
    env_name,
    group_setting,
    port_blocked,
    route_env,
    written,
)
from probe.apache.mapping import REDIRECT_UNDECIDED
from probe.apache.route import ApacheRoutes
from probe.diagnose.join_mount_needs import apache_log, fleet_server
from probe.diagnose.wording import Diagnosis
from probe.front import PredictedRoute, Source
from probe.model import Evidence, EvidenceKind, Observation

if TYPE_CHECKING:
    from probe.apache.config import Directive
    from probe.diagnose.config_join import ConfigJoin
    from probe.diagnose.identify import SweepContext

_RELOAD = " Then reload Apache, which reads these lines when it starts."


def rewrite_decides(obs: Observation, diagnosis: Diagnosis, route: PredictedRoute,
                    context: SweepContext, config: ConfigJoin) -> Diagnosis | None:
    """A wrong daemon group where a RewriteRule maps the URL first, said with the lines that
    give the group; None: not such a route."""
    front, step = config.front, route.step("mapping")
    if not isinstance(front, ApacheRoutes) or route.undecided is None or step is None or \
            step.source is None or step.decision == REDIRECT_UNDECIDED or \
            not step.rule.startswith("RewriteRule"):
        return None
    host = urlsplit(obs.target.url).hostname or ""
    said = [f"mod_rewrite maps this URL before any alias ({step.source}): a WSGIScriptAlias "
            f"for it in this VirtualHost would not be reached, so none is proposed."]
    evidence = [Evidence(EvidenceKind.CONFIGURED, step.rule, str(step.source))]
    line = group_setting(front.site, route)
    var = env_name(line.args[0]) if line is not None else None
    found = route_env(front.site, route, var) if var is not None else None
    if line is None or var is None or found is None or found.why or not found.lines:
        why = f" ({found.why})" if found is not None and found.why else ""
        said.append(f"The daemon group of the script it maps to is not decided by the "
                    f"configuration given{why}; the check: the error log at LogLevel wsgi:debug "
                    f"names the daemon process each script is loaded into.")
        return _with(diagnosis, said, evidence, fix=(
            "Set the daemon group where mod_rewrite's target is handled (the VirtualHost's "
            "WSGIProcessGroup or the lines that set its variable), not at a new alias."))
    evidence += [Evidence(EvidenceKind.CONFIGURED, written(d), d.where)
                 for d in (line, *(d for d, _ in found.lines))]
    said.append(_group_words(line, found, host, obs))
    fix = _fix(found, host, _meant(obs, context), front)
    return _with(diagnosis, said, evidence, fix=_restart(fix, obs, context, config))


def _group_words(line: Directive, found: EnvSetting, host: str, obs: Observation) -> str:
    """Which line gives the group for ``host``, the earlier ones it overrides."""
    last, value = found.lines[-1]
    earlier = [f"{written(d)} at {d.where} sets {v!r}" for d, v in found.lines[:-1]]
    answered = next((s.trusted_answer.process_group for s in reversed(obs.samples)
                     if s.trusted_answer), None)
    return (f"Whatever script it maps to, its daemon group is {written(line)} at {line.where} "
            f"of this VirtualHost, and {found.var} is {value!r} for {host}: {written(last)} at "
            f"{last.where} sets it"
            + (f", after {'; '.join(earlier)} (of the lines that match a request, the last one "
               f"read wins)" if earlier else "")
            + (f", as the answer shows (process_group {answered!r})."
               if answered == value else "."))


def _fix(found: EnvSetting, host: str, meant: str | None, front: ApacheRoutes) -> str:
    """The line to move or add so that the last line that sets the variable for ``host``
    gives ``meant``; never one the configuration already has."""
    last, _ = found.lines[-1]
    if not meant:
        return (f"Make the last line that sets {found.var} for {host} give the group meant "
                f"({written(last)} at {last.where} is that line now).")
    own = next((d for d, v in found.lines if v == meant), None)
    if own is not None:
        return (f"Move '{written(own)}' ({own.where}) below {last.where}, so that it is the "
                f"last line read that sets {found.var} for {host}.{_RELOAD}")
    added = f'SetEnvIfNoCase Host "^{re.escape(host)}$" {found.var}={meant}'
    there = next((d for d in _every(front.site.config.directives) if written(d) == added),
                 None)
    if there is not None:
        return (f"'{added}' is already at {there.where}, yet {written(last)} at {last.where} "
                f"is read after it for {host}: move it below that line.{_RELOAD}")
    return (f"Add '{added}' below {last.where}, the last line read that sets {found.var} for "
            f"{host}.{_RELOAD}")


def env_group_500(obs: Observation, diagnosis: Diagnosis, route: PredictedRoute,
                  context: SweepContext, config: ConfigJoin) -> Diagnosis | None:
    """A 500 whose route takes its daemon group from a variable nothing sets for the request
    (the literal ``%{ENV:VAR}``) or from a part of the path; None: not such a route."""
    front, step = config.front, route.step("process_group")
    if not isinstance(front, ApacheRoutes) or route.undecided is not None or step is None \
            or step.source is None or "%{ENV:" not in step.rule:
        return None
    var = env_name(step.rule.split()[1]) if len(step.rule.split()) > 1 else None
    path = urlsplit(route.url).path or "/"
    path += "" if path.endswith(PROBE_SEGMENT) else PROBE_SEGMENT  # the request sent
    found = route_env(front.site, route, var, path) if var else None
    if var is None or found is None or found.why:
        return None
    name = f"%{{ENV:{var}}}" if found.value is None else found.value
    if front.site.daemon(name) is not None:
        return None
    log = apache_log(front, route, fleet_server(obs, context))
    if found.value is None:
        why = (f"nothing read sets {var} for {route.url} (no SetEnvIf or RewriteRule [E=] "
               f"line of its VirtualHost matches it), and mod_wsgi then takes the text "
               f"'%{{ENV:{var}}}' as the group's name")
    else:
        line = found.lines[-1][0]
        why = (f"{written(line)} at {line.where} sets {var} to {found.value!r} for the "
               f"probe's request {path}"
               + (" ($1 is a part of the path)" if found.from_path is not None else ""))
    explanation = (f"{diagnosis.explanation} The configuration given takes this request's "
                   f"daemon group from WSGIProcessGroup %{{ENV:{var}}} at {step.source}: "
                   f"{why}; no WSGIDaemonProcess is called {name!r}, so that is the likely "
                   f"cause: mod_wsgi refuses such a request before Python runs. The check: "
                   f"{log} says 'WSGI0151: No WSGI daemon process called {name!r}' for it.")
    evidence = (*diagnosis.evidence, Evidence(EvidenceKind.CONFIGURED, step.rule,
                                              str(step.source)),
                *(Evidence(EvidenceKind.CONFIGURED, written(d), d.where) for d, _ in
                  found.lines))
    blocked = port_blocked(front.site, route, var) if found.value is None else None
    fix = _port_fix(blocked, var) if blocked is not None else \
        _fix_500(found, route, _meant(obs, context), step.source)
    if blocked is not None:
        evidence = (*evidence, Evidence(EvidenceKind.CONFIGURED, written(blocked.condition),
                                        blocked.condition.where))
    return dataclasses.replace(diagnosis, explanation=explanation, evidence=evidence,
                               fix=_restart(fix, obs, context, config))


def _port_fix(blocked: PortBlocked, var: str) -> str:
    cond = blocked.condition
    return (f"At {cond.where}, {written(cond)} does not match the Host {blocked.host!r} this "
            f"request sent (a Host keeps the port it was sent with), so the RewriteRule at "
            f"{blocked.rule.where} never sets {var} for it: allow an optional port, "
            f"{blocked.pattern} in place of {cond.arg(1)} (its %N captures unchanged).{_RELOAD}")


def _restart(fix: str, obs: Observation, context: SweepContext, config: ConfigJoin) -> str:
    """``fix`` with its reload said as the running Apache's own graceful restart (re-tester
    R33: "reload Apache" named no command where the other Apache fixes print one)."""
    from probe.diagnose.config_reload import apache_restart_words

    return fix.replace(_RELOAD, f" Then {apache_restart_words(obs, context, config.front)}.")


def _fix_500(found: EnvSetting, route: PredictedRoute, meant: str | None,
             at: Source) -> str:
    """The line that gives the variable the group meant for the request."""
    line = found.from_path
    if line is not None and meant and meant in found.captured:
        capture = found.captured.index(meant) + 1
        return (f"In {written(line)} at {line.where}, write %{capture} (the RewriteCond's "
                f"capture, {meant!r} for this host) in place of $1 (a part of the path)."
                f"{_RELOAD}")
    if not meant:
        return (f"Make a line of this VirtualHost set {found.var} for {route.url} to a "
                f"WSGIDaemonProcess name.{_RELOAD}")
    segment = (urlsplit(route.url).path or "/").strip("/").split("/")[0]
    added = (f'SetEnvIf Request_URI "^/{re.escape(segment)}(/|$)" {found.var}={meant}'
             if segment else
             f'SetEnvIfNoCase Host "^{re.escape(urlsplit(route.url).hostname or "")}$" '
             f'{found.var}={meant}')
    below = found.lines[-1][0].where if found.lines else f"{at.file}:{at.line - 1}"
    return f"Add '{added}' below {below}.{_RELOAD}" if found.lines else \
        f"Add '{added}' above {at} (the WSGIProcessGroup line).{_RELOAD}"


def _meant(obs: Observation, context: SweepContext) -> str | None:
    """The daemon group the manifest declares for the URL's expected instance."""
    instance = context.manifest.instances.get(obs.target.expected or "")
    return instance.process_group if instance is not None else None


def _every(directives: tuple[Directive, ...]) -> list[Directive]:
    """Every line read, sections' bodies included."""
    return [x for d in directives for x in (d, *_every(d.body()))]


def _with(diagnosis: Diagnosis, said: list[str], evidence: list[Evidence], *,
          fix: str) -> Diagnosis:
    return dataclasses.replace(diagnosis, explanation=f"{diagnosis.explanation} {' '.join(said)}",
                               evidence=(*diagnosis.evidence, *evidence), fix=fix)
