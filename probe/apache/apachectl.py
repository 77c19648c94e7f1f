"""httpd's own view of its configuration: ``apache2 -S`` (what ``apache2ctl -S`` runs) prints
every VirtualHost per address, in the order name matching tries them, with the ServerName
each ends up with. httpd is the authority on how it reads its configuration; the model in
:mod:`probe.apache.model` is compared with it (``probe lint --apachectl``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# The name is the ServerName as httpd keeps it, which may hold spaces (ServerName "IP do
# sistema" is one argument httpd accepts): it runs up to the place in parentheses.
_SINGLE = re.compile(r"^(\S+)\s+(\S.*?) \((.+):(\d+)\)$")
_NAMEVHOST = re.compile(r"^\s+(default server|port \S+ namevhost) (\S.*?) \((.+):(\d+)\)$")
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


def httpd_binary() -> str | None:
    return (shutil.which("apache2") or shutil.which("httpd")
            or shutil.which("apache2", path="/usr/sbin:/usr/local/sbin"))


def run_httpd(flag: str, config: str, server_root: str, defines: Sequence[str],
              environ: Mapping[str, str], *,
              read: str | None = None) -> subprocess.CompletedProcess[str]:
    """``apache2 FLAG`` (``-S``, ``-t``) on a main configuration file, as ``apache2ctl``
    would run it on Debian's ``apache2.conf``; OSError if there is no httpd. ``read``: a
    file httpd reads in place of ``config``, in ``config``'s environment (a scratch copy)."""
    ctl = shutil.which("apache2ctl") or shutil.which("apache2ctl", path="/usr/sbin")
    env = {**os.environ, **environ, "LANG": "C"}
    if ctl is not None and os.path.basename(config) == "apache2.conf":
        # Debian: apache2ctl sources envvars and makes the run directory httpd checks for.
        command = [ctl, flag]
        arguments = [f"-D{name}" for name in defines]
        arguments += ["-f", os.path.abspath(read)] if read is not None else []
        env.update(APACHE_CONFDIR=os.path.dirname(os.path.abspath(config)),
                   APACHE_ARGUMENTS=" ".join(arguments))
    else:
        binary = httpd_binary()
        if binary is None:
            raise OSError("neither apache2 nor httpd is on PATH")
        command = [binary, flag, "-f", os.path.abspath(read or config), "-d", server_root]
        command += [f"-D{name}" for name in defines]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False,
                          env=env)


def run_dump(config: str, server_root: str, defines: Sequence[str],
             environ: Mapping[str, str]) -> str:
    """``apache2 -S`` on a main configuration file; OSError or RuntimeError saying why."""
    done = run_httpd("-S", config, server_root, defines, environ)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{' '.join(map(str, done.args))} failed: {last}")
    return done.stdout
