"""The front server's configuration, as the sweep's diagnosis, lint and discover use it,
whatever the front: Apache httpd + mod_wsgi (:mod:`probe.apache`) or nginx
(:mod:`probe.nginx`).

A front answers one question for the diagnosis: for this URL, sent to this address, which
route does the configuration predict, each step with the ``file:line`` that decides it.
Diagnosis compares three things per URL: what the manifest intends, what the configuration
predicts (:class:`PredictedRoute`) and what was observed (the endpoint's answer). Wording
comes from the front's own terms: a route through nginx never speaks of VirtualHosts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

# FrontKind lives with the observations (diagnosis tells it from an answer's Server header);
# it is named here too, where the configurations speak of it.
from probe.model import FrontKind

__all__ = ["AlsoNamed", "Divergence", "Fallback", "FrontConfig", "FrontKind", "Member",
           "PredictedRoute", "RouteStep", "Shadowed", "Source", "TlsSite"]


@dataclass(frozen=True)
class Source:
    """A place in a configuration file."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class RouteStep:
    """One decision on a request's way through the front, in the front's words.

    ``stage`` is one of: ``site`` (VirtualHost / server block), ``mapping`` (a URL-mapping
    step that took the path: RewriteRule, ProxyPass, Alias, location), ``mount`` (the
    WSGI mount or proxied prefix), ``process_group``, ``application_group``, ``upstream``,
    ``host`` (the Host sent upstream), ``prefix`` (nginx: the X-Forwarded-Prefix sent).
    """

    stage: str
    decision: str  # what was chosen: "<VirtualHost *:80> (site-1.example.com)"
    rule: str  # why, as the front decides: "ServerAlias *.example.com matched"
    source: Source | None  # None only for a built-in default (no line decided it)
    by: str = ""  # for stage site: "name" (a name matched), "default" (none did: the
    # first or default server), "only" (the one server for the address); for stage mount:
    # "handler", a WSGIHandlerScript's script (SCRIPT_FILENAME is the request's file)


@dataclass(frozen=True)
class Member:
    """nginx: one ``server`` line of the upstream group a route passes to."""

    address: str
    source: Source | None
    backup: bool = False  # nginx uses it only when the other members fail
    written: str = ""  # the address as the line writes it, where it differs (unix:///x)
    weight: int = 1  # nginx's weight=, Apache's loadfactor=: its share of round robin
    down: bool = False  # marked out of the balancing (nginx down, Apache status=+D/+S)
    retry: str = ""  # how long a failed member is left out, as its line writes it: retry=5
    balancing: str | None = None
    """How the group picks a member, where not (weighted) round robin, as written with its
    line (``least_conn at nginx.conf:9``, ``lbmethod=bybusyness at httpd.conf:30``): the same
    for every member of one group."""

    @property
    def line(self) -> str:
        """The member's ``server`` address as written, to quote."""
        return self.written or self.address


@dataclass(frozen=True)
class Shadowed:
    """nginx: the longest prefix location a regular expression location took the URL from
    (nginx checks the regular expressions unless that prefix is ``^~``)."""

    location: str  # as written: "location /api/v2/"
    pattern: str
    source: Source | None
    upstream: str | None  # where it passes (comma-separated), None: it passes nowhere


@dataclass(frozen=True)
class AlsoNamed:
    """nginx: a later server block whose regular expression server_name matches the host too,
    which nginx never reaches for it (the first regular expression in configuration order
    wins), with where it would pass the URL."""

    site: str  # the block, described
    name: str  # its server_name as written: ~^www\d*\.example\.test$
    source: Source | None  # that server_name's line
    upstream: str | None  # where it passes the URL, None: nowhere decided
    pass_source: Source | None  # its pass line


@dataclass(frozen=True)
class Fallback:
    """nginx: where an ``error_page`` sends a request whose hand-over fails (nginx's own
    502/503/504), or, behind ``*_intercept_errors on``, whose application answered one of
    the page's codes itself: only the answer shows whether this request went there."""

    page: str  # as written: "error_page 502 503 = @fallback"
    source: Source | None
    location: str  # "location @fallback", the location a URI target matched, "302 to URL"
    location_source: Source | None
    upstream: str | None  # where that location passes, comma-separated; None: not decided
    handover: str | None = None  # that location's *_pass as written, "at file:line"
    uri: str | None = None  # a URI target, variables resolved: an internal redirect (GET)
    status: str = ""  # what the client gets: "the error's own code", "200", "302 to URL"...
    codes: tuple[int, ...] = ()  # the codes the error_page line lists
    # "proxy_intercept_errors on" (or uwsgi_...) where the application's own answer with
    # one of the codes goes there too; None: only nginx's own errors (a failed hand-over)
    intercept: str | None = None
    intercept_source: Source | None = None
    # that location's own rewrite / try_files lines followed to the location that passes,
    # each with its line, as said after it; None where it has none
    via: str | None = None


@dataclass(frozen=True)
class VariableChoice:
    """nginx: a value a variable of the hand-over takes for a URL, as a ``map`` entry gives
    it, or (``share`` set) one value of a ``split_clients`` block, which each request's own
    hash picks; with the block's line, its keys (a near name) and the addresses of the
    upstream group the value names (none: no group of that name is read)."""

    variable: str  # $backend
    value: str  # the entry's value as written: blog_app, shop_canary
    entry: str  # its key as written: blog.example.test, default, 20%, *
    source: Source | None  # the entry's line
    block: str  # the block's opening as written: map $host $backend
    block_source: Source | None
    looked_up: str | None = None  # map: the source's value for this URL
    share: float | None = None  # split_clients: the percentage of requests
    keys: tuple[tuple[str, Source | None], ...] = ()  # map: every key, with its line
    members: tuple[str, ...] = ()  # the members of the group the value names
    # where the value names no group: every upstream block read, with its line (a near name)
    upstreams: tuple[tuple[str, Source | None], ...] = ()


@dataclass(frozen=True)
class PredictedRoute:
    """Where the configuration sends one URL at one address, and what the application
    should then see; None in a field means the configuration does not decide it."""

    front: FrontKind
    url: str
    address: str | None
    steps: tuple[RouteStep, ...]
    refused: bool = False  # the configuration answers without an application (deny, 444)
    site: str | None = None  # the VirtualHost / server block, described
    script_name: str | None = None  # SCRIPT_NAME the application receives
    script_file: str | None = None  # Apache: the WSGI script
    process_group: str | None = None  # Apache: mod_wsgi daemon group ("" embedded)
    application_group: str | None = None  # Apache: the sub interpreter
    upstream: str | None = None  # nginx: host:port or unix:/path proxied to
    host_sent: str | None = None  # the Host header the application receives, if decided
    undecided: str | None = None  # why the model cannot follow the route past its steps
    members: tuple[Member, ...] = ()  # nginx: the upstream group's server lines
    shadowed: Shadowed | None = None  # nginx: a prefix location a regex location won over
    fallbacks: tuple[Fallback, ...] = ()  # nginx: error_page lines for a failing hand-over
    variables: tuple[VariableChoice, ...] = ()  # nginx: the map/split_clients values passed by
    also_named: tuple[AlsoNamed, ...] = ()  # nginx: later regex blocks matching the host too

    def step(self, stage: str) -> RouteStep | None:
        return next((s for s in self.steps if s.stage == stage), None)


@dataclass(frozen=True)
class TlsSite:
    """The site (VirtualHost, server block) a TLS handshake for one SNI name at one address
    reaches, and the certificate line it presents, as the configuration read says."""

    site: str  # described, with its file:line
    rule: str  # why the handshake reaches it, in the front's words
    source: Source | None  # the line that decided (a name line, the first site, default_server)
    by: str  # "name", "default", "only" (as RouteStep.by)
    address: str  # the address as the site's opening line writes it: "*:443", "127.0.0.1:443"
    certificate: str | None  # the certificate line as written; None: none read
    certificate_source: Source | None = None
    shared_with: tuple[tuple[str, Source], ...] = ()
    """Other sites whose certificate line names the same file (described, that line)."""
    claimant: str | None = None
    """Where no TLS site of the address claims the name: a site of another address or port
    that does (described), so the name is meant to be served."""
    claimant_names: tuple[str, ...] = ()
    sibling: str | None = None
    """A TLS site of the address that serves another of the claimant's names: the one the
    name was likely meant for (described)."""
    sibling_line: Source | None = None  # its name line, where the name would be added
    key: str | None = None  # the key line in force, as written (SSLCertificateKeyFile, ...)
    claimant_lines: tuple[tuple[str, Source], ...] = ()
    """The claimant's own WSGI lines (mount, groups) as written, for the twin to carry."""
    key_source: Source | None = None
    """A certificate line changed without its key line stops the server (a re-tester's
    Apache exited on its graceful restart: AH02565)."""


class FrontConfig(Protocol):
    """A front server's configuration, read and modelled."""

    @property
    def front(self) -> FrontKind: ...

    @property
    def files(self) -> Sequence[str]: ...

    @property
    def include_dirs(self) -> Sequence[str]:
        """The directories whose entries the includes depend on (a file added to one can
        change the configuration even when its include matched nothing before)."""
        ...

    def route(self, url: str, address: str | None) -> PredictedRoute:
        """The route the configuration predicts for ``url`` sent to ``address``
        (``HOST:PORT``; None: the URL's own host and port)."""
        ...


@dataclass(frozen=True)
class Divergence:
    """Where a URL's predicted route leaves the route to the application meant to answer it.

    ``stage`` as in :class:`RouteStep`; ``step`` the predicted step that decided wrongly;
    ``meant`` the step that would have reached the intended application (its site's name
    line, its mount line), when the configuration has one; ``cause`` the cause's name in
    :class:`probe.model.Cause` (``vhost_fallback``, ``vhost_shadowed``, ``url_mapping``,
    ``alias_order``, ``process_group_scope``) or None when the step alone does not name one.
    """

    stage: str
    step: RouteStep
    meant: RouteStep | None
    cause: str | None
    refuse_block: str | None = None
    """For stage ``site``: the front's own block that refuses unknown names on the address,
    as the configuration read needs it (on a TLS address: its ``SSLEngine`` and certificate
    lines); None: the generic one."""
    refuse_why: str = ""
    """For stage ``site``: why ``refuse_block`` is written for its address (an IP-based
    address, where a ``*:PORT`` one is never considered), empty where nothing needs saying."""
    address_tls: tuple[str, ...] = ()
    """For stage ``site``: the lines a new VirtualHost on the request's address needs to speak
    TLS there (a ``#`` comment saying where they were read, ``SSLEngine on``, the
    certificate lines); empty on a plain-HTTP address."""
    meant_tls: RouteStep | None = None
    use_fix: str = ""
    """For stage ``process_group``: where the group line is a macro's body, the fix naming
    the ``Use`` (and ``Define``) line of this site (:mod:`probe.apache.macro_group`)."""
    """For stage ``site``, when ``meant`` is on another address and speaks TLS only while the
    request's address is plain HTTP: that site's line switching TLS on (``decision`` the
    ``https://`` origin it answers at); the URL is https, or the site needs a plain
    VirtualHost of its own (nothing to add to its line)."""
    said: tuple[str, str] | None = None
    """The front's own (why, fix) sentences where the steps alone do not say them (stage
    ``mount``: the VirtualHost reached is the name's own, and its twin on another port
    mounts the application meant); None: worded from the steps."""
