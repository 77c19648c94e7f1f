"""The ``ProxyPreserveHost`` in force for the paths one ``ProxyPass`` takes, as far as the
configuration decides it (:func:`probe.apache.proxy.preserve_host` gives it for one path).

A ``ProxyPass /b/`` (or one inside ``<Location /b/>``) takes /b/ and the paths below it: the
setting is read at /b/, and at each narrower path that a section holding a
``ProxyPreserveHost`` names and this rule takes (a ``<Location /b/x/>``, a ``<Proxy>`` for
a URL below the target). A regular-expression section (``<LocationMatch>``, ``<ProxyMatch>``,
a wildcard ``<Proxy>``) that does not match /b/ may still match a longer path: it is
listed as undecided.

A ``ProxyPassMatch`` (or a ``ProxyPass`` inside a ``<LocationMatch>``) names no concrete
path. Each section holding a ``ProxyPreserveHost`` surely matches every path it takes (its
own ``<LocationMatch>``; a ``<Location>`` the literal start of the pattern lies inside; a
``<Proxy>`` the target starts with), surely none (a ``<Location>`` beside that literal
start), or may match some: the setting is decided when no section that may match says
otherwise than the one in force; else those sections are listed, undecided, for a request
to a path the rule takes to decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from probe.apache.config import Directive
from probe.apache.model import Server, Site
from probe.apache.names import alias_match_length
from probe.apache.proxy import HostSetting, host_lines, preserve_host, taken_by
from probe.apache.proxy_rule import ProxyRule, location_matches, location_regex
from probe.apache.proxy_sections import SECTION_KEYS as PROXY_SECTION_KEYS
from probe.apache.proxy_sections import section_matches, section_may_match, section_name

_META = set(".^$*+?()[]{}|\\")


@dataclass(frozen=True)
class PathHost:
    """The setting in force (None: none written, so Off) where a rule takes ``path`` (its
    pattern when the rule names no concrete path)."""

    path: str
    setting: HostSetting | None

    @property
    def on(self) -> bool:
        return self.setting is not None and self.setting.on


@dataclass(frozen=True)
class RuleHost:
    decided: tuple[PathHost, ...]
    undecided: tuple[HostSetting, ...]  # sections that may hold for some paths, otherwise


def rule_host(site: Site, server: Server, rule: ProxyRule) -> RuleHost:
    """What the configuration decides of ``ProxyPreserveHost`` for the paths ``rule`` takes."""
    if rule.regex:
        return _pattern_host(site, server, rule)
    paths = [rule.pattern, *_narrower_paths(site, server, rule)]
    decided = tuple(PathHost(p, preserve_host(site, server, p, backend_url(rule, p)))
                    for p in dict.fromkeys(paths) if _takes(site, server, rule, p))
    _, sections = host_lines(site, server)
    backend = backend_url(rule, rule.pattern) or rule.target
    maybe = tuple(s for s in sections if s.section is not None and _pattern_section(s.section)
                  and not _matches(s.section, rule.pattern, backend)
                  and any(s.on != d.on for d in decided))
    return RuleHost(decided, maybe)


def backend_url(rule: ProxyRule, path: str) -> str | None:
    """The URL mod_proxy passes ``path`` to (what ``<Proxy>`` sections are matched against),
    as ``ap_proxy_trans_match`` builds it; None: ``rule`` does not take ``path``."""
    if not rule.regex:
        taken = alias_match_length(path, rule.pattern)
        return rule.target + path[taken:] if taken else None
    try:
        found = re.search(rule.pattern, path)
    except re.error:
        return None
    if found is None:
        return None
    groups = [found.group(0), *(g or "" for g in found.groups())]
    # ap_pregsub: $0-$9 and & are the match's groups; without one the path is appended
    sub = re.sub(r"\$(\d)|&", lambda m: groups[int(m.group(1) or 0)]
                 if int(m.group(1) or 0) < len(groups) else "", rule.target)
    return sub if sub != rule.target else rule.target + path


def _takes(site: Site, server: Server, rule: ProxyRule, path: str) -> bool:
    taken = taken_by(site, server, path)
    return taken is not None and taken.directive is rule.directive


def _narrower_paths(site: Site, server: Server, rule: ProxyRule) -> list[str]:
    """The paths below ``rule.pattern`` that a plain section holding a setting names."""
    found = []
    for setting in host_lines(site, server)[1]:
        section = setting.section
        if section is None or _pattern_section(section):
            continue
        if section.key in PROXY_SECTION_KEYS:
            name = section_name(section)
            if name.startswith(rule.target) and len(name) > len(rule.target):
                found.append(rule.pattern.rstrip("/") + "/" +
                             name[len(rule.target):].lstrip("/"))
        elif alias_match_length(section.args[-1], rule.pattern) > 0:
            found.append(section.args[-1])
    return found


def _pattern_section(section: Directive) -> bool:
    if section.key in PROXY_SECTION_KEYS:
        return section.key == "proxymatch" or any(c in section_name(section) for c in "*?[")
    return location_regex(section)


def _matches(section: Directive, path: str, backend: str) -> bool:
    if section.key in PROXY_SECTION_KEYS:
        return section_matches(section, backend)
    return location_matches(section, path)


def _pattern_host(site: Site, server: Server, rule: ProxyRule) -> RuleHost:
    """``rule`` takes paths matching a regular expression: walk the sections in merge order,
    each surely, never or maybe matching."""
    found, sections = host_lines(site, server)
    start = _literal(rule.pattern)
    known = re.split(r"[$&]", rule.target)[0]
    maybe: list[HostSetting] = []
    for setting in sections:
        surely = _surely(setting.section, rule, start, known)
        if surely:
            found, maybe = setting, []
        elif surely is None:
            maybe.append(setting)
    decided = PathHost(rule.pattern, found)
    differ = tuple(s for s in maybe if s.on != decided.on)
    return RuleHost((decided,), differ)


def _surely(section: Directive | None, rule: ProxyRule, start: str | None,
            known: str) -> bool | None:
    """Whether ``section`` matches every path ``rule`` takes (True), none (False), or some
    (None)."""
    if section is None:
        return True
    if section.key in PROXY_SECTION_KEYS:
        return section_may_match(section, known)
    if section is rule.section:
        return True
    if location_regex(section) or start is None:
        return None
    path = section.args[-1]
    taken = alias_match_length(start, path)
    if taken and (path.endswith("/") or start[taken:taken + 1] == "/"):
        return True
    return None if path.startswith(start) or taken else False


def _literal(pattern: str) -> str | None:
    """The literal start every path matching ``pattern`` has (``^/b/`` gives ``/b/``); None
    when it is not anchored."""
    if not pattern.startswith("^"):
        return None
    out = ""
    for c in pattern[1:]:
        if c in _META:
            # a quantifier makes the character before it optional
            return out[:-1] if c in "*?{" and out else out
        out += c
    return out
