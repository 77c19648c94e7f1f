"""``nginx_duplicate_server_name`` for a block whose only name is the empty one (no
``server_name`` line, or ``server_name "";``) on an address where an earlier block has it too.

nginx gives such a block the empty name, warns "conflicting server name "" ... ignored" and
ignores it there: the block is reached by no request unless it is the address's default
server, and the names meant for it go to that default server (checked against nginx 1.22: a
request for such a name reaches the ``return 444`` default). The empty name cannot be
removed: the fix is to write the block's names, which the configuration does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from probe.nginx.model import NginxModel, Server
from probe.nginx_snippets import name_removed


@dataclass(frozen=True)
class Words:
    message: str
    fix: str


def only_empty(server: Server) -> bool:
    return all(name == "" for name, _ in server.names)


def _what(model: NginxModel, server: Server) -> str:
    """What the default server does with a request, from its own lines."""
    if server.returns is not None:
        code = server.returns.code
        return ("closes the connection (return 444 at " if code == 444 else
                f"answers with return {code} (at ") + f"{server.returns.where})"
    passes = next(((name, at) for s, name, at in model.passing() if s is server), None)
    if passes is not None:
        return f"passes them with {passes[0]} at {passes[1]}"
    return "serves them itself"


def empty_name_words(model: NginxModel, address: str, server: Server,
                     blocks: list[tuple[Server, bool, str]], first: str) -> Words:
    """``server`` has only the empty name, already claimed by the block at ``first``."""
    default = next((s for s, marked, _ in blocks if marked), blocks[0][0])
    written = ("has no server_name line" if all(at == server.where for _, at in server.names)
               else 'has only the empty name (server_name "")')
    head = (f"the server block at {server.where} {written}, so nginx gives it the empty name "
            f'"", which the server block at {first} already has on {address}: nginx warns '
            f'"conflicting server name "" on {address}, ignored"')
    if default is server:
        reached = (f"; this block is the default server of {address} (it answers the names "
                   f"no server_name matches), and a request without a Host goes to the block "
                   f"at {first}")
    else:
        reached = (f", and this block is reached by no request: the names meant for it reach "
                   f"the default server of {address}, {default.describe()}, which "
                   f"{_what(model, default)}")
    return Words(head + reached,
                 f'add a server_name line with the host names this block is meant for in the '
                 f'server block at {server.where} (the empty name "" cannot be removed, and the '
                 f'configuration does not say which names those are: the URLs meant for it do)')


def name_out(model: NginxModel, block: str, name: str, where: str) -> str:
    """``name`` taken out of the server_name line at ``where`` of the block at ``block``: a
    line left with no name is written ``server_name "";`` (``server_name ;`` fails nginx -t,
    tester T34's c-include)."""
    from probe.nginx.claims import empty_taken

    server = next(s for s in model.servers if s.where == block)
    return name_removed(name, where, [n for n, at in server.names if at == where],
                        empty_taken(model, server))
