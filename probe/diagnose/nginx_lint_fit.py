"""The lint findings named beside an nginx diagnosis: those at a line of its route that fit
its cause.

A finding at the pass line speaks of the hand-over: ``nginx_shared_backend`` says the line was
copied from another site and passes to the wrong application. Appended to a diagnosis whose
cause is not the pass line, it contradicts the explanation: a re-tester (R22, no_host) read
"The hand-over's target is not what is wrong" and then, at the same proxy_pass line, lint's
"this line ... passes to the wrong one". So a finding at the pass line is named only where the
cause is the pass line (``wrong_upstream``) or the finding is about the cause itself (no Host
passed on: ``host_rewritten``); a finding at another line of the route is named as before. A
label the manifest does not share with the application (``manifest_label``, decided by the
answer's own fields) puts no line in question: nothing is named.

A ``wrong_upstream`` fix repoints the pass line to another application: a finding there
about the mount the line leaves that application untold (``nginx_mount_not_told``,
``nginx_script_name_stripped``) was linted for the application being replaced, naming its
address. A re-tester (R28 m4, swapped ports) read, after "pass to 127.0.0.1:38102", lint's
words about "http://127.0.0.1:38101/" and an application that "takes itself to be mounted at
/", while the application meant showed ``request.force_script_name`` '/app2'. So those are
not named there: the next sweep judges the mount from the new application's own answers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from probe.diagnose.wording import Diagnosis
from probe.front import PredictedRoute
from probe.model import Cause

# The lint codes at a pass line that concern another cause than the pass line's target.
_ABOUT = {
    "nginx_host_not_forwarded": Cause.HOST_REWRITTEN,
    "nginx_uwsgi_params_missing": Cause.HOST_REWRITTEN,  # no HTTP_HOST without them
}


# The lint codes at a pass line about the mount the application behind it is told.
_MOUNT = frozenset({"nginx_mount_not_told", "nginx_script_name_stripped"})


def _fits(code: str, cause: Cause | None, at_pass_line: bool) -> bool:
    if cause is Cause.MANIFEST_LABEL:
        return False
    if at_pass_line and cause is Cause.WRONG_UPSTREAM and code in _MOUNT:
        return False  # linted for the application the fix takes the line away from
    return not at_pass_line or cause is Cause.WRONG_UPSTREAM or _ABOUT.get(code) is cause


def with_lint(diagnosis: Diagnosis, route: PredictedRoute | None,
              lint: Mapping[tuple[str, int], tuple[str, str]]) -> Diagnosis:
    """``diagnosis`` with the fix followed by the lint findings, at lines of ``route``, that
    fit its cause (``lint``: code and message by file and line)."""
    upstream = route.step("upstream") if route is not None else None
    pass_line = (upstream.source.file, upstream.source.line) \
        if upstream is not None and upstream.source is not None else None
    named = []
    for step in route.steps if route is not None else ():
        if step.source is None:
            continue
        at = (step.source.file, step.source.line)
        if at not in lint or not _fits(lint[at][0], diagnosis.cause, at == pass_line):
            continue
        code, message = lint[at]
        said = f"probe lint says at {step.source}: {code}: {message}"
        if said not in named:  # two steps of one line (upstream, mount): said once
            named.append(said)
    if not named:
        return diagnosis
    return dataclasses.replace(diagnosis, fix=f"{diagnosis.fix} ({'; '.join(named)})")
