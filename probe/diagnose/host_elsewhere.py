"""A ``no_endpoint`` URL, swept without the configuration, whose host the expected instance
answered the endpoint for at another address of the sweep: another port of the same IP, or
the same name at another IP. The endpoint is installed and answers this probe, so the name
on this port (or address) not reaching the instance's site leads, never installing.

Tester T24's m1: ``<VirtualHost *:31781>`` where ``*:31781 *:31782`` was meant; the manifest
lists ``a.example.test:31782``. The fix led with "Install the endpoint ... give the probe its
token" though project-1's endpoint answered ``a.example.test:31781`` at the same IP without a
token in the same sweep. Which site takes the name on that port the answers do not say: no
site of the port naming it (the first, default one answered) and, behind Apache, an IP-based
``<VirtualHost ADDR:PORT>`` taking every name of the address are the candidates, the
configuration (``--config``, the running Apache's own command line with ``-S``, ``nginx -T``)
the check.
"""

from __future__ import annotations

import dataclasses
from typing import cast
from urllib.parse import urlsplit

from probe.addresses import url_port
from probe.diagnose.apache_graceful import vhost_dump
from probe.diagnose.discriminate import INVALID_HOST, key_of
from probe.diagnose.front_words import NamedFront, unread_front
from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.errors import ManifestError
from probe.manifest import parse_address
from probe.model import Candidate, Cause, Evidence, EvidenceKind, Observation, Sample

_Found = tuple[Observation, EndpointAnswer, str]  # another URL, its answer, its address


def _ip(address: str | None) -> str | None:
    try:
        return parse_address(address, "address")[0] if address else None
    except ManifestError:
        return None


def _answered_elsewhere(obs: Observation, context: SweepContext,
                        any_host: bool) -> _Found | None:
    """The expected instance's answer to another URL of this host at another address: on
    the same IP first (another port), else at another IP; ``any_host``: else its answer
    for another host at another address."""
    expected = obs.target.expected or ""
    # host -> the first answer at each address, built once per instance (asked per URL)
    by_host = cast("dict[str, dict[str, tuple[Observation, EndpointAnswer]]] | None",
                   context.memo.get(("host-elsewhere", expected)))
    if by_host is None:
        by_host = {}
        for other, answer in context.answers_of(expected):
            at = key_of(other)[1]
            if at is not None:
                by_host.setdefault(urlsplit(other.target.url).hostname or "", {}).setdefault(
                    at, (other, answer))
        context.memo[("host-elsewhere", expected)] = by_host
    _, address = key_of(obs)
    if address is None:
        return None
    host = urlsplit(obs.target.url).hostname or ""
    found = [(o, a, at) for at, (o, a) in by_host.get(host, {}).items()
             if at != address and o.target.url != obs.target.url]
    if not found and any_host:  # another host's answer: installed too (T24 m2)
        found = [(o, a, at) for answers in by_host.values() for at, (o, a) in answers.items()
                 if at != address]
    found.sort(key=lambda f: _ip(f[2]) != _ip(address))  # the same IP first
    return found[0] if found else None


def _quoted(answer: EndpointAnswer) -> str:
    fields = (("label", answer.label), ("process_group", answer.process_group),
              ("script_file", answer.raw.get("script_file")), ("pid", answer.pid))
    return ", ".join(f"{name} {value!r}" for name, value in fields if value is not None)


def host_first(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
               sample: Sample, any_host: bool = False) -> Diagnosis | None:
    """The name not routed on this port or address leads; None where the expected instance
    answered no other URL of this host at another address (``any_host``: of any host)."""
    found = _answered_elsewhere(obs, context, any_host)
    _, address = key_of(obs)
    if found is None or address is None:
        return None
    other, answer, at = found
    host = urlsplit(obs.target.url).hostname or ""
    port = url_port(obs.target.url)
    ip = _ip(address) or address
    expected = obs.target.expected or "the expected instance"
    apache = (sample.server or "").lower().startswith("apache")
    nginx = (sample.server or "").lower().startswith("nginx")
    # By ps, not the answer's ppid: that answer came from another address, maybe another
    # Apache (re-tester R30: a bare 'apachectl -S' reads the system's configuration, not -f's)
    site, check = (("server block", "'nginx -T'") if nginx else
                   ("VirtualHost", vhost_dump()) if apache else
                   ("site", f"{vhost_dump()} for Apache or 'nginx -T'"))
    same_ip = _ip(at) == _ip(address)
    same_host = (urlsplit(other.target.url).hostname or "") == host
    token = "" if context.token_sent else ", to a request without a token as this one was"
    extra = context.probed.get(key_of(obs)[0])
    unread = unread_front(sample.server) or unread_front(extra.server if extra else None)
    if unread is not None:  # Caddy, lighttpd: no Apache or nginx words, no --config
        site = "site"
    explanation = (
        f"{diagnosis.explanation} {expected}'s endpoint answered {other.target.url} at {at} "
        f"in this sweep ({_quoted(answer)}){token}: it is installed"
        f"{', and answers this probe' if same_host else f' in the application of {expected}'}."
        f" {host} at {address} got HTTP {sample.status_code} instead: that request did not "
        f"reach {expected}'s application, or the {site} that took it refused the path "
        f"before it.")
    ip_based = f"<VirtualHost {'[' + ip + ']' if ':' in ip else ip}:{port}>"
    # The port answered at this address (HTTP status): a Listen of it is there already.
    which = (
        f"no {site} of port {port} names {host} (the first, default one answered: give the "
        f"port to the {site} meant for {expected}, "
        + (f"*:{port} on its <VirtualHost> line"
           if apache else f"a listen {port} line in it" if nginx else
           f"Apache: *:{port} on its <VirtualHost> line; nginx: a listen {port} line")
        + ")"
        if same_ip and same_host else
        f"the {site} meant for {expected} does not take {address} (it answered at {at}: "
        f"give it this address too)" if same_host else
        f"no {site} at {address} names {host} (the first, default one answered: give {host} "
        f"to the {site} meant for {expected}, and that {site} this "
        f"{'port' if same_ip else 'address'} if it lacks it: {expected} answered "
        f"{other.target.url} at {at})")
    if unread is not None:
        # the .invalid request's status beside this URL's: that front's answer for names
        # none of its sites serves, said only where it was sent and alike
        alike = "" if extra is None or extra.status_code != sample.status_code else (
            f" (a request for {INVALID_HOST} there got the same HTTP {sample.status_code}: "
            f"{unread.name}'s answer for a name none of its sites serves)")
        which = _unread_which(unread, host, port, address, at, expected, other.target.url,
                              alike, same_ip=same_ip, same_host=same_host)
    elif not nginx:
        which += (f"; or an IP-based {ip_based} takes every name at {address} (httpd "
                  f"compares names only among the VirtualHosts of the most specific address, "
                  f"so listing a site before it changes nothing: give it the address *:{port}, "
                  f"or the one it is meant for)")
    fix = (f"Check which {site} takes {host} at {address} (probe sweep --config PATH names it "
           f"with its line; or {check}): {expected}'s endpoint answered "
           f"{host if same_host else other.target.url} at {at}, so "
           f"either {which}. The endpoint is installed in that application (it answered "
           f"{other.target.url}): installing it again changes nothing where this request "
           f"does not reach it.")
    check_words = (f"--config (or {check}): no {site} at {address} names {host}, so the first "
                   f"(default) one answered"
                   + ("" if nginx else f"; or an IP-based {ip_based} takes every name there"))
    seen = [Evidence(EvidenceKind.OBSERVED, f"{expected}'s endpoint answered "
                                            f"{other.target.url} at {at} ({_quoted(answer)})",
                     f"GET {other.target.url}")]
    if unread is not None:
        fix = (f"Check {unread.site(host)} at {address} ({unread.shows}; {unread.unread}): "
               f"{expected}'s endpoint answered {host if same_host else other.target.url} at "
               f"{at}, so {which}. The endpoint is installed in that application (it answered "
               f"{other.target.url}): installing it again changes nothing where this request "
               f"does not reach it.")
        check_words = (f"{unread.shows}: none of {unread.name}'s sites at {address} names "
                       f"{host}, so its answer for names it does not serve came back")
        seen.append(Evidence(EvidenceKind.OBSERVED, unread.seen, f"GET {obs.target.url}")
                    if unread_front(sample.server) else
                    Evidence(EvidenceKind.PROBED, unread.seen, f"GET {INVALID_HOST} at {address}"))
        if alike:
            seen.append(Evidence(EvidenceKind.PROBED, f"HTTP {sample.status_code} for a name "
                                 f"no site claims", f"GET {INVALID_HOST} at {address}"))
    return dataclasses.replace(
        diagnosis, explanation=explanation, fix=fix,
        evidence=(*diagnosis.evidence, *seen),
        candidates=(*diagnosis.candidates, Candidate(
            Cause.DEFAULT_SERVER if nginx else Cause.VHOST_FALLBACK, check_words)))


def _unread_which(front: NamedFront, host: str, port: int | str, address: str, at: str,
                  expected: str, other: str, alike: str, *, same_ip: bool,
                  same_host: bool) -> str:
    """Why the name did not reach the instance behind a front whose configuration is not read
    (tester T35's Caddy and lighttpd): in that front's words, where its configuration is."""
    if same_ip and same_host:
        return (f"none of {front.name}'s sites for port {port} names {host}{alike}: give "
                f"{front.site(host)} port {port} too")
    if same_host:
        return (f"{front.site(host)} does not take {address} (it answered at {at}): give it "
                f"this address too")
    return (f"none of {front.name}'s sites at {address} names {host}{alike}: give {host} to "
            f"the site meant for {expected}, and that site this address if it lacks it "
            f"({expected} answered {other} at {at})")
