"""The configuration join: per URL, what the manifest intends, what the front's configuration
predicts (:class:`probe.front.PredictedRoute`) and what was observed.

* observed = predicted, and the verdict a problem: the configuration is the cause; the first
  step where the route leaves the intended one is named with its ``file:line``, and the fix
  is written at that line;
* observed != predicted: the server that answered is not running this configuration as read
  (changed and not reloaded, another server on the address, a proxy in front) or the model
  is wrong: the differing field is named, no line is blamed; where the route reaches the
  expected instance, the fix is a reload of that server, and where the file opens no Listen
  for the address, it says nothing of that server (:mod:`.join_not_running`);
* the model cannot follow the route (a rule it does not evaluate), or an express server's
  file is given for a URL sent to a front (:mod:`.express_behind`): said, nothing blamed.

The intended application of a URL is the WSGI script the expected instance's own answers
report (``script_file``), in the daemon group the manifest declares; where the route leaves
it, from the front (:class:`probe.front.Divergence`). Pure: the caller's FrontConfig routes.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urlsplit

from probe.apache.ip_only import connect_at
from probe.apache.route import ApacheRoutes
from probe.diagnose import join_wording as words
from probe.diagnose.arrived import ArrivedRoutes, host_not_passed
from probe.diagnose.causes_site import CONFIG_CHECK
from probe.diagnose.config_join import ConfigJoin
from probe.diagnose.express_behind import not_routed
from probe.diagnose.identify import SweepContext
from probe.diagnose.join_app_group import app_group_step
from probe.diagnose.join_embedded import typo_first
from probe.diagnose.join_env_group import rewrite_decides
from probe.diagnose.join_kept import GroupKept, group_kept
from probe.diagnose.join_kept import kept as kept_by
from probe.diagnose.join_not_running import differences, not_reloaded, unlistened
from probe.diagnose.join_refused_site import refused_site
from probe.diagnose.join_setenv import setenv_named
from probe.diagnose.join_settings_path import path_lines
from probe.diagnose.member_lacks_site import lacks_site
from probe.diagnose.sentences import without_sentence
from probe.diagnose.wording import Diagnosis
from probe.front import Divergence, PredictedRoute, RouteStep
from probe.model import Cause, Evidence, EvidenceKind, Observation, Verdict

_SITE_LINE = re.compile(r" at (.+):(\d+)$")
_CITED = re.compile(r"written at (\S+?):(\d+)")
RUNNING_CHECK = "the configuration the server runs (the one given does not decide this, see above)"
"""A candidate's check once the configuration given was read and could not decide."""


def join(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
         config: ConfigJoin) -> Diagnosis:
    """``diagnosis`` (from the answers alone) with what the configuration adds."""
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer),
                  None)
    # an express server's own file, the URL sent to a front: that file does not route it
    unjoined = not_routed(obs, diagnosis, config.front) or _through_front(obs, diagnosis, config)
    if unjoined is not None:
        return unjoined
    if diagnosis.verdict is Verdict.UNREACHABLE:  # timed out at a balancer, or refused
        from probe.diagnose.join_refused import refused
        from probe.diagnose.join_timeout import timed_out_members

        found = timed_out_members(obs, diagnosis, context, config.front)
        if found is diagnosis:  # refused: does a Listen read open it?
            found = refused(obs, diagnosis, config.front)
        if found is not diagnosis:
            return found
    # no_endpoint, a 500, a gateway status where others were answered: only the route says why
    if answer is None or diagnosis.cause is Cause.UPSTREAM_DOWN:
        from probe.diagnose.join_unanswered import unanswered

        return unanswered(obs, diagnosis, context, config)
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    route = config.front.route(obs.target.url, address)
    if route.undecided is not None:  # a RewriteRule mapping first: the group's lines, maybe
        return rewrite_decides(obs, diagnosis, route, context, config) or \
            _add(diagnosis, words.undecided(route), _configured(route.steps[-1:]))
    differ = differences(route, answer)
    if differ:
        # A file that opens no socket at the address is another server's: nothing compared.
        said, listens = unlistened(config.front, address)
        if said:
            return _add(diagnosis, said, listens)
        script, group = _intended(obs, context)
        return not_reloaded(obs, diagnosis, context, config, route, differ, script, group) or \
            _add(diagnosis, words.not_this_configuration(differ),
                 words.difference_evidence(obs, differ, context))
    if diagnosis.verdict is Verdict.HTTP_ERROR:  # a 5xx of some samples, the others answered
        from probe.diagnose.join_partial_500 import partial_500

        return partial_500(obs, diagnosis, context, config)
    if diagnosis.cause in (Cause.SHARED_INTERPRETER, Cause.ENVIRON_LEAK):  # route right
        from probe.diagnose.join_sharing import cited

        return cited(obs, diagnosis, route, answer, config)
    if diagnosis.cause is Cause.SETTINGS_PATH:  # the route is right; name the path's line
        return path_lines(obs, diagnosis, context, config)
    if diagnosis.cause is Cause.MANIFEST_LABEL:
        return diagnosis  # the application meant answered: no step left the intended route
    if route.step("proxy") is not None and diagnosis.verdict in (
            Verdict.WRONG_INSTANCE, Verdict.SERVED_UNMAPPED, Verdict.INCONSISTENT):
        from probe.diagnose.join_proxy import proxy_cause

        proxied = proxy_cause(obs, diagnosis, route, context, config)
        if proxied is not None:
            return proxied
    if diagnosis.verdict not in (Verdict.WRONG_INSTANCE, Verdict.SERVED_UNMAPPED):
        from probe.diagnose.join_sharing import inconsistent_own  # a right route; SetEnv maybe
        return setenv_named(inconsistent_own(diagnosis, route, config), answer, config)
    return host_not_passed(obs, _config_cause(obs, diagnosis, route, context, config),
                           config.front)


def _through_front(obs: Observation, diagnosis: Diagnosis,
                   config: ConfigJoin) -> Diagnosis | None:
    """Where another front passed the URL on and what arrived at Apache is not known: said,
    nothing blamed, and that front's configuration named as the check (not Apache's)."""
    if not isinstance(config.front, ArrivedRoutes):
        return None
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    route = config.front.route(obs.target.url, address)
    if route.undecided is None or not config.front.unjoined(obs.target.url, address):
        return None
    from probe.diagnose.arrived_port import passed_elsewhere

    passed = passed_elsewhere(obs, diagnosis, config.front)
    if passed is not None:  # the answer's application says which Listen it arrived at
        return passed
    return dataclasses.replace(diagnosis, explanation=f"{diagnosis.explanation} "
                               f"{words.undecided(route)}")


def _intended(obs: Observation, context: SweepContext) -> tuple[str | None, str | None]:
    """The WSGI script and daemon group of the expected instance: the script its own
    answers report (observed ``script_file``; its right answers first, then any answer of
    it at another URL), the group the manifest declares."""
    instance = context.manifest.instances.get(obs.target.expected or "")
    if instance is None:
        return None, None
    key = ("intended_script", instance.name)
    if key not in context.memo:  # once per instance: asked for every wrong URL
        answers = context.answers_of(instance.name)
        right = [a for o, a in answers if o.target.expected == instance.name]
        scripts = (a.raw.get("script_file") for a in (*right, *(a for _, a in answers)))
        context.memo[key] = next((s for s in scripts if isinstance(s, str) and s), None)
    script = context.memo[key]
    return script if isinstance(script, str) else None, instance.process_group


def _script_of(obs: Observation) -> str | None:
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer), None)
    script = answer.raw.get("script_file") if answer is not None else None
    return script if isinstance(script, str) and script else None


def _package(obs: Observation, context: SweepContext) -> str | None:
    """The top package of the expected instance's declared settings module."""
    instance = context.manifest.instances.get(obs.target.expected or "")
    settings = instance.settings if instance is not None else None
    return settings.split(".", 1)[0] if settings and "." in settings else None


def _config_cause(obs: Observation, diagnosis: Diagnosis, route: PredictedRoute,
                  context: SweepContext, config: ConfigJoin) -> Diagnosis:
    """The first step where ``route`` leaves the route to the intended application."""
    script, group = _intended(obs, context)
    if script is None and diagnosis.cause in (Cause.PROCESS_GROUP_SCOPE,
                                              Cause.DAEMON_GROUP_UNUSED):
        # A near miss: the expected application answered, its own script_file is the one.
        script = _script_of(obs)
    chosen = ""  # how the configuration told the intended script, when no answer did
    if script is None and config.intended is not None and obs.target.expected:
        read = config.intended(route, group, _package(obs, context))
        if read is not None:
            script, chosen = read
    found: Divergence | None = None
    if config.divergence is not None and script is not None:
        found = config.divergence(route, script, group)
    if found is None and diagnosis.cause in (Cause.PROCESS_GROUP_SCOPE,
                                             Cause.DAEMON_GROUP_UNUSED):
        step = route.step("process_group")
        if step is not None and step.source is not None:
            found = Divergence("process_group", step, None, diagnosis.cause.value)
    if found is None and script is None:
        site = route.step("site")
        if site is not None and site.by == "default":  # read: no name of the set matched
            block = config.refuse_block(route) if config.refuse_block is not None else None
            why = config.refuse_why(route) if config.refuse_why is not None else ""
            found = Divergence("site", site, None, Cause.VHOST_FALLBACK.value, block, why)
        elif not obs.target.expected:  # a [refuse] URL: the step that took it is the one
            found = refused_site(route, config)
    if found is None:  # an application group the route gives (a default, maybe), else none
        return app_group_step(obs, diagnosis, route, context) or \
            _add(diagnosis, words.predicted_no_step(route, obs), _configured(route.steps))
    host = (urlsplit(obs.target.url).hostname or "").lower()
    lint = _lint(route, found, config)
    kept = None
    if found.stage == "site" and found.step.by == "name" and found.cause == "vhost_shadowed":
        kept = kept_by(context, config.front, route, found.step)
    shared: tuple[GroupKept, ...] = ()
    if found.cause == "process_group_scope" and found.meant is not None and \
            found.meant.by == "server" and obs.target.expected:
        shared = group_kept(context, config.front, route, found.step, obs.target.expected)
    instance = context.manifest.instances.get(obs.target.expected or "")
    urls = instance.urls if instance is not None else ()
    explained = lacks_site(obs, words.config_cause(
        obs, diagnosis, route, found, host, lint, kept, shared, urls,
        connect_at(config.front, route, found.meant, urls)), found, context, config.front)
    if found.cause == Cause.DAEMON_GROUP_UNUSED.value:
        explained = typo_first(explained, config.front, route, group)
    typo: tuple[Evidence, ...] = ()
    if found.cause == Cause.VHOST_FALLBACK.value and isinstance(config.front, ApacheRoutes):
        explained, typo = _near_name(explained, config.front, route, script, group)
    if found.stage == "mount" and found.meant is not None and found.meant.source is not None:
        from probe.diagnose.join_mount_needs import moved_mount_needs

        needs = moved_mount_needs(config.front, route, found.meant, config.findings)
        if needs:
            explained = dataclasses.replace(explained, fix=f"{explained.fix} {needs}")
    if chosen:
        explained = dataclasses.replace(explained, explanation=f"{explained.explanation} "
                                        f"The intended application: {chosen}.")
    # The step that left the route may be none of the route's (a section httpd never reads).
    extra = (found.step,) if found.step not in route.steps else ()
    chain = _configured((*route.steps, *extra, *((found.meant,) if found.meant else ()),
                         *((found.meant_tls,) if found.meant_tls else ())))
    # The step that took the URL (file:line) decides or refutes the answers' candidates.
    return dataclasses.replace(
        explained, cause=Cause(found.cause) if found.cause else None, candidates=(),
        evidence=(*_observed(diagnosis), *chain, *typo))


def _near_name(diagnosis: Diagnosis, front: ApacheRoutes, route: PredictedRoute,
               script: str | None, group: str | None) -> tuple[Diagnosis, tuple[Evidence, ...]]:
    """The first VirtualHost answered: a name of the expected instance's own VirtualHost
    one or two edits from the Host is the likely typo, its line's correction offered first
    (a re-tester's ``ServerName site2.exmaple`` was told only to add a ServerAlias)."""
    near = front.near_name(route, script, group)
    if near is None or diagnosis.fix is None:
        return diagnosis, ()
    host = (urlsplit(route.url).hostname or "").lower()
    said, d = near.said(host), near.directive
    return dataclasses.replace(
        diagnosis, explanation=f"{diagnosis.explanation} {said}: the likely typo.",
        fix=f"{said}: {near.fix(host)}; or {diagnosis.fix[:1].lower()}{diagnosis.fix[1:]}"), (
        Evidence(EvidenceKind.CONFIGURED, f"{d.name} {' '.join(d.args)}", d.where),)


def _lint(route: PredictedRoute, found: Divergence,
          config: ConfigJoin) -> list[tuple[str, str, str]]:
    """(code, file:line, message) of the lint findings at a line of the route or of what
    was meant (the VirtualHost lines included)."""
    # A step outside the route (a group line in a section not covering the script): lint's too.
    steps = [*route.steps, *((found.step,) if found.step not in route.steps else ()),
             *((found.meant,) if found.meant else ())]
    places = [(s.source.file, s.source.line) for s in steps if s.source]
    for step in steps:
        where = _SITE_LINE.search(step.decision) if step.stage == "site" else None
        if where:
            places.append((where.group(1), int(where.group(2))))
    if found.meant is not None:  # a line the meant step cites (an included alias)
        places += [(f, int(n)) for f, n in _CITED.findall(found.meant.rule)]
    seen: list[tuple[str, str, str]] = []
    for place in dict.fromkeys(places):
        if place in config.findings:
            code, message = config.findings[place]
            seen.append((code, f"{place[0]}:{place[1]}", message))
    # The finding of the cause itself when there is one; others at those lines say other things.
    same = [f for f in seen if f[0] == found.cause]
    return same or seen


def _configured(steps: tuple[RouteStep, ...]) -> tuple[Evidence, ...]:
    return tuple(Evidence(EvidenceKind.CONFIGURED, s.rule, str(s.source))
                 for s in steps if s.source is not None)


def _observed(diagnosis: Diagnosis) -> tuple[Evidence, ...]:
    return tuple(e for e in diagnosis.evidence if e.kind is not EvidenceKind.CONFIGURED)


def _add(diagnosis: Diagnosis, sentence: str, evidence: tuple[Evidence, ...]) -> Diagnosis:
    """``sentence`` says why the configuration given does not decide: a candidate's check is
    then the running configuration, no longer "sweep with --config" (that was done)."""
    prefix = f"{CONFIG_CHECK}: "
    candidates = tuple(
        dataclasses.replace(c, check=f"{RUNNING_CHECK}: {c.check.removeprefix(prefix)}")
        if c.check.startswith(prefix) else c for c in diagnosis.candidates)
    return dataclasses.replace(diagnosis, explanation=f"{diagnosis.explanation} {sentence}",
                               fix=without_sentence(diagnosis.fix, "Sweep with --config PATH"),
                               evidence=(*diagnosis.evidence, *evidence),
                               candidates=candidates)
