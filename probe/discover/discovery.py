"""What ``probe discover`` found in a front server's configuration, before it is written
as a manifest (:mod:`probe.discover.manifest_text`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from probe.apache.model import WsgiApp


@dataclass
class Url:
    url: str
    source: str  # where the host name came from, for a comment
    connect: str | None = None  # an IP-based VirtualHost's address: only there it answers
    connect_source: str = ""  # why, for a comment


@dataclass
class DiscoveredInstance:
    name: str
    apps: list[WsgiApp]
    label: str | None = None
    label_source: str = ""  # where the label was read, for its comment
    settings: str | None = None
    settings_source: str | None = None
    process_group: str | None = None
    application_group: str | None = None
    urls: list[Url] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # comments: what could not become a URL
    warnings: list[str] = field(default_factory=list)  # comments, also said on stderr
    origins: list[str] = field(default_factory=list)  # comments above it when not from apps
    connect: str | None = None  # its own address (an IP-based VirtualHost's)
    connect_source: str = ""
    group_sources: tuple[str, str] = ("", "")
    """Where process_group and application_group were read, for an instance of no
    ``apps`` (a mass-hosting VirtualHost's: :mod:`probe.discover.apache_mass`)."""
    label_proposed: str | None = None
    """The script's own label ("" for none) when ``label`` is proposed: without it the
    instance could not be told apart from another, or from any server."""
    script_shared_with: list[str] = field(default_factory=list)
    """The other instances whose mounts serve this one's WSGI script: a label installed in it
    would be theirs too, so the proposed label needs a script of this mount's own."""


@dataclass
class Discovery:
    files: Sequence[str]
    connect: str | None
    connect_source: str
    instances: list[DiscoveredInstance]
    skipped: list[str]
    refuse: list[Url] = field(default_factory=list)  # source: why it must be refused
    refuse_skipped: list[str] = field(default_factory=list)  # addresses left unchecked, why
    # the URLs that would check the addresses without one (scheme and port theirs); none:
    # the manifest advises http://unknown.invalid/
    refuse_advised: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # for stderr: what could not be filled in
    front: str = "apache"  # whose configuration it came from: the comments use its words
    config: str | None = None  # the configuration path it came from, for [probe] config
    unread: list[str] = field(default_factory=list)  # includes not read: "NAME ARGS at F:L"
    started: list[str] = field(default_factory=list)  # how httpd is started with it (express)
    apachectl: str | None = None  # the mod_wsgi-express apachectl that starts it with -f
    members: list[Member] = field(default_factory=list)  # a fleet: the servers, one file each
    connect_list: list[str] = field(default_factory=list)  # a fleet: each member's address


@dataclass
class Member:
    """One server of a fleet: a whole httpd configuration given beside others
    (:mod:`probe.discover.apache_fleet`), discovered alone."""

    file: str
    why: str  # its own ServerRoot/PidFile/MPM and Listen lines, for a comment
    found: Discovery
