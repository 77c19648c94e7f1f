"""The explanation and fix of each cause added by issue 11, in words a person can act on.

Decided in :mod:`probe.diagnose.causes_sharing` and :mod:`probe.diagnose.causes_runtime`; each
explanation names the field, the value and the other instance that make the evidence.
"""

from __future__ import annotations

from collections.abc import Sequence

from probe.diagnose.wording import Diagnosis, host_name, script_file, script_hint, who
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Instance
from probe.model import Cause, Verdict

OWN_DAEMON = ("run each application in its own daemon process group (WSGIDaemonProcess + "
              "process-group= on its WSGIScriptAlias)")


def _group(name: str | None) -> str:
    return "'' (%{GLOBAL}, the main interpreter)" if name == "" else repr(name)


def shared_interpreter(url: str, instance: Instance, owner: str, answer: EndpointAnswer,
                       shown: str) -> Diagnosis:
    return Diagnosis(
        Verdict.SETTINGS_MISMATCH,
        Cause.SHARED_INTERPRETER,
        explanation=(
            f"{url} is served by {instance.name} but it runs settings {answer.settings!r} "
            f"instead of {instance.settings!r}: it shares one Python interpreter with {owner} "
            f"(same pid {answer.pid}, same application group "
            f"{_group(answer.application_group)}), and Django is configured once per "
            f"interpreter, so the application loaded second runs the first one's settings even "
            f"when its WSGI script assigns DJANGO_SETTINGS_MODULE."
        ),
        fix=(
            f"Give {instance.name} its own application group: remove "
            f"'WSGIApplicationGroup %{{GLOBAL}}' (or application-group=%{{GLOBAL}} / the shared "
            f"name) from the mount of {instance.name}{script_hint(answer)} so the default "
            f"%{{RESOURCE}} applies, or {OWN_DAEMON}, where %{{GLOBAL}} is safe."
        ),
        answered_by=shown,
    )


def process_group_scope(url: str, instance: Instance, answer: EndpointAnswer,
                        sharing: Sequence[str], shown: str) -> Diagnosis:
    with_whom = (f", which also runs {', '.join(sharing)} (other application groups, same "
                 f"processes)" if sharing else "")
    leaked = ""
    if instance.settings is not None and answer.settings != instance.settings:
        leaked = (f" It also runs settings {answer.settings!r} instead of "
                  f"{instance.settings!r}, as applications sharing a process can (environ leak).")
    mount = answer.script_name or "/"
    return Diagnosis(
        Verdict.WRONG_INSTANCE,
        Cause.PROCESS_GROUP_SCOPE,
        explanation=(
            f"{url} is answered by {instance.name}'s application, but in the daemon process "
            f"group {answer.process_group!r} (pid {answer.pid}), not "
            f"{instance.process_group!r}{with_whom}: the front delegates this mount to "
            f"another application's daemon group.{leaked}"
        ),
        fix=(
            f"Delegate the mount explicitly: 'WSGIScriptAlias {mount} "
            f"{script_file(answer) or 'SCRIPT'} process-group="
            f"{instance.process_group}' in the site for {host_name(url)}, so no broader "
            f"setting decides it. Sweep with --config PATH to have the line that decides it "
            f"now named."
        ),
        answered_by=shown,
    )


def group_hint(instance: Instance, owner: str, group: str) -> str:
    return (f"Both run in the daemon process group {group!r}: if {instance.name} was meant to "
            f"have its own, a WSGIProcessGroup at server or VirtualHost scope may be applied "
            f"too broadly (declare process_group in the manifest to have this checked).")


def host_rewritten(url: str, answer: EndpointAnswer, seen: str, answered: str, shown: str,
                   expected: str | None) -> Diagnosis:
    forwarded = answer.forwarded_host
    if forwarded is not None:
        proof = (f"X-Forwarded-Host {forwarded!r} shows a front proxy that replaced the Host "
                 f"header with its backend's address")
    else:
        proof = ("no X-Forwarded-Host came with it, so something between probe and backend "
                 "replaced Host (a proxy without ProxyPreserveHost, nginx proxy_pass with "
                 "$proxy_host) or the request went straight to another address")
    target = f"should be served by {expected} but" if expected else "must be refused but"
    verdict = Verdict.WRONG_INSTANCE if expected else Verdict.SERVED_UNMAPPED
    return Diagnosis(
        verdict,
        Cause.HOST_REWRITTEN,
        explanation=(
            f"{url} {target} was answered by {answered}, which received Host "
            f"{answer.host!r}, not {host_name(url)!r}: {proof}; the backend then chose its "
            f"site by {seen!r}."
        ),
        fix=(
            "On the front proxy keep the client's Host: 'ProxyPreserveHost On' (Apache "
            "mod_proxy) or 'proxy_set_header Host $host;' (nginx), and make the backend's "
            "first VirtualHost a catch-all that refuses."
        ),
        answered_by=shown,
    )


def wrong_python(url: str, instance: Instance, answer: EndpointAnswer,
                 wrong: Sequence[tuple[str, str, str | None]], owner: str | None,
                 shown: str) -> Diagnosis:
    seen = "; ".join(f"{field} is {got!r}, the manifest expects {want!r}"
                     for field, want, got in wrong)
    whose = (f" That is the environment {owner} answers from." if owner else "")
    where = (f"python-home= of 'WSGIDaemonProcess {answer.process_group}'"
             if answer.process_group else "WSGIPythonHome (embedded mode and every daemon "
             "group without python-home use it)")
    return Diagnosis(
        Verdict.WRONG_RUNTIME,
        Cause.WRONG_PYTHON,
        explanation=(
            f"{url} is served by {who(answer, shown)} as expected, but not with the Python "
            f"environment it should have: {seen}.{whose}"
        ),
        fix=(
            f"Point {where} at {instance.name}'s virtualenv (sys.prefix of that environment), "
            f"built with the Python version mod_wsgi was compiled for; then restart Apache."
        ),
        answered_by=shown,
    )


def stale_code(url: str, instance: Instance, answer: EndpointAnswer, shown: str) -> Diagnosis:
    return Diagnosis(
        Verdict.STALE,
        Cause.STALE_CODE,
        explanation=(
            f"{url} is served by {who(answer, shown)} running code version "
            f"{answer.code_version!r} (code.version), but the manifest expects "
            f"{instance.code_version!r}: this process has not loaded the deploy."
        ),
        fix=_reload_fix(answer),
        answered_by=shown,
    )


def mixed_code(url: str, instance: Instance, answers: Sequence[EndpointAnswer],
               newer: Sequence[EndpointAnswer], shown: str) -> Diagnosis:
    def code(answer: EndpointAnswer) -> str:
        return (f"pid {answer.pid}: version {answer.code_version!r}, script modified "
                f"{answer.script_mtime or 'unknown'}, started {answer.started_at}")

    seen = sorted({code(a) for a in answers})
    if newer:
        where = (f"it runs older code ({'; '.join(seen)}) than {instance.name} runs elsewhere "
                 f"({'; '.join(sorted({code(a) for a in newer}))})")
    else:
        where = f"its answers disagree on the code they run ({'; '.join(seen)})"
    return Diagnosis(
        Verdict.MIXED_CODE,
        Cause.STALE_CODE,
        explanation=(
            f"{url} is served by {instance.name}, but {where}: some of its processes picked up "
            f"a deploy and others did not (daemon processes restart one by one, "
            f"maximum-requests recycles gradually, or an old process survived a graceful "
            f"restart)."
        ),
        fix=_reload_fix(answers[-1]),
        answered_by=shown,
    )


def _reload_fix(answer: EndpointAnswer) -> str:
    group = answer.process_group
    if group:
        return (f"Restart the whole daemon group {group!r}: touch its WSGI "
                f"script{script_hint(answer)} (every process reloads on its next request) or "
                f"'apachectl graceful'; then probe again and check that all pids report the "
                f"same code.version.")
    return ("Restart Apache ('apachectl graceful' lets old children finish first: probe again "
            "after they have exited).")


def time_zone_leak(url: str, instance: Instance, answer: EndpointAnswer, asked: str,
                   source: str | None, shown: str) -> Diagnosis:
    by = (f"{source}, in the same process (pid {answer.pid}), asked for that zone and set it "
          f"later" if source else
          f"another sub interpreter of this process (pid {answer.pid}) set it later")
    return Diagnosis(
        Verdict.WRONG_RUNTIME,
        Cause.TIME_ZONE_LEAK,
        explanation=(
            f"{url} is served by {who(answer, shown)}, which asked for time zone {asked!r} "
            f"(time_zone.environ {answer.tz_environ!r}) but runs in {answer.tz_name!r} "
            f"(UTC offset {answer.tz_offset_s} s): TZ and tzset() are process-wide, and "
            f"{by}. Local times it computes are wrong."
        ),
        fix=(
            f"{OWN_DAEMON[0].upper()}{OWN_DAEMON[1:]} for {instance.name}, so no other "
            f"application's Django sets its process's TZ, or give the applications that share "
            f"a process the same TIME_ZONE."
        ),
        answered_by=shown,
    )


def other_time_zone(url: str, instance: Instance, answer: EndpointAnswer, asked: str,
                    shown: str) -> Diagnosis:
    return Diagnosis(
        Verdict.WRONG_RUNTIME,
        explanation=(
            f"{url} is served by {who(answer, shown)} running in time zone "
            f"{answer.tz_name!r} (UTC offset {answer.tz_offset_s} s, TZ "
            f"{answer.tz_environ!r}), but the manifest expects {asked!r}."
        ),
        fix=(f"Set TIME_ZONE = {asked!r} in {instance.name}'s settings (Django sets TZ from "
             f"it), or correct the manifest's time_zone."),
        answered_by=shown,
    )
