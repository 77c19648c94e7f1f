"""``no_endpoint`` through nginx with its route read (``--config``): the step that answered
instead of the application, its ``file:line`` and the fix written there; :func:`unanswered`
sends each unanswered URL here or to :mod:`.nginx_unanswered`'s closed connection.

docs/verdicts.md: installing the endpoint is advised only where the route reaches the
application. Where nginx answers itself (a ``return``, files, no location, the default
server), that step is the reason; where it passes on, what the backend got
(:mod:`.pass_unanswered`), else the install advice with the hand-over and an ``error_page``
for gateway errors in force named."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.diagnose.closed import is_closed
from probe.diagnose.identify import SweepContext
from probe.diagnose.nginx_fallback import intercepted_evidence, intercepted_words
from probe.diagnose.nginx_names import nginx_model
from probe.diagnose.nginx_own_404 import SOCKET_DENIED
from probe.diagnose.nginx_protocols import no_endpoint as protocol_words
from probe.diagnose.nginx_protocols import timed_out
from probe.diagnose.nginx_refuse import refused_default_fix
from probe.diagnose.nginx_tokenless import Tokenless, tokenless
from probe.diagnose.nginx_unanswered import (
    GATEWAY_CODES,
    block_at,
    closed_route,
    configured,
    directives,
    last_mapping,
    meant_block,
)
from probe.diagnose.pass_unanswered import nginx_passed as backend_said
from probe.diagnose.redirect_away import away as redirect_away
from probe.diagnose.redirected import reaches, route_given
from probe.diagnose.wording import Diagnosis
from probe.errors import ErrorKind
from probe.front import FrontConfig, PredictedRoute, RouteStep
from probe.model import Cause, Observation, Verdict
from probe.nginx.text import Directive

if TYPE_CHECKING:
    from probe.nginx.model import Location


def no_endpoint(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
                route: PredictedRoute, front: FrontConfig | None) -> Diagnosis:
    url = obs.target.url
    host = (urlsplit(url).hostname or "").lower()
    path = urlsplit(obs.target.probe_url(context.manifest.probe.segment)).path or "/"
    expected = obs.target.expected or "the expected instance"
    site, last = route.step("site"), last_mapping(route)
    upstream = route.step("upstream")
    where = (f"{site.decision} ({site.rule}{f', {site.source}' if site.source else ''})"
             if site is not None else "?")  # no line: no block listens on the address
    status = next((s.status_code for s in reversed(obs.samples) if s.status_code), None)
    if upstream is not None:
        passed = dataclasses.replace(
            diagnosis, explanation=f"{diagnosis.explanation} The configuration given passes "
            f"{path} to an application: {where}, {through(route)}then {upstream.rule} "
            f"({upstream.source}).", evidence=(*diagnosis.evidence, *configured(*route.steps)))
        spoken = protocol_words(obs, passed, front, route, expected)
        if spoken is not None:  # the protocol, not the endpoint or its token
            return spoken
        decided, diagnosis = backend_said(obs, passed, diagnosis, context, route, front)
        if decided is not None:  # what the backend got: the Host, the path (its mount)
            return decided
        quiet = tokenless(front, route, upstream, expected, context)
        # the route is read: the install advice is conditional on where it passes, not on it
        diagnosis = dataclasses.replace(diagnosis, fix=diagnosis.fix.replace(
            reaches(expected), f"If what listens at {upstream.decision} ({upstream.source}) "
                               f"is {expected}'s application: "))
        return _reaches(diagnosis, route, upstream, where, path, front, status, quiet)
    if site is None or site.source is None or last is None or last.source is None:
        return diagnosis
    meant = meant_block(obs, context, front)
    if site.by == "default":
        said = (f" The configuration given: no server_name of this address matches {host}, "
                f"so {where} takes it, and nginx answers it there without an application: "
                f"{_step(last)}.")
        fix = (f"Add {host} to the server_name of {meant}: the default server "
               f"({site.source}) answers it now ({last.decision} at {last.source})."
               if obs.target.expected is not None else
               # a URL to refuse has no block meant for it: the default server refuses
               refused_default_fix(context, front, url, _address(obs), site, last))
        return _worded(diagnosis, said, fix, Cause.DEFAULT_SERVER, route.steps)
    away = None
    said = (f" The configuration given: {host} goes to {where}, and nginx answers {path} "
            f"there without an application: {_step(last)}.")
    if last.decision.startswith("return "):
        code = last.decision.split()[1]
        level = "server block" if last.rule.startswith("the server block") else "location"
        away = redirect_away(obs, context) if code.startswith("3") else None
        fix = (f"At {last.source}, the {level} answers {code} itself"
               + (" (the probe does not follow redirects)" if code.startswith("3") else "")
               + ": if that is meant for " + url + (", list the URL it redirects to in the "
               "manifest instead" if code.startswith("3") else ", take the URL out of the "
               "manifest") + f"; if not, remove that return so that {path} reaches "
               f"{expected}'s application.") if away is None else (
            f"At {last.source}, the {level} answers {code} itself (the probe does not follow "
            f"redirects), {away[0]} If that redirect is meant for {url}, list its target instead "
            f"only if that host is one of your own servers; if not, remove that return so "
            f"that {path} reaches {expected}'s application.")
    elif last.decision.startswith("301 to"):
        fix = (f"nginx redirects {path} to the path with a slash ({last.source}): list the URL "
               f"with its slash in the manifest.")
    elif last.decision == "no location":
        exact = exact_only(front, site.decision, path)
        if exact is not None:
            # an exact location that would be a prefix one: adding a location for the probe
            # path alone would turn the sweep green and leave the site's pages at 404
            said += (f" '{exact.describe()}' at {exact.where} matches {exact.pattern} only, "
                     f"exactly (=): no other path of the site reaches it; that is the likely "
                     f"mistake.")
            fix = (f"At {exact.where}, write 'location {exact.pattern}' (a prefix) in place of "
                   f"'{exact.describe()}', so that {path} and the site's other pages reach "
                   f"the location that passes to an application; do not add a location for "
                   f"{path} alone.")
        else:
            fix = (f"In the server block at {site.source}, give the site's paths (not the "
                   f"probe path alone) a location that passes to {expected}'s application: "
                   f"every path no location matches gets nginx's 404, {path} too.")
    else:
        fix = _static_fix(last, path, expected)
        said += _prefix_note(last, path)
    server = next((s.server for s in reversed(obs.samples) if s.server), None) or ""
    if status == 404 and server.lower().startswith("nginx") and \
            last.decision.startswith("location"):
        said += (f" The HTTP 404 (Server: {server}) is that location's: no file there answers "
                 f"{path}.")
    worded = _worded(diagnosis, said, fix, Cause.URL_MAPPING, route.steps)
    return worded if away is None else dataclasses.replace(
        worded, evidence=(*worded.evidence, away[1]))  # the Location the fix names


def exact_only(front: FrontConfig | None, block: str, path: str) -> Location | None:
    """The ``location = X`` of ``block`` (a site step's decision) that passes to an
    application, X a prefix of ``path`` (the longest), else the first such: what a path no
    location matches likely missed."""
    model = nginx_model(front)
    server = next((s for s in model.servers if s.describe() == block), None) \
        if model is not None else None
    if server is None:
        return None
    exact = [loc for loc in server.locations if loc.modifier == "="
             and (loc.proxy_pass is not None or loc.other_pass is not None)]
    prefixes = sorted((loc for loc in exact if path.startswith(loc.pattern)),
                      key=lambda loc: -len(loc.pattern))
    return next(iter(prefixes), None) or next(iter(exact), None)


def _step(step: RouteStep) -> str:
    return f"{step.decision} at {step.source} ({step.rule})"


def _pattern(step: RouteStep) -> tuple[str, str] | None:
    """(modifier, pattern) of a ``location`` step as the route describes it."""
    words = step.decision.split()
    if not words or words[0] != "location" or len(words) < 2:
        return None
    return ("", words[1]) if len(words) == 2 else (words[1], words[2])


def _prefix_note(step: RouteStep, path: str) -> str:
    found = _pattern(step)
    if found is None or found[0] not in ("", "^~") or found[1].endswith("/"):
        return ""
    pattern = found[1]
    rest = path[len(pattern):]
    if not path.startswith(pattern) or rest.startswith("/") or not rest:
        return ""
    return (f" '{step.decision}' is a prefix without its closing slash: it takes every path "
            f"that begins with {pattern}, {path} too.")


def _static_fix(step: RouteStep, path: str, expected: str) -> str:
    if _prefix_note(step, path):
        found = _pattern(step)
        assert found is not None
        modifier = f"{found[0]} " if found[0] else ""
        return (f"At {step.source}, write the prefix with its slash ('location {modifier}"
                f"{found[1]}/'), so that {path} goes to the location that passes to "
                f"{expected}'s application.")
    return (f"At {step.source}, keep {path} out of '{step.decision}' (a narrower pattern), or "
            f"give {expected} a location of its own for it that passes to its application.")


def _reaches(diagnosis: Diagnosis, route: PredictedRoute, upstream: RouteStep, where: str,
             path: str, front: FrontConfig | None, status: int | None,
             quiet: Tokenless | None) -> Diagnosis:
    """The route passes to an application: the install advice stays (or, where the location
    sends proxy headers and the sweep no token, ``quiet``: the token the endpoint needs); an
    error_page for gateway errors in force there is named, with the check that tells; one
    that takes the application's own status (``*_intercept_errors on``) is named for that
    status."""
    said = (f" The configuration given passes {path} to an application: {where}, "
            f"{through(route)}then {upstream.rule} ({upstream.source}).")
    said += intercepted_words(route, status)
    pages = [p for p in _error_pages(front, route) if could_make(p, status)]
    caught = intercepted_evidence(route, status)
    if quiet is not None:
        said += quiet.said
        caught = (*caught, *quiet.evidence)
        diagnosis = dataclasses.replace(diagnosis, fix=quiet.fix)
    if not pages:
        return dataclasses.replace(diagnosis, explanation=diagnosis.explanation + said,
                                   evidence=(*diagnosis.evidence, *configured(*route.steps),
                                             *caught))
    page = pages[0]
    codes = [a for a in page.args[:-1] if a in GATEWAY_CODES]
    said += (f" 'error_page {' '.join(page.args)}' at {page.where} is in force there: nginx "
             f"answers an upstream's {'/'.join(codes)} with the answer for {page.args[-1]}, so "
             f"this answer may be nginx's for an upstream that failed (a 404 where that page "
             f"is missing); the answer alone does not tell.")
    fix = (f"First read nginx's error log line for this request: 'connect() failed' or "
           f"'upstream prematurely closed connection' means the application behind "
           f"{upstream.rule} ({upstream.source}) gave no answer (start it, or pass with the "
           f"protocol it speaks"
           + (f"; {SOCKET_DENIED}" if (route.upstream or "").startswith("unix:") else "")
           + f"); without that line, {diagnosis.fix[0].lower()}"
           f"{diagnosis.fix[1:]}")
    return dataclasses.replace(
        diagnosis, explanation=diagnosis.explanation + said, fix=fix,
        evidence=(*diagnosis.evidence, *configured(*route.steps), *caught))


def through(route: PredictedRoute) -> str:
    """The location step of a route as said between its server block and its hand-over
    ("location ~* /api/ (first matching regular expression ..., file:line), "): which
    location takes the path decides what is in force there."""
    mapping = route.step("mapping")
    if mapping is None or not mapping.decision.startswith("location"):
        return ""
    return f"{mapping.decision} ({mapping.rule}, {mapping.source}), "


def _error_pages(front: FrontConfig | None, route: PredictedRoute) -> list[Directive]:
    """The ``error_page`` lines for a gateway status in force at the route's location: nginx
    inherits them from the outer level only where a level has none of its own."""
    site, mapping = route.step("site"), route.step("mapping")
    http = next((d for d in directives(front) if d.name == "http"), None)
    levels = [block_at(front, str(mapping.source)) if mapping and mapping.source else None,
              block_at(front, str(site.source)) if site and site.source else None, http]
    for level in levels:
        own = level.children("error_page") if level is not None else []
        if own:
            return [d for d in own if any(a in GATEWAY_CODES for a in d.args[:-1])]
    return []


def could_make(page: Directive, status: int | None) -> bool:
    """Whether ``page`` (an ``error_page`` for a gateway status) could have made an answer of
    ``status``: a status it lists (nginx keeps the code for a URI target), 404 (its file
    missing), the ``=code`` it answers with, or any status where a bare ``=`` lets its target
    choose. A 400 never comes from ``error_page 502 503 504 /50x.html``."""
    if status is None:
        return True
    codes = page.args[:-1]
    answers = next((a[1:] for a in codes if a.startswith("=")), None)
    if answers is not None:
        return not answers or answers == str(status)
    return str(status) in codes or status == 404


def _worded(diagnosis: Diagnosis, said: str, fix: str, cause: Cause,
            steps: tuple[RouteStep, ...]) -> Diagnosis:
    return dataclasses.replace(diagnosis, cause=cause, explanation=diagnosis.explanation + said,
                               fix=fix, candidates=(),
                               evidence=(*diagnosis.evidence, *configured(*steps)))


def unanswered(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
               route: PredictedRoute, front: FrontConfig | None) -> Diagnosis:
    """``diagnosis`` with what nginx's route says, where it is one this module words."""
    diagnosis = route_given(diagnosis)  # the configuration was given
    if diagnosis.cause is not None or route.undecided is not None or not route.steps:
        return diagnosis
    if diagnosis.verdict is Verdict.UNREACHABLE:
        if is_closed(obs):
            return closed_route(obs, diagnosis, context, route, front)
        if any(s.error_kind is ErrorKind.TIMEOUT for s in obs.samples):
            from probe.diagnose.join_timeout import timed_out_members

            found = timed_out(diagnosis, front, route)  # then the upstream's members
            return found if front is None else timed_out_members(obs, found, context, front)
        return diagnosis
    if diagnosis.verdict is Verdict.NO_ENDPOINT:
        return no_endpoint(obs, diagnosis, context, route, front)
    return diagnosis


def _address(obs: Observation) -> str | None:
    return obs.target.address or next((s.address for s in obs.samples[::-1] if s.address), None)


def url_route(obs: Observation, context: SweepContext, front: FrontConfig) -> PredictedRoute:
    """The route of the request that got no endpoint answer: the probe URL's, at its address."""
    return front.route(obs.target.probe_url(context.manifest.probe.segment), _address(obs))
