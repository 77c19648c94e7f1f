"""``ServerName`` values httpd refuses to start with, judged as httpd 2.4 judges them
(server/core.c, ``server_hostname_port``; each case checked with ``apache2 -t``):

* one argument, no more and no fewer ("ServerName takes one argument, ...");
* no wildcard, as APR's ``apr_fnmatch_test`` finds one: ``*`` or ``?`` not escaped by a
  backslash, or a ``[`` with a ``]`` after it. ``ServerName *`` and ``ServerName
  *.example.com`` are refused ("use ServerAlias to set multiple server names"), and so is
  an IPv6 address in brackets (``[::1]``): httpd cannot tell it from a character class;
* a port after the first ``:`` (after ``scheme://``) that C's ``atoi`` reads as 1..65535:
  ``example.com:`` and ``example.com:0`` are refused, ``example.com:80abc`` is not.
"""

from __future__ import annotations

import re

from probe.apache.config import Directive
from probe.apache.model import Site
from probe.lint.findings import ConfigFinding, Severity
from probe.lint.wsgi_options import walk

_ATOI = re.compile(r"[ \t\n\v\f\r]*([+-]?[0-9]+)")
_LONG = 2 ** 63


def server_name(site: Site) -> list[ConfigFinding]:
    findings = []
    for d in walk(site.config.directives):
        if d.key == "servername":
            refused = refusal(d.args)
            if refused is not None:
                findings.append(_finding(d, *refused))
    return findings


def refusal(args: tuple[str, ...]) -> tuple[str, str] | None:
    """httpd's words refusing these ServerName arguments and a fix, or None."""
    if len(args) != 1:
        return ("ServerName takes one argument, The hostname and port of the server",
                "give one host name (and port); more names go in ServerAlias")
    [arg] = args
    if fnmatch_test(arg):
        fix = ("httpd reads [...] as a wildcard, so an IPv6 address cannot be a ServerName: "
               "name the host" if "[" in arg and "*" not in arg and "?" not in arg
               else "name one host; put wildcard names in ServerAlias (ServerAlias "
                    "*.example.com)")
        return f'Invalid ServerName "{arg}" use ServerAlias to set multiple server names.', fix
    host = arg.split("://", 1)[1] if "://" in arg else arg
    if ":" in host and not 1 <= atoi(host.split(":", 1)[1]) <= 65535:
        return (f'The port number "{arg}" is outside the appropriate range (i.e., 1..65535).',
                "give a port from 1 to 65535, or none")
    return None


def fnmatch_test(pattern: str) -> bool:
    """APR's ``apr_fnmatch_test``: whether httpd takes the text for a wildcard pattern."""
    opened = False
    chars = iter(pattern)
    for c in chars:
        if c in "*?":
            return True
        if c == "\\" and next(chars, None) is None:
            return False
        if c == "[":
            opened = True
        elif c == "]" and opened:
            return True
    return False


def atoi(text: str) -> int:
    """C's ``atoi`` as glibc has it, ``(int) strtol(text, NULL, 10)``: leading blanks and a
    sign, then digits; clamped to a 64-bit long, then cut to a 32-bit int."""
    match = _ATOI.match(text)
    if match is None:
        return 0
    value = min(max(int(match.group(1)), -_LONG), _LONG - 1) & 0xFFFFFFFF
    return value - 2 ** 32 if value >= 2 ** 31 else value


def _finding(d: Directive, words: str, fix: str) -> ConfigFinding:
    return ConfigFinding("config", Severity.ERROR, d.file, d.line,
                         f"httpd will not start: {words}", fix)
