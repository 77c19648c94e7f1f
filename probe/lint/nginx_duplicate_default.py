"""``nginx_duplicate_default`` (docs/lint.md, "nginx"): two ``listen`` lines mark one address
``default_server``. ``nginx -t`` refuses the configuration ("a duplicate default server for
ADDR in FILE:LINE", the second line) and nginx does not start with it, nor reloads to it: an
error, never a routing guess. Tester T34's c-include had shop.conf and www.conf both marked;
lint said only nginx_no_refusing_default, reasoning as if the file ran, and its fix kept
www.conf's mark, still refused by ``nginx -t``.

:func:`duplicated` gives the addresses, so that the rules that reason about which block
answers an address (``nginx_no_refusing_default``) say nothing of a configuration nginx
refuses: which block would answer is what the operator decides by removing one mark.
"""

from __future__ import annotations

from probe.lint.findings import ConfigFinding, Severity
from probe.nginx.model import Listen, NginxModel, Server


def _marked(model: NginxModel) -> dict[str, list[tuple[Server, Listen]]]:
    """Per address, the blocks whose listen line marks it default_server, in the order nginx
    reads them."""
    marked: dict[str, list[tuple[Server, Listen]]] = {}
    for server in model.servers:
        for listen in server.listens:
            if listen.default_server:
                marked.setdefault(listen.address, []).append((server, listen))
    return marked


def duplicated(model: NginxModel) -> set[str]:
    """The addresses that more than one listen line marks default_server."""
    return {address for address, lines in _marked(model).items() if len(lines) > 1}


def duplicate_default(model: NginxModel) -> list[ConfigFinding]:
    findings = []
    for address, lines in _marked(model).items():
        if len(lines) < 2:
            continue
        (first, first_listen), later = lines[0], lines[1:]
        for server, listen in later:
            findings.append(ConfigFinding.at(
                "nginx_duplicate_default", Severity.ERROR, listen.where,
                f"listen {address} default_server at {listen.where} ({server.describe()}) "
                f"and at {first_listen.where} ({first.describe()}): an address has one "
                f"default server, and 'nginx -t' refuses this configuration (\"a duplicate "
                f"default server for {address} in {listen.where}\"): nginx does not start "
                f"with it, and a reload to it leaves the running configuration in place",
                f"remove default_server from all but one of the listen lines that mark "
                f"{address} ({first_listen.where}, "
                + ", ".join(lst.where for _, lst in later)
                + "): the one kept decides which block answers a name no server_name "
                  "matches; then run 'nginx -t' before reloading"))
    return findings
