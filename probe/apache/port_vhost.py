"""The ``<VirtualHost>`` an application is configured in, found by what it runs rather than
by the names it claims: a request that reached a port no VirtualHost is written for (the
main server answered), or a site that claims no name at all (it answers as the first of
its address set), is still meant for the VirtualHost that mounts the application's script
or uses its daemon process group.

A VirtualHost copied from another and its address left unchanged (two ``<VirtualHost
*:5000>``, none for ``*:35357``) is the common way to get there: the names cannot tell the
two apart, the WSGI lines inside them can.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from probe.apache.config import Directive
from probe.apache.model import Server, Site
from probe.front import Source


@dataclass(frozen=True)
class OwnVhost:
    """A VirtualHost and the line in it that shows which application it runs."""

    server: Server
    why: str  # the line, as written: "WSGIProcessGroup keystone-admin"
    where: Source

    @property
    def opening(self) -> str:
        return f"<VirtualHost {' '.join(str(a) for a in self.server.addresses)}>"

    @property
    def ports(self) -> tuple[int, ...]:
        return tuple(a.port for a in self.server.addresses if a.port is not None)


def vhost_of(site: Site, candidates: Sequence[Server], script: str | None,
             group: str | None) -> OwnVhost | None:
    """The one VirtualHost of ``candidates`` that mounts ``script``, else the one that
    uses daemon group ``group`` (a ``WSGIProcessGroup`` or ``process-group=`` naming it, or
    its ``WSGIDaemonProcess``); None when none or several do (nothing decides)."""
    vhosts = [v for v in candidates if not v.is_main]
    if script is not None:
        found = [(v, d) for v in vhosts for d in _mounting(site, v, script)]
        if len({id(v) for v, _ in found}) == 1:
            return _own(*found[0])
    if group is None:
        return None
    found = [(v, d) for v in vhosts for d in _using(site, v, group)]
    if len({id(v) for v, _ in found}) != 1:
        return None
    return _own(*found[0])


def _own(server: Server, directive: Directive) -> OwnVhost:
    return OwnVhost(server, f"{directive.name} {' '.join(directive.args)}",
                    Source(directive.file, directive.line))


def _mounting(site: Site, server: Server, script: str) -> list[Directive]:
    return [a.directive for a in site.apps if a.server is server and
            os.path.realpath(a.target) == os.path.realpath(script)]


def _using(site: Site, server: Server, group: str) -> list[Directive]:
    """The lines of ``server`` that name ``group``: a use first (it says the VirtualHost's
    application runs there), else its definition."""
    uses = [u.directive for u in site.group_uses
            if u.server is server and u.name == group and u.applies]
    defined = [d.directive for d in site.daemons if d.server is server and d.name == group]
    return uses or defined
