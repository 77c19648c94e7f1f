"""A URL whose nginx hand-over speaks one protocol to an address that another line speaks
another to (``--config``; :mod:`probe.nginx.protocols`), or whose ``uwsgi_pass`` brought
back an HTTP server's own answer.

A tester (T14, Zulip z2) pointed Zulip's ``upstream django`` (``uwsgi_pass``) at the wiki's
gunicorn socket, which the wiki's ``proxy_pass`` used: the sweep said ``no_endpoint`` (HTTP
400) with "install the endpoint ... compare the two tokens", a wrong lead, since the
endpoint was installed and gunicorn had answered a uwsgi request it cannot read; the other
URLs to that socket timed out ("too slow or stuck"): the uwsgi requests held gunicorn's
workers. The words here say so, the status and Server header observed and both lines
configured, and the fix is the protocol: uwsgi_pass for a uWSGI socket, proxy_pass for an
HTTP server.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from probe.diagnose.nginx_names import nginx_model
from probe.model import Evidence, EvidenceKind, Observation
from probe.nginx.protocols import PROTOCOL, PassLine, mixed

if TYPE_CHECKING:
    from probe.diagnose.wording import Diagnosis
    from probe.front import FrontConfig, PredictedRoute

# Servers that speak HTTP only: their own Server header through uwsgi_pass shows that what
# listens there answered a uwsgi request in HTTP (uWSGI's own answers carry no such header).
HTTP_ONLY = ("gunicorn", "waitress", "werkzeug", "uvicorn", "hypercorn", "daphne",
              "cheroot", "cherrypy")
# Where nothing read shows which hand-over nginx uses (no --config; an answer that does not
# say an HTTP-only server): both are named, never proxy_pass alone.
EITHER_LINE = "pass line (proxy_pass or uwsgi_pass)"


@dataclass(frozen=True)
class Mixed:
    """The route's pass line and a line of another protocol to the same address."""

    address: str
    own: PassLine
    other: PassLine | None  # None: only the answer's Server header shows the mismatch


def _own_directive(route: PredictedRoute) -> str | None:
    step = route.step("upstream")
    if step is None or step.source is None:
        return None
    directive = step.rule.split(" ", 1)[0]
    return directive if directive in PROTOCOL else None


def two_protocols(front: FrontConfig | None, route: PredictedRoute) -> Mixed | None:
    """The route's hand-over and a line that speaks another protocol to one of its
    addresses, as the configuration read writes them; None where there is none."""
    model, directive, step = nginx_model(front), _own_directive(route), route.step("upstream")
    if model is None or directive is None or step is None:
        return None
    found = mixed(model)
    addresses = [m.address.lower() for m in route.members] or [step.decision.lower()]
    for address in addresses:
        by = found.get(address, {})
        if directive not in by:
            continue
        own = next((line for line in by[directive] if line.where == str(step.source)),
                   by[directive][0])
        other = next(line for d, lines in by.items() if d != directive for line in lines)
        return Mixed(address, own, other)
    return None


def http_server(obs: Observation) -> str | None:
    """The Server header of an answer, where it is an HTTP-only server's own."""
    server = next((s.server for s in reversed(obs.samples) if s.server), None) or ""
    return server if server.lower().startswith(HTTP_ONLY) else None


def no_endpoint(obs: Observation, diagnosis: Diagnosis, front: FrontConfig | None,
                route: PredictedRoute, expected: str) -> Diagnosis | None:
    """``no_endpoint`` through a uwsgi_pass to an address another line passes HTTP to, or
    whose answer carries an HTTP server's Server header: the protocol, not the endpoint."""
    if _own_directive(route) != "uwsgi_pass":
        return None
    both = two_protocols(front, route)
    step = route.step("upstream")
    server = http_server(obs)
    if both is not None and (both.other is None or both.other.directive != "proxy_pass"):
        both = None  # uwsgi and FastCGI or SCGI: not an HTTP server's answer to say
    if step is None or (both is None and server is None):
        return None
    status = next((s.status_code for s in reversed(obs.samples) if s.status_code), None)
    shown = next((s.server for s in reversed(obs.samples) if s.server), None)
    address = both.address if both is not None else step.decision
    seen = f"HTTP {status}" + (f" with Server: {shown}" if shown else " with no Server header")
    said = f" The answer ({seen}) is not the endpoint's"
    evidence = [Evidence(EvidenceKind.OBSERVED, f"status {status}, Server {shown!r}",
                         f"GET {obs.target.url}")]
    if server is not None:
        said += (f": {server} is an HTTP server's own Server header, come back through "
                 f"uwsgi_pass ({step.source}), so what listens at {address} speaks HTTP, not "
                 f"the uwsgi protocol uwsgi_pass speaks")
    elif status == 400:
        said += ": an HTTP server such as gunicorn answers a uwsgi request it cannot read 400"
    if both is not None and both.other is not None:
        said += (f". The hand-over speaks uwsgi to {address} ({both.own.said}), and "
                 f"{both.other.said} passes HTTP to the same address: one server listens "
                 f"there and speaks one of the two, and the requests passed in the other fail")
        evidence += [Evidence(EvidenceKind.CONFIGURED, both.own.said, both.own.where),
                     Evidence(EvidenceKind.CONFIGURED, both.other.said, both.other.where)]
    target = step.rule.split()[1] if len(step.rule.split()) > 1 else address
    for scheme in ("uwsgi://", "suwsgi://"):
        target = target.removeprefix(scheme)
    member = next((m for m in route.members if m.address.lower() == address.lower()
                   and m.source is not None), None)
    line = (f"the server line at {member.source} (of the upstream that the uwsgi_pass at "
            f"{step.source} names)" if member is not None else
            f"the uwsgi_pass at {step.source}")
    fix = (f"Pass to {address} in the protocol its server speaks, not the endpoint: point "
           f"{line} at {expected}'s uWSGI socket (its --socket), or, if "
           f"what listens at {address} is {expected}'s application served over HTTP "
           f"(gunicorn, waitress, uWSGI's --http-socket), write 'proxy_pass http://{target};' "
           f"there in place of uwsgi_pass (with the proxy_set_header lines a proxy_pass "
           f"needs, Host among them); the server's log for a request through each line "
           f"tells which one it cannot read.")
    return dataclasses.replace(diagnosis, explanation=diagnosis.explanation + said + ".",
                               fix=fix, candidates=(),
                               evidence=(*diagnosis.evidence, *evidence))


def timed_out(diagnosis: Diagnosis, front: FrontConfig | None,
              route: PredictedRoute) -> Diagnosis:
    """A timeout through a line to an address spoken to in two protocols: the requests in
    the protocol its server does not read can hold its workers."""
    both = two_protocols(front, route)
    if both is None or both.other is None:
        return diagnosis
    own, other = both.own, both.other
    said = ("" if diagnosis.explanation.endswith(".") else ".") + (
        f" This URL's hand-over ({own.said}) speaks {PROTOCOL[own.directive]} to "
            f"{both.address}, and {other.said} speaks {PROTOCOL[other.directive]} to it: one "
            f"server listens there and reads one of the two; the requests in the other can "
            f"hold its workers (an HTTP server such as gunicorn may wait for the rest of a "
            f"uwsgi request it cannot read), so every URL passed there may time out.")
    fix = (f"First pass to {both.address} in one protocol, the one its server speaks "
           f"(uwsgi_pass for a uWSGI socket, proxy_pass for gunicorn, waitress or uWSGI's "
           f"--http-socket), in both places ({own.where}, {other.where}), or point the line "
           f"meant for another application at that application's own address; then sweep "
           f"again. If it still times out: {diagnosis.fix[0].lower()}{diagnosis.fix[1:]}")
    return dataclasses.replace(
        diagnosis, explanation=diagnosis.explanation + said, fix=fix,
        evidence=(*diagnosis.evidence,
                  Evidence(EvidenceKind.CONFIGURED, own.said, own.where),
                  Evidence(EvidenceKind.CONFIGURED, other.said, other.where)))
