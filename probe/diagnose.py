"""Diagnosis: observations + manifest -> a verdict, a cause and a fix per URL.

Pure functions, no I/O, so every verdict can be tested with hand-built
observations. The causes are the three classic misroutes of Apache/mod_wsgi
(see Graham Dumpleton, "Requests running in wrong Django instance under
Apache/mod_wsgi", 2012):

- alias_order: a shorter WSGIScriptAlias listed first swallows a sub-URL;
- environ_leak: ``os.environ.setdefault('DJANGO_SETTINGS_MODULE', ...)`` in a
  second sub interpreter of the same process keeps the first one's value;
- vhost_fallback: a host name no ServerName/ServerAlias matches is served by
  the first VirtualHost for that address and port.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from urllib.parse import urlsplit

from probe import apache_names
from probe.apache_names import default_port, is_shorter_mount, vhost_of
from probe.findings import cross_url_findings
from probe.manifest import ANY_INSTANCE, Instance, Manifest
from probe.model import (
    Cause,
    EndpointAnswer,
    Observation,
    Report,
    Sample,
    TargetResult,
    Verdict,
)


def catch_all_vhost(url: str) -> str:
    """A first VirtualHost that refuses every host name no other vhost claims."""
    parts = urlsplit(url)
    return apache_names.catch_all_vhost(f"*:{parts.port or default_port(parts.scheme)}")


@dataclass(frozen=True)
class Diagnosis:
    verdict: Verdict
    cause: Cause | None = None
    explanation: str = ""
    fix: str = ""
    answered_by: str | None = None


def diagnose(
    manifest: Manifest,
    observations: Sequence[Observation],
    *,
    restarted_after: datetime | None = None,
    duration_s: float = 0.0,
    interrupted: bool = False,
) -> Report:
    """The whole report: one TargetResult per observation, then cross-URL findings."""
    context = SweepContext(manifest, observations)
    results = tuple(
        _result(obs, diagnose_target(obs, context, restarted_after)) for obs in observations
    )
    findings = cross_url_findings(observations, results, context.identify)
    return Report(results, findings, duration_s=duration_s, interrupted=interrupted)


def _result(obs: Observation, diagnosis: Diagnosis) -> TargetResult:
    last = obs.last
    pids = tuple(sorted({s.endpoint.pid for s in obs.samples if s.endpoint and s.endpoint.pid}))
    return TargetResult(
        url=obs.target.url,
        expected=obs.target.expected,
        verdict=diagnosis.verdict,
        cause=diagnosis.cause,
        explanation=diagnosis.explanation,
        fix=diagnosis.fix,
        observed=dict(last.endpoint.raw) if last and last.endpoint else None,
        status_code=last.status_code if last else None,
        samples=len(obs.samples),
        elapsed_ms=round(max((s.elapsed_ms for s in obs.samples), default=0.0), 3),
        answered_by=diagnosis.answered_by,
        pids=pids,
    )


class SweepContext:
    """What diagnosis of one URL may know about the rest of the sweep."""

    def __init__(self, manifest: Manifest, observations: Sequence[Observation]) -> None:
        self.manifest = manifest
        self.observations = observations

    def identify(self, answer: EndpointAnswer, expected: str | None = None) -> str | None:
        """The manifest instance this answer comes from, or None when it is none of them.

        An instance is recognised by what its manifest entry declares of label,
        process_group and application_group (all must match); one that declares
        none of them, by its settings module; one that declares nothing at all
        accepts any answer to its own URLs. When several instances match, the
        expected one wins, so an ambiguous manifest never invents a misroute.
        """
        instances = self.manifest.instances
        own = instances.get(expected) if expected and expected != ANY_INSTANCE else None
        if own is not None and not _declares_identity(own):
            return own.name
        matches = [i.name for i in instances.values() if _is(answer, i)]
        if expected in matches:
            return expected
        return matches[0] if matches else None

    def vhost_serves(self, vhost: str, host: str) -> bool:
        """Whether some URL on ``host`` got its right answer from the vhost ``vhost``.

        That makes ``host`` one of the vhost's own names (a ServerAlias), so a
        wrong answer through it is not a fallback.
        """
        return any(
            _host(obs.target.url) == host and vhost_of(answer.application_group) == vhost
            for obs, answer in self._right_answers
        )

    def display_name(self, answer: EndpointAnswer, expected: str | None = None) -> str:
        return (
            self.identify(answer, expected)
            or answer.label
            or answer.application_group
            or f"pid {answer.pid}"
        )

    def answers(self) -> Iterable[tuple[Observation, EndpointAnswer]]:
        for obs in self.observations:
            for sample in obs.samples:
                if sample.endpoint:
                    yield obs, sample.endpoint

    @cached_property
    def _right_answers(self) -> list[tuple[Observation, EndpointAnswer]]:
        """Answers from the instance the manifest expects for their URL.

        Computed once: every wrong answer is compared with them.
        """
        return [
            (obs, answer)
            for obs, answer in self.answers()
            if obs.target.expected not in (None, ANY_INSTANCE)
            and self.identify(answer, obs.target.expected) == obs.target.expected
        ]

    def mount_of(self, instance: str, host: str) -> str | None:
        """SCRIPT_NAME under which ``instance`` answered its own URLs on ``host``."""
        for obs, answer in self._right_answers:
            if (
                obs.target.expected == instance
                and _host(obs.target.url) == host
                and answer.script_name is not None
            ):
                return answer.script_name
        return None

    def pids_of(self, instance: str) -> set[int]:
        return {
            a.pid
            for _, a in self.answers()
            if a.pid is not None and self.identify(a) == instance
        }


def _declares_identity(instance: Instance) -> bool:
    return any(
        value is not None
        for value in (instance.label, instance.process_group, instance.application_group,
                      instance.settings)
    )


def _is(answer: EndpointAnswer, instance: Instance) -> bool:
    declared = {
        "label": instance.label,
        "process_group": instance.process_group,
        "application_group": instance.application_group,
    }
    declared = {k: v for k, v in declared.items() if v is not None}
    if declared:
        return all(getattr(answer, k) == v for k, v in declared.items())
    if instance.settings is not None:
        return answer.settings == instance.settings
    return False


def diagnose_target(
    obs: Observation, context: SweepContext, restarted_after: datetime | None = None
) -> Diagnosis:
    samples = obs.samples
    if not samples:
        return Diagnosis(Verdict.UNREACHABLE, explanation="no request was made (sweep interrupted)")
    if obs.target.expected is None:
        return _diagnose_refused(obs, context)
    failed = [s for s in samples if s.status_code is None]
    if failed:
        return _unreachable(failed, len(samples))
    server_errors = [s for s in samples if s.status_code is not None and s.status_code >= 500]
    if server_errors:
        return _http_error(obs, server_errors[-1], context)
    not_endpoint = [s for s in samples if s.endpoint is None]
    if not_endpoint:
        return _no_endpoint(obs, not_endpoint[-1], context)
    answers = [s.endpoint for s in samples if s.endpoint is not None]
    disagreement = _disagreement(obs, answers, context)
    if disagreement:
        return disagreement
    return _diagnose_answer(obs, answers[-1], context, restarted_after)


def _diagnose_answer(
    obs: Observation,
    answer: EndpointAnswer,
    context: SweepContext,
    restarted_after: datetime | None,
) -> Diagnosis:
    expected = obs.target.expected
    answered_by = context.identify(answer, expected)
    shown = context.display_name(answer, expected)
    if expected == ANY_INSTANCE:
        return Diagnosis(Verdict.OK, explanation=f"answered by {_who(answer, shown)}",
                         answered_by=shown)
    assert expected is not None
    if answered_by != expected:
        return _wrong_instance(obs, answer, shown, context)
    stale = _stale(answer, restarted_after)
    if stale:
        return Diagnosis(Verdict.STALE, explanation=stale, answered_by=shown,
                         fix="Restart or reload this instance (touch the WSGI script in daemon "
                             "mode, or restart Apache) so the new code is loaded.")
    instance = context.manifest.instances[expected]
    if instance.settings is not None and answer.settings != instance.settings:
        return _settings_mismatch(obs, answer, instance, context)
    return Diagnosis(Verdict.OK, explanation=f"answered by {_who(answer, shown)}",
                     answered_by=shown)


def _wrong_instance(
    obs: Observation, answer: EndpointAnswer, shown: str, context: SweepContext
) -> Diagnosis:
    expected = obs.target.expected
    assert expected is not None
    url = obs.target.url
    host = _host(url)
    who = _who(answer, shown)
    fallback_vhost = _fallback_vhost(answer, host, context)
    if fallback_vhost is not None:
        served_by = f"the VirtualHost {fallback_vhost}" if fallback_vhost else "another VirtualHost"
        return Diagnosis(
            Verdict.WRONG_INSTANCE,
            Cause.VHOST_FALLBACK,
            explanation=(
                f"{url} should be served by {expected} but was answered by {who} from "
                f"{served_by}: no ServerName or ServerAlias matches {host!r}, so Apache used "
                f"the first VirtualHost for this address and port."
            ),
            fix=(
                f"Add 'ServerAlias {host}' to the VirtualHost that serves {expected}. Also make "
                f"the first VirtualHost for this address:port a catch-all that refuses, so an "
                f"unknown host name fails loudly:\n{catch_all_vhost(url)}"
            ),
            answered_by=shown,
        )
    expected_mount = _expected_mount(obs, context)
    mount = answer.script_name
    if mount is not None and is_shorter_mount(mount, expected_mount):
        return Diagnosis(
            Verdict.WRONG_INSTANCE,
            Cause.ALIAS_ORDER,
            explanation=(
                f"{url} should be served by {expected} mounted at {_mount(expected_mount)} but "
                f"was answered by {who} mounted at {_mount(mount)} (SCRIPT_NAME {mount!r}, "
                f"PATH_INFO {answer.path_info!r}): the WSGIScriptAlias for {_mount(mount)} "
                f"comes before the one for {_mount(expected_mount)} (or that one is missing), "
                f"and mod_wsgi uses the first alias that matches."
            ),
            fix=(
                f"In the VirtualHost for {host}, list the WSGIScriptAlias for "
                f"{_mount(expected_mount)} ({expected}) before the one for {_mount(mount)}"
                f"{_script_hint(answer)}: the most deeply nested URL must come first."
            ),
            answered_by=shown,
        )
    return Diagnosis(
        Verdict.WRONG_INSTANCE,
        explanation=(
            f"{url} should be served by {expected} but was answered by {who}"
            f"{_group_hint(answer)}."
        ),
        fix=(
            f"Check which WSGIScriptAlias and process-group/application-group serve this URL, "
            f"and the label given to wsgi_endpoint.wrap() in {expected}'s WSGI script."
        ),
        answered_by=shown,
    )


def _fallback_vhost(answer: EndpointAnswer, host: str, context: SweepContext) -> str | None:
    """The ServerName of the vhost that caught ``host`` by fallback, "" if unknown, None if not.

    mod_wsgi's default application group (%{RESOURCE}) starts with the serving
    vhost's ServerName, not the requested Host; without it, an answering
    instance none of whose manifest URLs is on this host also crossed vhosts.
    """
    vhost = vhost_of(answer.application_group)
    if vhost is not None:
        return vhost if vhost != host and not context.vhost_serves(vhost, host) else None
    own_hosts = {
        _host(url)
        for inst in context.manifest.instances.values()
        if inst.name == context.identify(answer)
        for url in inst.urls
    }
    if own_hosts and host not in own_hosts:
        return ""
    return None


def _expected_mount(obs: Observation, context: SweepContext) -> str:
    expected = obs.target.expected
    assert expected is not None
    known = context.mount_of(expected, _host(obs.target.url))
    if known is not None:
        return known
    return urlsplit(obs.target.url).path.rstrip("/")


def _settings_mismatch(
    obs: Observation, answer: EndpointAnswer, instance: Instance, context: SweepContext
) -> Diagnosis:
    url = obs.target.url
    shown = context.display_name(answer, instance.name)
    seen = answer.settings
    owner = next(
        (i for i in context.manifest.instances.values()
         if i.name != instance.name and i.settings is not None and i.settings == seen),
        None,
    )
    shares_process = owner is not None and answer.pid in context.pids_of(owner.name)
    if owner is not None and (answer.embedded or shares_process):
        where = (
            f"in the same process (pid {answer.pid}) as {owner.name}"
            if shares_process
            else f"embedded in an Apache child process that also runs {owner.name}"
        )
        return Diagnosis(
            Verdict.SETTINGS_MISMATCH,
            Cause.ENVIRON_LEAK,
            explanation=(
                f"{url} is served by {instance.name} but it runs {owner.name}'s settings "
                f"{seen!r} instead of {instance.settings!r}: it runs {where}, in another sub "
                f"interpreter, and inherited DJANGO_SETTINGS_MODULE from the process "
                f"environment that {owner.name} set first; os.environ.setdefault() kept it."
            ),
            fix=(
                f"In {instance.name}'s WSGI script{_script_hint(answer)}, assign "
                f"os.environ['DJANGO_SETTINGS_MODULE'] = {instance.settings!r} instead of "
                f"os.environ.setdefault(...), or run each instance in its own daemon process "
                f"group (WSGIDaemonProcess + process-group=)."
            ),
            answered_by=shown,
        )
    return Diagnosis(
        Verdict.SETTINGS_MISMATCH,
        explanation=(
            f"{url} is served by {instance.name} but DJANGO_SETTINGS_MODULE is {seen!r}, "
            f"not {instance.settings!r}."
        ),
        fix=(
            f"Set DJANGO_SETTINGS_MODULE to {instance.settings!r} in {instance.name}'s WSGI "
            f"script{_script_hint(answer)} by assignment, or correct the manifest."
        ),
        answered_by=shown,
    )


def _diagnose_refused(obs: Observation, context: SweepContext) -> Diagnosis:
    url = obs.target.url
    statuses = context.manifest.refuse_statuses
    served = [s.endpoint for s in obs.samples if s.endpoint is not None]
    if served:
        answer = served[-1]
        shown = context.display_name(answer)
        host = _host(url)
        vhost = vhost_of(answer.application_group)
        by_vhost = f" from the VirtualHost {vhost}" if vhost and vhost != host else ""
        return Diagnosis(
            Verdict.SERVED_UNMAPPED,
            Cause.VHOST_FALLBACK,
            explanation=(
                f"{url} must be refused but was answered by {_who(answer, shown)}{by_vhost}: "
                f"no ServerName or ServerAlias matches {host!r}, so Apache used the first "
                f"VirtualHost for this address and port."
            ),
            fix=(
                f"Make the first VirtualHost for this address:port a catch-all that refuses "
                f"(in Apache 2.4 a <VirtualHost _default_:*> is not chosen for requests to "
                f"name-based vhosts, so use the same address:port as the sites), listed "
                f"first:\n{catch_all_vhost(url)}"
            ),
            answered_by=shown,
        )
    for sample in obs.samples:
        refused = sample.error_kind == "closed" or sample.status_code in statuses
        if refused:
            continue
        if sample.status_code is None:
            return _unreachable([sample], len(obs.samples))
        if sample.status_code >= 500:
            return _http_error(obs, sample, context)
        return Diagnosis(
            Verdict.SERVED_UNMAPPED if sample.status_code < 300 else Verdict.NO_ENDPOINT,
            explanation=(
                f"{url} must be refused but answered HTTP {sample.status_code}"
                f"{_location(sample)}, which is not one of the refusal statuses "
                f"{sorted(statuses)}; no wsgi-probe endpoint answered."
            ),
            fix=(
                "Refuse this host name in Apache (a first catch-all VirtualHost that denies "
                "all), or list the status under [refuse] statuses if it is a refusal."
            ),
        )
    how = ", ".join(sorted({_refusal(s) for s in obs.samples}))
    return Diagnosis(Verdict.OK, explanation=f"refused ({how})")


def _refusal(sample: Sample) -> str:
    return f"HTTP {sample.status_code}" if sample.status_code else "connection closed"


def _unreachable(failed: Sequence[Sample], total: int) -> Diagnosis:
    kinds = {s.error_kind for s in failed}
    share = "" if len(failed) == total else f"{len(failed)} of {total} requests failed: "
    fixes = {
        "dns": "Check the host name, or use --connect HOST:PORT to probe a server directly.",
        "tls": "Check the server's certificate for this host name (and --ca-file / ca_file).",
        "timeout": "The server or the network is too slow or stuck: check its load and logs.",
    }
    fix = next((fixes[k] for k in ("dns", "tls", "timeout") if k in kinds),
               "Check that the server is running and listening on this address and port.")
    return Diagnosis(Verdict.UNREACHABLE, explanation=share + (failed[-1].error or "no answer"),
                     fix=fix)


def _http_error(obs: Observation, sample: Sample, context: SweepContext) -> Diagnosis:
    url = obs.target.url
    explanation = f"{url} answered HTTP {sample.status_code}."
    fix = "Read the Apache error log for the traceback of this request."
    hint = _leak_hint(obs, context)
    if hint:
        explanation += " " + hint
        fix = (
            "Read the Apache error log. If the settings module was not found, assign "
            "os.environ['DJANGO_SETTINGS_MODULE'] in the WSGI script instead of "
            "setdefault(), or run each instance in its own daemon process group."
        )
    return Diagnosis(Verdict.HTTP_ERROR, explanation=explanation, fix=fix)


def _leak_hint(obs: Observation, context: SweepContext) -> str | None:
    """A likely leaked DJANGO_SETTINGS_MODULE, when embedded instances run beside this one."""
    expected = context.manifest.instances.get(obs.target.expected or "")
    mine = expected.settings if expected else None
    host = _host(obs.target.url)
    for other, answer in context.answers():
        if (
            answer.embedded
            and answer.settings
            and answer.settings != mine
            and other.target.expected != obs.target.expected
            and _host(other.target.url) == host
        ):
            name = context.display_name(answer)
            return (
                f"A likely cause (not certain): {name} runs embedded in Apache with "
                f"DJANGO_SETTINGS_MODULE={answer.settings!r}; if this instance's WSGI script uses "
                f"os.environ.setdefault(), it inherits that value in the same process and fails "
                f"when that settings module does not exist in its code base."
            )
    return None


def _no_endpoint(obs: Observation, sample: Sample, context: SweepContext) -> Diagnosis:
    probe_url = obs.target.probe_url(context.manifest.probe.segment)
    reason = f" ({sample.error})" if sample.error else ""
    return Diagnosis(
        Verdict.NO_ENDPOINT,
        explanation=(
            f"{probe_url} answered HTTP {sample.status_code}{_location(sample)}{reason}, "
            f"not the wsgi-probe endpoint."
        ),
        fix=(
            "Wrap the WSGI application with wsgi_endpoint.wrap() (see 'probe endpoint'); if it "
            "is wrapped, send the right X-Probe-Token (WSGI_PROBE_TOKEN) or probe from "
            "loopback, and check that Apache routes this path to the application."
        ),
    )


def _disagreement(
    obs: Observation, answers: Sequence[EndpointAnswer], context: SweepContext
) -> Diagnosis | None:
    expected = obs.target.expected
    kinds: dict[tuple[str | None, ...], list[EndpointAnswer]] = defaultdict(list)
    for answer in answers:
        key = (context.identify(answer, expected), answer.label, answer.settings,
               answer.application_group, answer.process_group)
        kinds[key].append(answer)
    if len(kinds) < 2:
        return None
    seen = "; ".join(
        f"{len(group)}x {_who(group[0], context.display_name(group[0], expected))}"
        f" with settings {group[0].settings!r}"
        for group in kinds.values()
    )
    return Diagnosis(
        Verdict.INCONSISTENT,
        explanation=f"{len(answers)} requests to {obs.target.url} got different answers: {seen}.",
        fix=(
            "Processes disagree: typically embedded mode where each Apache child loaded the "
            "instances in a different order (leaked DJANGO_SETTINGS_MODULE), or servers behind "
            "one address with different configuration. Use daemon mode and assign the settings."
        ),
        answered_by=context.display_name(answers[-1], expected),
    )


def _stale(answer: EndpointAnswer, restarted_after: datetime | None) -> str | None:
    started = answer.started
    if restarted_after is None or started is None:
        return None
    cutoff = restarted_after if restarted_after.tzinfo else restarted_after.replace(tzinfo=UTC)
    if started >= cutoff:
        return None
    return (
        f"the instance answering (pid {answer.pid}) started at {answer.started_at}, before "
        f"{cutoff.isoformat()}: old code is still serving after the deploy."
    )


def _who(answer: EndpointAnswer, name: str) -> str:
    details = [f"pid {answer.pid}"] if answer.pid is not None else []
    if answer.process_group:
        details.append(f"daemon {answer.process_group!r}")
    elif answer.process_group == "":
        details.append("embedded")
    return f"{name} ({', '.join(details)})" if details else name


def _group_hint(answer: EndpointAnswer) -> str:
    if answer.application_group is None:
        return ""
    return f", application group {answer.application_group!r}"


def _script_hint(answer: EndpointAnswer) -> str:
    script = answer.raw.get("script_file")
    return f" ({script})" if isinstance(script, str) and script else ""


def _mount(script_name: str) -> str:
    return script_name or "/"


def _location(sample: Sample) -> str:
    return f" redirecting to {sample.location}" if sample.location else ""


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
