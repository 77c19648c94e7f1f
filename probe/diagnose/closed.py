"""An ``unreachable`` URL whose every failed request was closed without an answer, at an
address that answered other URLs of the same sweep.

"Check that the server is running" is wrong there: a server listens at that address (it
answered the other URLs) and accepted this request's connection, then closed it without an
HTTP answer. That is what nginx's ``return 444`` does, and what a ``[refuse]`` URL is allowed
to get (a closed connection counts as a refusal there). Said as observed: the closed
connection, and the other URL's status at the same address; the front is named only where
an answer at that address named it (its Server header).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import cast
from urllib.parse import urlsplit

from probe import wire
from probe.diagnose.identify import SweepContext
from probe.diagnose.unreachable_words import NGINX_SHORT_OF_CONNECTIONS
from probe.diagnose.wording import Diagnosis
from probe.errors import ErrorKind
from probe.model import Evidence, EvidenceKind, Observation, Verdict


@dataclasses.dataclass(frozen=True)
class Answered:
    """One HTTP answer at an address: which URL got it, its status and Server header."""

    url: str
    status: int
    server: str | None


def address_of(obs: Observation) -> str:
    """``HOST:PORT`` the URL's requests went to: the one an answer said, else the target's,
    else the URL's own."""
    said = next((s.address for s in reversed(obs.samples) if s.address), None)
    return said or obs.target.address or wire.address(obs.target.url, None)


def _answered(context: SweepContext) -> Mapping[str, Answered]:
    """The first HTTP answer of each address in the sweep; once per sweep."""
    key = ("answered_addresses", "")
    if key not in context.memo:
        found: dict[str, Answered] = {}
        for obs in context.observations:
            sample = next((s for s in obs.samples if s.status_code is not None), None)
            if sample is not None and sample.status_code is not None:
                found.setdefault(address_of(obs), Answered(obs.target.url, sample.status_code,
                                                           sample.server))
        context.memo[key] = found
    return cast("Mapping[str, Answered]", context.memo[key])


def is_closed(obs: Observation) -> bool:
    """Every request of the URL that got no answer was closed without one."""
    failed = [s for s in obs.samples if s.status_code is None]
    return bool(failed) and all(s.error_kind is ErrorKind.CLOSED for s in failed)


def answered_by_expected(obs: Observation, context: SweepContext) -> int:
    """How many of the URL's samples its expected instance answered."""
    expected = obs.target.expected
    return sum(1 for s in obs.samples if s.trusted_answer is not None and expected is not None
               and context.identify(s.trusted_answer, expected) == expected)


def mostly_answered(obs: Observation, context: SweepContext) -> bool:
    """The expected instance answered most of the URL's samples: nothing refuses its name."""
    return answered_by_expected(obs, context) * 2 > len(obs.samples)


def closed_elsewhere_answered(obs: Observation, diagnosis: Diagnosis,
                              context: SweepContext) -> Diagnosis:
    """``diagnosis`` (``unreachable``) worded as observed where the connection was closed
    and the same address answered another URL; else unchanged."""
    if diagnosis.verdict is not Verdict.UNREACHABLE or not is_closed(obs) or \
            mostly_answered(obs, context):
        # This URL's own answers say more than another URL's (unreachable_words words it).
        return diagnosis
    address = address_of(obs)
    other = _answered(context).get(address)
    if other is None or other.url == obs.target.url:
        return diagnosis
    failed = [s for s in obs.samples if s.status_code is None]
    share = "" if len(failed) == len(obs.samples) else \
        f"{len(failed)} of {len(obs.samples)} requests: "
    nginx = (other.server or "").lower().startswith("nginx")
    server = f" (Server: {other.server})" if other.server else ""
    host = _host(obs)
    explanation = (
        f"{share}{obs.target.url}: the server at {address} accepted the connection and closed "
        f"it without an HTTP answer, while the same address answered {other.url} with HTTP "
        f"{other.status}{server} in this sweep: a server listens there and chose not to "
        f"answer this request (nginx's 'return 444' closes a connection so; so does a server "
        f"process that dies on the request).")
    where = ("with nginx, a 'return 444' in the server block that takes "
             f"{host} (or in an 'if' there), or in the default server of {address} when no "
             f"server_name matches {host}: 'nginx -T' shows them, and probe sweep --config "
             f"names the line; or nginx short of connections, which closes new ones before "
             f"reading them ({NGINX_SHORT_OF_CONNECTIONS})" if nginx else
             f"the server's configuration for {host} at {address} (a rule that closes "
             f"connections, such as nginx's 'return 444'), and its error log")
    fix = (f"Find what closes it: {where}. Give {host} to the block or site meant to serve "
           f"it. If {obs.target.url} is meant to be refused, list it under [refuse] urls: a "
           f"closed connection is a refusal there.")
    evidence = (*diagnosis.evidence, *_evidence(obs, other, address))
    return dataclasses.replace(diagnosis, explanation=explanation, fix=fix, evidence=evidence)


def _host(obs: Observation) -> str:
    return (urlsplit(obs.target.url).hostname or "").lower()


def _evidence(obs: Observation, other: Answered, address: str) -> tuple[Evidence, ...]:
    shown = f" (Server: {other.server})" if other.server else ""
    return (Evidence(EvidenceKind.OBSERVED, "connection closed without an HTTP answer",
                     f"GET {obs.target.url} at {address}"),
            Evidence(EvidenceKind.OBSERVED, f"HTTP {other.status}{shown} at {address}",
                     f"GET {other.url}"))
