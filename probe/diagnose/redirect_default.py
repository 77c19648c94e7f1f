"""A redirected probe request whose redirect a name nobody serves got too, at the same address.

A tester's nginx answered ``http://sentry.example.com:57773/`` with the same 301 to
``https://$host$request_uri`` as the manifest's ``[refuse]`` URL ``unknown.invalid`` at that
address, and the fix said to list the https URL, which served nothing: the redirect was the
default server's, taking a name no server_name claimed. A name under ``.invalid`` (a
``[refuse]`` URL of the sweep, else the sweep's extra request) reaches the default server, so
the same answer there makes the default server the first candidate; a block that claims the
name and redirects the same way is the other, and the configuration decides.

The same answer: the status and the ``Location`` with the request's own host and path written
as nginx's ``$host`` and ``$request_uri``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast
from urllib.parse import urljoin, urlsplit

from probe.diagnose.discriminate import INVALID_HOST, key_of
from probe.diagnose.identify import SweepContext
from probe.model import Evidence, EvidenceKind, Observation, Sample


@dataclass(frozen=True)
class SameRedirect:
    """The request for a ``.invalid`` name that got the same redirect."""

    url: str  # what was sent, probe segment included
    location: str
    shape: str  # the Location with $host and $request_uri for the request's own
    evidence: Evidence


def _shape(sent: str, sample: Sample) -> str | None:
    """The redirect with the request's own host and path as ``$host`` and ``$request_uri``."""
    if sample.status_code is None or not sample.location:
        return None
    try:
        request, location = urlsplit(sent), urlsplit(urljoin(sent, sample.location))
        port = f":{location.port}" if location.port else ""
    except ValueError:  # a Location that is no URL ('http://[x]/'): said elsewhere, no shape
        return None
    host = "$host" if location.hostname == request.hostname else location.hostname
    path = "$request_uri" if location.path == request.path else location.path
    return f"{sample.status_code} {location.scheme}://{host}{port}{path}"


def _invalid_names(context: SweepContext) -> dict[str, tuple[str, Sample]]:
    """The sweep's own URLs of a name under .invalid, by address key: the probe URL sent and
    its last redirect. Built once per sweep (asked for every redirected URL)."""
    memo = context.memo.get(("redirect-invalid", ""))
    if memo is not None:
        return cast("dict[str, tuple[str, Sample]]", memo)
    found: dict[str, tuple[str, Sample]] = {}
    segment = context.manifest.probe.segment
    for obs in context.observations:
        host = urlsplit(obs.target.url).hostname or ""
        last = obs.samples[-1] if obs.samples else None
        if host.endswith(".invalid") and last is not None and last.location:
            found.setdefault(key_of(obs)[0], (obs.target.probe_url(segment), last))
    context.memo[("redirect-invalid", "")] = found
    return found


def same_redirect(obs: Observation, context: SweepContext,
                  sample: Sample) -> SameRedirect | None:
    segment = context.manifest.probe.segment
    mine = _shape(obs.target.probe_url(segment), sample)
    if mine is None:
        return None
    key, address = key_of(obs)
    scheme = urlsplit(obs.target.url).scheme
    extra = context.probed.get(key)
    sent = f"{scheme}://{INVALID_HOST}/{segment}"
    if extra is not None and _shape(sent, extra) == mine:
        kind, source = EvidenceKind.PROBED, f"GET {sent} at {address}"
        other = extra
    elif key in _invalid_names(context) and _shape(*_invalid_names(context)[key]) == mine:
        sent, other = _invalid_names(context)[key]
        kind, source = EvidenceKind.OBSERVED, f"GET {sent}"
    else:
        return None
    location = other.location or ""
    status, _, shape = mine.partition(" ")
    return SameRedirect(sent, location, shape, Evidence(
        kind, f"a name no server is meant to claim got the same redirect at the same address: "
              f"HTTP {status} to {shape}, {location}", source))
