"""The words of :mod:`probe.diagnose.causes_site`: what was observed or probed, named with its
field and value, and no configuration fact nobody read (no directive is said to be present,
missing or in some order: only ``--config`` can say that, with ``file:line``)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

from probe.apache.addresses import split_host_port
from probe.apache.names import catch_all_vhost, default_port
from probe.apache.tls_setup import unread_tls
from probe.diagnose.apache_graceful import vhost_dump
from probe.diagnose.front_words import NamedFront
from probe.diagnose.wording import Diagnosis, host_name, script_hint
from probe.endpoint_answer import EndpointAnswer
from probe.model import Candidate, Cause, Evidence, Verdict
from probe.safe_text import quoted

CONFIG_HINT = ("Sweep with --config PATH (the front's configuration) to have the line that "
               "decides this named.")


def mod_wsgi(answer: EndpointAnswer) -> bool:
    server = answer.raw.get("server")
    return isinstance(server, Mapping) and isinstance(server.get("mod_wsgi_version"), str)


def _target(url: str, expected: str | None) -> str:
    return f"{url} should be served by {expected} but" if expected else \
        f"{url} must be refused but"


def _verdict(expected: str | None) -> Verdict:
    return Verdict.WRONG_INSTANCE if expected else Verdict.SERVED_UNMAPPED


def _site(vhost: str) -> str:
    return f"the site {vhost!r} (its application group)" if vhost else "another site"


def claimed_by_other_site(url: str, expected: str | None, who: str, shown: str, vhost: str,
                          evidence: tuple[Evidence, ...]) -> Diagnosis:
    host = host_name(url)
    names = " (Apache: a ServerName or ServerAlias, wildcards included)" if vhost else ""
    return Diagnosis(
        _verdict(expected), Cause.VHOST_SHADOWED,
        explanation=(f"{_target(url, expected)} was answered by {who} from {_site(vhost)}, "
                     f"and a name nobody owns (.invalid) at the same address gets another "
                     f"answer: that site is not the address's default, so it claims "
                     f"{host!r} itself."),
        fix=(f"Find the name of that site that matches {host!r}{names} and remove it, or "
             f"list the site meant for {expected or 'refusing it'} before it. {CONFIG_HINT}"),
        answered_by=shown, evidence=evidence)


def claimed_or_passed(url: str, expected: str | None, who: str, shown: str, front: str,
                      at: str, own: str, evidence: tuple[Evidence, ...],
                      address: str | None, unread: NamedFront | None = None) -> Diagnosis:
    """A site that is not the default took the URL's name and a front passed the request
    on to ``at``: another site claims the name, or the URL's own site passes it to another
    backend. ``front``: 'apache', 'nginx' or '' (the Server header's product): that front's
    words only. ``own``: where the expected instance was seen listening ('' if nowhere).
    ``unread``: a front whose configuration is not read (Caddy, lighttpd): its words, no
    Apache or nginx ones and no --config (it refuses its files)."""
    host = host_name(url)
    site = {"apache": "VirtualHost", "nginx": "server block"}.get(front, "site") \
        if unread is None else "site"
    check = {"apache": f"{vhost_dump()} lists the VirtualHost that takes each name",
             "nginx": "'nginx -T' shows the server_name lines",
             "": "the front's configuration ('apachectl -S' for Apache, 'nginx -T' for "
                 "nginx) shows which site takes each name"}[front] if unread is None else \
        f"{unread.shows} ({unread.unread})"
    line = {"apache": "its ProxyPass for this path",
            "nginx": "its proxy_pass or uwsgi_pass for this path"}.get(
        front, "its proxy line for this path") if unread is None else \
        f"the line that passes this path on in {unread.site(host)}"
    meant = f"the {site} meant for {expected}" if expected else f"a {site} of its own"
    where = f" ({own})" if own else ""
    return Diagnosis(
        _verdict(expected),
        explanation=(f"{_target(url, expected)} was answered by {who}, which listens on {at} "
                     f"(server.listen) while the request went to {address or 'the front'}: "
                     f"the front passed it on. A name nobody owns (.invalid) at the same "
                     f"address gets another answer, so a {site} that is not the address's "
                     f"default takes {host!r}: another {site} that claims {host!r} and passes "
                     f"it to {at}, or {meant} passing it to {at}; the answers do not tell "
                     f"which. Cause undetermined: vhost_shadowed or wrong_upstream."),
        fix=(f"Find which {site} takes {host!r}: {check}. If it is {meant}, point {line} "
             f"at where {expected or 'it is meant to go'} listens{where}, not {at}; if it is "
             f"another {site}, remove {host!r} from its names."
             f"{'' if unread else ' ' + CONFIG_HINT}"),
        answered_by=shown, evidence=evidence, candidates=(
            Candidate(Cause.VHOST_SHADOWED, f"{check}: another {site} claims {host!r}"),
            Candidate(Cause.WRONG_UPSTREAM, f"{line}, in {meant}: whether it passes to {at}")))


def ip_bound(address: str | None, front: str) -> str | None:
    """The site bound to the IP address a request was sent to, as the front writes it (with
    its article): the only sites httpd (and nginx) consider for that address, so one takes
    every name sent there whatever the ``*:PORT`` sites claim or their order. ``front``:
    'apache', 'nginx' (an answer or Server header says which: that front's words only) or
    ''. None: no IP address known."""
    host, port = split_host_port(address or "")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    if not port:
        return None
    at = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {"apache": f"an IP-based <VirtualHost {at}>",
            "nginx": f"a server block with 'listen {at}'"}.get(
        front, f"a site bound to {at} itself (Apache: <VirtualHost {at}>; nginx: listen {at})")


def bound_tool(front: str) -> str:
    """The command that lists the sites bound to an address, for ``front``."""
    return {"apache": "'apachectl -S'", "nginx": "'nginx -T'"}.get(
        front, "'apachectl -S' or 'nginx -T'")


def default_site(url: str, expected: str | None, who: str, shown: str, vhost: str,
                 proven: bool | None, evidence: tuple[Evidence, ...],
                 candidates: tuple[Candidate, ...], address: str | None = None,
                 bound: str | None = None, front: str = "apache",
                 parent: int | None = None, unread: NamedFront | None = None) -> Diagnosis:
    """``proven``: the .invalid answer showed that site is the default (True), is not and
    so claims the name (False), or nothing (None). ``bound``: the IP-based site that would
    answer so too (:func:`ip_bound`), a candidate beside the default site's. ``parent``: the
    Apache an answer names (its ppid), whose command line lists its VirtualHosts.
    ``unread``: the front before it whose configuration is not read (Caddy, lighttpd): the
    fix in its words (:func:`_unread_fix`)."""
    host = host_name(url)
    why = {True: " and it also answers a name nobody owns (.invalid) at the same address: it "
                 "is the address's default site",
           False: ", and a name nobody owns (.invalid) gets another answer: that site claims "
                  f"{host!r}",
           None: ""}[proven]
    refuse = catch_all_at(url, address) if vhost else ""
    port = sent_port(url, address)
    # Tester T24 m2: <VirtualHost 127.0.0.1:31782> beside the *:31782 sites took every name;
    # "list the site before it" could not help. Nothing observed tells that site from a first
    # name-based one (the .invalid request gets it either way): a check, after the usual fix,
    # never a claim about the configuration (none was read).
    others = f"'listen {port}' ones" if front == "nginx" else f"*:{port} ones"
    tool = vhost_dump(parent) if front == "apache" else bound_tool(front)
    bound_check = (f" If {tool} lists {bound} beside the {others}, that site "
                   f"takes every name sent to {address}, whatever the *:{port} sites claim or "
                   f"their order: give it the address *:{port}, or the address it is meant "
                   f"for." if bound else "")
    # Without the block the sentence ends here; with it, the block ends its own line.
    fix = (f"{_owner(host, expected)} and make the first site of this address refuse "
           f"unknown names{':' + chr(10) + refuse + chr(10) if refuse else '. '}"
           f"{_if_owned(host, expected)}{bound_check} {CONFIG_HINT}")
    return Diagnosis(
        _verdict(expected),
        explanation=(f"{_target(url, expected)} was answered by {who} from {_site(vhost)}"
                     f"{why}. Cause undetermined: "
                     f"{' or '.join(c.cause.value for c in candidates)}."),
        fix=fix if unread is None else _unread_fix(unread, host, expected, port),
        answered_by=shown, evidence=evidence, candidates=candidates)


def _unread_fix(front: NamedFront, host: str, expected: str | None, port: int) -> str:
    """:func:`default_site`'s fix behind a front whose configuration is not read: which of
    its sites takes the name is in that front's configuration (tester T35's Caddy was told
    ServerName and apachectl -S)."""
    owner = (f"No site is meant to answer {host!r}: give it to none of {front.name}'s sites"
             if expected is None else
             f"If none of {front.name}'s sites names {host!r}, give it to the one meant for "
             f"{expected}")
    return (f"{owner}, and {front.refuse(str(port))}. If one names it, another site of "
            f"{front.name}'s claims {host!r} first (a wildcard or the same name): narrow or "
            f"remove that name there. Which site takes {host!r}: {front.site(host)} "
            f"({front.shows}; {front.unread}).")


def sent_port(url: str, address: str | None) -> int:
    """The port the request went to: the ``--connect`` address's, else the URL's (the
    VirtualHosts listen on the former, which may not be the URL's)."""
    if address:
        port = split_host_port(address)[1]
        if port and port.isdigit():
            return int(port)
    parts = urlsplit(url)
    return parts.port or default_port(parts.scheme)


def catch_all_at(url: str, address: str | None) -> str:
    """The catch-all for the port the request was sent to; for https with ``SSLEngine on``
    and a certificate (nothing was read to say which)."""
    tls = unread_tls() if url[:6].lower() == "https:" else None
    return catch_all_vhost(f"*:{sent_port(url, address)}", tls=tls.lines if tls else (),
                           tls_comment=tls.comment if tls else "")


def _owner(host: str, expected: str | None) -> str:
    """Who is meant to answer ``host``: the expected instance's site, or, for a URL the
    manifest says must be refused, no site at all."""
    if expected is None:
        return f"No site is meant to answer {host!r}: give it to none"
    # Nothing read says whether the site meant already has the name: both cases are told.
    return (f"If no site of {expected} has {host!r} as a ServerName or ServerAlias, give it "
            f"one")


def _if_owned(host: str, expected: str | None) -> str:
    if expected is None:
        return "If the default site claims it, remove that name there."
    # No reordering offered: it is the fix of one candidate only (an IP-based site, or the
    # default site claiming the name, is not moved by it).
    return (f"If one has it, a site listed before it claims {host!r} first (the default "
            f"site, or another site's ServerAlias wildcard or same name): narrow or remove "
            f"that name there.")


def shorter_mount(url: str, expected: str, expected_mount: str, answer: EndpointAnswer,
                  who: str, shown: str, evidence: tuple[Evidence, ...],
                  candidates: tuple[Candidate, ...]) -> Diagnosis:
    mount = answer.script_name or ""
    at = mount or "/"
    first = " (mod_wsgi uses the first WSGIScriptAlias that matches)" if mod_wsgi(answer) else ""
    return Diagnosis(
        Verdict.WRONG_INSTANCE,
        explanation=(f"{url} should be served by {expected} mounted at {expected_mount or '/'} "
                     f"but was answered by {who}: the mount at {at} took it (observed "
                     f"script_name {mount!r}, path_info {quoted(answer.path_info)}). Cause "
                     f"undetermined: {' or '.join(c.cause.value for c in candidates)}."),
        fix=(f"Make the mount of {expected} at {expected_mount or '/'} take its URLs before "
             f"the one at {at}{script_hint(answer)}{first}"
             f", and check that nothing maps the path before the mounts. {CONFIG_HINT}"),
        answered_by=shown, evidence=evidence, candidates=candidates)


def two_sites_one_name(url: str, expected: str, who: str, shown: str, answer: EndpointAnswer,
                       other_url: str, other: EndpointAnswer,
                       evidence: tuple[Evidence, ...]) -> Diagnosis:
    group = answer.application_group
    return Diagnosis(
        Verdict.WRONG_INSTANCE, Cause.VHOST_SHADOWED,
        explanation=(f"{url} should be served by {expected} but was answered by {who} with "
                     f"application group {quoted(group)}, while {other_url} got "
                     f"{quoted(other.label)} "
                     f"with the same application group: one site name and mount, two "
                     f"applications, so two sites have the name {host_name(url)!r} and the "
                     f"one listed first takes {host_name(url)!r}."),
        fix=(f"Remove (or rename) the other site with the name {host_name(url)!r}, the one "
             f"that runs {answer.label or 'this application'}{script_hint(answer)}. "
             f"{CONFIG_HINT}"),
        answered_by=shown, evidence=evidence)


def other_application(url: str, expected: str, answer: EndpointAnswer, who: str, shown: str,
                      evidence: tuple[Evidence, ...],
                      candidates: tuple[Candidate, ...]) -> Diagnosis:
    group = answer.application_group
    group_hint = f", application group {group!r}" if group is not None else ""
    return Diagnosis(
        Verdict.WRONG_INSTANCE,
        explanation=(f"{url} should be served by {expected} but was answered by "
                     f"{who}{group_hint}. Cause undetermined: "
                     f"{' or '.join(c.cause.value for c in candidates)}."),
        fix=(f"Check which application the front serves this URL with, and the label given "
             f"to wsgi_endpoint.wrap() in {expected}'s WSGI script. {CONFIG_HINT}"),
        answered_by=shown, evidence=evidence, candidates=candidates)
