"""The configuration join of a 500 whose predicted route (``--config``) runs the script in a
daemon process group.

The answers alone may guess that an embedded instance's ``DJANGO_SETTINGS_MODULE`` leaked
into this one in the same process; the route says this one runs in a process of its own, so
that guess is dropped (tester T26: printed for project-2 moved to its own group). Where that
group has no ``python-path=`` while the main server has ``WSGIPythonPath`` (which reaches no
daemon process), or another group's ``python-path=`` holds the script (the group it ran in
before: re-tester R26's a-daemon), both lines are said, and ``ModuleNotFoundError`` in the
error log is the check: a 500 has no answer to show it.

The restart that follows is the Apache's own command where other URLs' answers at the same
address name it (their ``ppid``: :mod:`.apache_graceful`); where none does, the check that
finds the Apache running the file given, never a bare system ``apachectl`` (re-tester R26:
'then reload Apache' named no command).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import cast

from probe.apache.import_path import missing_path
from probe.apache.model import Site
from probe.apache.route import ApacheRoutes
from probe.diagnose.answer_names import server_kind
from probe.diagnose.apache_graceful import graceful, read_path
from probe.diagnose.fronts import express_address
from probe.diagnose.identify import SweepContext
from probe.diagnose.server_errors import APACHE_LOG, without_leak_hint
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.front import FrontConfig, PredictedRoute
from probe.model import Evidence, EvidenceKind, Observation

Answered = tuple[str, str, EndpointAnswer]
"""A URL, the address it was answered at and the Apache (mod_wsgi) answer it got."""


def daemon_path_500(diagnosis: Diagnosis, route: PredictedRoute, front: FrontConfig,
                    same_apache: Callable[[], Sequence[Answered]] = tuple) -> Diagnosis:
    """``diagnosis`` of a 500 without the embedded-leak guess where ``route`` runs a daemon
    group, and with the group's missing python-path= said; else ``diagnosis`` itself.
    ``same_apache``: the answers of other URLs at this URL's address (asked only here)."""
    group = route.process_group
    if not isinstance(front, ApacheRoutes) or route.undecided is not None or not group:
        return diagnosis
    explanation = without_leak_hint(diagnosis.explanation)
    guessed = explanation != diagnosis.explanation
    missing = missing_path(front.site, group, route.script_file)
    if not guessed and missing is None:
        return diagnosis
    step = route.step("process_group")
    evidence = list(diagnosis.evidence)
    fix = diagnosis.fix
    if guessed:
        at = f" ({step.rule}, {step.source})" if step is not None and step.source else ""
        explanation += (f" The configuration given runs this URL in daemon process group "
                        f"{group!r}{at}: a process of its own, not an Apache child that "
                        f"runs an embedded instance, so no embedded instance's settings "
                        f"reach it.")
        fix = (f"Read {APACHE_LOG} at the time of this request: it says why, a Python "
               f"traceback or mod_wsgi's own message.")
        if step is not None and step.source is not None:
            evidence.append(Evidence(EvidenceKind.CONFIGURED, step.rule, str(step.source)))
    if missing is not None:
        path, daemon_at = missing
        embedded = path.directive == "WSGIPythonPath"
        if embedded:
            explanation += (f" WSGIDaemonProcess {group} ({daemon_at}) sets no python-path=, "
                            f"while the main server's WSGIPythonPath ({path.where}) is "
                            f"{path.value}: WSGIPythonPath does not reach daemon processes, "
                            f"so an application that imports from it fails in this group.")
        else:
            explanation += (f" WSGIDaemonProcess {group} ({daemon_at}) sets no python-path=, "
                            f"while {path.directive} ({path.where}) has {path.written}, "
                            f"which holds this URL's script {route.script_file}: a group's "
                            f"python-path= reaches its own processes only, so an application "
                            f"that imports from it fails in {group!r}.")
        source = "the WSGIPythonPath" if embedded else f"the python-path= of {path.directive}"
        fix = (f"Add {path.written} ({source} at {path.where}) to "
               f"WSGIDaemonProcess {group} at {daemon_at}, then "
               f"{apache_restart(_main(front.site), same_apache())}. The check: "
               f"{APACHE_LOG} at the time of this request shows ModuleNotFoundError for "
               f"this script if that is the cause; else it says what is.")
        evidence += [Evidence(EvidenceKind.CONFIGURED, f"WSGIDaemonProcess {group} without "
                              f"python-path=", daemon_at),
                     Evidence(EvidenceKind.CONFIGURED, f"WSGIPythonPath {path.value}" if
                              embedded else f"{path.directive} {path.written}", path.where)]
    return dataclasses.replace(diagnosis, explanation=explanation, fix=fix,
                               evidence=tuple(evidence))


def same_apache(obs: Observation, context: SweepContext) -> list[Answered]:
    """One answer per Apache parent (ppid) among the mod_wsgi answers of other URLs at the
    address ``obs`` was answered at: the Apache that gave this URL its 500 (once per address
    and sweep)."""
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    key = ("same_apache", address or "")
    if key not in context.memo:
        found: dict[int, Answered] = {}
        for other in context.observations if address is not None else ():
            for sample in other.samples:
                answer = sample.trusted_answer
                if answer is not None and sample.address == address and \
                        answer.ppid not in (None, 0, 1) and answer.ppid not in found and \
                        server_kind(answer) == "mod_wsgi" and express_address(answer) is None:
                    found[answer.ppid or 0] = (other.target.url, address or "", answer)
        context.memo[key] = list(found.values())
    return cast("list[Answered]", context.memo[key])  # the memo holds objects of any kind


def _main(site: Site) -> str:
    return site.config.files[0] if site.config.files else "FILE"


def apache_restart(main: str, answered: Sequence[Answered],
                   reads: str = "WSGIDaemonProcess only when it starts",
                   unnamed: str = " (a 500 has none)") -> str:
    """The graceful restart of the Apache that runs the file ``main``: by the command line of
    the one ``answered`` name (their ppid), else the check that finds it."""
    said = f"restart Apache gracefully (it reads {reads})"
    main = read_path(main)
    if answered:
        url, address, first = answered[0]
        there = f" at {address}" if address else ""
        return (f"{said}: the answer of {url}{there} (pid {first.pid}, ppid "
                f"{first.ppid}) names {'the Apache there' if address else 'its Apache'}; "
                f"{graceful([a.ppid for _, _, a in answered], first.pid, f'pid {first.pid}')}")
    return (f"{said}: no answer of this sweep at this address names it{unnamed}; "
            f"'ps -ww -o pid=,args= -C apache2,httpd' lists each running Apache's command "
            f"line: the one that shows '-f {main}' runs this file; run that command with "
            f"'-k graceful' in place of the '-k start' it shows (its binary and -f, -d and -D "
            f"options kept); where none shows -f, 'apachectl -V' shows the file the system's "
            f"Apache reads (HTTPD_ROOT, SERVER_CONFIG_FILE), and 'apachectl graceful' "
            f"restarts it where that is {main}")
