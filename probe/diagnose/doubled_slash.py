"""``doubled_slash`` (warning): ``ok`` URLs whose application received a path with ``//`` that
the probe request's path does not have (``request.path_info``, else ``request.request_uri``).

A front joined a path ending in ``/`` to one starting with ``/``: Apache's ``ProxyPass
/celery-flower http://127.0.0.1:5555/`` (target ending in ``/``, path not) passes
``/celery-flower/x`` as ``//x``; nginx's ``location /x { proxy_pass http://h/; }`` alike. The
endpoint answers the probe whatever its path, so the URL is ``ok``, while the application's
own pages get that path (a tester's waitress behind such a line: PATH_INFO ``//__probe__``,
its home page 404, the sweep 7/7 ok). The answers show the doubled slash, not which line made
it: with ``--config`` the line that takes the URL is named (:mod:`.doubled_slash_config`),
without it the usual lines of both fronts are candidates and ``--config``/lint the check.

Asked of every ``ok`` URL: a substring test of each answer's PATH_INFO and of its first
answer's REQUEST_URI, nothing more until one has ``//``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.diagnose.identify import SweepContext
from probe.endpoint_answer import EndpointAnswer, mapping
from probe.model import Finding, Observation, Status, TargetResult, Verdict
from probe.safe_text import quoted

if TYPE_CHECKING:
    from probe.front import FrontConfig

DOUBLED_SLASH = "doubled_slash"
SHOWN = 3


@dataclass(frozen=True)
class Doubled:
    """What one URL's answer received with a ``//`` its probe request's path lacks."""

    url: str
    sent: str  # the probe request's path
    field: str  # request.path_info or request.request_uri
    value: str
    script: str | None  # the SCRIPT_NAME received (request.script_name)
    address: str | None  # where the request was sent


def doubled_slash_findings(observations: Sequence[Observation],
                           results: Sequence[TargetResult], context: SweepContext,
                           config: FrontConfig | None) -> tuple[Finding, ...]:
    """One finding per instance with such URLs."""
    cases: dict[str, list[tuple[Doubled, str]]] = defaultdict(list)
    segment = context.manifest.probe.segment
    for obs, result in zip(observations, results, strict=True):
        if result.verdict is not Verdict.OK:
            continue  # any other verdict names a worse problem (mount_mismatch: the slashes)
        seen = _seen(obs)
        if seen is None:
            continue
        field, value, answer = seen
        sent = urlsplit(obs.target.probe_url(segment)).path
        if "//" in sent:
            continue  # the listed URL has it: the application is asked for it
        address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                              if s.address), None)
        found = Doubled(obs.target.url, sent, field, value, answer.script_name, address)
        configured = ""
        if config is not None:  # the configuration's words are no part of a sweep without it
            from probe.diagnose.doubled_slash_config import configured_words

            configured = configured_words(found.url, address, sent, config)
        cases[result.answered_by or obs.target.expected or "?"].append((found, configured))
    return tuple(_finding(name, found) for name, found in cases.items())


def _seen(obs: Observation) -> tuple[str, str, EndpointAnswer] | None:
    """The first field of an answer with ``//``: PATH_INFO (SCRIPT_NAME's end joined to it
    shows in REQUEST_URI), else REQUEST_URI's path. REQUEST_URI is read of the URL's first
    answer only: half this finding's cost on a healthy 10,000-URL sweep was reading it of
    every answer, and the samples of a URL take one route (their members' differ in
    PATH_INFO too)."""
    first: EndpointAnswer | None = None
    for sample in obs.samples:
        answer = sample.trusted_answer
        if answer is None:
            continue
        if answer.path_info is not None and "//" in answer.path_info:
            return "request.path_info", answer.path_info, answer
        first = first or answer
    if first is None:
        return None
    uri = mapping(first.raw.get("request")).get("request_uri")
    if isinstance(uri, str) and "//" in uri and "//" in _path(uri):
        return "request.request_uri", uri, first
    return None


def _path(uri: str) -> str:
    """REQUEST_URI's path: without its query, and an absolute form's scheme and host."""
    path = uri.partition("?")[0]
    return path if path.startswith("/") else urlsplit(path).path


def _finding(name: str, cases: list[tuple[Doubled, str]]) -> Finding:
    first, configured = cases[0]
    urls = [c.url for c, _ in cases]
    others = (f" (and {', '.join(urls[1:SHOWN])}"
              f"{f' and {len(urls) - SHOWN} more' if len(urls) > SHOWN else ''}, "
              f"likewise)" if len(urls) > 1 else "")
    script = (f" with SCRIPT_NAME {first.script!r} (request.script_name)"
              if first.script else "")
    page = first.url if first.url.endswith("/") else first.url + "/"
    said = (f"{first.url} of {name}{others}: its application received {first.field} "
            f"{quoted(first.value)}{script} for the probe request's path {first.sent}, which has "
            f"no '//': a front joined a path ending in '/' to one starting with '/'. The "
            f"endpoint answers the probe whatever the path, so the URL is ok; the "
            f"application's own pages get the same doubled slash, and URL patterns that do "
            f"not expect an empty segment do not match it. What decides whether pages break: "
            f"a page of the application there (GET {page}): a 404 from the application "
            f"itself means they do.")
    if configured:
        return Finding(DOUBLED_SLASH, Status.WARNING, (name,), f"{said}{configured}")
    return Finding(DOUBLED_SLASH, Status.WARNING, (name,), (
        f"{said} The answers do not show which line made it. The usual ones: Apache's "
        f"ProxyPass whose target ends in '/' and whose path does not ('ProxyPass /app "
        f"http://127.0.0.1:8000/' passes /app/x as //x: end both with '/' or neither), "
        f"nginx's location without a trailing '/' whose proxy_pass URI part ends in '/' "
        f"('location /app {{ proxy_pass http://127.0.0.1:8000/; }}' passes /app/x as //x: "
        f"'location /app/'). What tells: sweep again with --config FILE (the front's "
        f"configuration), which names the line, or 'probe lint FILE' (Apache: "
        f"proxy_slash)."))
