"""A ``no_endpoint`` URL, swept without the configuration, at an address where other URLs of
the sweep got endpoint answers (of any host or instance): the endpoint is installed and the
server up there, so the name not matched leads, installing last.

A re-tester's puppet b1 (``ServerName`` misspelt in a ``:80`` VirtualHost): the default
VirtualHost's static page answered, and the fix led with "Install the endpoint" though
shop's and www.blog's URLs at the same address were answered by it. Which site takes the name
the answers do not say: ``vhost_fallback`` (nginx: ``default_server``) is a candidate, the
configuration (``--config``, the running Apache's own command line with ``-S``, ``nginx -T``)
the check, and the ``.invalid`` extra request's answer, where it was sent, said beside this
URL's.
"""

from __future__ import annotations

import dataclasses
import re
from typing import cast
from urllib.parse import urlsplit

from probe.diagnose.answer_names import server_kind
from probe.diagnose.apache_graceful import vhost_dump
from probe.diagnose.discriminate import INVALID_HOST, key_of
from probe.diagnose.front_words import NamedFront, unread_front
from probe.diagnose.fronts import express_address, listening
from probe.diagnose.host_words import express_denies, express_root
from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import FILE_GROUP_FIX, Diagnosis, file_group_fix
from probe.endpoint_answer import EndpointAnswer
from probe.errors import ErrorKind
from probe.model import Candidate, Cause, Evidence, EvidenceKind, Observation, Sample
from probe.safe_text import quoted

_Here = tuple[str, "EndpointAnswer | None"]  # another URL, its trusted answer if any


def _answered_here(obs: Observation, context: SweepContext) -> _Here | None:
    """Another URL of the sweep that got an endpoint answer at this URL's address."""
    _, address = key_of(obs)
    if address is None:
        return None
    # address -> the first URL answered there, once per sweep (a large sweep asks per URL)
    first = cast("dict[str, _Here] | None", context.memo.get(("address-answered", "")))
    if first is None:
        first = {}
        for other in context.observations:
            at = key_of(other)[1]
            if at is not None and at not in first and any(
                    s.endpoint is not None for s in other.samples):
                first[at] = (other.target.url, next(
                    (s.trusted_answer for s in reversed(other.samples) if s.trusted_answer),
                    None))
        context.memo[("address-answered", "")] = first
    found = first.get(address)
    return found if found is not None and found[0] != obs.target.url else None


def _apache_check(answer: EndpointAnswer | None) -> str:
    """The command that lists the VirtualHosts of the Apache at the address (re-tester R30: a
    bare 'apachectl -S' reads the system's configuration, not a file given with -f): by the
    parent pid of the other URL's answer where mod_wsgi made it (an application server
    behind Apache, mod_wsgi-express's own httpd included, has a parent that is not this
    Apache), else the running Apache found with ps."""
    parent = answer.ppid if answer is not None and server_kind(answer) == "mod_wsgi" \
        and express_address(answer) is None else None
    return vhost_dump(parent)


def name_first(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
               sample: Sample) -> Diagnosis | None:
    """The routing reading before the install advice; None where no other URL got an
    endpoint answer at this address (installing leads there)."""
    here = _answered_here(obs, context)
    if here is None:
        return None
    other, answer = here
    key, address = key_of(obs)
    host = urlsplit(obs.target.url).hostname or ""
    expected = obs.target.expected or "the expected instance"
    server = (sample.server or "").lower()
    # Each front's own words, by the Server header; a header naming neither gets both.
    cause, site, check, names = (
        (Cause.DEFAULT_SERVER, "server block", "'nginx -T'", "its server_name")
        if server.startswith("nginx") else
        (Cause.VHOST_FALLBACK, "VirtualHost", _apache_check(answer),
         "its ServerName or ServerAlias")
        if server.startswith("apache") else
        (Cause.VHOST_FALLBACK, "site", f"{_apache_check(answer)} for Apache or 'nginx -T'",
         "Apache: its ServerName or ServerAlias; nginx: its server_name"))
    evidence = [Evidence(EvidenceKind.OBSERVED, f"{other} got an endpoint answer at {address}",
                         f"GET {other}")]
    extra = context.probed.get(key)
    unread = unread_front(sample.server) or unread_front(extra.server if extra else None)
    if unread is not None and not (extra is not None and _differs(extra, sample)):
        return _unread_front(obs, diagnosis, context, sample, extra, unread, other, evidence)
    if extra is not None and _differs(extra, sample):
        return _not_default(obs, diagnosis, context, sample, extra, other, address or "",
                            unread.shows if unread is not None else check, unread)
    said = ""
    if extra is not None and extra.status_code is not None:
        same = "the same status" if extra.status_code == sample.status_code else "another status"
        said = (f" A request for {INVALID_HOST}, a name no site claims, at the same address got "
                f"HTTP {extra.status_code} ({same}): the default site's answer.")
        evidence.append(Evidence(EvidenceKind.PROBED, f"HTTP {extra.status_code} for a name no "
                                 f"site claims", f"GET {INVALID_HOST} at {address}"))
    explanation = (f"{diagnosis.explanation} {other} got an endpoint answer at the same address "
                   f"({address}) in this sweep: the server is up there and the endpoint is "
                   f"installed in an application it runs.{said}")
    fix = (f"Check which {site} takes {host} at {address} (probe sweep --config PATH names it "
           f"with its line; or {check}): where no {site} names {host}, the first (default) one "
           f"answered; give {host} to the {site} meant for {expected} ({names}), or "
           f"correct a misspelt one. If the {site} that "
           f"takes {host} does run {expected}'s application and the endpoint is not in it: "
           f"{diagnosis.fix}")
    return dataclasses.replace(
        diagnosis, explanation=explanation, fix=fix,
        evidence=(*diagnosis.evidence, *evidence),
        candidates=(*diagnosis.candidates, Candidate(
            cause, f"--config (or {check}): no name of the {site}s at {address} matches "
                   f"{host}, so the default one answered")))


def _unread_front(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
                  sample: Sample, extra: Sample | None, front: NamedFront, other: str,
                  evidence: list[Evidence]) -> Diagnosis:
    """Behind a front whose configuration is not read (tester T35's Caddy with a misspelt
    site name, lighttpd with a misspelt $HTTP["host"]): what was seen, where in that
    front's configuration to look, and the check, in its words (no Apache or nginx ones,
    no --config: it refuses such a file)."""
    address = key_of(obs)[1]
    host = (urlsplit(obs.target.url).hostname or "").lower()
    expected = obs.target.expected or "the expected instance"
    evidence.append(Evidence(EvidenceKind.OBSERVED, front.seen, f"GET {obs.target.url}")
                    if sample.server and unread_front(sample.server) else
                    Evidence(EvidenceKind.PROBED, front.seen, f"GET {INVALID_HOST} at {address}"))
    said = ""
    if extra is not None and extra.status_code is not None:
        header = f", Server: {extra.server}" if extra.server else ""
        said = (f" A request for {INVALID_HOST}, a name no site claims, at the same address got "
                f"HTTP {extra.status_code}{header} (the same status): {front.name}'s answer for "
                f"a name none of its sites serves.")
        evidence.append(Evidence(EvidenceKind.PROBED, f"HTTP {extra.status_code}{header} for a "
                                 f"name no site claims", f"GET {INVALID_HOST} at {address}"))
    seen = f" ({sample.server})" if sample.server else ""
    explanation = (f"{diagnosis.explanation} {other} got an endpoint answer at the same address "
                   f"({address}) in this sweep: the server is up there and the endpoint is "
                   f"installed in an application it runs. The front there is {front.name} "
                   f"(Server: {front.header}){'' if seen else ', on the .invalid answer'}.{said}")
    site = front.site(host)
    fix = (f"Check {site} at {address} ({front.shows}; {front.unread}): where none names "
           f"{host}, {front.name} answered it as it answers any name it does not serve; give "
           f"{host} to the one meant for {expected}, or correct a misspelt one. If the one that "
           f"takes {host} does pass it to {expected}'s application and the endpoint is not in "
           f"it: {_servers_only(diagnosis.fix, obs, context)}")
    return dataclasses.replace(
        diagnosis, explanation=explanation, fix=fix,
        evidence=(*diagnosis.evidence, *evidence),
        candidates=(*diagnosis.candidates, Candidate(
            Cause.VHOST_FALLBACK, f"{front.shows}: none of {front.name}'s sites at {address} "
                                  f"names {host}, so its answer for unknown names came "
                                  f"back")))


def _servers_only(fix: str, obs: Observation, context: SweepContext) -> str:
    """The install advice with the token file's group named only for the application
    servers answering at the address (no mod_wsgi directive where none is mod_wsgi)."""
    address = key_of(obs)[1]
    kinds = {server_kind(a) for other in context.observations if key_of(other)[1] == address
             for s in other.samples if (a := s.trusted_answer) is not None}
    return fix if not kinds or None in kinds or "mod_wsgi" in kinds else \
        fix.replace(FILE_GROUP_FIX, file_group_fix(kinds))


def _differs(extra: Sample, sample: Sample) -> bool:
    """The ``.invalid`` request (the default site's answer) is not this URL's: closed
    without an answer (nginx's ``return 444``) where this got a status, or another status."""
    if extra.status_code is None:
        return extra.error_kind is ErrorKind.CLOSED and sample.status_code is not None
    return sample.status_code is not None and extra.status_code != sample.status_code


def _not_default(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
                 sample: Sample, extra: Sample, other: str, address: str,
                 check: str, unread: NamedFront | None = None) -> Diagnosis:
    """The default site answers otherwise, so a site that names the host took it (re-tester
    R31's wiki2 behind nginx: the .invalid request closed, this URL's 403 was the
    mod_wsgi-express backend's, AH01630 in its error_log): no default-site candidate."""
    host = (urlsplit(obs.target.url).hostname or "").lower()
    got = ("had its connection closed without an answer" if extra.status_code is None
           else f"got HTTP {extra.status_code}")
    said = (f" {other} got an endpoint answer at the same address ({address}) in this sweep: "
            f"the server is up there and the endpoint is installed in an application it "
            f"runs. A request for {INVALID_HOST}, a name no site claims, at the same address "
            f"{got}, not this URL's HTTP {sample.status_code}: the default site answers "
            f"otherwise, so a site that names {host} took this URL.")
    path = urlsplit(obs.target.probe_url(context.manifest.probe.segment)).path
    asked = f"/{context.manifest.probe.segment}"
    if path != asked:
        # the .invalid request asked the root's path: a default site routing this one
        # otherwise is not ruled out
        said = said.removesuffix(".") + (
            f" (if the default site answers {path} as it does {asked}: "
            f"{check if unread is not None else '--config, or ' + check}, names the site "
            f"that takes {host}).")
    evidence = [Evidence(EvidenceKind.OBSERVED, f"{other} got an endpoint answer at {address}",
                         f"GET {other}"),
                Evidence(EvidenceKind.PROBED, f"{got} for a name no site claims",
                         f"GET {INVALID_HOST} at {address}")]
    express = _express_names(obs, context, host) if sample.status_code == 403 else None
    if express is None:
        names = (f"{unread.shows}; {unread.unread}" if unread is not None else
                 "probe sweep --config PATH names it and where it passes the URL")
        fix = (f"The site that names {host} at {address} answered HTTP {sample.status_code} "
               f"({names}): {diagnosis.fix}")
    else:
        url, names, group = express
        said += (f" {url} got {obs.target.expected}'s endpoint answer from mod_wsgi-express's "
                 f"daemon group {group!r} under the server name {names} "
                 f"(request.server_name), not {host!r}. " + express_denies(express_root(group)))
        evidence.append(Evidence(EvidenceKind.OBSERVED, f"request.server_name = {names}",
                                 f"GET {url}"))
        fix = (f"Where the site that names {host} passes it to that server (--config names "
               f"its pass line), start the server with '--server-alias {host}' beside its "
               f"--server-name {names} (then start it again: its httpd.conf is written at "
               f"start), and Django's ALLOWED_HOSTS must hold {host!r}. The check that this "
               f"403 is its own: AH01630 ('client denied by server configuration') on "
               f"{express_root(group)}/htdocs/__probe__ in its error_log.")
    return dataclasses.replace(diagnosis, explanation=diagnosis.explanation + said, fix=fix,
                               evidence=(*diagnosis.evidence, *evidence))


def _express_names(obs: Observation, context: SweepContext, host: str
                   ) -> tuple[str, str, str] | None:
    """(URL, its server name, daemon group) of the expected instance's answer elsewhere
    from a mod_wsgi-express server whose name is not ``host``."""
    for other, answer in context.answers_of(obs.target.expected or ""):
        at = listening(answer)
        request = answer.raw.get("request")
        name = request.get("server_name") if isinstance(request, dict) else None
        if at is not None and at.field == "process_group" and isinstance(name, str) and \
                name and name.lower() != host and other.target.url != obs.target.url:
            return other.target.url, quoted(name), at.value
    return None


_SAID = re.compile(r" A request for \S+, a name no site claims, at the same address got HTTP \d+ "
                   r"\((?:the same|another) status\): the default site's answer\.")
_FIRST = re.compile(r"Check which (?:server block|VirtualHost|site) takes .*? If the "
                    r"(?:server block|VirtualHost|site) that takes \S+ does run .*?'s "
                    r"application and the endpoint is not in it: ", re.DOTALL)


def unsay(diagnosis: Diagnosis) -> Diagnosis:
    """``diagnosis`` without :func:`name_first`'s reading, where the configuration read shows
    the URL's name matched (tester T31's wiki2: nginx.conf:57 named it, and the fix still
    said the default server answered): its candidate, its sentence on the ``.invalid``
    request's status and its fix's lead go; the install advice it wrapped stays."""
    return dataclasses.replace(
        diagnosis, explanation=_SAID.sub("", diagnosis.explanation),
        fix=_FIRST.sub("", diagnosis.fix, count=1),
        candidates=tuple(c for c in diagnosis.candidates
                         if c.cause not in (Cause.DEFAULT_SERVER, Cause.VHOST_FALLBACK)
                         or not c.check.startswith("--config (or ")))
