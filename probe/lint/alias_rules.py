"""``alias_order``: a WSGIScriptAlias listed before a longer one it contains, so the longer
mount is never reached (mod_wsgi tries aliases in order, the first match wins)."""

from __future__ import annotations

import re

from probe.apache.model import Site, WsgiApp
from probe.apache.names import mount_matches
from probe.lint.findings import ConfigFinding, Severity


def alias_order(site: Site) -> list[ConfigFinding]:
    """A mount listed before a longer one it contains: mod_wsgi tries aliases in order and
    the first match wins, so the longer mount's URLs go to the shorter one's application."""
    findings: dict[tuple[str, str], ConfigFinding] = {}
    for server in site.servers:
        # Handler mounts are chosen by mod_alias/mod_rewrite and sections, not in alias order
        aliases = [a for a in site.aliases_for(server) if not a.handler]
        for i, later in enumerate(aliases):
            earlier = next((e for e in aliases[:i] if _shadows(e, later)), None)
            if earlier is None or (earlier.where, later.where) in findings:
                continue
            inherited = (" (inherited from the main server)"
                         if earlier.server.is_main and not server.is_main else "")
            findings[(earlier.where, later.where)] = ConfigFinding(
                code="alias_order",
                severity=Severity.ERROR,
                file=later.directive.file,
                line=later.directive.line,
                message=(
                    f"{later.directive.name} {later.mount} is never reached in "
                    f"{server.describe()}: the earlier {earlier.directive.name} "
                    f"{earlier.mount} at {earlier.where}{inherited} matches its URLs first, "
                    f"so they run {earlier.target} instead of {later.target}"),
                fix=(f"list the longer mount first: move {later.directive.name} "
                     f"{later.mount} ({later.where}) above {earlier.directive.name} "
                     f"{earlier.mount} ({earlier.where})"),
            )
    return list(findings.values())


def _shadows(earlier: WsgiApp, later: WsgiApp) -> bool:
    """Whether every URL ``later`` would serve is matched by ``earlier`` first.

    Plain aliases match on whole path segments (``/app`` takes ``/app/x``, not ``/apps``):
    an earlier alias that matches the later one's own URL matches all of them. Regular
    expressions are judged on the literal prefix of an anchored pattern only.
    """
    if not earlier.is_match:
        if not later.is_match:
            return mount_matches(earlier.mount, later.mount)
        prefix = _literal_prefix(later.mount)
        return mount_matches(earlier.mount, "/") or (
            prefix is not None and mount_matches(earlier.mount, prefix))
    if later.is_match:
        return False
    try:
        return re.search(earlier.mount, later.mount) is not None
    except re.error:
        return False


def _literal_prefix(regex: str) -> str | None:
    """The whole path segments every match of an anchored regex starts with, else None."""
    if not regex.startswith("^"):
        return None
    literal = re.match(r"[^.^$*+?{}\[\]\\|()]*", regex[1:])
    text = literal.group(0) if literal else ""
    return text[: text.rfind("/") + 1] if "/" in text else None

