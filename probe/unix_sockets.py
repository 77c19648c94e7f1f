"""A ``unix:`` socket address in one form, wherever nginx's configuration and the endpoint's
``server.listen`` are compared.

nginx takes what follows ``unix:`` as the path and the system resolves it, so the uWSGI
tutorial's ``server unix:///path/mysite.sock;`` reaches the socket that uWSGI reports as
``unix:/path/mysite.sock``: written differently, one socket. Leading slashes are collapsed
(:func:`posixpath.normpath` keeps two) and the rest of the path normalised; anything that is
not a ``unix:`` address is returned as it is.
"""

from __future__ import annotations

import posixpath

PREFIX = "unix:"


def normal_unix(address: str) -> str:
    """``unix:///run//a.sock`` -> ``unix:/run/a.sock``; other addresses unchanged."""
    if not address.startswith(PREFIX):
        return address
    path = address[len(PREFIX):]
    if not path:
        return address
    absolute = path.startswith("/")
    path = posixpath.normpath("/" + path.lstrip("/") if absolute else path)
    return PREFIX + path
