"""nginx refusing the probe's own requests: a ``limit_req`` (or ``limit_conn``) in force at
the location that takes a URL answers a request over its rate itself, with
``limit_req_status`` (``limit_conn_status``; 503 unless set), before any application; a
sweep's samples, sent close together, trip a low rate (Sentry's documented
``limit_req zone=one burst=3 nodelay``, a tester's nginx 1.22). That is no routing problem:
the requests refused never reached the application, so they did not test the route.

* A 429 whose Server header names nginx, without the endpoint's answer: said as observed;
  the cause ``rate_limited`` is named where the endpoint answered the same URL for other
  samples (it answers before the application runs, so the 429 came from in front of it).
* With ``--config``: the limit lines in force at that location (nginx inherits them from
  the outer level only where a level has none of its own), the zones they name and the
  status line, each with its ``file:line``; a 503 is nginx's limit only where that status
  is the limit's (else it stays a gateway error, :mod:`.nginx_fixes`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.diagnose.answer_names import joined, places
from probe.diagnose.identify import SweepContext
from probe.diagnose.nginx_no_endpoint import through
from probe.diagnose.nginx_unanswered import directives
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig, PredictedRoute
from probe.model import Cause, Evidence, EvidenceKind, FrontKind, Observation, Sample, Verdict
from probe.nginx.text import Directive

_STATUS = {"limit_req": "limit_req_status", "limit_conn": "limit_conn_status"}
_DRY_RUN = {"limit_req": "limit_req_dry_run", "limit_conn": "limit_conn_dry_run"}
_DEFAULT_STATUS = 503  # nginx's, for both, where no status line is in force
_LIMIT_STATUSES = (429, 503)


@dataclass(frozen=True)
class Limit:
    """One kind of limit in force at a location: its lines, where they come from, the
    status nginx answers with, and the zones they name."""

    kind: str  # "limit_req" or "limit_conn"
    lines: tuple[Directive, ...]
    inherited: str | None  # the outer level they come from ("server block"), None: its own
    status: int
    status_line: Directive | None  # None: nginx's default
    zones: tuple[Directive, ...]
    above: bool  # lines of this kind outside the location too: a new location there takes them


def _chain(tree: tuple[Directive, ...], where: str,
           above: tuple[Directive, ...] = ()) -> tuple[Directive, ...] | None:
    """The blocks from the outermost down to the location written at ``where`` (or to the
    server block holding the line there), outermost first."""
    for d in tree:
        if d.block is None:
            continue
        here = (*above, d)
        if d.name == "location" and d.where == where:
            return here
        if d.name == "server" and any(c.where == where and c.block is None for c in d.block):
            return here
        found = _chain(d.block, where, here)
        if found is not None:
            return found
    return None


def _walk(tree: tuple[Directive, ...]) -> Iterator[Directive]:
    for d in tree:
        yield d
        yield from _walk(d.block or ())


def _zones(tree: tuple[Directive, ...], kind: str, lines: tuple[Directive, ...]
           ) -> tuple[Directive, ...]:
    names = {a.removeprefix("zone=") for line in lines for a in line.args[:1]}
    return tuple(d for d in _walk(tree) if d.name == f"{kind}_zone"
                 and any(a.removeprefix("zone=").split(":")[0] in names for a in d.args))


def limits_at(front: FrontConfig | None, route: PredictedRoute) -> tuple[Limit, ...]:
    """The limits in force where ``route`` goes: the innermost level with lines of each kind
    (a level with its own lines inherits none), and the innermost status line."""
    mapping, site = route.step("mapping"), route.step("site")
    step = mapping if mapping is not None and mapping.decision.startswith("location") else site
    tree = directives(front)
    chain = _chain(tree, str(step.source)) if step is not None and step.source else None
    if not chain:
        return ()
    inner_first = tuple(reversed(chain))
    found = []
    for kind, status_name in _STATUS.items():
        level = next((b for b in inner_first if b.children(kind)), None)
        if level is None:
            continue
        statuses = next((b.children(status_name) for b in inner_first
                         if b.children(status_name)), [])
        status_line = statuses[-1] if statuses else None
        status = int(status_line.args[0]) if status_line is not None and status_line.args \
            and status_line.args[0].isdigit() else _DEFAULT_STATUS
        lines = tuple(level.children(kind))
        found.append(Limit(kind, lines, None if level is inner_first[0] else
                           f"{'server block' if level.name == 'server' else level.name} at "
                           f"{level.where}", status, status_line, _zones(tree, kind, lines),
                           any(b.children(kind) for b in inner_first[1:])))
    return tuple(found)


def _refused(obs: Observation) -> list[Sample]:
    return [s for s in obs.samples if s.endpoint is None and s.status_code in _LIMIT_STATUSES
            and (s.server or "").lower().startswith("nginx")]


def _line(d: Directive) -> str:
    return f"'{' '.join((d.name, *d.args))}' at {d.where}"


def _said(limit: Limit) -> str:
    zones = (f" (zone{'s' if len(limit.zones) > 1 else ''} "
             f"{joined([_line(z) for z in limit.zones])})" if limit.zones else "")
    whence = (f", inherited from the {limit.inherited} (a level with no {limit.kind} of its own "
              f"takes the outer one's)" if limit.inherited else "")
    status = (f"{_line(limit.status_line)} makes nginx answer {limit.status}"
              if limit.status_line is not None else
              f"no {_STATUS[limit.kind]} is in force: nginx answers {limit.status}")
    return f"{joined([_line(d) for d in limit.lines])}{zones}{whence}; {status}"


def limited(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
            config: FrontConfig | None) -> Diagnosis | None:
    """``diagnosis`` said as nginx's own limit refusing the probe's requests, or None where
    the answers (and the configuration) do not show one."""
    if diagnosis.verdict not in (Verdict.NO_ENDPOINT, Verdict.HTTP_ERROR) \
            or obs.target.expected is None:
        return None
    refused = _refused(obs)
    if not refused:
        return None
    probe_url = obs.target.probe_url(context.manifest.probe.segment)
    route = _route(obs, probe_url, config)
    limits = limits_at(config, route) if route is not None else ()
    statuses = {s.status_code for s in refused}
    tripped = [limit for limit in limits if limit.status in statuses]
    if not tripped and 429 not in statuses:
        return None  # a 503 no limit explains: nginx's gateway error (probe.diagnose.nginx_fixes)
    status = refused[-1].status_code
    answered = [s.endpoint for s in obs.samples if s.endpoint is not None]
    total = len(obs.samples)
    share = ("the sample" if total == 1 else f"all {total} samples" if len(refused) == total
             else f"{len(refused)} of {total} samples")
    head = (f"{probe_url} answered HTTP {status} (Server: {refused[-1].server}) to {share}, not "
            f"the wsgi-probe endpoint")
    if answered:
        who = context.identify(answered[-1], obs.target.expected) or answered[-1].label or "?"
        other = "sample" if len(answered) == 1 else f"{len(answered)}"
        head += (f"; the endpoint of {who} answered the other {other} ({places(answered)}), "
                 f"and it answers before the application runs, so the {status} came from in "
                 f"front of it")
    observed = Evidence(EvidenceKind.OBSERVED, f"HTTP {status}, Server: {refused[-1].server}",
                        f"GET {probe_url}")
    path = urlsplit(probe_url).path or "/"
    fewer = ("probe this URL with fewer samples or less concurrency (--samples, --concurrency, "
             "or samples and concurrency under [probe] in the manifest)")
    if route is None or not tripped:
        unread = ("" if route is None else
                  f" The configuration given has no limit_req or limit_conn answering {status} "
                  f"in force where {path} goes ({through(route).rstrip(', ') or 'its server block'}"
                  f"): the {status} is not known to be nginx's own (nginx puts its Server "
                  f"header on an upstream's answers too).")
        explanation = (
            f"{head}. nginx answers {status} itself when a limit_req (or limit_conn) in force "
            f"at the location refuses a request over its rate (limit_req_status {status}), as "
            f"a sweep's samples, sent close together, can trip: a request refused there never "
            f"reaches the application, so the route to it was not tested by these requests."
            + ("" if answered or route is not None else
               " The answers alone do not tell that from the application's own "
               f"{status} (nginx puts its Server header on an upstream's answers too).")
            + unread)
        fix = (f"Look for the limit_req and limit_conn lines in force at the location that "
               f"takes {path} ('nginx -T', or probe sweep --config with nginx's configuration "
               f"names them): where one is, {fewer}, or exempt the probe path from the limit "
               f"(an exact 'location = {path}' with the same hand-over and no limit lines); "
               f"then probe again: an answer of the endpoint tests the route.")
        return dataclasses.replace(
            diagnosis, cause=Cause.RATE_LIMITED if answered and route is None else None,
            explanation=explanation, fix=fix, candidates=(),
            evidence=(*diagnosis.evidence, observed))
    return _configured(diagnosis, route, tripped, head, path, fewer, observed)


def _configured(diagnosis: Diagnosis, route: PredictedRoute, tripped: list[Limit], head: str,
                path: str, fewer: str, observed: Evidence) -> Diagnosis:
    site, upstream, mapping = route.step("site"), route.step("upstream"), route.step("mapping")
    where = (f"{site.decision} ({site.rule}{f', {site.source}' if site.source else ''})"
             if site is not None else "its server block")
    hand_over = (f", then {upstream.rule} ({upstream.source})" if upstream is not None else "")
    explanation = (
        f"{head}. The configuration given: {where}, {through(route)}"
        f"{hand_over.removeprefix(', ')}; in force there: "
        f"{'; and '.join(_said(limit) for limit in tripped)}. nginx answers a request over "
        f"the limit itself, before passing it on: the probe's own requests tripped it, and "
        f"those it refused never reached the application, so they did not test the route.")
    kinds = " and ".join(limit.kind for limit in tripped)
    location = (f"{mapping.decision} ({mapping.source})"
                if mapping is not None and mapping.decision.startswith("location")
                else "the server block's location for it")
    own = [limit for limit in tripped if limit.inherited is None]
    dry = [_DRY_RUN[limit.kind] for limit in tripped if limit.above]
    # the hand-over as written ("proxy_pass http://site_two"), without the route's notes
    handed = (f"'{' '.join(upstream.rule.split()[:2])};'" if upstream is not None
              else "its hand-over")
    exempt = (f"an exact 'location = {path}' beside {location}, with {handed} and that "
              f"location's other lines"
              + (f" but not its {' and '.join(limit.kind for limit in own)} lines" if own else "")
              + (f", and {' and '.join(repr(f'{d} on;') for d in dry)} in it (it inherits "
                 f"the {' and '.join(d.removesuffix('_dry_run') for d in dry)} lines of the "
                 f"levels above, which then count its requests and refuse none)" if dry else "")
              + " (an exact location takes the path before any regular expression or prefix)")
    fix = (f"Not a routing problem: nginx's {kinds} refused the probe's requests. Either "
           f"{fewer}, or exempt the probe path from the limit: {exempt}. Then probe again: an "
           f"answer of the endpoint tests the route.")
    lines = [d for limit in tripped for d in (*limit.lines, limit.status_line, *limit.zones)
             if d is not None]
    return dataclasses.replace(
        diagnosis, cause=Cause.RATE_LIMITED, explanation=explanation, fix=fix, candidates=(),
        evidence=(*diagnosis.evidence, observed,
                  *(Evidence(EvidenceKind.CONFIGURED, " ".join((d.name, *d.args)), d.where)
                    for d in lines)))


def _route(obs: Observation, probe_url: str, config: FrontConfig | None
           ) -> PredictedRoute | None:
    if config is None or config.front is not FrontKind.NGINX:
        return None
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    route = config.route(probe_url, address)
    return route if route.undecided is None and route.steps else None
