"""The configuration join of a 500 whose predicted route (``--config``) runs the script in a
daemon process group.

The answers alone may guess that an embedded instance's ``DJANGO_SETTINGS_MODULE`` leaked
into this one in the same process; the route says this one runs in a process of its own, so
that guess is dropped (tester T26: printed for project-2 moved to its own group). Where that
group has no ``python-path=`` while the main server has ``WSGIPythonPath`` (which reaches no
daemon process), or another group's ``python-path=`` holds the script (the group it ran in
before: re-tester R26's a-daemon), both lines are said, and ``ModuleNotFoundError`` in the
error log is the check: a 500 has no answer to show it.
"""

from __future__ import annotations

import dataclasses

from probe.apache.import_path import missing_path
from probe.apache.route import ApacheRoutes
from probe.diagnose.join_refused import graceful_with
from probe.diagnose.server_errors import APACHE_LOG, without_leak_hint
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig, PredictedRoute
from probe.model import Evidence, EvidenceKind


def daemon_path_500(diagnosis: Diagnosis, route: PredictedRoute,
                    front: FrontConfig) -> Diagnosis:
    """``diagnosis`` of a 500 without the embedded-leak guess where ``route`` runs a daemon
    group, and with the group's missing python-path= said; else ``diagnosis`` itself."""
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
               f"WSGIDaemonProcess {group} at {daemon_at}, then restart Apache with this file "
               f"{graceful_with(front.site)}. The check: "
               f"{APACHE_LOG} at the time of this request shows ModuleNotFoundError for "
               f"this script if that is the cause; else it says what is.")
        evidence += [Evidence(EvidenceKind.CONFIGURED, f"WSGIDaemonProcess {group} without "
                              f"python-path=", daemon_at),
                     Evidence(EvidenceKind.CONFIGURED, f"WSGIPythonPath {path.value}" if
                              embedded else f"{path.directive} {path.written}", path.where)]
    return dataclasses.replace(diagnosis, explanation=explanation, fix=fix,
                               evidence=tuple(evidence))
