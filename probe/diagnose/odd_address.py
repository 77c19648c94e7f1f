"""A ``no_endpoint`` at one address of a fleet where the same URL got its instance's answer
at other addresses, and a redirect that is the application's own login page.

A tester swept a balancer and its three members in one connect list, without --config, with
a token-less endpoint behind nginx (which declines proxied requests, docs/security.md): the
URL answered at each member and not at the balancer. What differs is the address, not the
path; the words say so per address, with the Server header that answered here, and name the
checks that tell a route elsewhere from a declined request.

The same for a ``wrong_instance`` of a URL's own site name: where the same URL got its
instance's answer at other addresses, a line every server shares is not what sends it
elsewhere here; the server differs (its own configuration, or one not reloaded since a
change). A re-tester's fleet server not reloaded was told, without --config, to reorder mounts
already in order.

A 302 to a login page whose ``next=`` is the probe URL's own path (Django's
``login_required``, the admin's login) is the application answering the probe request: the
endpoint, which answers before the application, did not. Its Location is no URL to list (a
probe URL takes no query, and it is a login page).
"""

from __future__ import annotations

import dataclasses
from typing import cast
from urllib.parse import parse_qsl, urljoin, urlsplit

from probe.apache.own_command import DROP_K, args_of
from probe.diagnose.answer_names import joined
from probe.diagnose.fronts import mod_wsgi
from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import FILE_GROUP_FIX, UNREADABLE_FILE_LOG, Diagnosis
from probe.manifest import normal_url
from probe.model import Observation, Sample, Verdict
from probe.safe_text import one_line

SECURITY = "docs/security.md"


def answered_elsewhere(obs: Observation, context: SweepContext) -> list[str]:
    """The other addresses at which this URL got its expected instance's answer in this
    sweep, in sweep order; none outside a fleet (no address, or one)."""
    expected = obs.target.expected
    if expected is None or obs.target.address is None:
        return []
    # URL -> addresses answered, built once per instance (asked for every URL of a sweep).
    by_url = cast("dict[str, list[str]] | None", context.memo.get(("answered-at", expected)))
    if by_url is None:
        by_url = {}
        for other, _ in context.answers_of(expected):
            if other.target.address is None:
                continue
            seen = by_url.setdefault(normal_url(other.target.url), [])
            if other.target.address not in seen:
                seen.append(other.target.address)
        context.memo[("answered-at", expected)] = by_url
    return [a for a in by_url.get(normal_url(obs.target.url), []) if a != obs.target.address]


def _token_check(context: SweepContext) -> str:
    if context.token_sent:
        return ("the endpoint answers the token this sweep sent (X-Probe-Token) only where its "
                "own token is the same: compare the two in the application behind this "
                f"address (where its log has {UNREADABLE_FILE_LOG}, its user cannot read the "
                f"token file: {FILE_GROUP_FIX})")
    return ("a sweep with the probe's token ('[probe] token_file') tells a declined request "
            "from a route elsewhere: without a token the endpoint answers only loopback "
            "requests that carry no proxy header, which a proxy in front may add "
            f"(nginx: proxy_set_header X-Forwarded-For; {SECURITY})")


def odd_one_out(obs: Observation, context: SweepContext, sample: Sample) -> str | None:
    """The words for a URL that got its instance's answer at other addresses of the sweep
    but not at this one (``sample``: this address's last answer); None when it got none."""
    others = answered_elsewhere(obs, context)
    if not others:
        return None
    here = obs.target.address
    server = f" (its answer's Server header {sample.server})" if sample.server else ""
    return (f"{obs.target.url} got {obs.target.expected}'s endpoint answer at {joined(others)} "
            f"in this sweep, not at {here}: this address is the odd one out, not the path. "
            f"What answered at {here}{server} is not what answered there: a front in front "
            f"of the application that routes this URL elsewhere, or one whose requests the "
            f"endpoint declines (a token-less endpoint declines proxied requests, {SECURITY}). "
            f"Sweep with --config PATH (the configuration of the server at {here}) to have its "
            f"route named; {_token_check(context)}.")


def login_redirect(obs: Observation, sample: Sample, segment: str) -> str | None:
    """The words for a redirect to a login page whose ``next=`` is the probe URL's path;
    None for any other redirect."""
    probe_url = obs.target.probe_url(segment)
    try:
        location = urlsplit(urljoin(probe_url, sample.location or ""))
        nexts = [v for k, v in parse_qsl(location.query) if k == "next"]
        back = urlsplit(probe_url).path
    except ValueError:  # no usable Location: the redirect's own words say so
        return None
    if not any(urlsplit(n).path == back for n in nexts):
        return None
    shown = one_line(sample.location or "")
    return (f"The request went past the endpoint into the application: HTTP "
            f"{sample.status_code} to {shown}, a login page whose next= is the probe "
            f"URL's path ({back}), as Django's login_required redirects. The endpoint, which "
            f"answers before the application, did not answer it: it is not installed in the "
            f"application that answered here, or it declined the request (a token-less "
            f"endpoint declines proxied requests, {SECURITY}). The Location is no URL to list "
            f"instead: it is a login page, and a probe URL takes no query.")


def server_differs(obs: Observation, context: SweepContext, found: Diagnosis) -> Diagnosis:
    """``found`` (another application answered the URL's own site) with the fleet's clue: the
    same URL answered by its instance at other addresses of this sweep (observed)."""
    others = answered_elsewhere(obs, context)
    if not others or found.verdict is not Verdict.WRONG_INSTANCE:
        return found
    here = obs.target.address
    said = (f" The same URL got {obs.target.expected}'s answer at {joined(others)} in this "
            f"sweep: what differs is the server at {here}, not a line every server reads the "
            f"same way (its own configuration differs from theirs, or it was not reloaded "
            f"since a change).")
    # Worded for the server the answer shows: no Apache words behind another front.
    apache = [a for s in obs.samples if (a := s.trusted_answer) is not None and mod_wsgi(a)]
    parent = next((a.ppid for a in apache if a.ppid not in (None, 0, 1)), None)
    # By the Apache the answer names: the system's apachectl controls another one where this
    # one was started with -f (tester T38's fleet).
    how = (f"'$({args_of(parent, None)} | {DROP_K}) -k graceful': the command line of its "
           f"Apache, pid {parent}, the answer's ppid, with -k graceful in place of its -k; "
           f"'apachectl -k graceful' where it shows no -f" if parent is not None else
           "'apachectl -k graceful' on that server" if apache else
           "its front and its application server: either's configuration may send the path "
           "elsewhere")
    fix = (f"First compare the server at {here} with the one at {others[0]}: where its "
           f"configuration on disk is theirs, reload it ({how}) and probe again; sweeping it "
           f"with --config and the file it reads "
           f"names the line that routes the path elsewhere, if its configuration has one. "
           f"Else: {found.fix[:1].lower()}{found.fix[1:]}")
    return dataclasses.replace(found, explanation=found.explanation + said, fix=fix)
