"""A 503 with no Server header and no sample answered: a balancer's own page, with two
readings the answer cannot tell apart.

HAProxy answers 503 itself both where it chose no backend for the request (no ``acl`` +
``use_backend`` matched the Host and there is no ``default_backend``) and where every server
of the backend it chose is down; its page is byte for byte the same (a tester's HAProxy 2.6,
T14: nens/serverscripts' example_haproxy.cfg, whose [refuse] URL and a host missing its
``acl`` line were both called "the backend does not answer" with "start the ones that are
down"). So no cause is given; the words name both readings and the check that decides:
HAProxy's log line for the request, whose backend/server field is ``FRONTEND/<NOSRV>``
(the frontend's own name) where no backend was chosen and ``BACKEND/<NOSRV>`` where one was,
termination state ``SC--`` in both (measured with HAProxy 2.6.12). What the sweep adds is a
clue, said as one: a [refuse] or ``.invalid`` name at the same address got the same 503
while other names were served there, so the front answers 503 to names it does not route.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis
from probe.model import Evidence, EvidenceKind, Observation, Verdict

STATUS = 503


@dataclass(frozen=True)
class SameFront:
    """What the sweep saw at one address: the names to refuse (a [refuse] URL, a name under
    ``.invalid``) that got a 503 with no Server header and no answer, and the URLs at least
    one of whose samples the endpoint answered there."""

    unknown: tuple[str, ...] = ()
    served: tuple[str, ...] = ()


def _address(obs: Observation) -> str | None:
    return obs.target.address or next((s.address for s in reversed(obs.samples)
                                       if s.address), None)


def _to_refuse(obs: Observation) -> bool:
    host = (urlsplit(obs.target.url).hostname or "").rstrip(".")
    return obs.target.expected is None or host.endswith(".invalid")


def _bare_503(obs: Observation) -> bool:
    return any(s.status_code == STATUS and not s.server and s.endpoint is None
               for s in obs.samples)


def same_front(obs: Observation, context: SweepContext) -> SameFront:
    """The sweep at ``obs``'s address, gathered once per sweep (a sweep of thousands of URLs
    may have many such 503s)."""
    key = ("same_front", "")
    if key not in context.memo:
        unknown: dict[str, list[str]] = {}
        served: dict[str, list[str]] = {}
        for other in context.observations:
            at = _address(other)
            if at is None:
                continue
            if _to_refuse(other) and _bare_503(other):
                unknown.setdefault(at, []).append(other.target.url)
            elif any(s.trusted_answer is not None for s in other.samples):
                served.setdefault(at, []).append(other.target.url)
        context.memo[key] = {at: SameFront(tuple(unknown.get(at, ())), tuple(served.get(at, ())))
                             for at in {*unknown, *served}}
    fronts = context.memo[key]
    assert isinstance(fronts, dict)
    found = fronts.get(_address(obs) or "")
    return found if isinstance(found, SameFront) else SameFront()


def _urls(urls: tuple[str, ...]) -> str:
    shown = ", ".join(urls[:2])
    return shown + (f" and {len(urls) - 2} other URLs" if len(urls) > 2 else "")


def unrouted_or_down(obs: Observation, context: SweepContext, share: str,
                     evidence: tuple[Evidence, ...]) -> Diagnosis:
    """``http_error`` without a cause for a 503 no Server header names, none of whose
    samples the endpoint answered: both readings, the sweep's clue, the log line that tells."""
    url = obs.target.url
    host = urlsplit(url).hostname or url
    address = _address(obs) or "its address"
    front = same_front(obs, context)
    others = tuple(u for u in front.unknown if u != url)
    explanation = (
        f"{url} answered HTTP {STATUS}{share} (no Server header) without the endpoint's "
        f"answer: the endpoint answers before the application runs, so the application made "
        f"no traceback here. No sample reached the endpoint. A {STATUS} with no Server header "
        f"may be a balancer's own answer, such as HAProxy's, given for one of two reasons "
        f"this answer cannot tell apart (HAProxy's page is the same for both): it chose no "
        f"backend "
        f"for the name {host} (in HAProxy: no acl and use_backend matched it, and there is no "
        f"default_backend), or every server of the backend it chose is down (marked down by "
        f"health checks, or not listening).")
    refuse = obs.target.expected is None
    if front.served and (others or refuse):
        was = "was" if len(front.served) == 1 else "were"
        # No lean either way: a re-tester's members all down gave the same picture (the
        # refused name's 503, another instance served) as a name routed nowhere.
        seen = (f"{_urls(others)} (a name meant to be refused) got the same {STATUS} while "
                f"{_urls(front.served)} {was} served through the same front: this front "
                f"answers {STATUS} to a name it routes nowhere, and serves others"
                if others else
                f"{_urls(front.served)} {was} served through the same front")
        explanation += (
            f" At {address}, {seen}. That fits both readings for {host}: the answers do not "
            f"decide it.")
        evidence += tuple(Evidence(EvidenceKind.OBSERVED, f"status {STATUS}, no Server header",
                                   f"GET {u}") for u in others[:1])
        evidence += (Evidence(EvidenceKind.OBSERVED, "the endpoint answered",
                              f"GET {front.served[0]}"),)
    statuses = sorted(context.manifest.refuse_statuses)
    if refuse and STATUS not in statuses:
        explanation += (
            f" HAProxy answers {STATUS} to a name no use_backend routes where it has no "
            f"default_backend: that is its refusal, and the manifest's [refuse] statuses "
            f"({', '.join(map(str, statuses))}) do not count it; adding {STATUS} to them makes "
            f"this answer a refusal.")
    decide = (
        "Read the front's log line for this request to tell the two apart: in HAProxy's "
        "(option httplog), the backend/server field is FRONTEND/<NOSRV>, the frontend's own "
        "name, where no backend was chosen, and BACKEND/<NOSRV> where the backend named had "
        "no server up (termination state SC-- in both); 'show stat' on its stats socket "
        "gives each server's status.")
    if refuse:
        fix = (f"{decide} If no backend was chosen, {host} is refused: add {STATUS} to "
               f"statuses in the manifest's [refuse] table "
               f"(statuses = [{', '.join(map(str, sorted({*statuses, STATUS})))}]). If a "
               f"backend was named, the front passes {host} on: refuse it in the front.")
    else:
        fix = (f"{decide} If no backend was chosen, route {host}: an acl matching it and a "
               f"use_backend line for the backend of its application (or a default_backend). "
               f"If the backend named had no server up, start its servers or correct their "
               f"addresses.")
    return Diagnosis(Verdict.HTTP_ERROR, None, explanation=explanation, fix=fix,
                     evidence=evidence)
