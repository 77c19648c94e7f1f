"""Whether httpd lets a request reach a WSGI script, where that decides a fix: a mount moved
into a VirtualHost (or listed there for another site's script) runs only if that
VirtualHost's per-directory sections grant the script's file. A ``<Directory>``/``<Files>``
with ``Require all granted`` written inside the script's own VirtualHost does not reach
another one, and Debian's ``<Directory /> Require all denied`` at server level then answers
403 (the error log's AH01630, "client denied by server configuration").

Only ``Require all granted`` and ``Require all denied`` are read, in the per-directory
section httpd merges last that has a ``Require`` (``AuthMerging Off``, httpd's default: a
later section's ``Require`` replaces an earlier one's). Any other ``Require`` (ip, host,
user, a ``<RequireAny>`` block), ``Allow``/``Deny`` and ``.htaccess`` files are not
modelled: there the access is not decided (:attr:`ScriptAccess.here` is None)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from probe.apache.config import Directive
from probe.apache.model import Server, Site
from probe.apache.sections import applicable_sections, sections


@dataclass(frozen=True)
class Access:
    """The ``Require all ...`` in force for a script and the section holding it."""

    require: Directive
    section: Directive
    outermost: Directive  # the section holding ``section`` (a <Directory> around a <Files>)

    @property
    def granted(self) -> bool:
        return self.require.arg(1).lower() == "granted"

    def said(self) -> str:
        """``<Directory /x/> (file:line; Require all granted at file:line)``."""
        return (f"<{self.section.name} {' '.join(self.section.args)}> "
                f"({self.section.where}; {self.require.name} {' '.join(self.require.args)} "
                f"at {self.require.where})")


@dataclass(frozen=True)
class ScriptAccess:
    """What the configuration says of a script's access for one VirtualHost."""

    here: Access | None  # in force for the request's server; None: not decided as read
    elsewhere: GrantedElsewhere | None  # denied here, granted in another VirtualHost


@dataclass(frozen=True)
class GrantedElsewhere:
    """A grant of the script written inside another VirtualHost (its own sections)."""

    there: Access  # the grant, written inside ``server``
    server: Server


def access(scopes: Sequence[Sequence[Directive]], script: str, path: str) -> Access | None:
    """The ``Require all granted|denied`` in force for ``script`` reached at URL ``path``
    in ``scopes``; None where no section decides it or one decides it in a way not read."""
    for section in reversed(applicable_sections(scopes, script, path)):
        body = section.body()
        if any(d.key.startswith("require") and d.key != "require" for d in body):
            return None  # a <RequireAny>/<RequireAll> block: not modelled
        requires = [d for d in body if d.key == "require"]
        if not requires:
            continue
        last = requires[-1]
        if len(requires) > 1 or last.arg(0).lower() != "all" or \
                last.arg(1).lower() not in ("granted", "denied"):
            return None
        around = next((s.outer for scope in scopes for s in sections(scope)
                       if s.directive is section and s.outer), ())
        return Access(last, section, around[0] if around else section)
    return None


def script_access(site: Site, server: Server, script: str, path: str) -> ScriptAccess:
    """The access in force for requests to ``server`` for ``script`` at URL ``path``; where
    it is denied (``Require all denied``) and another VirtualHost's own sections grant it,
    that grant too: the httpd 403 a mount of ``script`` in ``server`` gets."""
    main = tuple(d for d in site.config.directives if d.key != "virtualhost")
    here = access([main] if server.is_main else [main, server.directives], script, path)
    if here is None or here.granted:
        return ScriptAccess(here, None)
    for other in site.vhosts:
        if other is server:
            continue
        there = access([other.directives], script, path)
        if there is not None and there.granted:
            return ScriptAccess(here, GrantedElsewhere(there, other))
    return ScriptAccess(here, None)
