"""The configuration join of a ``no_endpoint`` whose route reaches a ``WSGIScriptAlias`` whose
script does not exist (``--config``).

mod_wsgi answers such a request itself, 404, and writes ``WSGI0135: Target WSGI script not
found or unable to stat`` to the error log: no application runs, so neither the endpoint nor a
VirtualHost's names are the reason. Re-tester R26 renamed a project's package (its wsgi.py
moved with it) and left the alias lines as they were: the sweep said "Check which
VirtualHost takes site-2.example.com" (``vhost_fallback`` a candidate) although the
configuration read showed the VirtualHost claiming the name and the alias naming the missing
file. The file was looked for where the sweep read the configuration (lint's
``script_unreadable``, read into the model at load, so this stays pure); the server's error
log line is the check that decides it there.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.apache.model import WsgiApp
from probe.apache.route import ApacheRoutes
from probe.diagnose.identify import SweepContext
from probe.diagnose.join_mount_needs import apache_log, fleet_server
from probe.diagnose.script_rerun import apache_control
from probe.diagnose.wording import Diagnosis, script_file
from probe.endpoint_answer import EndpointAnswer
from probe.front import PredictedRoute
from probe.model import Evidence, EvidenceKind, Observation

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin

WSGI0135 = "WSGI0135: Target WSGI script not found or unable to stat"


def _mounting(front: ApacheRoutes, route: PredictedRoute) -> WsgiApp | None:
    """The alias the route's mount step names, where its script was looked for and is not
    there (missing, not merely unreadable by the probe's user)."""
    step = route.step("mount")
    source = step.source if step is not None else None
    if source is None:
        return None
    app = next((a for a in front.site.apps if not a.handler and
                (a.directive.file, a.directive.line) == (source.file, source.line)), None)
    if app is None:
        return None
    info = front.site.script(app)
    return app if info is not None and info.missing else None


def _same_server(obs: Observation, context: SweepContext) -> list[EndpointAnswer]:
    """Answers of the sweep from the address this URL was probed at: their parent pid names
    the Apache to restart."""
    address = obs.target.address
    return [answer for other, answer in context.answers()
            if address is not None and other.target.address == address]


def missing_script(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
                   config: ConfigJoin, route: PredictedRoute) -> Diagnosis | None:
    """``diagnosis`` with the missing script at its alias line as the reason, the error
    log's WSGI0135 as the check and no other candidate; None where the route's script was
    found (or not looked for)."""
    front = config.front
    if not isinstance(front, ApacheRoutes) or route.script_file is None:
        return None
    app = _mounting(front, route)
    if app is None or any(s.status_code != 404 for s in obs.samples):
        return None  # WSGI0135 is a 404; another status is not this
    script = app.target
    # An answer from that script shows the server has it; and where no other script of the
    # configuration was found here either, this may be a copy read on another machine.
    if any(script_file(a) == script for _, a in context.answers()):
        return None
    found = next((a for a in front.site.apps if not a.handler and a.target != script
                  and (info := front.site.script(a)) is not None and info.error is None), None)
    if found is None:
        return None
    path = urlsplit(obs.target.url).path or "/"
    expected = obs.target.expected or "the expected instance"
    lines = [a.where for a in front.site.apps if a.target == script and not a.handler]
    others = [w for w in lines if w != app.where]
    also = f" (the same file at {', '.join(others)})" if others else ""
    explanation = (
        f"{diagnosis.explanation} The configuration given routes {path} to {script} "
        f"(WSGIScriptAlias {app.mount}, {app.where}), and that file does not exist where this "
        f"sweep read the configuration, which found another script it names ({found.target}"
        f", {found.where}): mod_wsgi answers 404 for a WSGIScriptAlias whose "
        f"script is missing, without running any application, whichever VirtualHost took "
        f"the name.")
    log = apache_log(front, route, fleet_server(obs, context))
    restart = apache_control(_same_server(obs, context))
    fix = (f"Point WSGIScriptAlias {app.mount} at {app.where}{also} at {expected}'s WSGI "
           f"script where it is now (a moved or renamed project takes its wsgi.py with it), "
           f"or put the script back at {script}. Then restart Apache, which reads its "
           f"configuration only when it starts: {restart}. The check: {log} has "
           f"'{WSGI0135}' for this request if the file is missing on the server too; if it "
           f"has not, the server has the file and the configuration read is not the one it "
           f"runs.")
    evidence = (*diagnosis.evidence,
                Evidence(EvidenceKind.CONFIGURED, f"WSGIScriptAlias {app.mount} {script} "
                         f"(the file does not exist)", app.where))
    return dataclasses.replace(diagnosis, cause=None, candidates=(), explanation=explanation,
                               fix=fix, evidence=evidence)

