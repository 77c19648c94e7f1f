"""A backend URL whose host is ``unix`` (``http://unix:/run/app.sock/``,
``uwsgi://unix:/run/app.sock``): mod_proxy reads a unix socket only in its own form, the
socket before the URL (``unix:/run/app.sock|http://localhost/``); written as a URL's host,
``unix`` is a host name. ``apache2 -t`` accepts the line, and every request through it gets
500 with ``AH00898: DNS lookup failure for: unix:`` in the error log (``unix`` for a
``BalancerMember``); checked with Debian's apache2 2.4 for ``ProxyPass`` to ``http://`` and
``uwsgi://`` and a ``BalancerMember``. Re-tester R36 wrote gamma's socket in place of a TCP
address as a fix told it (``http://unix:/.../gamma.sock/``) and got exactly that.

nginx's ``proxy_pass http://unix:/path:`` form is where people learn the ``http://unix:``
spelling; httpd has no such form.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.apache.config import Directive
from probe.apache.model import Site
from probe.apache.proxy import balancer
from probe.apache.proxy_rule import ProxyRule

# names an application server's socket usually ends with: where the socket ends in the path
_SOCKET_ENDS = (".sock", ".socket")


def log_check(member: bool = False) -> str:
    """The error log's words for a request through such a line: httpd 2.4 logs the host of a
    ``ProxyPass`` target with a ':' after it, a ``BalancerMember``'s without."""
    return f"AH00898: DNS lookup failure for: unix{'' if member else ':'}"


@dataclass(frozen=True)
class UnixAsHost:
    """A backend URL naming ``unix`` as its host, and the same backend in mod_proxy's form."""

    url: str  # as written
    socket: str  # the path read as the socket's
    by_name: bool  # the socket ends at a path part named *.sock/*.socket; else the whole path
    socket_form: str  # unix:/x.sock|http://localhost/

    def said(self, where: str, member: bool = False) -> str:
        """The sentence a finding or a fix gives for the line at ``where``."""
        taken = "" if self.by_name else (
            f" (the whole path taken for the socket: where the socket is only the start of "
            f"{self.socket}, the rest goes after localhost)")
        return (f"mod_proxy reads {self.url} ({where}) as a URL to a host named 'unix', not "
                f"as a unix socket: it looks that name up and, finding none, answers 500 and "
                f"logs '{log_check(member)}'; its socket form is {self.socket_form}{taken}")


def unix_as_host(url: str, slash: bool = True) -> UnixAsHost | None:
    """``url`` read as httpd reads it where its host is ``unix``; None otherwise (a target
    in httpd's own ``unix:...|`` form, any other host). ``slash``: whether the rule's path
    ends with ``/``, so that a target written without a path keeps the slashes matched."""
    if url[:5].lower() == "unix:" or "://" not in url:
        return None
    parts = urlsplit(url)
    if (parts.hostname or "").lower() != "unix" or parts.port is not None:
        return None
    words = [w for w in parts.path.split("/") if w]
    end = next((i + 1 for i, w in enumerate(words) if w.lower().endswith(_SOCKET_ENDS)),
               None)
    cut = len(words) if end is None else end
    socket, rest = "/" + "/".join(words[:cut]), "/".join(words[cut:])
    # the URL's path after the socket's; none: the rule's slash, so that both match
    path = ("/" + rest + ("/" if parts.path.endswith("/") else "")) if rest else \
        ("/" if slash else "")
    return UnixAsHost(url, socket, end is not None,
                      f"unix:{socket}|{parts.scheme}://localhost{path}")


@dataclass(frozen=True)
class UnixLine:
    """A line naming a backend by a host ``unix``: a ``ProxyPass``'s target or a
    ``BalancerMember`` of its balancer, and the line written in mod_proxy's socket form."""

    directive: Directive
    read: UnixAsHost
    rewritten: str

    @property
    def member(self) -> bool:
        return self.directive.key == "balancermember"

    def written(self) -> str:
        return " ".join([self.directive.name, *self.directive.args])


def unix_lines(site: Site, rule: ProxyRule) -> list[UnixLine]:
    """The lines among ``rule`` and its balancer's members that name a host ``unix``."""
    slash = rule.pattern.endswith("/")
    read = unix_as_host(rule.target, slash)
    found = [] if read is None else [UnixLine(rule.directive, read, rule.line(read.socket_form))]
    for server in (site.main, *site.vhosts):
        section = balancer(site, server, rule.target)
        if section is None:
            continue
        for d in section.body():
            # a member's URL takes the balancer's path after it: no slash of its own
            member = unix_as_host(d.arg(0), False) if d.key == "balancermember" else None
            if member is not None:
                found.append(UnixLine(d, member, " ".join([d.name, member.socket_form,
                                                           *d.args[1:]])))
        break
    return found
