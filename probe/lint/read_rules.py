"""What could not be read: configuration problems met while reading, unreadable scripts."""

from __future__ import annotations

from probe.apache.config import ParseNote
from probe.apache.model import Site
from probe.apache.names import SETTINGS_VARIABLE
from probe.lint.findings import ConfigFinding, Severity


def unreadable(site: Site) -> list[ConfigFinding]:
    """Configuration problems met while reading (an error where httpd refuses to start: an
    include loop, a missing Include, an unclosed section), and WSGI scripts that cannot be
    read."""
    findings = [ConfigFinding("config", Severity.ERROR if n.fatal else Severity.NOTE, n.file,
                              n.line, n.message) for n in _unique_notes(site)]
    reported: set[str] = set()
    for app in site.apps:
        script = site.scripts.get(app.target)
        if script is not None and script.error and app.target not in reported:
            reported.add(app.target)
            findings.append(ConfigFinding(
                "script_unreadable", Severity.NOTE, app.directive.file, app.directive.line,
                f"cannot read WSGI script {app.target}: {script.error}; its "
                f"{SETTINGS_VARIABLE} handling is not checked"))
    return findings


def _unique_notes(site: Site) -> list[ParseNote]:
    seen: set[str] = set()
    notes = []
    for note in site.config.notes:
        if note.message not in seen:  # one note per undefined variable, not per line
            seen.add(note.message)
            notes.append(note)
    return notes

