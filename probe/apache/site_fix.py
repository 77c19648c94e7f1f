"""The fix for a URL whose VirtualHost runs no WSGI application at its path, when no other
site on the address is meant: "stop claiming the name" is right only where another
VirtualHost of the same address claims it too.

Three cases, each from lines read:

* the VirtualHost is the only one for its IP address (``<VirtualHost 127.0.0.1:80>``), so
  httpd never compares names there and the ``*:80`` VirtualHost that claims the name is
  never reached on that IP: the address lines are the fix;
* the VirtualHost owns the name and mounts the expected application elsewhere
  (``WSGIScriptAlias /weblate``): the manifest's URL or the mount must change;
* it owns the name and mounts nothing for the path: a mount is missing there (its twin's
  WSGI lines, where a VirtualHost of the same name on another port has them:
  :mod:`probe.apache.twin_mount`).

And one where no VirtualHost of the (plain HTTP) address claims the name and those that do
elsewhere all have ``SSLEngine on``: the site exists for https only
(:func:`probe.apache.tls_setup.plain_request_fix`), unless a plain VirtualHost of the address
runs the instance's script or daemon group: a name of it misses (a misspelt ServerName, the
:443 twin's right), and the name fix is said.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from probe.apache.config import Directive
from probe.apache.hostnames import name_matches
from probe.apache.included_mount import included_mount
from probe.apache.model import Server, Site
from probe.apache.near_names import near_name
from probe.apache.port_vhost import vhost_of
from probe.apache.site_elsewhere import elsewhere, near_taken, runs_other
from probe.apache.tls_setup import plain_request_fix, tls_of, tls_only
from probe.apache.twin_mount import twin_mount
from probe.apache.vhost_select import VhostChoice, own_name
from probe.front import Source


@dataclass(frozen=True)
class SiteFix:
    fix: str
    cites: tuple[tuple[str, Source], ...] = ()  # (what, where) the fix relies on


@dataclass(frozen=True)
class Known:
    """What the sweep knows of the instance beyond the configuration: its script (its answers'
    ``script_file``), the scripts other instances' answers report (real path -> instance), the
    path its URLs share, where it is mounted (None: its URLs do not tell), and those URLs."""

    script: str | None = None
    others: Mapping[str, str] = field(default_factory=dict)
    prefix: str | None = None
    listed: tuple[str, ...] = ()  # its URLs in the manifest: a fix does not ask to list one
    groups: Mapping[str, str] = field(default_factory=dict)  # other instances' process_group
    ppid: int | None = None  # the answers' Apache parent, whose own -S lists what it loaded


def site_fix(site: Site, choice: VhostChoice, url: str, expected: str,
             group: str | None, meant: Source | None, known: Known | None = None
             ) -> SiteFix | None:
    """The fix at the site step, or None where another VirtualHost of the same address
    claims the name (the caller's "stop claiming" is then right)."""
    if choice.undecided is not None or choice.address is None:
        return None
    server = choice.server
    hostname = (urlsplit(url).hostname or "").lower()
    if choice.by == "only" and choice.address.host != "*":
        hidden = _claiming(site, hostname, choice.address.port)
        if hidden is not None:
            return _address_fix(server, hidden, str(choice.address))
    meant_server = _server_at(site, meant) if meant is not None else None
    if not _runs_here(site, choice, meant_server, group, known):
        tls = _tls_elsewhere(site, choice, hostname, url, expected,
                             (known or Known()).listed)
        if tls is not None:
            return tls
    if choice.by == "default":
        return _name_fix(site, choice, hostname, expected, meant_server, group, known or Known())
    if choice.by == "only" and not name_matches(server.server_name, server.aliases, hostname):
        # The only VirtualHost of the address claims no name of the URL: a catch-all, never
        # the place to mount the site (it would answer every name of the port).
        away = elsewhere(site, choice, hostname, expected, meant_server,
                         (known or Known()).script, group, (known or Known()).ppid)
        if away is not None:
            return SiteFix(f"{server.describe()}, the only VirtualHost for {choice.set_name}, "
                           f"claims no name of the URL. {away.words}", away.cites)
    if meant_server is not None and meant_server is not server and \
            any(c is meant_server for c in choice.candidates) and not (
                own_name(server, hostname) and
                not name_matches(meant_server.server_name, meant_server.aliases, hostname)):
        # Another site of the address is meant, unless this one is written for the name (its
        # ServerName) and that one claims it not: a catch-all is no site meant for a name.
        return None
    if choice.by not in ("name", "only"):
        return None
    reached = "which claims this name" if choice.by == "name" else \
        f"the only VirtualHost for {choice.set_name}"
    return _mount_fix(site, server, reached, url, expected, group, known or Known())


def _name_fix(site: Site, choice: VhostChoice, hostname: str, expected: str,
              meant: Server | None, group: str | None, known: Known) -> SiteFix | None:
    """No name of the address matched: the VirtualHost meant for the instance (the one
    running its script, or the only one of the set using its daemon group) named with its
    line, and a name of it one edit from the Host named as the likely typo."""
    own = meant if meant is not None and any(c is meant for c in choice.candidates) else None
    why = ""
    if own is None:
        found = vhost_of(site, choice.candidates, None, group)
        # No script or group tells it (an application server behind mod_proxy): the one
        # VirtualHost of the set with a name one edit from the Host is the site written for
        # it; the first is not (it answered, another site: a.test is one edit from b.test).
        close = [v for v in choice.candidates[1:] if near_name(v, hostname) is not None]
        if found is None and (len(close) != 1 or
                              runs_other(site, close[0], known.others, known.groups)):
            # A near name in a VirtualHost that runs another instance is that one's site.
            away = near_taken(site, choice, hostname, expected, meant, group, close,
                              (known.script, known.others, known.groups), known.ppid)
            return None if away is None else SiteFix(away.words, away.cites)
        own, why = (found.server, f" (which has {found.why}, {found.where})") if found \
            else (close[0], "")
    return _typo(choice, hostname, own, why)


def _typo(choice: VhostChoice, hostname: str, own: Server, why: str) -> SiteFix:
    """The name fix in ``own``, the instance's VirtualHost: a near name first, if any."""
    first = choice.candidates[0]
    alias = (f"add 'ServerAlias {hostname}' inside {own.describe()}{why}: no ServerName or "
             f"ServerAlias for {choice.set_name} matches {hostname}, so the first "
             f"VirtualHost answers ({first.where})")
    near = near_name(own, hostname)
    if near is None:
        return SiteFix(alias[0].upper() + alias[1:] + ".",
                       ((_opening(own), Source(own.file, own.line)),))
    d = near.directive
    return SiteFix(f"{near.said(hostname)}: {near.fix(hostname)}; or {alias}.",
                   ((f"{d.name} {' '.join(d.args)}", Source(d.file, d.line)),
                    (_opening(own), Source(own.file, own.line))))


def _tls_elsewhere(site: Site, choice: VhostChoice, hostname: str, url: str,
                   expected: str, listed: tuple[str, ...]) -> SiteFix | None:
    """A plain-HTTP request whose name no VirtualHost of its address claims, while the only
    VirtualHosts elsewhere that claim it speak TLS: the URL is https, or the site needs a
    plain VirtualHost of its own on the address reached (not that address on its line)."""
    # An IP-based address takes every name: its own fix (_address_fix) comes first there.
    if urlsplit(url).scheme.lower() != "http" or choice.address is None or \
            choice.address.host != "*" or tls_of(site, choice.candidates) is not None or \
            name_matches(choice.server.server_name, choice.server.aliases, hostname):
        return None
    others = [v for v in site.vhosts if not any(v is c for c in choice.candidates)
              and name_matches(v.server_name, v.aliases, hostname)]
    if not others or any(not v.ssl for v in others):  # a plain site elsewhere: not TLS only
        return None
    found = others[0]
    engine = tls_only(found, hostname)
    if engine is None or engine.source is None:
        return None
    went = str(choice.address)
    return SiteFix(plain_request_fix(url, expected, found.describe(), engine, went, went,
                                     listed),
                   ((_opening(found), Source(found.file, found.line)),
                    ("SSLEngine on", engine.source)))


def _runs_here(site: Site, choice: VhostChoice, meant: Server | None, group: str | None,
               known: Known | None) -> bool:
    """A plain VirtualHost of the address reached runs the instance (its script, or its
    daemon group): the site is not https-only, a name of that VirtualHost is what misses
    (a ServerName misspelt in the plain twin of a right :443 one)."""
    plain = [c for c in choice.candidates if not c.ssl]
    if meant is not None and any(c is meant for c in plain):
        return True
    return vhost_of(site, plain, (known or Known()).script, group) is not None


def _claiming(site: Site, hostname: str, port: int | None) -> Server | None:
    """The first wildcard-address VirtualHost of the port that claims ``hostname``."""
    return next((v for v in site.vhosts if any(a.host == "*" and a.port in (None, port)
                                               for a in v.addresses)
                 and name_matches(v.server_name, v.aliases, hostname)), None)


def _opening(server: Server) -> str:
    return f"<VirtualHost {' '.join(str(a) for a in server.addresses)}>"


def _address_fix(server: Server, hidden: Server, address: str) -> SiteFix:
    port = address.rpartition(":")[2]
    return SiteFix(
        f"At {server.where}, write <VirtualHost *:{port}> instead of {_opening(server)}: "
        f"while it is the only VirtualHost for {address}, httpd never compares names on that "
        f"address and {hidden.describe()}, which claims the name, is "
        f"never reached there. Adding {address} to the <VirtualHost> line of "
        f"{hidden.describe()} alone is not a fix: the first VirtualHost of {address} "
        f"would then answer every name of the port that none of them claims, so every "
        f"name-based VirtualHost of the port would need that address too.",
        ((_opening(server), Source(server.file, server.line)),
         (_opening(hidden), Source(hidden.file, hidden.line))))


def _mount_fix(site: Site, server: Server, reached: str, url: str, expected: str,
               group: str | None, known: Known) -> SiteFix:
    """The site owns the name and runs nothing at the path. Its application is offered as the
    expected instance's only where the daemon group or the instance's own script_file says
    so: a tester was told to mount Trac's script at Review Board's path."""
    path = urlsplit(url).path or "/"
    own = [a for a in site.aliases_for(server) if not a.handler and not a.is_match]
    mine = [a for a in own if group is not None and a.process_group == group] or \
        [a for a in own if known.script is not None and _same(a.target, known.script)]
    alias, note = _alias(known.prefix, path, expected)
    if mine:
        app = mine[0]
        listed = _below(url, app.mount)
        return SiteFix(
            f"{server.describe()}, {reached}, mounts "
            f"{app.target} at {app.mount} ({app.where}), not at {path}: list {listed} for "
            f"{expected} in the manifest instead of {url}, or mount the application "
            f"({alias} {app.target}{note}) if it must answer there.",
            ((f"{app.directive.name} {app.mount}", Source(app.directive.file,
                                                          app.directive.line)),))
    twin = None if own else twin_mount(site, server, (urlsplit(url).hostname or "").lower(),
                                       path, group, known.script)
    if twin is not None:
        return SiteFix(
            f"{server.describe()}, {reached}, mounts no WSGI application at {path}; "
            f"{twin.words(site, server)}. Or list the URL where {expected} is mounted in the "
            f"manifest.", tuple((_written_name(d), Source(d.file, d.line))
                                for d in twin.lines))
    if not own:
        return SiteFix(
            f"{server.describe()}, {reached}, mounts no WSGI "
            f"application at {path}: add the mount of {expected} ({alias} with its WSGI "
            f"script{note}), or list the URL where {expected} is mounted in the manifest.")
    cites = tuple((f"{a.directive.name} {a.mount}", Source(a.directive.file, a.directive.line))
                  for a in own)
    whose = [known.others.get(os.path.realpath(a.target)) for a in own]
    mounted = "; ".join(f"{a.target} at {a.mount} ({a.where})" + (
        f", the script {who}'s answers report (script_file)" if who else "")
        for a, who in zip(own, whose, strict=True))
    add = (f"add {expected}'s own mount ({alias} with {expected}'s WSGI script{note}) inside "
           f"it, "
           f"or list the URL where {expected} is mounted in the manifest")
    if all(whose):
        brought = included_mount(site, server, own, expected, known.script, known.others)
        if brought is not None:
            return SiteFix(f"{server.describe()}, {reached}, mounts no application of "
                           f"{expected} at {path}. {brought.words}", brought.cites)
        return SiteFix(f"{server.describe()}, {reached}, mounts {mounted}: not {expected}'s, "
                       f"and none at {path}: {add}.", cites)
    unknown = next(a for a, who in zip(own, whose, strict=True) if not who)
    told = "the manifest gives it no process_group" if group is None else \
        f"no mount there uses its process_group {group!r}"
    return SiteFix(
        f"{server.describe()}, {reached}, mounts {mounted}, none at {path}; nothing read "
        f"says {unknown.target} is {expected}'s (no answer of {expected} reported its "
        f"script_file, and {told}). Check which application it loads (its settings module, "
        f"or the label of the endpoint's answer from a URL under {unknown.mount} on "
        f"{urlsplit(url).hostname}) before listing {expected}'s URLs there: if it is not "
        f"{expected}'s, {add}.", cites)


def _written_name(d: Directive) -> str:
    return f"{d.name} {d.arg(0)}"


def _alias(prefix: str | None, path: str, expected: str) -> tuple[str, str]:
    """The WSGIScriptAlias line's start for the instance's mount point (the path its URLs
    share, never a URL's full path: a mount at /reviews/r/1/ serves that page only), and
    what is left to decide."""
    if prefix is not None:
        return f"WSGIScriptAlias {prefix.rstrip('/') or '/'}", ""
    return "WSGIScriptAlias PREFIX", (f"; PREFIX is the start of {path} where {expected} is "
                                      f"mounted, its SCRIPT_NAME: one URL does not tell")


def _same(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def _below(url: str, mount: str) -> str:
    """``url`` with the mount's path in front of its own: the URL under that mount."""
    parts = urlsplit(url)
    path = mount.rstrip("/") + "/" + (parts.path or "/").lstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _server_at(site: Site, where: Source) -> Server | None:
    """The VirtualHost that holds the line at ``where``."""
    for server in site.vhosts:
        if (server.file, server.line) == (where.file, where.line) or any(
                (d.file, d.line) == (where.file, where.line) for d in server.directives):
            return server
    return None

