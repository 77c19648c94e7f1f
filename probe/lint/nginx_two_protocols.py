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

from collections import defaultdict

from probe.lint.findings import ConfigFinding, Severity
from probe.nginx.model import APP_PASSES, NginxModel, parse_proxy_pass
from probe.unix_sockets import normal_unix

_SCHEMES = ("uwsgi://", "suwsgi://", "grpc://", "grpcs://")
_PROTOCOL = {"proxy_pass": "HTTP", "uwsgi_pass": "uwsgi", "fastcgi_pass": "FastCGI",
             "scgi_pass": "SCGI"}


def _written(directive: str, arg: str) -> str:
    """The address or upstream name a pass line names."""
    if directive == "proxy_pass":
        return parse_proxy_pass(arg, "").target
    for scheme in _SCHEMES:
        arg = arg.removeprefix(scheme)
    return normal_unix(arg)


def _reached(model: NginxModel, directive: str, arg: str) -> list[tuple[str, str]]:
    """(address, how it is reached) for each address one pass line reaches: itself, or the
    ``server`` lines of the upstream it names."""
    if "$" in arg:
        return []
    target = _written(directive, arg)
    upstream = model.upstreams.get(target)
    if upstream is None:
        return [(target.lower(), "")]
    return [(normal_unix(address).lower(),
             f" through upstream {upstream.name} ({upstream.where}: server {address} at {where})")
            for address, where in upstream.servers]


def two_protocols(model: NginxModel) -> list[ConfigFinding]:
    """An address reached by a ``proxy_pass`` and by a ``uwsgi_pass`` (or FastCGI, SCGI):
    a warning at the first line of the second protocol, naming a line of each."""
    # address -> protocol's directive -> (the line as said, its FILE:LINE), first seen first
    lines: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for _server, loc in model.locations():
        passes = [("proxy_pass", loc.proxy_pass.url, loc.proxy_pass.where)] \
            if loc.proxy_pass is not None else []
        if loc.other_pass is not None and loc.other_pass.name in APP_PASSES \
                and loc.other_pass.args:
            passes.append((loc.other_pass.name, loc.other_pass.args[0], loc.other_pass.where))
        for directive, arg, where in passes:
            for address, how in _reached(model, directive, arg):
                said = (f"{directive} {arg} at {where}{how}", where)
                if said not in lines[address][directive]:
                    lines[address][directive].append(said)
    findings = []
    for address, by in lines.items():
        if len(by) < 2:
            continue
        (first, firsts), (second, seconds) = list(by.items())[:2]
        findings.append(ConfigFinding.at(
            "nginx_two_protocols", Severity.WARNING, seconds[0][1],
            f"{address} is passed requests in two protocols: {_PROTOCOL[first]} by "
            f"{firsts[0][0]}, and {_PROTOCOL[second]} by {seconds[0][0]}. One server listens "
            f"there and speaks one of them: the requests passed with the other fail (an "
            f"HTTP server such as gunicorn answers uwsgi requests 400 or not at all; a uWSGI "
            f"socket cannot read HTTP ones, its log says 'invalid request block size')",
            f"pass to {address} with the protocol its server speaks in both places "
            f"(uwsgi_pass for a uWSGI socket, proxy_pass for gunicorn, waitress or uWSGI's "
            f"--http-socket), or point the line meant for another application at that "
            f"application's own address; the server's log for a request through each line "
            f"tells which one it cannot read"))
    return findings
