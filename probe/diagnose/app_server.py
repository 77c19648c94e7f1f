"""A misroute in the terms of an application server reached directly (gunicorn, uWSGI,
waitress: ``server.software``, no front's Server header, no ``--config`` saying otherwise).

Such a server has no virtual hosts: it hands every request to the one application it runs,
whatever the Host. So a URL of another name answered there is no VirtualHost's doing, and
VirtualHost causes (``vhost_fallback``, ``vhost_shadowed``) and fixes are not offered. What
the answers show is said instead: the server's software and where it listens
(``server.listen``, against the address probed: another address means something in between
passed the request on), what the extra request for a ``.invalid`` name at the same address
got (:mod:`.discriminate`), and whether Django accepts the name (``request.host_allowed``):
ALLOWED_HOSTS is what refuses names at such a server. Where the answer came through a front
(its ``server.listen`` is not the address probed), the fix is that front's, not the
manifest's connect; and where the ``.invalid`` name reached the same application there, the
front's fallback to its default site and its proxy target for the name are the candidates.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from probe.diagnose.answer_names import joined, places
from probe.diagnose.causes_site import CONFIG_CHECK
from probe.diagnose.discriminate import INVALID_HOST, key_of, probed_default
from probe.diagnose.front_words import NamedFront, entries, named_front
from probe.diagnose.fronts import host_allowed, listen, same_listen, server_header, software
from probe.diagnose.identify import SweepContext
from probe.diagnose.proxy_seen import ProxySeen, proxy_seen, server_header_said
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.model import Candidate, Cause, Evidence, EvidenceKind, Observation, Verdict

VHOST_CAUSES = (Cause.VHOST_FALLBACK, Cause.VHOST_SHADOWED)
MOUNT_CAUSES = (Cause.ALIAS_ORDER, Cause.URL_MAPPING)
FRONT = "a front that refuses unknown names (nginx, Apache httpd)"


def _worded(diagnosis: Diagnosis, causes: tuple[Cause, ...]) -> bool:
    return diagnosis.verdict in (Verdict.WRONG_INSTANCE, Verdict.SERVED_UNMAPPED) and (
        diagnosis.cause in causes or any(c.cause in causes for c in diagnosis.candidates))


def _passed_on(obs: Observation, answer: EndpointAnswer) -> bool:
    """The application server listens elsewhere than the address probed (server.listen)."""
    at, address = listen(answer), key_of(obs)[1]
    return bool(at and address and not same_listen(at, address))


def misroute(obs: Observation, diagnosis: Diagnosis, context: SweepContext) -> Diagnosis:
    """``diagnosis`` without VirtualHost words when it offers them, else unchanged."""
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer), None)
    if answer is None:
        return diagnosis
    # A mount that "took" the URL is mod_wsgi's reading; an application server has one
    # mount, and where it listens elsewhere a proxy chose it for the path (tester T35's
    # Caddy 'handle_path /blog/*' sent to the wiki's port was told "the mount at / took it").
    by_path = _worded(diagnosis, MOUNT_CAUSES) and _passed_on(obs, answer)
    if not by_path and not _worded(diagnosis, VHOST_CAUSES):
        return diagnosis
    url, expected = obs.target.url, obs.target.expected
    host = (urlsplit(url).hostname or "").lower()
    answers = [a for s in obs.samples if (a := s.trusted_answer) is not None]
    # A pool behind one address may mix servers (uWSGI and waitress behind HAProxy): each
    # that answered is named with its own software and socket, not the last one's for all.
    kinds = _kinds(answers)
    names = list(kinds)
    name = joined(names)
    who = diagnosis.answered_by or answer.label or "another application"
    sent = f"GET {url}"
    evidence = [e for e in diagnosis.evidence if e.kind is not EvidenceKind.PROBED]
    for each in names:
        evidence.append(Evidence(EvidenceKind.OBSERVED, f"server.software = {each!r}", sent))
    answered = (f"{name} (server.software)" if len(names) == 1 else
                joined([f"{each} (server.software, server.listen {joined(at) or 'not said'})"
                        for each, at in kinds.items()]))
    head = (f"{url} should be served by {expected}, but" if expected else
            f"{url} must be refused, but") + f" {answered} answered it with " \
        f"{who} ({places(answers)})"
    _, address = key_of(obs)
    at = listen(answer)
    sockets = list(dict.fromkeys(shown for a in answers if (shown := listen(a))))
    for shown in sockets:
        evidence.append(Evidence(EvidenceKind.OBSERVED, f"server.listen = {shown!r}", sent))
    between = bool(at and address and not same_listen(at, address))
    front = proxy_seen(obs, answer)
    if front is not None and front.name:
        evidence.append(front.evidence[0])
    key = key_of(obs)[0]
    extra = context.probed.get(key)
    # The front by its Server header, else by the one on the .invalid answer at the address
    # (lighttpd passes gunicorn's on and adds none; its own 404 names it)
    named = named_front(server_header(obs)) or named_front(extra.server if extra else None)
    if named is not None and named_front(server_header(obs)) is None:
        evidence.append(Evidence(EvidenceKind.PROBED, named.seen,
                                 f"GET {INVALID_HOST} at {address}"))
    # A Server header no front's and not the server's own: said, not taken for a front.
    said = server_header_said(obs, answer)
    if said is not None:
        evidence.append(Evidence(EvidenceKind.OBSERVED, f"Server: {said.header}", sent))
    if between:
        passed = (f"{front.name} in between ({_headers(front.evidence[0].claim)}) passed "
                  f"the request on" if front is not None and front.name else
                  "something in between passed the request on" +
                  ("" if said else "; no Server header names it"))
        listens = (f"it listens on {at}" if len(sockets) < 2 else
                   f"they listen on {joined(sockets)}")
        how = "by Host or by path" if by_path else "by Host"
        head += (f" at {address}, while {listens} (server.listen): {passed}; "
                 f"whether that routes {how}, its configuration tells.")
        if named is not None and (front is None or not front.name):
            head += (f" The answer to a request for {INVALID_HOST} at the same address "
                     f"carried {named.seen}: the front there is {named.name}.")
    elif at:
        head += f" at {address or at}, where it listens itself (server.listen)."
    else:
        head += f" at {address or 'the address DNS gave'}."
    same, probe = probed_default(obs, answer, context)
    if probe is not None:
        evidence.append(probe)
    if same is False:
        # Another application behind the same address: something there routes by Host.
        told = (f" A name nobody owns (.invalid) sent to the same address got another answer: "
                f"something at this address passes Host names to different applications, so "
                f"which one took {host!r} is in its configuration.")
    elif same:
        told = (f" A name nobody owns (.invalid) sent to the same address reached the same "
                f"application too; {_no_vhosts(names)}.")
    elif probe is None:
        told = (f" {_no_vhosts(names)}; the extra request for a .invalid name that shows it "
                f"at this address was not sent (--no-extra-probes).")
    else:
        told = f" {_no_vhosts(names)}; the extra request for a .invalid name did not tell " \
               f"({probe.claim})."
    refuse = _refuser(front, address, host, _base(names),
                      said.header if said is not None and said.undecided else None)
    # through a front (server.listen is not the address probed): the front passed it on
    passer = (address, at) if between and address and at else None
    what = f"{urlsplit(url).path or '/'} of {host!r}" if by_path else repr(host)
    django, fix = _django(answer, host, expected, names, evidence, sent, context, obs,
                          refuse, passer, _lines(named, host), what)
    header = f" {said.words}" if said else ""
    candidates: tuple[Candidate, ...] = ()
    if by_path and passer is not None and expected is not None:
        # Not the .invalid reading (a name's default site): the path went to another server
        candidates = (Candidate(Cause.WRONG_UPSTREAM, f"{_lines(named, host)}: the route of "
                                f"{what} at {address} passes to {at}"),)
    elif passer is not None and same and expected is not None:
        # The .invalid name reached the same application: the front's default site passes
        # there. Whether no site claims the URL's name or its own site passes there too,
        # only the front's configuration tells.
        nginx = front is not None and (front.name or "").lower().startswith("nginx")
        # behind Caddy or lighttpd, that front's configuration: --config refuses it
        check = named.shows if named is not None and not named.read else CONFIG_CHECK
        candidates = (
            Candidate(Cause.DEFAULT_SERVER if nginx else Cause.VHOST_FALLBACK,
                      f"{check}: no site of the front at {address} claims {host!r}, "
                      f"so its default one (which the .invalid name reached) passes it to "
                      f"{at}"),
            Candidate(Cause.WRONG_UPSTREAM,
                      f"{check}: the front's own site for {host!r} passes it to {at}"),
        )
    return dataclasses.replace(diagnosis, cause=None, candidates=candidates,
                               explanation=f"{head}{told}{header}{django}", fix=fix,
                               evidence=tuple(evidence))


def _kinds(answers: list[EndpointAnswer]) -> dict[str, list[str]]:
    """Each server software that answered (``server.software``), in the order first seen,
    with the sockets it answered from (``server.listen``)."""
    kinds: dict[str, list[str]] = {}
    for each in answers:
        at = kinds.setdefault(software(each) or "the application server", [])
        if (shown := listen(each)) and shown not in at:
            at.append(shown)
    return kinds


def _base(names: list[str]) -> str:
    """The servers' names without versions: ``uWSGI and waitress``."""
    return joined(list(dict.fromkeys(name.split("/")[0] for name in names)))


def _no_vhosts(names: list[str]) -> str:
    return "; ".join(_no_vhost(base) for base in dict.fromkeys(n.split("/")[0] for n in names))


def _no_vhost(base: str) -> str:
    if base.lower().startswith("uwsgi"):
        return (f"{base} passes every request to the application it runs whatever the Host, "
                f"unless started in its virtual-hosting mode (--vhost)")
    return f"{base} has no virtual hosts: it passes every request to its one application"


def _refuser(front: ProxySeen | None, address: str | None, host: str, base: str,
             undecided: str | None = None) -> str:
    """Where the name is to be refused before the application: in the front the answers
    show (worded for the one its Server header names), else in a front to put there (or in
    one that may be there already: ``undecided``, a Server header that does not tell).
    ``base``: the servers behind it, without versions."""
    if front is None and undecided is not None:
        return (f"put {FRONT} before {base}, or, if a front in between set the Server header "
                f"{undecided!r} (the answers do not tell), make it refuse {host!r}")
    if front is None:
        return f"put {FRONT} before {base}"
    at = f" at {address}" if address else ""
    if (front.name or "").lower().startswith("apache"):
        return (f"make the Apache in front{at} refuse {host!r}: a first VirtualHost for that "
                f"address (its default) with '<Location /> Require all denied </Location>'")
    if (front.name or "").lower().startswith("nginx"):
        return (f"make the nginx in front{at} refuse {host!r}: a 'server {{ listen ... "
                f"default_server; return 444; }}' for that address")
    shown = f"{front.name}, its Server header" if front.name else \
        "; ".join(e.claim for e in front.evidence)
    return (f"make the front in between{at} ({shown}) refuse {host!r} before it passes the "
            f"request on to {base}")


def _headers(claim: str) -> str:
    """A Server claim, its values named where there are two (Caddy writes its own and passes
    the application server's on: ``Server: Caddy, waitress``)."""
    values = entries(claim.removeprefix("Server: "))
    return "its Server header" if len(values) < 2 else f"{claim}: {len(values)} Server headers"


def _lines(front: NamedFront | None, host: str) -> str:
    """Where the front's line that passed a request on is to be read: ``--config`` for the
    fronts it reads, else that front's own configuration (never --config: it refuses it)."""
    if front is not None and not front.read:
        return f"{front.site(host)} ({front.shows}; {front.unread})"
    if front is not None:
        return f"its configuration (sweep with --config PATH, {front.name}'s)"
    return ("its configuration (sweep with --config PATH where it is Apache's or nginx's; "
            "this tool reads no other front's)")


def _django(answer: EndpointAnswer, host: str, expected: str | None, names: list[str],
            evidence: list[Evidence], sent: str, context: SweepContext,
            obs: Observation, refuse: str,
            passer: tuple[str, str] | None = None, lines: str = "",
            what: str = "") -> tuple[str, str]:
    """What Django does with the name (ALLOWED_HOSTS: what refuses names at such a server),
    and the fix that follows (``refuse``: where to refuse it before the application;
    ``passer``: the address probed and the server's own listen, where they differ)."""
    allowed = host_allowed(answer)
    base = _base(names)
    serves = "serves" if len(names) == 1 else "each serve"
    if allowed is not None:
        evidence.append(Evidence(EvidenceKind.OBSERVED,
                                 f"request.host_allowed = {str(allowed).lower()}", sent))
    settings = answer.settings or "its settings module"
    if expected is not None:
        wanted = _listen_of(context, expected, obs)
        where = f" ({expected} answers its own URLs from {wanted}, server.listen)" if wanted \
            else ""
        if passer is not None:  # the connect is the front's address: the front is to change
            probed, own = passer
            what = what or repr(host)
            return "", (f"The front at {probed} passed {what} to {base} at {own} "
                        f"(server.listen), which {serves} one application: make that front "
                        f"send {what} to the server of {expected}{where}; which of its "
                        f"lines passed it on: {lines}.")
        return "", (f"{base} {serves} one application at this address: send {host!r} to the "
                    f"server of {expected}{where}, in the manifest's connect or in the front "
                    f"that should route it.")
    if allowed is False:
        return (f" Django rejects {host!r} (request.host_allowed false): its pages answer 400 "
                f"Bad Request (DisallowedHost); only this probe, answered before Django runs, "
                f"got 200.",
                f"Django already refuses {host!r} with 400 on its pages; to have it refused "
                f"before the application (this probe included), {refuse}.")
    if allowed:
        return (f" Django accepts {host!r} (request.host_allowed true): its ALLOWED_HOSTS "
                f"({settings}) matches the name, so its pages are served for it.",
                f"Remove what matches {host!r} from ALLOWED_HOSTS in {settings} (Django then "
                f"answers 400 to it), or {refuse}.")
    return (" Whether Django accepts the name the answer does not say (request.host_allowed "
            "null).",
            f"Make sure ALLOWED_HOSTS in {settings} does not match {host!r} (Django then "
            f"answers 400 to it), or {refuse}.")


def _listen_of(context: SweepContext, instance: str, obs: Observation) -> str | None:
    """Where ``instance`` answers its own URLs from (server.listen), if any did."""
    for other, answer in context.answers_of(instance):
        if other is not obs and other.target.expected == instance and listen(answer):
            return listen(answer)
    return None
