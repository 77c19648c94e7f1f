"""``probe lint --apachectl``: compare lint's VirtualHost model with httpd's own.

httpd is the authority on how it reads its configuration: ``apache2 -S`` (what
``apache2ctl -S`` runs) prints every VirtualHost per address, in the order name matching
tries them, with the ServerName each ends up with. Where lint's model says otherwise (a
VirtualHost it did not read or httpd does not have, another name, another default server
for an address) that is a finding, since every other rule stands on that model.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from probe.lint.findings import ConfigFinding, Severity
from probe.lint.model import Site
from probe.lint.unknown_hosts import address_groups

CODE = "apachectl"
_SINGLE = re.compile(r"^(\S+)\s+(\S+) \((.+):(\d+)\)$")
_NAMEVHOST = re.compile(r"^\s+(default server|port \S+ namevhost) (\S+) \((.+):(\d+)\)$")
_NAMED = re.compile(r"^(\S+)\s+is a NameVirtualHost$")


@dataclass(frozen=True)
class HttpdVhost:
    """One line of ``httpd -S``: a VirtualHost on an address."""

    address: str
    name: str
    file: str
    line: int
    default: bool  # "default server": where unknown host names on this address go


def parse_dump(text: str) -> list[HttpdVhost]:
    """The VirtualHost section of ``httpd -S`` output."""
    found: list[HttpdVhost] = []
    address = ""
    for line in text.splitlines():
        if (named := _NAMED.match(line)) is not None:
            address = named.group(1)
        elif (single := _SINGLE.match(line)) is not None:
            found.append(HttpdVhost(single.group(1), single.group(2), single.group(3),
                                    int(single.group(4)), default=True))
        elif (entry := _NAMEVHOST.match(line)) is not None and address:
            found.append(HttpdVhost(address, entry.group(2), entry.group(3),
                                    int(entry.group(4)), entry.group(1) == "default server"))
    return found


def run_dump(config: str, server_root: str, defines: Sequence[str],
             environ: Mapping[str, str]) -> str:
    """``apache2 -S`` on a main configuration file; OSError or RuntimeError saying why."""
    ctl = shutil.which("apache2ctl")
    env = {**os.environ, **environ}
    if ctl is not None and os.path.basename(config) == "apache2.conf":
        # Debian: apache2ctl sources envvars and makes the run directory httpd checks for.
        command = [ctl, "-S"]
        env.update(APACHE_CONFDIR=os.path.dirname(os.path.abspath(config)),
                   APACHE_ARGUMENTS=" ".join(f"-D{name}" for name in defines))
    else:
        binary = shutil.which("apache2") or shutil.which("httpd")
        if binary is None:
            raise OSError("neither apache2 nor httpd is on PATH")
        command = [binary, "-S", "-f", os.path.abspath(config), "-d", server_root]
        command += [f"-D{name}" for name in defines]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False,
                          env=env)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{' '.join(command)} failed: {last}")
    return done.stdout


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
