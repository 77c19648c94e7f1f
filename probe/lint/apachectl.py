"""``probe lint --apachectl``: where the VirtualHost model and httpd's own ``apache2 -S``
disagree (a VirtualHost it did not read or httpd does not have, another name, another default
server for an address). Every other rule stands on that model, so that is a finding.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from probe.apache.apachectl import HttpdVhost
from probe.apache.model import Site
from probe.apache.unknown_hosts import address_groups
from probe.lint.findings import ConfigFinding, Severity

CODE = "apachectl"


def compare(site: Site, dump: Sequence[HttpdVhost]) -> list[ConfigFinding]:
    """Findings where lint's model and httpd's disagree."""
    findings: list[ConfigFinding] = []
    by_place = {(os.path.realpath(v.file), v.line): v for v in site.vhosts}
    seen: set[tuple[str, int]] = set()
    defaults = {g[0].where for g in address_groups(site.vhosts).values()}
    for entry in dump:
        place = (os.path.realpath(entry.file), entry.line)
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
