"""The extra requests a sweep sends to tell causes apart, and what their answers say.

One kind so far: when a site other than the URL's answered it, a request for a name under
``.invalid`` (a name nobody can own, RFC 2606) at the same address and port. The front gives
such a name to its default site for that address; if the same application answers it (the
fields that name an application, not its process: a multi-process server answers from any of
its processes), the site that answered the URL is the default one, else another site claims
the URL's name. At most one request per address and port (the default site is one per
address), and none with ``--no-extra-probes``. Pure: the sweep sends them through its own transport.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.apache.names import default_port, vhost_of
from probe.diagnose.identify import SweepContext
from probe.endpoint_answer import EndpointAnswer
from probe.errors import ErrorKind
from probe.manifest import ANY_INSTANCE, Manifest
from probe.model import Evidence, EvidenceKind, Observation
from probe.safe_text import quoted

INVALID_HOST = "wsgi-probe-check.invalid"


@dataclass(frozen=True)
class ExtraProbe:
    """An extra request that tells causes apart."""

    key: str  # what diagnosis looks its answer up by
    url: str
    address: str | None
    http2: bool = False  # sent with HTTP/2 prior knowledge (h2c_key)
    tokenless: bool = False  # sent without the token (probe.diagnose.token_leak)


def key_of(obs: Observation) -> tuple[str, str | None]:
    parts = urlsplit(obs.target.url)
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    port = parts.port or default_port(parts.scheme)
    return f"{parts.scheme}:{port}@{address}", address


def _wants(obs: Observation, context: SweepContext) -> EndpointAnswer | None:
    """The answer of a URL another instance answered from another site (or of a URL to
    refuse that was served)."""
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer), None)
    expected = obs.target.expected
    if answer is None or expected == ANY_INSTANCE:
        return None
    if expected is None:
        return answer
    if context.identify(answer, expected) == expected:
        return None
    host = (urlsplit(obs.target.url).hostname or "").lower()
    site = vhost_of(answer.application_group)
    return answer if site != host else None


def refuse_key(obs: Observation) -> str:
    """The key of the unverified request for a ``[refuse]`` URL (:func:`certificate_only`)."""
    return f"refuse:{obs.target.url}@{obs.target.address}"


_NAME_MISMATCH = re.compile(r"subject name.*match", re.IGNORECASE)
"""libcurl's words for a certificate that does not name the host ("no alternative
certificate subject name matches target host name", "certificate subject name 'x' does not
match target host name 'y'"): checked after the chain, which it trusted."""


def certificate_only(obs: Observation) -> bool:
    """A ``[refuse]`` https URL whose every request failed in TLS on the certificate's names
    only (or whose host is under ``.invalid``, which no certificate can name): whether the
    server refuses it shows only in an answer sent without certificate checks."""
    if obs.target.expected is not None or obs.target.url[:6].lower() != "https:" or \
            not obs.samples:
        return False
    host = (urlsplit(obs.target.url).hostname or "").lower().rstrip(".")
    return all(s.error_kind is ErrorKind.TLS and "unrecognized name" not in (s.error or "")
               and (host.endswith(".invalid") or _NAME_MISMATCH.search(s.error or ""))
               for s in obs.samples)


def h2c_suspected(obs: Observation) -> bool:
    """An http URL whose every request got bytes libcurl read as HTTP/0.9: what an HTTP/2-only
    port sends an HTTP/1.1 request (nginx 1.22's ``listen ... http2`` without ``ssl``: a
    SETTINGS frame, then GOAWAY), or any other program's bytes; one request decides which."""
    return obs.target.url[:5].lower() == "http:" and bool(obs.samples) and all(
        s.error_kind is ErrorKind.PROTOCOL and "HTTP/0.9" in (s.error or "")
        for s in obs.samples)


def h2c_key(obs: Observation) -> str:
    """The key of the HTTP/2 prior-knowledge request for a URL (:func:`h2c_suspected`)."""
    return f"h2c:{obs.target.url}@{obs.target.address}"


def certificate_key(obs: Observation) -> str:
    """The key of the unverified request that shows which certificate the server presents
    for a URL whose requests failed on its certificate (:func:`certificate_failed`)."""
    return f"certificate:{obs.target.url}@{obs.target.address}"


_CHAIN = re.compile(r"SSL certificate problem", re.IGNORECASE)
"""libcurl's words for a chain it does not trust ("unable to get local issuer certificate",
"self-signed certificate", "certificate has expired")."""


def certificate_failed(obs: Observation) -> bool:
    """An https URL whose every failed request failed on the certificate the server
    presented: its names, or its chain (not a handshake the server refused)."""
    failed = [s for s in obs.samples if s.status_code is None]
    return bool(failed) and obs.target.url[:6].lower() == "https:" and all(
        s.error_kind is ErrorKind.TLS and "unrecognized name" not in (s.error or "")
        and (_NAME_MISMATCH.search(s.error or "") or _CHAIN.search(s.error or ""))
        for s in failed)


def extra_probes(manifest: Manifest, observations: Sequence[Observation]) -> tuple[ExtraProbe,
                                                                                 ...]:
    found: dict[str, ExtraProbe] = {}
    context = SweepContext(manifest, observations)
    for obs in observations:
        if certificate_only(obs):
            # Sent without certificate checks, so without the token (probe.extra_requests).
            key = refuse_key(obs)
            found[key] = ExtraProbe(key, obs.target.probe_url(manifest.probe.segment),
                                    obs.target.address)
            continue
        if h2c_suspected(obs):
            # Sent again as HTTP/2 from the first byte, to decide what the port speaks.
            key = h2c_key(obs)
            found[key] = ExtraProbe(key, obs.target.probe_url(manifest.probe.segment),
                                    obs.target.address, http2=True)
            continue
        if obs.target.expected is not None and certificate_failed(obs):
            # Which certificate was presented, sent as the URL's was (its address, its SNI)
            # but without certificate checks, so without the token (probe.extra_requests).
            key = certificate_key(obs)
            found[key] = ExtraProbe(key, obs.target.probe_url(manifest.probe.segment),
                                    obs.target.address)
            continue
        if _wants(obs, context) is None:
            continue
        key, address = key_of(obs)
        if key in found or address is None:
            continue
        parts = urlsplit(obs.target.url)
        port = f":{parts.port}" if parts.port else ""
        url = f"{parts.scheme}://{INVALID_HOST}{port}/{manifest.probe.segment}"
        found[key] = ExtraProbe(key, url, address)
    return tuple(found.values())


def probed_default(obs: Observation, answer: EndpointAnswer,
                   context: SweepContext) -> tuple[bool | None, Evidence | None]:
    """Whether the site that answered ``obs`` is the address's default (True), another
    (False), or unknown (None: no extra request was sent, or it got no answer)."""
    key, address = key_of(obs)
    sample = context.probed.get(key)
    if sample is None:
        return None, None
    parts = urlsplit(obs.target.url)
    port = f":{parts.port}" if parts.port else ""
    sent = f"GET {parts.scheme}://{INVALID_HOST}{port}/{context.manifest.probe.segment} " \
           f"at {address}"
    tls = parts.scheme == "https"
    if tls:
        # probe.sweep sends it so: no certificate can name a host under .invalid.
        sent += " (without certificate checks, so without the token)"
    if sample.status_code is None and sample.error_kind is ErrorKind.TLS:
        return None, Evidence(EvidenceKind.PROBED, f"its TLS handshake failed "
                              f"({sample.error}), so it cannot tell whether that site is the "
                              f"default one", sent)
    if sample.status_code is None:
        return None, Evidence(EvidenceKind.PROBED, f"no answer ({sample.error})", sent)
    other = sample.trusted_answer
    if tls:
        shown = f"; its handshake presented {sample.tls.describe()}" if sample.tls else ""
        sent += shown
        if other is None:
            # An endpoint with a token answers no request without it: not another site.
            return None, Evidence(EvidenceKind.PROBED, f"answered HTTP {sample.status_code} "
                                  f"without an endpoint answer; an endpoint with a token "
                                  f"answers nothing without it, so whether that site is the "
                                  f"default one is not known (the configuration says which it "
                                  f"is: sweep with --config)", sent)
    same = same_application(answer, other) if other is not None else False
    if same is None:
        return None, Evidence(EvidenceKind.PROBED, f"answered by an application whose "
                              f"answers name no label, settings, group or script to compare "
                              f"with (instance_id {other.instance_id if other else None}): "
                              f"whether it is the one that answered the URL is not known", sent)
    if same:
        return True, Evidence(EvidenceKind.PROBED, f"answered by the same application "
                              f"({_named(answer)}): the default site of this address "
                              f"answered the URL", sent)
    got = (f"answered by another application ({_named(other)})" if other is not None
           else f"answered HTTP {sample.status_code} without this instance's answer")
    # Not "the site that answered claims the name": behind a proxy, the URL's own site may
    # take it and pass it to another application's backend (tester T30's site3.test)
    return False, Evidence(EvidenceKind.PROBED, f"{got}: a site other than the address's "
                           f"default one takes the URL's name", sent)


def _script_file(answer: EndpointAnswer) -> str | None:
    value = answer.raw.get("script_file")
    return value if isinstance(value, str) and value else None


def _identity(answer: EndpointAnswer) -> dict[str, str | None]:
    """What names an application (not a process: every worker, daemon process or balancer
    member has its own instance_id, so an instance_id differs between answers of one
    application by chance)."""
    return {"label": answer.label, "settings": answer.settings,
            "application_group": answer.application_group,
            "process_group": answer.process_group, "script_file": _script_file(answer)}


def same_application(one: EndpointAnswer, other: EndpointAnswer) -> bool | None:
    """Whether two answers come from one application: the same fields naming it (label,
    settings, application and process group, script file, as the answers give them); the
    same instance_id is one process of it. None: no field to compare, other processes."""
    if one.instance_id is not None and one.instance_id == other.instance_id:
        return True
    mine, theirs = _identity(one), _identity(other)
    if all(value is None for value in (*mine.values(), *theirs.values())):
        return None
    return mine == theirs


def _named(answer: EndpointAnswer) -> str:
    """The identity fields an answer gave, as evidence names them."""
    shown = [f"{name} {quoted(value)}" for name, value in _identity(answer).items()
             if value is not None]
    return ", ".join(shown) or f"instance_id {answer.instance_id}"
