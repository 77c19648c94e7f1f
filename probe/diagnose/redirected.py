"""A ``no_endpoint`` URL whose probe request was redirected (a 3xx with ``Location``), and
one whose instance answered the endpoint at another URL of the same host.

The probe follows no redirect: a 301 to https is the answer of the redirect, not of a
missing endpoint, and the advice is to probe where it leads. With ``--config`` the
configuration's redirect step (``Redirect``, a ``RewriteRule`` with an ``R`` flag, even one
whose conditions or variables the model does not evaluate) is cited at its ``file:line``;
the answer's own ``Location`` shows that it applied. A ``Location`` on another host (or the
same name on another scheme or port) is not simply the URL to list: listed, it would get the
probe token on every sweep, so the fix says so and lists it only if that host is the user's
(unless a ``connect`` sends the instance's URLs to the configured servers whatever the name).

Where the same instance answered the endpoint at another URL of the same host in this sweep,
the endpoint is installed: "install the endpoint" does not lead. Where a name under
``.invalid`` got the same redirect at the same address (:mod:`.redirect_default`), the
default server's, the name missing from a server_name leads.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, cast
from urllib.parse import urljoin, urlsplit, urlunsplit

from probe.diagnose.identify import SweepContext
from probe.diagnose.odd_address import login_redirect, odd_one_out
from probe.diagnose.redirect_default import SameRedirect, same_redirect
from probe.diagnose.redirect_listed import known_target, listed_fix
from probe.diagnose.wording import Diagnosis
from probe.model import Candidate, Cause, Evidence, EvidenceKind, Observation, Sample
from probe.safe_text import one_line

if TYPE_CHECKING:  # the check path loads this module; the route model it never needs
    from probe.front import PredictedRoute, RouteStep

_INSTALL = "Install the endpoint"
ASK_ROUTE = ("Sweep with --config PATH (the front's configuration) to have the route of this "
             "URL named.")
"""The answers-alone advice to give the configuration: spent where it was given
(:func:`route_given`)."""


def reaches(expected: str) -> str:
    """How the nearby words make the install advice conditional on the route."""
    return f"If it reaches {expected}'s script: "


def route_given(diagnosis: Diagnosis) -> Diagnosis:
    """``diagnosis`` without :data:`ASK_ROUTE`: the sweep was given the configuration (the
    same object where the fix does not say it)."""
    if ASK_ROUTE not in diagnosis.fix:
        return diagnosis
    return dataclasses.replace(diagnosis, fix=diagnosis.fix.replace(f" {ASK_ROUTE}", "")
                               .replace(ASK_ROUTE, "").strip())


def redirect_sample(obs: Observation) -> Sample | None:
    """The last answer that is a redirect with a ``Location``, if the last answer is one."""
    last = next((s for s in reversed(obs.samples) if s.endpoint is None), None)
    if last is None or last.status_code is None or not 300 <= last.status_code < 400 or \
            not last.location:
        return None
    return last


def leads_to(obs: Observation, sample: Sample, segment: str) -> str | ValueError:
    """The URL to list instead: the ``Location`` less the probe segment it carried on; the
    ValueError when the ``Location`` is no usable URL (``http://[x]/``, a port past 65535)."""
    try:
        location = urljoin(obs.target.probe_url(segment), sample.location or "")
        parts = urlsplit(location)
        parts.port  # noqa: B018 - read for its check: it raises on a port out of range
    except ValueError as exc:
        return exc
    if not parts.path.endswith("/" + segment):
        return location
    return urlunsplit((parts.scheme, parts.netloc, parts.path[:-len(segment)], "", ""))


def _redirect_fix(obs: Observation, context: SweepContext, sample: Sample,
                  line: str = "") -> str:
    """``line``: `` at FILE:N`` of the redirect, when a configuration was read."""
    target = leads_to(obs, sample, context.manifest.probe.segment)
    expected = obs.target.expected or "the expected instance"
    if isinstance(target, ValueError):
        return (f"The answer's Location, '{one_line(sample.location or '')}', is not a usable "
                f"URL ({one_line(str(target))}), so there is no URL to probe instead: correct "
                f"the redirect's target, then list the URL it leads to for {expected}; or, if "
                f"{obs.target.url} itself must be served, take it out of the redirect{line}.")
    known = listed_fix(obs, context, one_line(sample.location or ""), target, line)
    if known is not None:
        return known
    if urlsplit(target).query or urlsplit(target).fragment:
        # The manifest refuses such a URL: offering it would be a fix that cannot be made.
        return (f"The answer's Location, {one_line(sample.location or '')}, carries a query or "
                f"fragment, and a probe URL takes no query or fragment: there is no URL to "
                f"list for {expected} in its place. If {obs.target.url} itself must be served, "
                f"take it out of the redirect{line}; otherwise list a URL of {expected} that "
                f"answers without a redirect.")
    sent = token_goes(context)
    here, there = origin(obs.target.url), origin(target)
    if context.manifest.connects_for(obs.target):
        there = here  # listed for the same instance, its requests go to the same connect
    elif urlsplit(obs.target.url).hostname != urlsplit(target).hostname:
        return (f"The redirect leads to another host, {there}, not {here}: listed in the "
                f"manifest, {target} would be probed on every sweep and {sent}. List it for "
                f"{expected} instead of {obs.target.url} only if {there} is one of your own "
                f"servers (the probe follows no redirect); otherwise, if {obs.target.url} "
                f"itself must be served, take it out of the redirect{line}.")
    mine = "" if here == there else (
        f" if {there}, the same host name on another scheme or port than {here}, is one of "
        f"your own servers: {sent}")
    return (f"Probe the URL the redirect leads to: list {target} for {expected} in the "
            f"manifest instead of {obs.target.url} (the probe follows no redirect){mine}; or, "
            f"if {obs.target.url} itself must be served, take it out of the redirect{line}.")


def token_goes(context: SweepContext) -> str:
    """What a request to a redirect's target would carry: said from whether this sweep sent
    the token (observed: the sweep's own requests)."""
    return ("the probe token (X-Probe-Token) this sweep sent would go there too"
            if context.token_sent else
            "the probe's requests would go there (and the probe token, once one is configured)")


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url``, the default port spelled out: what decides where
    a request goes, whatever the path."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}:{port}" if port else f"{scheme}://{host}"


def _redirect_step(route: PredictedRoute) -> RouteStep | None:
    return next((s for s in route.steps if s.stage == "mapping" and s.source is not None
                 and s.decision.startswith("redirect")), None)


def with_route(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
               route: PredictedRoute) -> Diagnosis | None:
    """The diagnosis of a redirected probe request whose route (``--config``) has a
    redirect step; None when the answer is no redirect or the route has none."""
    sample = redirect_sample(obs)
    step = _redirect_step(route)
    if sample is None or step is None:
        return None
    assert step.source is not None
    # Undecided: the step's rule says what the model does not evaluate; the R flag and the
    # answer's Location still decide that it redirected.
    how = (" whenever it applies (its R flag), and the answer's Location shows that it did"
           if route.undecided else "")
    explanation = (f"{diagnosis.explanation} The configuration given redirects this path "
                   f"before any WSGI application runs: {step.rule} ({step.source}); that is "
                   f"an external redirect{how}.")
    site = route.step("site")
    evidence = (*diagnosis.evidence,
                Evidence(EvidenceKind.OBSERVED, f"HTTP {sample.status_code}, Location: "
                         f"{sample.location}", obs.target.probe_url(
                             context.manifest.probe.segment)),
                *(Evidence(EvidenceKind.CONFIGURED, s.rule, str(s.source))
                  for s in (site, step) if s is not None and s.source is not None))
    return dataclasses.replace(diagnosis, cause=Cause.URL_MAPPING, explanation=explanation,
                               fix=_redirect_fix(obs, context, sample, f" at {step.source}"),
                               evidence=evidence)


def _answered_nearby(obs: Observation, context: SweepContext) -> str | None:
    """Another URL of the same host where the expected instance answered the endpoint, at
    the same address (in a fleet another address's answer says nothing of this one's)."""
    expected = obs.target.expected or ""
    # (Host, address) -> the first two URLs answered there, built once per instance (a
    # per-URL scan of every answer made a large sweep's diagnosis grow with its square).
    by_host = cast("dict[tuple[str | None, str | None], list[str]]",
                   context.memo.get(("redirect-nearby", expected)))
    if by_host is None:
        by_host = {}
        for other, _ in context.answers_of(expected):
            seen = by_host.setdefault(
                (urlsplit(other.target.url).hostname, other.target.address), [])
            if len(seen) < 2 and other.target.url not in seen:
                seen.append(other.target.url)
        context.memo[("redirect-nearby", expected)] = by_host
    key = (urlsplit(obs.target.url).hostname, obs.target.address)
    return next((u for u in by_host.get(key, []) if u != obs.target.url), None)


def _other_instance_nearby(obs: Observation,
                           context: SweepContext) -> tuple[str, str] | None:
    """(URL, instance): another instance that answered the endpoint on this URL's host (on
    any port or path) in this sweep."""
    expected = obs.target.expected or ""
    # (Host, address) -> the first URL of each instance answered there, once per sweep.
    by_host = cast("dict[tuple[str | None, str | None], dict[str, str]]",
                   context.memo.get(("nearby-any", "")))
    if by_host is None:
        by_host = {}
        for other, answer in context.distinct(
                "nearby-any", lambda o, _: (o.target.url, o.target.address)):
            name = context.identify(answer, other.target.expected)
            if name is not None:
                by_host.setdefault((urlsplit(other.target.url).hostname, other.target.address),
                                   {}).setdefault(name, other.target.url)
        context.memo[("nearby-any", "")] = by_host
    found = by_host.get((urlsplit(obs.target.url).hostname, obs.target.address), {})
    return next(((url, name) for name, url in found.items() if name != expected), None)


def without_route(obs: Observation, diagnosis: Diagnosis, context: SweepContext) -> Diagnosis:
    """The answers-alone ``no_endpoint`` diagnosis, led by what the sweep observed."""
    sample = redirect_sample(obs)
    nearby = _answered_nearby(obs, context)
    expected = obs.target.expected or "the expected instance"
    last = next((s for s in reversed(obs.samples) if s.endpoint is None), None)
    odd = odd_one_out(obs, context, last) if nearby is None and last is not None else None
    login = None if sample is None else login_redirect(obs, sample,
                                                       context.manifest.probe.segment)
    if login is not None:
        return dataclasses.replace(diagnosis, fix=f"{login} {odd or diagnosis.fix}")
    if sample is not None:
        fix = _redirect_fix(obs, context, sample)
        # a target the manifest lists is another instance's site or probed already:
        # installing this instance's endpoint there is no fix
        target = leads_to(obs, sample, context.manifest.probe.segment)
        known = None if isinstance(target, ValueError) else known_target(obs, context, target)
        if nearby is None and known is None:
            fix += f" If the target is not served either: {diagnosis.fix}"
        same = same_redirect(obs, context, sample)
        if same is not None:
            return _default_first(obs, diagnosis, sample, same, fix)
        return dataclasses.replace(diagnosis, fix=fix)
    if odd is not None and diagnosis.fix.startswith(_INSTALL):
        return dataclasses.replace(diagnosis, fix=odd)
    if nearby is None and diagnosis.fix.startswith(_INSTALL):
        other = _other_instance_nearby(obs, context)
        if other is not None:
            url, name = other
            return dataclasses.replace(diagnosis, fix=(
                f"{name} answered the endpoint at {url}, on the same host, in this sweep: the "
                f"server is reached and runs applications, so a route that does not reach "
                f"{expected}'s WSGI script (no site for this port, another site or mount) "
                f"answers as this did. {ASK_ROUTE} {reaches(expected)}{diagnosis.fix}"))
    if nearby is None and diagnosis.fix.startswith(_INSTALL) and last is not None:
        from probe.diagnose.host_elsewhere import host_first

        elsewhere = host_first(obs, diagnosis, context, last)
        if elsewhere is not None:
            return elsewhere
        from probe.diagnose.address_answered import name_first

        # the instance's endpoint answered another host elsewhere: installed (T24's m2)
        return name_first(obs, diagnosis, context, last) or \
            host_first(obs, diagnosis, context, last, any_host=True) or diagnosis
    if nearby is None or not diagnosis.fix.startswith(_INSTALL):
        return diagnosis
    return dataclasses.replace(diagnosis, fix=(
        f"The endpoint is installed in {expected}: {nearby}, on the same host and address, got "
        f"its answer in this sweep. Check which application the server routes this path to."))


def _default_first(obs: Observation, diagnosis: Diagnosis, sample: Sample, same: SameRedirect,
                   fix: str) -> Diagnosis:
    """The redirect a name under .invalid got too: the default server's answer, the first
    candidate (the redirect's own target may serve nothing); the configuration decides."""
    host = urlsplit(obs.target.url).hostname or ""
    expected = obs.target.expected or "the expected instance"
    if (sample.server or "").lower().startswith("nginx"):
        name, block = "server_name", "server block"
        check = f"probe sweep --config (or 'nginx -T': the server block whose server_name " \
                f"matches {host})"
    else:  # the Server header names no front these words were checked with
        name, block = "server name", "site"
        check = f"the front's configuration (the site that names {host})"
    explanation = (f"{diagnosis.explanation} {same.url} got the same redirect at the same "
                   f"address (HTTP {sample.status_code} to {same.shape}: {same.location}): a name "
                   f"no {block} claims reaches the default server, so that redirect may be the "
                   f"default server's, taking {host} because no {name} names it; a {block} "
                   f"that names {host} and redirects the same way would answer alike, and "
                   f"{check} tells which.")
    first = (f"If no {name} matches {host}, add it to the {name} of the {block} meant for "
             f"{expected}: the redirect then no longer takes it. If one does, that block "
             f"redirects. ")
    return dataclasses.replace(
        diagnosis, explanation=explanation, fix=first + fix,
        evidence=(*diagnosis.evidence, same.evidence),
        candidates=(Candidate(Cause.DEFAULT_SERVER, f"--config: no {name} matches {host} (the "
                              f"same redirect for a .invalid name shows only that the default "
                              f"server redirects so)"),
                    Candidate(Cause.URL_MAPPING, f"--config: the {block} that names {host} "
                              f"redirects (its return or rewrite line)")))
