"""``nginx_two_protocols``: one address handed to passes of two protocols (docs/lint.md).

A socket or ``host:port`` that a ``uwsgi_pass`` reaches (itself, or as a ``server`` of the
upstream it names) and a ``proxy_pass`` reaches too is one server spoken to in two
protocols: it speaks one of them, and the requests passed with the other fail. A tester
pointed Zulip's ``upstream django`` at the wiki's gunicorn socket, which the wiki's own
``proxy_pass`` used: gunicorn answered the uwsgi requests 400 and its workers stuck, and lint
was silent. Which of the two lines is wrong no line shows (what listens there does), so both
are named, with the log lines that tell. Addresses are compared as written (a unix socket as
nginx reaches it, ``unix:///x`` is ``unix:/x``); one written through a variable is not.
"""

from __future__ import annotations

from probe.lint.findings import ConfigFinding, Severity
from probe.nginx.model import NginxModel
from probe.nginx.protocols import PROTOCOL, mixed


def two_protocols(model: NginxModel) -> list[ConfigFinding]:
    """An address reached by a ``proxy_pass`` and by a ``uwsgi_pass`` (or FastCGI, SCGI):
    a warning at the first line of the second protocol, naming a line of each."""
    findings = []
    for address, by in mixed(model).items():
        (first, firsts), (second, seconds) = list(by.items())[:2]
        findings.append(ConfigFinding.at(
            "nginx_two_protocols", Severity.WARNING, seconds[0].where,
            f"{address} is passed requests in two protocols: {PROTOCOL[first]} by "
            f"{firsts[0].said}, and {PROTOCOL[second]} by {seconds[0].said}. One server listens "
            f"there and speaks one of them: the requests passed with the other fail (an "
            f"HTTP server such as gunicorn answers uwsgi requests 400 or not at all; a uWSGI "
            f"socket cannot read HTTP ones, its log says 'invalid request block size')",
            f"pass to {address} with the protocol its server speaks in both places "
            f"(uwsgi_pass for a uWSGI socket, proxy_pass for gunicorn, waitress or uWSGI's "
            f"--http-socket), or point the line meant for another application at that "
            f"application's own address; the server's log for a request through each line "
            f"tells which one it cannot read"))
    return findings
