"""The explanation and fix of each cause added by issue 11, in words a person can act on.

Decided in :mod:`probe.diagnose.causes_sharing` and :mod:`probe.diagnose.causes_runtime`; each
explanation names the field, the value and the other instance that make the evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from probe.diagnose.answer_names import place, places, server_kind, share
from probe.diagnose.answer_names import where as where_of
from probe.diagnose.deploy_reached import deploy_fix
from probe.diagnose.group_removal import DEFAULT_REMOVED, removal_words
from probe.diagnose.own_group import BROAD, answers_words
from probe.diagnose.reload import reload_fix
from probe.diagnose.wording import Diagnosis, host_name, script_file, script_hint, who
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Instance
from probe.model import Cause, Evidence, EvidenceKind, Verdict
from probe.safe_text import quoted

OWN_DAEMON = ("run each application in its own daemon process group (WSGIDaemonProcess + "
              "process-group= on its WSGIScriptAlias)")


def shared_interpreter_fix(name: str, script: str = "", line: str = "", own: str = "",
                           removal: str = "") -> str:
    """What separates two applications sharing an interpreter: only their own daemon groups
    also separate the process; ``line``: where %{GLOBAL} is set, ``own``: :mod:`.own_group`,
    ``removal``: what removing the shared group does, :mod:`.group_removal`."""
    return (
        f"Run {name}{script} in its own daemon process group "
        f"({own or answers_words(None)}): that separates both the interpreter and the "
        f"process. {removal or removal_words(None, (), line or DEFAULT_REMOVED)}"
    )


def _group(name: str | None) -> str:
    return "'' (%{GLOBAL}, the main interpreter)" if name == "" else repr(name)


def shared_interpreter(url: str, instance: Instance, owner: str, answer: EndpointAnswer,
                       shown: str, other: EndpointAnswer | None = None) -> Diagnosis:
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
        fix=shared_interpreter_fix(instance.name, script_hint(answer),
                                   own=answers_words(answer.process_group),
                                   removal=removal_words(answer.application_group,
                                                         [answer, *([other] if other else [])])),
        answered_by=shown,
    )


def process_group_scope(url: str, instance: Instance, answer: EndpointAnswer,
                        sharing: Sequence[str], shown: str) -> Diagnosis:
    shared = ("the same processes and, by application_group '', the same main interpreter"
              if answer.application_group == "" else "other application groups, same processes")
    with_whom = f", which also runs {', '.join(sharing)} ({shared})" if sharing else ""
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
            f"setting decides it; if the mount is an Alias with SetHandler wsgi-script, "
            f"'WSGIProcessGroup {instance.process_group}' in the <Location> or <Directory> of "
            f"{mount} instead (one written there overrides the VirtualHost's). Sweep with "
            f"--config PATH to have the line that decides it now named."
        ),
        answered_by=shown,
    )


def group_hint(instance: Instance, owner: str, group: str) -> str:
    return (f"Both run in the daemon process group {quoted(group)}: if {instance.name} was meant "
            f"to have its own, {BROAD} (declare process_group in the manifest to have this "
            f"checked).")


def host_rewritten(url: str, answer: EndpointAnswer, seen: str, answered: str, shown: str,
                   expected: str | None) -> Diagnosis:
    forwarded = answer.forwarded_host
    if forwarded is not None:
        proof = (f"X-Forwarded-Host {quoted(forwarded)} shows a front proxy that replaced the Host "
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
            f"{quoted(answer.host)}, not {host_name(url)!r}: {proof}; the backend then "
            f"chose its site by {quoted(seen)}."
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
                 shown: str, same: Sequence[EndpointAnswer] = (), total: int = 1) -> Diagnosis:
    """``same``: the answers (of ``total``) with this Python."""
    seen = "; ".join(f"{field} is {got!r}, the manifest expects {want!r}"
                     for field, want, got in wrong)
    whose = (f" That is the environment {owner} answers from." if owner else "")
    by = who(answer, shown) if total == 1 else f"{shown} ({share(same or [answer], total)})"
    if server_kind(answer) == "mod_wsgi":
        where = (f"python-home= of 'WSGIDaemonProcess {answer.process_group}'"
                 if answer.process_group else "WSGIPythonHome (embedded mode and every daemon "
                 "group without python-home use it)")
        fix = (f"Point {where} at {instance.name}'s virtualenv (sys.prefix of that "
               f"environment), built with the Python version mod_wsgi was compiled for; then "
               f"restart Apache.")
    else:
        fix = (f"Restart the application server of {places(same or [answer])} from "
               f"{instance.name}'s virtualenv (the server's executable in that environment's "
               f"bin/): a reload keeps the interpreter the process started with.")
    return Diagnosis(
        Verdict.WRONG_RUNTIME,
        Cause.WRONG_PYTHON,
        explanation=(
            f"{url} is served by {by} as expected, but not with the Python "
            f"environment it should have: {seen}.{whose}"
        ),
        fix=fix,
        answered_by=shown,
    )


def stale_code(url: str, instance: Instance, stale: Sequence[EndpointAnswer], total: int,
               shown: str, current: Sequence[EndpointAnswer] = (),
               replaced: Mapping[tuple[str | None, int | None], str] | None = None
               ) -> Diagnosis:
    """``stale``: the answers (of ``total``) whose code.version is not the manifest's;
    ``current``: the instance's answers that run it (:func:`.deploy_reached.current_answers`);
    ``replaced``: the reload the sweep saw per (host, pid) of ``stale``."""
    answer = stale[-1]
    versions = " and ".join(sorted({repr(a.code_version) for a in stale}))
    if total == 1:
        head = f"{who(answer, shown)} running code version {versions} (code.version)"
    else:
        head = (f"{shown}; {share(stale, total)} ran code version {versions} "
                f"(code.version)")
    return Diagnosis(
        Verdict.STALE,
        Cause.STALE_CODE,
        explanation=(
            f"{url} is served by {head}, but the manifest expects {instance.code_version!r}: "
            # Not "have not loaded the deploy": a process that read a version newer than the
            # manifest's loaded a deploy too (the fix tells the cases apart).
            f"{'this process does' if len({a.pid for a in stale}) == 1 else 'these processes do'}"
            f" not run it."
        ),
        fix=deploy_fix(instance.code_version or "", stale, current, replaced),
        answered_by=shown,
        evidence=tuple(Evidence(EvidenceKind.OBSERVED, f"code.version = {a.code_version!r}",
                                f"GET {url}, {place(a)}")
                       for a in {place(a): a for a in stale}.values()),
    )


def mixed_code(url: str, instance: Instance, answers: Sequence[EndpointAnswer],
               newer: Sequence[EndpointAnswer], shown: str) -> Diagnosis:
    def code(answer: EndpointAnswer) -> str:
        return (f"pid {answer.pid}: version {answer.code_version!r}, script modified "
                f"{answer.script_mtime or 'unknown'}, started {answer.started_at}")

    seen = sorted({code(a) for a in answers})
    # One server's processes: where it is said once (its listen address, else its host).
    at = where_of(answers[-1])
    server = f" (the server at {at})" if at else ""
    if newer:
        where = (f"it runs older code ({'; '.join(seen)}) than {instance.name} runs elsewhere "
                 f"({'; '.join(sorted({code(a) for a in newer}))})")
    else:
        where = f"its answers disagree on the code they run ({'; '.join(seen)})"
    return Diagnosis(
        Verdict.MIXED_CODE,
        Cause.STALE_CODE,
        explanation=(
            f"{url} is served by {instance.name}{server}, but {where}: some of its processes "
            f"picked up "
            f"a deploy and others did not ({_how_processes_lag(answers[-1])})."
        ),
        fix=reload_fix(answers),
        answered_by=shown,
    )


def _how_processes_lag(answer: EndpointAnswer) -> str:
    """How one server's processes come to run different code, in that server's terms."""
    kind = server_kind(answer)
    if kind == "mod_wsgi":
        return ("daemon processes restart one by one, maximum-requests recycles gradually, or "
                "an old process survived a graceful restart")
    if kind in ("gunicorn", "uwsgi"):
        return (f"{kind} workers started at different times (a HUP, max-requests, a worker "
                f"that was restarted) load the code on disk at that time; the others keep "
                f"what they loaded")
    return "each process loads the code on disk when it starts, and keeps it"
