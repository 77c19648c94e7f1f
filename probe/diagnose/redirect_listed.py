"""A redirect's target that the manifest already lists: for another instance (the redirect
sends this site's requests to another site: its target host is the mistake, and listing
the target here would be refused as a duplicate), or for the same instance (the target is
probed already, and this URL is a redirect by design).

The manifest has no key for a URL that is meant to redirect (docs/manifest.md), so such a
URL is taken out of its instance's ``urls``. A target listed on another port of the same
scheme, host and path (a lab's or a port mapping's) is said with both ports, and a request
to the ``Location`` is named as the check whether that port serves the same site.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

from probe.diagnose.identify import SweepContext
from probe.manifest import normal_url
from probe.model import Observation


@dataclass(frozen=True)
class Listed:
    """Where the manifest lists a redirect's target: ``url`` as written, for ``instance``;
    ``same_port`` False where only the scheme, host and path are the target's."""

    url: str
    instance: str
    same_port: bool


def _site_key(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.path.rstrip("/")


def listed(context: SweepContext, target: str) -> Listed | None:
    """The manifest's URL for ``target`` (the ``Location`` less the probe segment): the same
    URL, else the same scheme, host and path on another port."""
    # Built once per sweep: asked for every redirected URL of a large sweep.
    by_url = cast("dict[str, tuple[str, str]]", context.memo.get(("redirect-listed-all", "")))
    by_site = cast("dict[tuple[str, str, str], tuple[str, str]]",
                   context.memo.get(("redirect-listed-site", "")))
    if by_url is None or by_site is None:
        by_url, by_site = {}, {}
        for name, instance in context.manifest.instances.items():
            for url in instance.urls:
                by_url.setdefault(normal_url(url), (url, name))
                by_site.setdefault(_site_key(url), (url, name))
        context.memo[("redirect-listed-all", "")] = by_url
        context.memo[("redirect-listed-site", "")] = by_site
    try:
        exact = by_url.get(normal_url(target))
        near = by_site.get(_site_key(target))
    except ValueError:  # a port out of range: no listed URL is it
        return None
    if exact is not None:
        return Listed(exact[0], exact[1], True)
    return None if near is None else Listed(near[0], near[1], False)


def known_target(obs: Observation, context: SweepContext, target: str) -> Listed | None:
    """:func:`listed` for a URL of an instance, unless it is the URL itself (a redirect to
    itself, a loop, is not a target probed already)."""
    found = listed(context, target)
    if found is None or obs.target.expected is None or \
            normal_url(found.url) == normal_url(obs.target.url):
        return None
    return found


def _answered(context: SweepContext, found: Listed) -> str:
    """What this sweep observed at the listed URL: its instance's endpoint answered, or not."""
    key = normal_url(found.url)
    if any(normal_url(o.target.url) == key for o, _ in context.answers_of(found.instance)):
        return f"{found.instance}'s endpoint answered there in this sweep"
    return f"no answer of {found.instance}'s came from it in this sweep (its own verdict says why)"


def _port_words(found: Listed, target: str) -> str:
    if found.same_port:
        return ""
    theirs = urlsplit(found.url).port or {"http": 80, "https": 443}.get(
        urlsplit(found.url).scheme.lower())
    mine = urlsplit(target).port or {"http": 80, "https": 443}.get(
        urlsplit(target).scheme.lower())
    return f" (on port {theirs}; the Location's is {mine})"


def listed_fix(obs: Observation, context: SweepContext, location: str, target: str,
               line: str) -> str | None:
    """The fix for a redirect whose target the manifest lists; None where it lists none.
    ``line``: `` at FILE:N`` of the redirect, when a configuration was read."""
    found = known_target(obs, context, target)
    expected = obs.target.expected
    if found is None or expected is None:
        return None
    url = obs.target.url
    ports = _port_words(found, target)
    if found.instance != expected:
        host = urlsplit(target).hostname
        own = next((u for u in context.manifest.instances[expected].urls
                    if u != url and urlsplit(u).hostname == urlsplit(url).hostname), None)
        toward = (f" (the manifest lists {own} for {expected}, on this URL's host)"
                  if own else "")
        if found.same_port:
            leads = f"{found.url}, which the manifest lists for {found.instance}, not {expected}"
            after = f"; listing {target} for {expected} instead would be refused as a duplicate."
        else:
            leads = (f"{target}, the host and path the manifest lists for {found.instance} as "
                     f"{found.url}, not for {expected}{ports}")
            after = f". A request to {target} tells whether it reaches {found.instance}'s site."
        return (f"The answer's Location, {location}, leads to {leads}: the redirect{line} "
                f"sends this site's requests to another site. Correct the target host of the "
                f"redirect{line}, {host}, to this site's own{toward}{after}")
    served = _answered(context, found)
    if found.same_port:
        return (f"The redirect's target, {found.url}, is probed already: the manifest lists "
                f"it for {expected}, and {served}. {url} is a redirect by design, and a "
                f"manifest has no key for a URL that should redirect: take it out of "
                f"{expected}'s urls (the probe follows no redirect); or, if {url} itself must "
                f"be served, take it out of the redirect{line}.")
    return (f"The redirect leads to the host and path the manifest lists for {expected} as "
            f"{found.url}{ports}, and {served}. If {target} reaches that same site (a port "
            f"mapping in front of it), {url} is a redirect by design: take it out of "
            f"{expected}'s urls (a manifest has no key for a URL that should redirect); a "
            f"request to {target} decides. Otherwise correct the port in the redirect{line}.")
