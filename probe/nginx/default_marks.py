"""The ``listen ... default_server`` marks of each address, and the addresses marked twice:
``nginx -t`` refuses those ("a duplicate default server for ADDR in FILE:LINE", the later
line), so nginx neither starts with the configuration nor reloads to it.

Read by lint (``nginx_duplicate_default``, :mod:`probe.lint.nginx_duplicate_default`, and the
rules that say which block answers an address, silent there) and by discover (which says it
beside ``[refuse]``): tester T34's c-include had shop.conf and www.conf both marked, and lint
reasoned as if nginx ran it.
"""

from __future__ import annotations

from dataclasses import dataclass

from probe.nginx.model import Listen, NginxModel, Server


@dataclass(frozen=True)
class TwoDefaults:
    address: str
    marks: tuple[tuple[Server, Listen], ...]  # in the order nginx reads them; two or more

    def message(self, server: Server, listen: Listen) -> str:
        """What ``nginx -t`` says of the mark at ``listen``, a later one."""
        first, first_listen = self.marks[0]
        return (f"listen {self.address} default_server at {listen.where} "
                f"({server.describe()}) and at {first_listen.where} ({first.describe()}): an "
                f"address has one default server, and 'nginx -t' refuses this configuration "
                f"(\"a duplicate default server for {self.address} in {listen.where}\"): "
                f"nginx does not start with it, and a reload to it leaves the running "
                f"configuration in place")

    def fix(self) -> str:
        lines = ", ".join(listen.where for _, listen in self.marks)
        return (f"remove default_server from all but one of the listen lines that mark "
                f"{self.address} ({lines}): the one kept decides which block answers a name "
                f"no server_name matches; then run 'nginx -t' before reloading")


def two_defaults(model: NginxModel) -> list[TwoDefaults]:
    """The addresses more than one listen line marks default_server."""
    marked: dict[str, list[tuple[Server, Listen]]] = {}
    for server in model.servers:
        for listen in server.listens:
            if listen.default_server:
                marked.setdefault(listen.address, []).append((server, listen))
    return [TwoDefaults(address, tuple(lines)) for address, lines in marked.items()
            if len(lines) > 1]
