"""Host-name matching as httpd does it, the one implementation shared by the model, lint,
discover and the lab.

httpd's ``matches_aliases()`` (server/vhost.c) compares the request's host name with the
ServerName, then the plain ServerAlias names (``strcasecmp``), then the wildcard ones with
``ap_strcasecmp_match()``: ``*`` is any run of characters, ``?`` one character, and nothing
else is special (unlike ``fnmatch``, ``[...]`` is not a character class).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from functools import cache


class MatchedBy(StrEnum):
    """Which rule gave a request its virtual host."""

    SERVER_NAME = "ServerName"
    SERVER_ALIAS = "ServerAlias"
    DEFAULT = "first VirtualHost (no ServerName/ServerAlias matched)"


def is_wildcard(name: str) -> bool:
    return "*" in name or "?" in name


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL)


def wildcard_matches(pattern: str, hostname: str) -> bool:
    """``ap_strcasecmp_match(hostname, pattern) == 0``."""
    return _pattern(pattern).fullmatch(hostname) is not None


def name_matches(server_name: str | None, aliases: Iterable[str],
                 hostname: str) -> MatchedBy | None:
    """How ``hostname`` matches a VirtualHost's names, in httpd's order; None if not."""
    if server_name is not None and hostname.lower() == server_name.lower():
        return MatchedBy.SERVER_NAME
    names = tuple(aliases)
    if any(not is_wildcard(a) and hostname.lower() == a.lower() for a in names):
        return MatchedBy.SERVER_ALIAS
    if any(is_wildcard(a) and wildcard_matches(a, hostname) for a in names):
        return MatchedBy.SERVER_ALIAS
    return None
