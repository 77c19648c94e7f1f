"""Lint's words on a mod_wsgi-express ``httpd.conf``: what its ``apachectl`` starts it with,
where that script was read (:mod:`probe.apache.express_start`), and where it was not, the
``${MOD_WSGI_...}`` variables said to be its apachectl's, never "not defined" as if httpd ran
without them (tester T31: "${MOD_WSGI_USER} is not defined" of a file whose apachectl exports
it at lines 37-41)."""

from __future__ import annotations

import re
from dataclasses import replace

from probe.apache.express_start import ExpressStart
from probe.lint.findings import ConfigFinding, Severity

_KEPT = re.compile(r"^\$\{(MOD_WSGI_[A-Za-z0-9_]*)\} is not defined \(httpd keeps it as written\)$")


def express_notes(findings: list[ConfigFinding],
                  start: ExpressStart | None) -> list[ConfigFinding]:
    """``findings`` with the "not defined" note of an express variable reworded, and, where
    the apachectl was read, a note saying what it gave."""
    out = [_reworded(f) if f.code == "config" and f.severity is Severity.NOTE else f
           for f in findings]
    if start is not None:
        out.append(started_note(start))
    return out


def started_note(start: ExpressStart) -> ConfigFinding:
    exports = ", ".join(f"{name}={value} (export at line {line})"
                        for name, value, line in _express_exports(start))
    defines = " ".join(f"-D{d}" for d in start.defines) or "no -D name"
    return ConfigFinding(
        "config", Severity.NOTE, start.apachectl, start.args_line,
        f"mod_wsgi-express's apachectl starts this configuration: read as it starts httpd, "
        f"with {defines} (its HTTPD_ARGS line) and the variables it exports"
        f"{': ' + exports if exports else ''}; its ${{NAME:-...}} defaults are taken as "
        f"written (the environment it is started in may set them)")


def _express_exports(start: ExpressStart) -> list[tuple[str, str, int]]:
    """The ``MOD_WSGI_*`` exports, each once (the first)."""
    seen: dict[str, tuple[str, str, int]] = {}
    for name, value, line in start.exported:
        if name.startswith("MOD_WSGI_"):
            seen.setdefault(name, (name, value, line))
    return list(seen.values())


def _reworded(finding: ConfigFinding) -> ConfigFinding:
    kept = _KEPT.match(finding.message)
    if kept is None:
        return finding
    var = kept.group(1)
    return replace(finding, message=(
        f"${{{var}}} is mod_wsgi-express's: the apachectl it writes in its server root "
        f"exports {var} (and passes -D names on its HTTPD_ARGS line) and is what starts "
        f"httpd with this file; no apachectl beside this file names it with -f, so lint "
        f"read it without them and cannot say its value. The check: that apachectl's "
        f"HTTPD_ARGS and export lines (the server root is the directory of the -f file on "
        f"the running httpd's command line, which probe ps shows); lint that server "
        f"root's httpd.conf in place to have them read"))
