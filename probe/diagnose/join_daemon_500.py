"""A 500 from Apache where the configuration given sends the request to a daemon process
group its VirtualHost cannot use (lint's ``undefined_daemon`` at the line that names it):
mod_wsgi refuses the request before Python runs (WSGI0152, or no such group at all), so the
cause is that line, the log is the one httpd writes it to, and the answers-alone guess of an
embedded process's inherited settings is dropped.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from probe.apache.route import ApacheRoutes
from probe.diagnose.join_mount_needs import apache_log, daemon_fix
from probe.diagnose.server_errors import without_leak_hint
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig, PredictedRoute
from probe.model import Cause, Evidence, EvidenceKind

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin


def daemon_out_of_reach(diagnosis: Diagnosis, route: PredictedRoute,
                        config: ConfigJoin, server: str | None = None,
                        names: tuple[str, ...] = ()) -> Diagnosis:
    """A 500 where ``route``'s daemon process group is not usable from its VirtualHost:
    mod_wsgi refuses the request itself, no traceback is written; ``diagnosis`` as it was
    where lint finds no undefined_daemon at the line that names the group; ``server``: the
    fleet's server the answer came from, whose log it is; ``names``: the host names of the
    instance's URLs in the manifest (they tell which of two near ServerNames is meant)."""
    step = route.step("process_group")
    if route.undecided is not None or not route.process_group or step is None or \
            step.source is None:
        return diagnosis
    code, message = config.findings.get((step.source.file, step.source.line), ("", ""))
    if code != "undefined_daemon":
        return diagnosis
    group = route.process_group
    defined = _definition(config.front, group)
    log = apache_log(config.front, route, server)
    if defined is None:
        fix = f"Add WSGIDaemonProcess {group} (outside any VirtualHost to share it)."
        logged = (f"mod_wsgi writes its message that no daemon process called {group!r} is "
                  f"configured to {log}, not a traceback")
    else:
        assert isinstance(config.front, ApacheRoutes)  # _definition found it in Apache's
        fix = daemon_fix(config.front, group, step.source, names)
        logged = (f"mod_wsgi writes 'WSGI0152: Daemon process called {group!r} cannot be "
                  f"accessed by this WSGI application' for it to {log}, not a traceback")
    # mod_wsgi refuses the request before Python runs: the answers-alone guess of a
    # settings module inherited in an embedded process is false here.
    explanation = (f"{without_leak_hint(diagnosis.explanation)} The configuration given sends "
                   f"this request to daemon process group {group!r} ({step.rule}, "
                   f"{step.source}), which this VirtualHost cannot use: probe lint reports "
                   f"undefined_daemon at {step.source}: {message}. {logged}.")
    evidence = [*diagnosis.evidence, *(Evidence(EvidenceKind.CONFIGURED, s.rule, str(s.source))
                                      for s in route.steps if s.source is not None)]
    if defined is not None:
        evidence.append(Evidence(EvidenceKind.CONFIGURED, f"WSGIDaemonProcess {group}",
                                 defined))
    return dataclasses.replace(diagnosis, cause=Cause.UNDEFINED_DAEMON,
                               explanation=explanation, fix=fix + " Then reload Apache.",
                               evidence=tuple(evidence))


def _definition(front: FrontConfig, group: str) -> str | None:
    """``file:line`` of ``WSGIDaemonProcess group``, where the front is Apache's model."""
    found = front.site.daemon(group) if isinstance(front, ApacheRoutes) else None
    return found.directive.where if found is not None else None
