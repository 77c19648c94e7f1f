"""A wrong application on a mod_wsgi-express port reached directly: that port serves one
application, so no site and no name chose it, and the server listening there runs the other
application.

mod_wsgi-express writes one ``<VirtualHost _default_:PORT>`` (name-based ones only with
``-DMOD_WSGI_VIRTUAL_HOST``) with one WSGI application in the daemon group it names after its
``--host`` and ``--port`` (:data:`probe.diagnose.fronts.EXPRESS_NAMING`): every Host it accepts
on that port reaches that application (``--server-name`` refuses the others with 403). Tester
T31 started blog's express on the port shop's already held: the second server could not bind
('(98)Address already in use: AH00072: make_sock: could not bind to address 127.0.0.1:18201'
in its start-server output) and exited, shop's answered blog's URL, and the sweep told to give a
VirtualHost the name and to sweep with the front's ``--config``, of a server with no front and
no name-based VirtualHost. The check is the start of the server meant (its output, its error
log) and who listens on the port (``ss -ltnp``); the server on the port is stopped with its own
apachectl, in its server root (:mod:`.reload` words the same for a reload).
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from probe.diagnose.answer_names import joined
from probe.diagnose.fronts import express_address, listening, same_listen
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.front import PredictedRoute
from probe.model import Evidence, EvidenceKind, Observation
from probe.safe_text import quoted


def _reached(obs: Observation) -> str | None:
    """The address the probe connected to for this URL: the manifest's, the sample's, else
    the URL's own host and port."""
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    if address:
        return address
    parts = urlsplit(obs.target.url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}" if parts.hostname else None


def express_port(obs: Observation, answer: EndpointAnswer, told: Diagnosis,
                 owners: tuple[str, ...], field: str, value: str,
                 probed: tuple[Evidence, ...],
                 groups: tuple[str | None, ...] = ()) -> Diagnosis | None:
    """``told`` reworded where the answer is a mod_wsgi-express server's, reached at its own
    address: ``owners`` the instances the manifest declares ``field`` = ``value`` for (the
    answers tell them apart no further where there are several), ``groups`` the process
    groups it declares for them; None otherwise."""
    at = listening(answer)
    reached = _reached(obs)
    if at is None or at.field != "process_group" or not same_listen(at.address, reached):
        return None  # another server, or express behind a front whose pass chose it
    expected = obs.target.expected or "the instance meant"
    port = at.address.rpartition(":")[2]
    named = (f"the {field.replace('_', ' ')} the manifest declares for {joined(list(owners))}: "
             f"an application with that {field.replace('_', ' ')} answered")
    # The value matched, not a server: a third server of that application (T31's 18201 was
    # shop's, neither 18203's nor 18204's) answers with its own daemon group.
    others = [g for g in groups if g]
    if others and at.value not in others:
        which = (f" (the {field.replace('_', ' ')} matched, not a server: its process_group "
                 f"{quoted(at.value)} is not the group declared for "
                 f"{'it' if len(owners) == 1 else 'any of them'} "
                 f"({', '.join(quoted(g) for g in others)}): another server of that "
                 f"application)")
    else:
        which = "" if len(owners) == 1 else (f" (the {field.replace('_', ' ')} matched; which "
                                              f"of them, the answers do not tell)")
    parent = (f"its parent pid {answer.ppid} (ppid)" if answer.ppid not in (None, 0, 1)
              else "its parent")
    ps = f"'ps -ww -o args= -p {answer.ppid if answer.ppid not in (None, 0, 1) else 'PPID'}'"
    explanation = (
        f"{told.explanation} {field.replace('_', ' ').capitalize()} {quoted(value)} is {named} "
        f"this URL, not {expected}'s{which}. The probe reached {reached}, and the answer's "
        f"{at.said}: that is the mod_wsgi-express server listening there, and an express "
        f"server serves one application to every Host it accepts on its port (one "
        f"<VirtualHost _default_:{port}>), so no VirtualHost and no name chose it: the server "
        f"on {at.address} runs that application, not {expected}'s.")
    fix = (
        f"No front and no ServerName is involved: find why {expected}'s server is not the one "
        f"on {at.address}. If {expected}'s mod_wsgi-express was started with --port {port} "
        f"too, it could not bind and exited: its start output (or the error_log in its "
        f"--server-root, by default /tmp/mod_wsgi-HOST:PORT:UID/, where one was written) says "
        f"'(98)Address already in use: AH00072: make_sock: could not bind to address "
        f"{at.address}'; 'ss -ltnp sport = :{port}' names the one process listening. Start "
        f"{expected}'s server on a port of its own (its --port; in the manifest, that port in "
        f"its URL and process_group = 'HOST:PORT' of it, since mod_wsgi-express names its "
        f"daemon group after its --host and --port), or stop the server on "
        f"{at.address} with its own apachectl ('SERVER_ROOT/apachectl stop', SERVER_ROOT the "
        f"directory of the httpd.conf that {ps} ({parent}, the express server's Apache) shows "
        f"after -f; the system's apachectl stops another Apache) and start {expected}'s "
        f"there. Then probe again.")
    seen = Evidence(EvidenceKind.OBSERVED, f"{at.field} = {quoted(at.value)}",
                    f"GET {obs.target.url}")
    return dataclasses.replace(told, cause=None, candidates=(), explanation=explanation,
                               fix=fix, evidence=(*told.evidence, seen, *probed))


def handler_unproven(route: PredictedRoute, obs: Observation) -> str | None:
    """Where the route ends in mod_wsgi-express's handler.wsgi: the httpd.conf does not show
    which script it loads, nor that its Apache is the one answering (T31's blog server root,
    whose httpd had exited on AH00072, 'predicted' shop's answer): the sentence saying so,
    with the checks that decide; None for any other route."""
    mount = route.step("mount")
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer), None)
    if mount is None or mount.by != "handler" or answer is None or \
            express_address(answer) is None:
        return None
    handler = mount.decision.rpartition(" at ")[0] or "its handler.wsgi"
    script = answer.raw.get("script_file")
    shown = f"the answer's script_file {quoted(script)}" if isinstance(script, str) and script \
        else "the script that answered"
    ppid = answer.ppid if answer.ppid not in (None, 0, 1) else "PPID"
    return (f"The configuration given routes this URL to {handler} ({mount.source}), which "
            f"loads the script mod_wsgi-express was started with; it does not show that this "
            f"is {shown}, nor that its Apache is the server that answered (pid {answer.pid}), "
            f"so it is not shown to predict this answer: 'grep -n entry_point {handler}' "
            f"names its script, and 'ps -ww -o args= -p {ppid}' the httpd.conf (after -f) of "
            f"the server that answered.")
