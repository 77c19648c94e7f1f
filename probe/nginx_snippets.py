"""nginx lines that ``probe lint`` and ``probe sweep`` both propose, written once so that
the two say the same and what they say passes ``nginx -t`` (each checked with nginx 1.22 in
tests/integration/test_nginx_fix_apply.py).

* :func:`refuse_block`: the server block that refuses names no ``server_name`` claims. On a
  TLS address a block with ``listen ... ssl`` and no certificate fails ``nginx -t`` ("no
  ssl_certificate is defined for the listen ... ssl directive"); ``ssl_reject_handshake on``
  (nginx 1.19.4) needs none and refuses the handshake instead.
* :func:`refuse_unread`: the same block where the configuration was not read: its listen is
  the port alone, said to be written as the port's server blocks write theirs. A block on
  ``127.0.0.1:PORT`` hides every block on ``listen PORT;`` from connections to 127.0.0.1
  (nginx picks the blocks of the most specific address first): written from the connect
  address beside blocks on the port alone, it took every site of the port (a tester's
  nginx 1.22).
* :func:`strip_prefix`: how a location strips a mount prefix. A URI part in ``proxy_pass``
  is refused inside a location given by a regular expression, a named location and an
  ``if`` block ("cannot have URI part"); ``rewrite ... break`` strips it there.
* :func:`name_removed`: a name taken out of a ``server_name`` line. Where it is the line's
  only name, what is left, ``server_name ;``, fails ``nginx -t`` ("invalid number of
  arguments", tester T34's c-include): the line to write instead is given.
"""

from __future__ import annotations

import re

NONCE_LINES = ("proxy_cache_bypass $http_x_probe_nonce;", "proxy_no_cache $http_x_probe_nonce;")
"""Lines that let every probe request through nginx's proxy_cache and store none of its
answers: the probe sends X-Probe-Nonce on each request (probe.liveness), browsers never do."""


def refuse_block(address: str, ssl: bool) -> str:
    if ssl:
        return (f"server {{ listen {address} ssl default_server; ssl_reject_handshake on; }} "
                f"(nginx 1.19.4 or later)")
    return f"server {{ listen {address} default_server; return 444; }}"


SAME_LISTEN = ("write its listen as the server blocks of that port write theirs ('nginx -T' "
               "shows them): the port alone where they listen on the port alone, their "
               "address and port where they name one; a block on ADDRESS:PORT takes every "
               "connection to ADDRESS from the blocks on the port alone")


def refuse_unread(port: int | str, ssl: bool) -> str:
    """The refusing block without the configuration: the port alone, and what to check."""
    return f"{refuse_block(str(port), ssl)} ({SAME_LISTEN})"


def strip_prefix(mount: str, *, regex_location: bool) -> str:
    """The words that make nginx pass ``mount``/x on as /x."""
    if regex_location:
        return (f"strip the prefix with 'rewrite ^{re.escape(mount)}/(.*)$ /$1 break;' before "
                f"proxy_pass (a location given by a regular expression takes no URI part in "
                f"proxy_pass: nginx -t refuses it)")
    return "let proxy_pass strip the prefix (a URI part such as '/')"


ONLY_NAME = ("where it is the line's only name, write 'server_name \"\";' in place of the line, "
             "or remove that server block: a server_name line with no name fails 'nginx -t'")
"""What a name taken out of a server_name line not read leaves, said with the removal."""


def name_removed(name: str, where: str, on_line: list[str], empty: str | None = None) -> str:
    """How to take ``name`` (as written) out of the server_name line at ``where``, whose names
    as written are ``on_line``: a line left with no name is refused by nginx, so it is
    replaced by the empty name; unless ``empty`` says who has that name on the address
    (:func:`probe.nginx.claims.empty_taken`): then the block is removed."""
    rest = [n or '""' for n in on_line if n.lower() != name.lower()]
    if rest:
        left = " ".join(rest)
        return f"remove {name} from the server_name at {where} (leaving 'server_name {left};')"
    if empty is not None:
        # no server_name line gives the empty name too: only removing the block is silent
        return (f"remove the server block whose server_name is at {where} ({name} is its only "
                f"name, so nothing else reaches it; 'server_name \"\";' in its place, or no "
                f"server_name line, would give it the empty name, and {empty}: 'nginx -t' "
                f"would warn \"conflicting server name \"\" ... ignored\")")
    return (f"write 'server_name \"\";' in place of the server_name at {where} ({name} is its "
            f"only name, and a server_name line with none fails 'nginx -t': \"invalid number "
            f"of arguments\"), or remove that server block if nothing should reach it")
