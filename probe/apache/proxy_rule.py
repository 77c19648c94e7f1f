"""One ``ProxyPass``/``ProxyPassMatch`` line as httpd 2.4's ``add_pass`` reads it: the path it
takes (a ``<Location>``'s for one written inside it), its target and its parameters, and
whether a ``<Location>``/``<LocationMatch>`` section matches a path.

Inside a ``<Location>`` httpd takes the section's path, so the line's first word is its
target: ``ProxyPass http://127.0.0.1:5555/ keepalive=On`` there is a rule like the bare
``ProxyPass http://127.0.0.1:5555/`` (a tester's locuszoom-hosted ``/celery-flower`` with
``keepalive=On`` was not read, and the route went to the server's ``ProxyPass /``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from probe.apache.config import Directive
from probe.apache.names import alias_match_length

_FLAGS = ("nocanon", "interpolate", "noquery", "nomain")  # add_pass's words without '='


@dataclass(frozen=True)
class ProxyRule:
    """One ``ProxyPass``: its line, the path it takes (a ``<Location>``'s for one written
    inside it), and where it sends the request."""

    directive: Directive
    pattern: str
    target: str
    regex: bool
    section: Directive | None  # the <Location>/<LocationMatch> it is written in
    inherited: bool = False  # the main server's line, in a VirtualHost's list
    params: tuple[str, ...] = ()  # what follows the target: key=value, nocanon, ...

    @property
    def where(self) -> str:
        return self.directive.where

    def written(self) -> str:
        return " ".join([self.directive.name, *self.directive.args])

    def line(self, target: str, *, quoted: bool = False) -> str:
        """This line with ``target`` for its own: no path inside a ``<Location>`` (httpd
        refuses one there), its parameters (``keepalive=On``) kept."""
        path = [] if self.section is not None else [self.pattern]
        words = [f'"{w}"' for w in (*path, target)] if quoted else [*path, target]
        tilde = ["~"] if self.regex and self.section is None and \
            self.directive.key == "proxypass" else []
        return " ".join([self.directive.name, *tilde, *words, *self.params])

    def matches(self, path: str) -> bool:
        if not self.regex:
            return alias_match_length(path, self.pattern) > 0
        try:
            return re.search(self.pattern, path) is not None
        except re.error:
            return False

    @property
    def uwsgi_moved(self) -> bool:
        """A ``uwsgi://`` target whose path is not the path the rule takes (``/app/`` to
        ``uwsgi://b/shop/``, or to ``.../shop/app/``): mod_proxy_uwsgi hands uWSGI the
        target's path and the rest as PATH_INFO, so uWSGI never sees the URL's path."""
        if self.regex or not uwsgi_target(self.target):
            return False
        kept = urlsplit(socket_url(self.target)).path or "/"
        return kept.rstrip("/") != self.pattern.rstrip("/")

    @property
    def strips(self) -> bool:
        """Whether the backend gets the path without the prefix the rule took (``/b/``
        passed to ``http://app/``): the application then does not see its mount."""
        if self.regex or self.target == "!":
            return False
        prefix = self.pattern.rstrip("/")
        kept = (urlsplit(self.target).path or "/").rstrip("/")
        return bool(prefix) and not kept.endswith(prefix)


def parsed(d: Directive, section: Directive | None, inherited: bool) -> ProxyRule | None:
    """``d`` read as httpd's ``add_pass`` reads it, or None where httpd refuses the line.

    Inside a ``<Location>`` the path is the section's, so the first word is the target (or
    ``!``); in server context a ``~`` first makes a ``ProxyPass`` a regular expression, then
    come the path and the target. Every later word is a flag (``nocanon``, ``interpolate``,
    ``noquery``, ``nomain``) or ``key=value`` (``keepalive=On``); httpd refuses any other,
    and a path in a ``<Location>`` ("can not have a path when defined in a location")."""
    words = list(d.args)
    regex = d.key == "proxypassmatch"
    if section is not None:
        pattern, regex = section.args[-1], location_regex(section)
    else:
        if words[:1] == ["~"] and not regex:
            regex, words = True, words[1:]
        if not words:
            return None
        pattern, words = words[0], words[1:]
    if not words or not all(_param(w) for w in words[1:]):
        return None
    return ProxyRule(d, pattern, words[0], regex, section, inherited, tuple(words[1:]))


def _param(word: str) -> bool:
    return word.lower() in _FLAGS or "=" in word


def location_regex(section: Directive) -> bool:
    return section.key == "locationmatch" or section.args[0] == "~"


def location_matches(section: Directive, path: str) -> bool:
    """Whether a ``<Location>``/``<LocationMatch>`` section matches ``path``."""
    return ProxyRule(section, section.args[-1], "", location_regex(section),
                     section).matches(path)


def socket_url(target: str) -> str:
    """The URL of a ``ProxyPass`` target past its socket: the part after ``|`` of httpd's
    ``unix:/path/to.sock|uwsgi://name/`` (the socket path is not the URL), else the target."""
    return target.partition("|")[2] if target.lower().startswith("unix:") and "|" in target \
        else target


def target_at(target: str, address: str, path: str | None = None) -> str | None:
    """``target`` sent to ``address`` (``host:port``, or ``unix:/path`` as an answer's
    ``server.listen`` says), its URL's path replaced by ``path`` (None: kept); None for a
    wildcard host, which names no address to connect to. httpd writes a socket before the
    URL, ``unix:/x.sock|http://localhost/``: the URL's host is then only the Host sent
    without ProxyPreserveHost (``localhost``, as httpd's documentation writes it)."""
    parts = urlsplit(socket_url(target))
    if path is not None:
        parts = parts._replace(path=path)
    if address.startswith("unix:"):
        old = target[:5].lower() == "unix:" and "|" in target
        return f"{address}|{urlunsplit(parts if old else parts._replace(netloc='localhost'))}"
    if address.rpartition(":")[0] in ("*", "0.0.0.0", "[::]", ""):  # noqa: S104 - reads one
        return None
    return urlunsplit(parts._replace(netloc=address))


def uwsgi_target(target: str) -> bool:
    """Whether mod_proxy_uwsgi takes the request (``uwsgi://``, also over a unix socket):
    it hands the backend the client's Host as HTTP_HOST and the target's path as PATH_INFO
    (httpd's modules/proxy/mod_proxy_uwsgi.c), unlike ``http://``."""
    return socket_url(target).lower().startswith("uwsgi://")
