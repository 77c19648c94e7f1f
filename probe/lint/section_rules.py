"""``section_order``: a ``WSGIProcessGroup`` or ``WSGIApplicationGroup`` in a section that
applies to an application but never takes effect for it, because a less specific section
merged after it sets another value (``<Location />`` listed after ``<Location /admin>``:
httpd merges ``<Location>`` and ``<Files>`` sections in configuration order and the later
wins, :mod:`probe.apache.sections`)."""

from __future__ import annotations

from probe.apache.config import Directive
from probe.apache.model import Site, WsgiApp
from probe.apache.sections import applicable_sections
from probe.lint.findings import ConfigFinding, Severity

_KEYS = {"wsgiprocessgroup": "process-group", "wsgiapplicationgroup": "application-group"}


def section_order(site: Site) -> list[ConfigFinding]:
    findings: dict[str, ConfigFinding] = {}
    for app in site.apps:
        scopes = [site.config.directives if s.is_main else s.directives
                  for s in ([site.main] if app.server.is_main else [site.main, app.server])]
        merged = applicable_sections(scopes, app.target, app.mount)
        for key, option in _KEYS.items():
            if option in app.options:  # the alias option wins over every section
                continue
            setting = [(s, d) for s in merged for d in s.body() if d.key == key and d.args]
            if len(setting) < 2:
                continue
            final_section, final = setting[-1]
            for section, d in setting[:-1]:
                if d.args[0] == final.args[0] or d.where in findings \
                        or not _more_specific(section, final_section):
                    continue
                findings[d.where] = _finding(app, section, d, final_section, final)
    return list(findings.values())


def _more_specific(section: Directive, later: Directive) -> bool:
    """Whether ``section`` is of the same kind as ``later`` and narrower: the surprise is a
    general section listed after a specific one, which then loses."""
    if section.key.startswith("location") != later.key.startswith("location"):
        return False
    if section.key.startswith("files") != later.key.startswith("files"):
        return False
    mine, theirs = section.arg(0).rstrip("/"), later.arg(0).rstrip("/")
    return len(mine) > len(theirs) or (section.key.endswith("match") is False
                                       and later.key.endswith("match"))


def _finding(app: WsgiApp, section: Directive, d: Directive, later: Directive,
             final: Directive) -> ConfigFinding:
    opened = f"<{section.name} {' '.join(section.args)}>"
    other = f"<{later.name} {' '.join(later.args)}>"
    return ConfigFinding(
        "section_order", Severity.WARNING, d.file, d.line,
        f"{d.name} {d.args[0]} in {opened} never takes effect for {app.mount} "
        f"({app.where}): {other} at {later.where}, listed after it, is merged later and its "
        f"{final.name} {final.args[0]} ({final.where}) wins, so {app.target} runs with "
        f"{final.args[0]}",
        f"move {other} ({later.where}) above {opened} ({section.where}), or set "
        f"{_KEYS[d.key]}={d.args[0]} on the {app.directive.name} at {app.where}")
