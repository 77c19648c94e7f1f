"""Which site answered a URL meant for another, told from evidence alone (no configuration):
what the answer shows (mod_wsgi's application group names the serving site and mount, the
SCRIPT_NAME the mount) and, where that cannot decide, the extra request for a ``.invalid``
name at the same address (:mod:`probe.diagnose.discriminate`).

* another site answered and it also answers a ``.invalid`` name: it is the default site of
  the address; whether no site claims the URL's name (``vhost_fallback``) or the default
  site claims it itself (``vhost_shadowed``) only the configuration tells: both candidates;
* another site answered and the ``.invalid`` name gets something else: a site that is not
  the default claims the name: ``vhost_shadowed``; unless a front passed the request on to
  an application server listening elsewhere (server.listen): then another site claiming the
  name and the URL's own site proxying to another backend (``wrong_upstream``) look alike,
  both candidates, with the checks that tell them apart;
* the URL's own site name answered from two different applications on one mount: two sites
  have that name, and the first listed takes it: ``vhost_shadowed``;
* a shorter mount took the URL (observed SCRIPT_NAME): whether the mounts' order, a rewrite
  or proxy in front, or a missing mount is the reason, only the configuration tells.
"""

from __future__ import annotations

from probe.diagnose import site_wording as words
from probe.diagnose.answer_names import fields_seen
from probe.diagnose.discriminate import INVALID_HOST, key_of, probed_default
from probe.diagnose.front_words import NamedFront, unread_front
from probe.diagnose.fronts import (
    express_address,
    listen,
    listening,
    same_listen,
    server_header,
)
from probe.diagnose.identify import SweepContext
from probe.diagnose.odd_address import server_differs
from probe.diagnose.proxy_seen import ProxySeen, proxy_seen
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer, mapping
from probe.model import Candidate, Cause, Evidence, EvidenceKind, Observation
from probe.safe_text import quoted

CONFIG_CHECK = "sweep with --config PATH (the front's configuration)"


def observed(obs: Observation, context: SweepContext, claim: str) -> Evidence:
    return Evidence(EvidenceKind.OBSERVED, claim,
                    f"GET {obs.target.probe_url(context.manifest.probe.segment)}")


def observed_fields(obs: Observation, context: SweepContext,
                    *fields: tuple[str, object]) -> tuple[Evidence, ...]:
    """The fields the answer gives, as one observed item; none when it gives none."""
    claim = fields_seen(*fields)
    return (observed(obs, context, claim),) if claim is not None else ()


def other_site(obs: Observation, answer: EndpointAnswer, who: str, shown: str, vhost: str,
               context: SweepContext, swallowed: bool) -> Diagnosis:
    """A site other than the URL's host answered (``vhost`` its name, "" if unknown)."""
    seen = [*observed_fields(obs, context, ("application_group", answer.application_group))]
    default, probe = probed_default(obs, answer, context)
    if probe is not None:
        seen.append(probe)
    expected = obs.target.expected
    unread = _unread(obs, context)
    if unread is not None and unread_front(server_header(obs)) is None:
        # named by the .invalid answer's own Server header only (lighttpd's 404)
        seen.append(Evidence(EvidenceKind.PROBED, unread.seen,
                             f"GET {INVALID_HOST} at {key_of(obs)[1]}"))
    # behind Caddy or lighttpd the check is that front's, never --config (it refuses it)
    check = unread.shows if unread is not None else CONFIG_CHECK
    passed = _passed_on(obs, answer, context) if default is False and not swallowed else None
    if passed is not None:
        front, at, own, proxy = passed
        return words.claimed_or_passed(obs.target.url, expected, who, shown, front, at, own,
                                       (*seen, *proxy.evidence), key_of(obs)[1], unread)
    if default is False and not swallowed:
        return words.claimed_by_other_site(obs.target.url, expected, who, shown, vhost,
                                           tuple(seen))
    if default is False:
        # That site claims the name; whether it should, and a shorter mount of it took the
        # URL, or it should not, the answers cannot tell.
        return words.default_site(obs.target.url, expected, who, shown, vhost, False,
                                  tuple(seen), (
            Candidate(Cause.ALIAS_ORDER, f"{check}: the name is that site's own and "
                                         f"a shorter mount comes first"),
            Candidate(Cause.VHOST_SHADOWED, f"{check}: that site should not claim "
                                            f"the name"),
        ), key_of(obs)[1], unread=unread)
    front = "apache" if words.mod_wsgi(answer) else _product(server_header(obs))
    # an IP-bound site is Apache's or nginx's reading: not said of a front not read
    bound = words.ip_bound(key_of(obs)[1], front) if unread is None else None
    beside = f"; or {bound} takes every name there ({words.bound_tool(front)})" if bound else ""
    candidates = [
        Candidate(Cause.VHOST_FALLBACK, f"{check}: no site of this address claims "
                                        f"the name, so its first site answers{beside}"),
        Candidate(Cause.VHOST_SHADOWED, f"{check}: the default site claims the name "
                                        f"itself (a wildcard or extra name)"),
    ]
    if swallowed:
        candidates.append(Candidate(Cause.ALIAS_ORDER, f"{check}: the name is one of "
                                                       f"that site's own and a shorter mount "
                                                       f"comes first"))
    if default is None and probe is None:  # not sent; when sent, its evidence says what it got
        candidates = [Candidate(c.cause, f"{c.check}; or let the extra request for a "
                                         f".invalid name run (no --no-extra-probes)")
                      for c in candidates]
    # an Apache parent only for mod_wsgi's own answers (a backend's ppid is not Apache)
    parent = answer.ppid if words.mod_wsgi(answer) and express_address(answer) is None \
        else None
    return words.default_site(obs.target.url, expected, who, shown, vhost, default,
                              tuple(seen), tuple(candidates), key_of(obs)[1], bound, front,
                              parent, unread)


def _unread(obs: Observation, context: SweepContext) -> NamedFront | None:
    """The front whose configuration is not read that the answers' Server header names,
    else the ``.invalid`` answer's at the address (lighttpd passes its backend's on and
    adds none; its own 404 names it)."""
    extra = context.probed.get(key_of(obs)[0])
    return unread_front(server_header(obs)) or unread_front(extra.server if extra else None)


def _passed_on(obs: Observation, answer: EndpointAnswer, context: SweepContext
               ) -> tuple[str, str, str, ProxySeen] | None:
    """(the front's product from its Server header, where the answering server listens, what
    shows where the expected instance listens, the proxy seen) when a front passed the
    request on to an application server listening elsewhere (server.listen): then a site
    that is not the default takes the name, but whether another site claims it or the URL's
    own site passes it to another backend (tester T30: site3's VirtualHost copied from
    site2's with 'ProxyPass / uwsgi://' site2's port) the answers cannot tell."""
    proxy = proxy_seen(obs, answer)
    at = listen(answer)
    express = _express_elsewhere(obs, answer)
    if express is not None:
        # re-tester R31's blog-old behind Apache: shop's express port answered through the
        # front (its daemon group names it), so the front's site may pass it there itself
        proxy, at = express
    elif proxy is None or at is None or not any(
            e.claim.startswith("server.listen") for e in proxy.evidence):
        return None
    front = _product(server_header(obs))
    expected = obs.target.expected
    own = next((f"{expected} answers its own URL {o.target.url} on server.listen {shown}"
                for o, a in (context.answers_of(expected) if expected else ())
                if o.target.expected == expected and (shown := _where(a)) is not None
                and not same_listen(shown, at)), "")
    return front, at, own, proxy


def _where(answer: EndpointAnswer) -> str | None:
    """Where an answer's server listens: server.listen, else an express daemon group's."""
    found = listening(answer)
    return found.address if found is not None else None


def _express_elsewhere(obs: Observation, answer: EndpointAnswer
                       ) -> tuple[ProxySeen, str] | None:
    """(the proxy seen, the express address) where a mod_wsgi-express server answered (its
    process_group ``HOST:PORT``) and the probe connected to another address: a front passed
    the request on."""
    found = listening(answer)
    address = key_of(obs)[1]
    if found is None or found.field != "process_group" or address is None or \
            same_listen(found.address, address):
        return None
    header = server_header(obs)
    return ProxySeen(_product(header).capitalize() or None, (Evidence(
        EvidenceKind.OBSERVED, f"process_group = {quoted(found.value)} (mod_wsgi-express's "
        f"HOST:PORT) while the request went to {address}", f"GET {obs.target.url}"),)), \
        found.address


def _product(header: str | None) -> str:
    """``apache`` or ``nginx`` from a Server header naming one; '' for any other."""
    name = (header or "").split("/")[0].strip().lower()
    return name if name in ("apache", "nginx") else ""


def same_site(obs: Observation, answer: EndpointAnswer, who: str, shown: str,
              context: SweepContext, expected_mount: str, swallowed: bool) -> Diagnosis:
    """The URL's own site name answered, with the wrong application (and where the same URL
    got its instance's answer at other addresses, that this server differs)."""
    return server_differs(obs, context, _same_site(obs, answer, who, shown, context,
                                                   expected_mount, swallowed))


def _same_site(obs: Observation, answer: EndpointAnswer, who: str, shown: str,
               context: SweepContext, expected_mount: str, swallowed: bool) -> Diagnosis:
    expected = obs.target.expected
    assert expected is not None
    url = obs.target.url
    if swallowed:
        seen: tuple[Evidence, ...] = (
            observed(obs, context, f"request.script_name = {quoted(answer.script_name)}"),
                observed(obs, context, f"request.path_info = {quoted(answer.path_info)}"))
        if isinstance(url_seen := mapping(answer.raw.get("request")).get("script_url"), str) \
                and url_seen:
            seen += (observed(obs, context, f"request.script_url = {quoted(url_seen)}"),)
        return words.shorter_mount(url, expected, expected_mount, answer, who, shown, seen, (
            Candidate(Cause.ALIAS_ORDER, f"{CONFIG_CHECK}: the mounts of this site are "
                                         f"listed shortest first"),
            Candidate(Cause.URL_MAPPING, f"{CONFIG_CHECK}: a rewrite, proxy or alias before "
                                         f"the mounts maps the path elsewhere"),
        ))
    twin = _same_mount_other_application(obs, answer, context)
    if twin is not None:
        other_obs, other = twin
        seen = (observed(obs, context, f"application_group = {quoted(answer.application_group)}, "
                                       f"label = {quoted(answer.label)}"),
                observed(other_obs, context, f"application_group = "
                                             f"{quoted(other.application_group)}, label = "
                                             f"{quoted(other.label)}"))
        return words.two_sites_one_name(url, expected, who, shown, answer, other_obs.target.url,
                                        other, seen)
    return words.other_application(url, expected, answer, who, shown, observed_fields(
        obs, context, ("application_group", answer.application_group)), (
        Candidate(Cause.VHOST_SHADOWED, f"{CONFIG_CHECK}: an earlier site has the same name"),
    ))


def _same_mount_other_application(
    obs: Observation, answer: EndpointAnswer, context: SweepContext,
) -> tuple[Observation, EndpointAnswer] | None:
    """Another URL's answer with the same application group (site name and mount) from
    another application: one site cannot run two applications on one mount."""
    if not answer.application_group or "|" not in answer.application_group:
        return None
    for other_obs, other in context.distinct(
            "mount_application", lambda _, a: (a.application_group, a.label, a.instance_id),
            observations=2):
        if (other_obs is not obs and other.application_group == answer.application_group
                and other.label != answer.label and other.instance_id != answer.instance_id):
            return other_obs, other
    return None
