"""``nginx_shared_backend``: two server blocks for different names hand over to one address
(docs/lint.md).

A second site written by copying the first keeps the first's ``proxy_pass`` (or
``uwsgi_pass``) socket when its own is not put in: nginx starts, and the second site's
names are served by the first site's application (tester t-real19's ``same-socket``:
shop-project.com passed to django-project.com's gunicorn socket; lint was silent, since no
upstream is left unused for ``nginx_shared_upstream`` to name). One application may also
serve both names on purpose, and no line shows which: the finding names both blocks, their
names and lines, and what decides (whether one application serves both names).

Not said, where the configuration itself says the sharing is meant or is no pairing of two
sites:

* both blocks pass to the same ``upstream`` group: a group named once and used by two
  blocks is written to be shared (naming the address once in an ``upstream`` is how to say
  so); a copied line naming another site's group while a declared group serves no block is
  ``nginx_shared_upstream``'s. Two groups holding the same member, or a group and a line
  naming its member directly, are said;
* the blocks' names share one (a TLS twin and its plain block, ``example.com`` beside
  ``www.example.com``: one site on two ports or two spellings), or a wildcard of one takes
  a name of the other (``.example.org`` beside ``other.example.org``); and a block that is
  such a twin of the first site to hand over to the address is not paired with the others
  there (tester T36: alpha.test's h2c block at nginx.conf:73 was told to write "alpha.test's
  own" address, beside gamma.test's copied line at :53, which is the one said);
* a block that names no host (``server_name _``, none: the catch-all, whose sharing is
  ``nginx_no_refusing_default``'s), answers with a ``return`` at its top (a redirect),
  or holds an include not read (its names may be there);
* two protocols to one address (``nginx_two_protocols``), a line written with a variable;
* both blocks ``proxy_pass`` to one TCP address and pass the client's Host on
  (``proxy_set_header Host $host`` or ``$http_host`` in force at each): what listens there
  receives each block's names and can tell them apart, as Apache's name-based VirtualHosts
  do behind nginx (tester t-real22's healthy chain: three sites, three applications, one
  Apache address, warned at every later block). A unix socket is an application server's
  (gunicorn, uWSGI; no name-based front listens on one), and ``uwsgi_pass`` hands over to
  uWSGI, which runs what it loaded whatever the name: those are still said (t-real19's
  ``same-socket`` passed ``Host $http_host`` to a gunicorn socket). A gunicorn on a TCP
  address that both blocks reach with the Host passed is left to the sweep
  (``wrong_instance``): lint cannot tell it from a name-based front.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from probe.lint.findings import ConfigFinding, Severity
from probe.nginx.claims import names_none
from probe.nginx.model import APP_PASSES, Location, NginxModel, Server, Upstream
from probe.nginx.passes import pass_target
from probe.unix_sockets import normal_unix


@dataclass(frozen=True)
class _Hand:
    """One pass line of a block, with each address it reaches."""

    server: Server
    directive: str
    written: str
    where: str
    group: Upstream | None  # the upstream it names; None: the address itself
    addresses: tuple[tuple[str, str], ...]  # (address, the member's server line or "")
    location: Location
    host: str | None = None  # proxy_set_header Host $host/$http_host in force, its line

    def who(self) -> str:
        """The location that hands over, with its line, in its block: a block's other
        locations may pass elsewhere (re-tester R30's site2: / to 127.0.0.1:18402, only
        /blog/ to site3.sock)."""
        return f"{self.location.describe()} at {self.location.where} in the " \
               f"{self.server.describe()}"

    def said(self, address: str) -> str:
        line = f"{self.directive} {self.written} at {self.where}"
        if self.group is None:
            return line
        member = next(w for a, w in self.addresses if a == address)
        return f"{line}, upstream {self.group.name} ({self.group.where}) with server " \
               f"{address} at {member}"


def _passes(loc: Location) -> Iterator[tuple[str, str, str]]:
    if loc.proxy_pass is not None:
        yield "proxy_pass", loc.proxy_pass.url, loc.proxy_pass.where
    if loc.other_pass is not None and loc.other_pass.name in APP_PASSES \
            and loc.other_pass.args:
        yield loc.other_pass.name, loc.other_pass.args[0], loc.other_pass.where


def _hands(model: NginxModel) -> list[_Hand]:
    hands = []
    for server, loc in model.locations():
        if server.returns is not None or server.unread or names_none(server) \
                or loc.returns is not None:
            continue
        for directive, written, where in _passes(loc):
            if "$" in written:
                continue  # decided at request time
            target = pass_target(directive, written)
            group = model.upstreams.get(target)
            addresses = (tuple((normal_unix(a).lower(), w) for a, w in group.servers)
                         if group is not None else ((target.lower(), ""),))
            hands.append(_Hand(server, directive, written, where, group, addresses, loc,
                               _client_host(loc) if directive == "proxy_pass" else None))
    return hands


def _client_host(loc: Location) -> str | None:
    """The line passing the client's Host on (``$host``, ``$http_host``); None: none."""
    header = loc.header_set.named("host")
    if header is None or not header.where or loc.header_set.unread is not None:
        return None
    return header.where if header.value.strip().lower() in ("$host", "$http_host") else None


def _by_name(a: _Hand, b: _Hand, address: str) -> bool:
    """Both hand the client's Host over HTTP to a TCP address: whatever listens there gets
    each block's names, and a name-based front (Apache's VirtualHosts) tells them apart."""
    return a.directive == b.directive == "proxy_pass" and not address.startswith("unix:") \
        and a.host is not None and b.host is not None


def _names(server: Server) -> set[str]:
    """The block's names as one site's: ``www.`` and a leading ``.`` or ``*.`` off."""
    return {n.removeprefix(".").removeprefix("*.").removeprefix("www.")
            for n, _ in server.names if n and n != "_"}


def _covers(wide: Server, server: Server) -> bool:
    """A wildcard name of ``wide`` (``.example.org``, ``*.example.org``) takes a name of
    ``server`` too: a subdomain given a block of its own beside its domain's."""
    suffixes = [n.removeprefix("*").removeprefix(".") for n, _ in wide.names
                if n.startswith((".", "*."))]
    return any(n.endswith("." + s) for n, _ in server.names for s in suffixes)


def _one_site(a: Server, b: Server) -> bool:
    return bool(_names(a) & _names(b)) or _covers(a, b) or _covers(b, a)


def _shown(server: Server) -> str:
    return " ".join(n for n, _ in server.names if n)


def unused_upstreams(model: NginxModel) -> list[Upstream]:
    """Declared upstream groups no pass line names (``nginx_shared_upstream``'s sign of a
    copied line)."""
    # an upstream another protocol's pass uses (gRPC too) serves a block as well; and
    # proxy_pass (HTTP) to it would reach a server speaking that protocol: never proposed
    named = {pass_target(d.name, d.args[0]) for _, loc in model.locations()
             if (d := loc.other_pass) is not None and d.args}
    named |= {loc.proxy_pass.target for _, loc in model.proxied() if loc.proxy_pass}
    return [u for u in model.upstreams.values() if u.name not in named]


def _shared(a: _Hand, b: _Hand) -> str | None:
    """The address both lines reach in one protocol, unless both name one upstream group."""
    if a.directive != b.directive or (a.group is not None and a.group is b.group):
        return None
    mine = {address for address, _ in b.addresses}
    return next((address for address, _ in a.addresses if address in mine), None)


def shared_backend(model: NginxModel) -> list[ConfigFinding]:
    """A warning at the pass line of each later block that hands over to an address an
    earlier block for other names hands over to, naming that block and its line."""
    hands = _hands(model)
    copied = bool(unused_upstreams(model))
    findings: list[ConfigFinding] = []
    reported: set[int] = set()
    for i, later in enumerate(hands):
        if id(later.server) in reported:
            continue
        # A twin of the site that first hands over there (its names, another port: T36's
        # alpha.test h2c block) passes where its site does: the copy is another block's line.
        earliest = next((h for h in hands[:i] if h.server is not later.server
                         and _shared(h, later) is not None), None)
        if earliest is not None and _one_site(earliest.server, later.server):
            continue
        for first in hands[:i]:
            address = _shared(first, later)
            if address is None or first.server is later.server \
                    or _one_site(first.server, later.server) \
                    or _by_name(first, later, address):
                continue
            if copied and later.directive == "proxy_pass" and later.group is None \
                    and first.group is None:
                continue  # nginx_shared_upstream names the unused upstream to use
            reported.add(id(later.server))
            findings.append(_finding(first, later, address))
            break
    return findings


def _finding(first: _Hand, later: _Hand, address: str) -> ConfigFinding:
    mine = _shown(later.server)
    return ConfigFinding.at(
        "nginx_shared_backend", Severity.WARNING, later.where,
        f"The {later.who()} hands the requests it takes to {address} with "
        f"{later.said(address)}, as does the {first.who()} with "
        f"{first.said(address)}: whatever listens there answers the names of both blocks. "
        f"Whether that is meant the configuration cannot say: it is where one application "
        f"serves both names; where {mine} has an application of its own, this line was "
        f"copied from the other site and passes to the wrong one",
        f"check whether one application is meant to serve both names. If {mine} has its "
        f"own (its own application server or socket; a probe sweep whose manifest gives it "
        f"its own instance says wrong_instance when this line is the cause), write that "
        f"application's address (its server's bind, socket or Listen line) at "
        f"{later.where}{_host_fix(first, later, address)}; if one application "
        f"serves both, name {address} once in an upstream block and pass both blocks to "
        f"it, or list the names in one server block, and lint no longer says this")


def _host_fix(first: _Hand, later: _Hand, address: str) -> str:
    """Where a name-based front could listen there (HTTP to a TCP address): the Host to pass."""
    if first.directive != "proxy_pass" or later.directive != "proxy_pass" \
            or address.startswith("unix:"):
        return ""
    lacking = " and ".join(h.where for h in (first, later) if h.host is None)
    return (f"; where what listens at {address} picks the site by the Host it receives (a "
            f"name-based front, such as Apache's VirtualHosts), pass the client's Host in "
            f"both blocks instead: proxy_set_header Host $host; beside the proxy_pass at "
            f"{lacking}")
