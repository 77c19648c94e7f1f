"""``probe lint --apachectl``: where the VirtualHost model and httpd's own ``apache2 -S``
disagree (a VirtualHost it did not read or httpd does not have, another name, another default
server for an address). Every other rule stands on that model, so that is a finding.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from probe.apache.apachectl import HttpdVhost
from probe.apache.model import Server, Site
from probe.apache.unknown_hosts import address_groups
from probe.lint.findings import ConfigFinding, Severity

CODE = "apachectl"
# httpd -S names a VirtualHost a mod_macro Use made by the macro and the Use, and its line
# by the line of the macro's body (1 for the line after <Macro>)
_MACRO_FILE = re.compile(r"""^macro '[^']*' \(defined on line (\d+) of "(.*)"\) used on line """
                         r"""(\d+) of "(.*)"$""")

Place = tuple[str, int, str, int]  # file, line, and the Use line's file and line (or "", 0)


def _place(file: str, line: int) -> Place:
    """Where httpd -S says a VirtualHost is, as lint's model says it."""
    macro = _MACRO_FILE.match(file)
    if macro is None:
        return os.path.realpath(file), line, "", 0
    return (os.path.realpath(macro.group(2)), int(macro.group(1)) + line,
            os.path.realpath(macro.group(4)), int(macro.group(3)))


def compare(site: Site, dump: Sequence[HttpdVhost]) -> list[ConfigFinding]:
    """Findings where lint's model and httpd's disagree."""
    findings: list[ConfigFinding] = []
    by_place: dict[Place, Server] = {}
    for v in site.vhosts:
        use = v.section.macro if v.section is not None else None
        by_place[(os.path.realpath(v.file), v.line,
                  os.path.realpath(use.file) if use else "", use.line if use else 0)] = v
    seen: set[Place] = set()
    defaults = {g[0].where for g in address_groups(site.vhosts).values()}
    for entry in dump:
        place = _place(entry.file, entry.line)
        server = by_place.get(place)
        if server is None:
            findings.append(_finding(entry.file, entry.line,
                                     f"httpd has a VirtualHost for {entry.address} here "
                                     f"({entry.name}) that lint did not read"))
            continue
        if place in seen:
            continue
        seen.add(place)
        if server.server_name is not None and server.server_name != entry.name.lower():
            findings.append(_finding(entry.file, entry.line,
                                     f"httpd names this VirtualHost {entry.name}, lint "
                                     f"{server.server_name}"))
        if entry.default and server.where not in defaults:
            findings.append(_finding(entry.file, entry.line,
                                     f"httpd sends unknown host names on {entry.address} "
                                     f"here; lint's model sends them elsewhere"))
    for place, server in by_place.items():
        if place not in seen:
            findings.append(_finding(server.file, server.line,
                                     f"lint read {server.describe()}, which httpd does not "
                                     f"have (an <IfModule>/<IfDefine> decided otherwise?)"))
    return findings


def _finding(file: str, line: int, message: str) -> ConfigFinding:
    return ConfigFinding(CODE, Severity.WARNING, file, line,
                   f"{message}: lint's VirtualHost model disagrees with httpd -S, and httpd "
                   f"is the authority", "run probe lint with the -D names httpd is started "
                   "with; if it still disagrees, report it as a wsgi-probe bug")
