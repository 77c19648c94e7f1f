"""Which protocol each address is spoken to in: every pass line of the configuration read
(``proxy_pass``: HTTP, ``uwsgi_pass``: uwsgi, FastCGI, SCGI) by the address it reaches,
itself or as a ``server`` of the upstream it names.

One address reached in two protocols is one server spoken to in two: it speaks one of them,
and the requests passed with the other fail. Lint's ``nginx_two_protocols``
(:mod:`probe.lint.nginx_two_protocols`) reports it for the configuration; a sweep's
``no_endpoint`` or timeout through such a line says it for the URL
(:mod:`probe.diagnose.nginx_protocols`). Addresses are compared as written (a unix socket as
nginx reaches it, ``unix:///x`` is ``unix:/x``); one written through a variable is not.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from probe.nginx.model import APP_PASSES, NginxModel
from probe.nginx.passes import pass_target
from probe.unix_sockets import normal_unix

PROTOCOL = {"proxy_pass": "HTTP", "uwsgi_pass": "uwsgi", "fastcgi_pass": "FastCGI",
            "scgi_pass": "SCGI"}


@dataclass(frozen=True)
class PassLine:
    """One pass line that reaches an address."""

    directive: str  # proxy_pass, uwsgi_pass, ...
    said: str  # the line as written, its FILE:LINE, and the upstream's server line it took
    where: str  # FILE:LINE of the pass line


def _reached(model: NginxModel, directive: str, arg: str) -> list[tuple[str, str]]:
    """(address, how it is reached) for each address one pass line reaches: itself, or the
    ``server`` lines of the upstream it names."""
    if "$" in arg:
        return []
    target = pass_target(directive, arg)
    upstream = model.upstreams.get(target)
    if upstream is None:
        return [(target.lower(), "")]
    return [(normal_unix(address).lower(),
             f" through upstream {upstream.name} ({upstream.where}: server {address} at {where})")
            for address, where in upstream.servers]


def by_address(model: NginxModel) -> dict[str, dict[str, list[PassLine]]]:
    """address (lower case) -> pass directive -> the lines of it that reach the address,
    in the order read."""
    lines: dict[str, dict[str, list[PassLine]]] = defaultdict(lambda: defaultdict(list))
    for _server, loc in model.locations():
        passes = [("proxy_pass", loc.proxy_pass.url, loc.proxy_pass.where)] \
            if loc.proxy_pass is not None else []
        if loc.other_pass is not None and loc.other_pass.name in APP_PASSES \
                and loc.other_pass.args:
            passes.append((loc.other_pass.name, loc.other_pass.args[0], loc.other_pass.where))
        for directive, arg, where in passes:
            for address, how in _reached(model, directive, arg):
                line = PassLine(directive, f"{directive} {arg} at {where}{how}", where)
                if line not in lines[address][directive]:
                    lines[address][directive].append(line)
    return {address: dict(by) for address, by in lines.items()}


def mixed(model: NginxModel) -> dict[str, dict[str, list[PassLine]]]:
    """The addresses reached in two protocols or more, as :func:`by_address` gives them."""
    return {address: by for address, by in by_address(model).items() if len(by) > 1}
