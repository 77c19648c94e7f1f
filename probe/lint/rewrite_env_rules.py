"""``rewrite_env_path_group``: a ``RewriteRule ... [E=VAR:$N]`` whose ``$N`` captures the
URL path across its slashes, where ``WSGIProcessGroup %{ENV:VAR}`` makes ``VAR`` the
daemon group.

The group is then whatever the path holds, not the site: T33 a-aliasmatch-env's
``RewriteRule ^/(.*)$ - [E=PROCESS_GROUP:$1]`` under ``RewriteCond %{HTTP_HOST}
^([a-z]+)\\.test$`` sent real Apache 2.4.71 + mod_wsgi 6.1.1 the probe's request to
gamma.test with "WSGI0151: No WSGI daemon process called '__probe__'" (a 500): ``%1``, the
host's capture, was meant. Said only where the capture can hold a ``/`` (a daemon group is
never named with one) or a ``RewriteCond`` of the rule captures the host name: a path
segment chosen on purpose (``^/([^/]+)`` alone) is a layout, not this fault.
"""

from __future__ import annotations

import re

from probe.apache.config import Directive
from probe.apache.model import Site
from probe.lint.env_setters import env_groups
from probe.lint.findings import ConfigFinding, Severity
from probe.lint.wsgi_options import walk

_HOST_VARIABLES = ("%{http_host}", "%{server_name}")


def rewrite_env_path_group(site: Site) -> list[ConfigFinding]:
    findings = []
    for group in env_groups(site):
        flag = re.compile(r"(?:^|,)(?:E|env)=" + re.escape(group.variable) + r":\$(\d)", re.I)
        conditions: list[Directive] = []
        for d in walk(group.server.directives):
            if d.key == "rewritecond":
                conditions.append(d)
                continue
            if d.key != "rewriterule" or len(d.args) < 3:
                continue
            found = flag.search(d.args[2].strip("[]"))
            capture = _group(d.args[0], int(found.group(1))) if found else None
            host = next((c for c in conditions if c.arg(0).lower() in _HOST_VARIABLES
                         and "(" in c.arg(1)), None)
            conditions = []
            if capture is None or found is None or not (_spans(capture) or host):
                continue
            findings.append(_finding(group.directive, group.variable, d, found.group(1),
                                     capture, host))
    return findings


def _finding(line: Directive, var: str, rule: Directive, n: str, capture: str,
             host: Directive | None) -> ConfigFinding:
    meant = (f"%1 (RewriteCond {' '.join(host.args)} at {host.where} captures the host "
             f"name)" if host else "the host name (a RewriteCond %{HTTP_HOST} with a "
                                   "capture before the rule, and %1)")
    return ConfigFinding(
        "rewrite_env_path_group", Severity.WARNING, rule.file, rule.line,
        f"RewriteRule {' '.join(rule.args)} at {rule.where} sets {var} from ${n}, the URL "
        f"path's capture ({capture}), and {line.name} {' '.join(line.args)} at {line.where} "
        f"makes {var} the daemon group: each request then runs in the group its path names "
        f"(a request for /admin/login names 'admin/login'), which no WSGIDaemonProcess is "
        f"called, and mod_wsgi answers 500 (error log: WSGI0151 No WSGI daemon process "
        f"called ...)",
        f"if the site's name was meant, write {meant} in place of ${n}: [E={var}:%1]")


def _group(pattern: str, number: int) -> str | None:
    """The text of the ``number``-th capturing group of a regular expression."""
    starts: list[tuple[int, bool]] = []
    count = 0
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "(":
            capturing = not pattern.startswith("(?", i)
            if capturing:
                count += 1
            starts.append((i, capturing and count == number))
        elif c == ")" and starts:
            start, wanted = starts.pop()
            if wanted:
                return pattern[start + 1:i]
        i += 1
    return None


def _spans(capture: str) -> bool:
    """Whether the capture can hold a ``/``."""
    try:
        return re.fullmatch(capture, "a/b") is not None
    except re.error:
        return False
