"""A redirect whose target is on another host than the URL's, said with what would go there.

The probe follows no redirect (the transport sets none to be followed), so the token stays
with the servers the sweep chose. A fix that says "list the URL it redirects to" would send
it to that other host on every sweep, and a client that follows redirects and forwards the
probe's headers would too: where the answer's ``Location`` (observed) leads to another host,
and no ``connect`` sends the URL's requests to the configured servers whatever the name, the
fix says so (:func:`away`), as :mod:`.redirected` does for the answers-alone fix.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from probe.diagnose.identify import SweepContext
from probe.diagnose.redirected import leads_to, origin, redirect_sample, token_goes
from probe.model import Evidence, EvidenceKind, Observation, Sample


def other_host(obs: Observation, context: SweepContext,
               sample: Sample) -> tuple[str, str, str] | None:
    """(target, its origin, the URL's origin) when ``sample``'s Location leads to another
    host than the URL's and no ``connect`` sends the URL's requests to the configured
    servers whatever the name: a request there would reach a server the sweep never chose."""
    target = leads_to(obs, sample, context.manifest.probe.segment)
    if isinstance(target, ValueError) or context.manifest.connects_for(obs.target) or \
            urlsplit(obs.target.url).hostname == urlsplit(target).hostname:
        return None
    return target, origin(target), origin(obs.target.url)


def away(obs: Observation, context: SweepContext) -> tuple[str, Evidence] | None:
    """The words (a clause after "answers 3xx itself, ") and the observed Location they
    rest on, for a redirect to another host; None for one that stays on the URL's."""
    sample = redirect_sample(obs)
    found = None if sample is None else other_host(obs, context, sample)
    if sample is None or found is None:
        return None
    target, there, here = found
    words = (f"to {target} (the answer's Location), on another host, {there}, not {here}: "
             f"listed in the manifest, or followed by a client that forwards the probe's "
             f"headers, {token_goes(context)}.")
    return words, Evidence(EvidenceKind.OBSERVED,
                           f"HTTP {sample.status_code}, Location: {sample.location}",
                           obs.target.probe_url(context.manifest.probe.segment))
