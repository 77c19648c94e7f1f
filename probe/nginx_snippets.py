"""nginx lines that ``probe lint`` and ``probe sweep`` both propose, written once so that
the two say the same and what they say passes ``nginx -t`` (each checked with nginx 1.22 in
tests/integration/test_nginx_fix_apply.py).

* :func:`refuse_block`: the server block that refuses names no ``server_name`` claims. On a
  TLS address a block with ``listen ... ssl`` and no certificate fails ``nginx -t`` ("no
  ssl_certificate is defined for the listen ... ssl directive"); ``ssl_reject_handshake on``
  (nginx 1.19.4) needs none and refuses the handshake instead.
* :func:`strip_prefix`: how a location strips a mount prefix. A URI part in ``proxy_pass``
  is refused inside a location given by a regular expression, a named location and an
  ``if`` block ("cannot have URI part"); ``rewrite ... break`` strips it there.
"""

from __future__ import annotations

import re


def refuse_block(address: str, ssl: bool) -> str:
    if ssl:
        return (f"server {{ listen {address} ssl default_server; ssl_reject_handshake on; }} "
                f"(nginx 1.19.4 or later)")
    return f"server {{ listen {address} default_server; return 444; }}"


def strip_prefix(mount: str, *, regex_location: bool) -> str:
    """The words that make nginx pass ``mount``/x on as /x."""
    if regex_location:
        return (f"strip the prefix with 'rewrite ^{re.escape(mount)}/(.*)$ /$1 break;' before "
                f"proxy_pass (a location given by a regular expression takes no URI part in "
                f"proxy_pass: nginx -t refuses it)")
    return "let proxy_pass strip the prefix (a URI part such as '/')"
