"""The lines of one server that set a variable a ``%{ENV:VAR}`` process group reads, and
sample requests to test them on: shared by :mod:`probe.lint.env_group_rules` and
:mod:`probe.lint.rewrite_env_rules`.

mod_wsgi's ``%{ENV:VAR}`` takes the request's notes, then its environment (``SetEnv``,
``SetEnvIf``, ``RewriteRule [E=]``), then httpd's own process environment, else the text
literally (mod_wsgi's ``wsgi_process_group()``; T33 a-aliasmatch-env on real Apache 2.4.71 +
mod_wsgi 6.1.1: "WSGI0151: No WSGI daemon process called '%{ENV:PROCESS_GROUP}'").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from probe.apache.config import Directive
from probe.apache.model import Server, Site

_ENV = re.compile(r"%\{ENV:([^}]+)\}")
_SETENVIF = ("setenvif", "setenvifnocase")
HOST_ATTRIBUTES = ("host", "http_host", "server_name")
PATH_ATTRIBUTES = ("request_uri",)


@dataclass(frozen=True)
class EnvGroup:
    """A ``WSGIProcessGroup %{ENV:VAR}`` (or ``process-group=``) line and its server."""

    directive: Directive
    variable: str
    server: Server


@dataclass(frozen=True)
class Setter:
    """One ``SetEnvIf``/``SetEnvIfNoCase`` line's setting of a variable."""

    directive: Directive
    attribute: str  # lower case
    pattern: str
    value: str

    def matches(self, text: str) -> bool:
        flags = re.I if self.directive.key == "setenvifnocase" else 0
        try:
            return re.search(self.pattern, text, flags) is not None
        except re.error:
            return True  # a pattern Python cannot read: taken as matching, nothing said

    def written(self) -> str:
        return f"{self.directive.name} {' '.join(self.directive.args)} at {self.directive.where}"


def env_groups(site: Site) -> list[EnvGroup]:
    found = []
    for server in site.vhosts:
        for d in _scope(server):
            value = d.arg(0) if d.key == "wsgiprocessgroup" else ""
            if d.key in ("wsgiscriptalias", "wsgiscriptaliasmatch"):
                value = next((a.split("=", 1)[1] for a in d.args[2:]
                              if a.lower().startswith("process-group=")), "")
            match = _ENV.fullmatch(value)
            if match:
                found.append(EnvGroup(d, match.group(1), server))
    return found


def others_set(site: Site, server: Server, variable: str) -> list[Directive]:
    """Lines other than ``SetEnvIf`` that may set ``variable`` for a request of ``server``:
    ``SetEnv``, ``PassEnv``, a ``RewriteRule`` with ``E=VAR``."""
    flag = re.compile(r"(?:^|,)(?:E|env)=!?" + re.escape(variable) + r"(?::|,|$)", re.I)
    return [d for scope in (_scope(server), _walk(site.main.directives)) for d in scope
            if (d.key in ("setenv", "passenv", "unsetenv") and variable in d.args)
            or (d.key == "rewriterule" and len(d.args) >= 3
                and flag.search(d.args[2].strip("[]")))]


def setters(site: Site, server: Server, variable: str) -> list[Setter]:
    """The ``SetEnvIf`` settings of ``variable`` that reach ``server``, in the order httpd
    applies them (the main server's first, then the VirtualHost's)."""
    found = []
    for d in (*_walk(site.main.directives), *_scope(server)):
        if d.key not in _SETENVIF or len(d.args) < 3:
            continue
        for assignment in d.args[2:]:
            name, _, value = assignment.partition("=")
            if name == variable:
                found.append(Setter(d, d.args[0].lower(), d.args[1], value or "1"))
    return found


def sample_hosts(server: Server, words: list[str]) -> list[str]:
    """The server's names, a wildcard filled in with each of ``words`` (group names)."""
    names = [n for n in (server.server_name, *server.aliases) if n]
    found = []
    for name in names:
        found += [name.replace("*", w, 1) for w in words] if "*" in name else [name]
    return list(dict.fromkeys(found))


def _scope(server: Server) -> Iterator[Directive]:
    return _walk(server.directives)


def _walk(directives: tuple[Directive, ...]) -> Iterator[Directive]:
    for d in directives:
        if d.key == "virtualhost":
            continue  # the main server's scope holds the VirtualHosts: not theirs to give
        yield d
        if d.children:
            yield from _walk(d.children)
