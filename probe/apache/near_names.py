"""A ServerName or ServerAlias one or two edits from the Host a request sent: the likely typo
when no name of the address matched and the first VirtualHost answered (``vhost_fallback``).

``ServerName weblate.exmaple.org`` (two letters swapped) never matches
``weblate.example.org``: the line itself is the fix, an added ServerAlias the alternative.
Only the names of the VirtualHost known to be the expected instance's (its script or daemon
group, :mod:`probe.apache.port_vhost`) are compared: ``site-1`` and ``site-2`` are one edit
apart and are two sites, not a typo. :func:`own_near_name` finds that VirtualHost where a
sweep's answer shows the fallback (another instance answered: the join's ``vhost_fallback``).
The measure is :mod:`probe.name_edits`, shared with nginx's ``server_name``.
"""

from __future__ import annotations

from dataclasses import dataclass

from probe.apache.config import Directive
from probe.apache.hostnames import is_wildcard
from probe.apache.model import Server, Site
from probe.apache.port_vhost import vhost_of
from probe.apache.vhost_select import VhostChoice
from probe.name_edits import Closeness, closeness


@dataclass(frozen=True)
class NearName:
    """A name line of a VirtualHost and the name on it close to the request's Host."""

    directive: Directive
    written: str  # the name as written on that line
    edits: int
    swapped: bool  # the one edit is two neighbouring letters swapped

    def said(self, hostname: str) -> str:
        """``ServerName x (file:line) is one edit from y (two letters swapped)``."""
        far = Closeness(self.edits, self.swapped).words(hostname)
        return f"{self.directive.name} {self.written} ({self.directive.where}) is {far}"

    def corrected(self, hostname: str) -> str:
        """The name as written with its host replaced by ``hostname`` (a scheme or port
        kept)."""
        scheme, sep, rest = self.written.rpartition("://")
        host, colon, port = rest.rpartition(":") if rest.count(":") == 1 else (rest, "", "")
        return f"{scheme}{sep}{hostname}{colon}{port}" if host else self.written

    def fix(self, hostname: str) -> str:
        """``if that is a typo, write ServerName x at file:line`` (the line itself)."""
        return (f"if that is a typo, write {self.directive.name} {self.corrected(hostname)} "
                f"at {self.directive.where}")


def near_name(server: Server, hostname: str) -> NearName | None:
    """The first ServerName/ServerAlias of ``server`` that is a near miss of ``hostname``:
    at most one edit (a letter added, dropped, changed, or two neighbours swapped), two for
    a name of ten letters or more; never an exact match or a wildcard."""
    host = hostname.lower().rstrip(".")
    for d in server.directives:
        if d.key not in ("servername", "serveralias"):
            continue
        for written in d.args:
            name = _host_of(written)
            near = None if is_wildcard(name) else closeness(name, host)
            if near is not None:
                return NearName(d, written, near.edits, near.swapped)
    return None


def own_near_name(site: Site, choice: VhostChoice, hostname: str, script: str | None,
                  group: str | None) -> NearName | None:
    """Where no name of the address matched (its first VirtualHost answered): the near name
    of the one VirtualHost of the address that runs ``script``, else uses daemon group
    ``group``; None where none or several do, or none of its names is near."""
    if choice.by != "default" or choice.undecided is not None:
        return None
    own = vhost_of(site, choice.candidates, script, group)
    return None if own is None else near_name(own.server, hostname)


def _host_of(written: str) -> str:
    """The host of a ServerName (``[scheme://]host[:port]``), lower case."""
    rest = written.split("://", 1)[-1]
    return rest.rsplit(":", 1)[0].lower().rstrip(".") if rest.count(":") == 1 else \
        rest.lower().rstrip(".")
