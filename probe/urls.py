"""URLs as wsgi-probe shows them to people and monitoring systems."""

from __future__ import annotations

from urllib.parse import urlsplit


def public_url(url: str) -> str:
    """The URL without ``user:password@``: credentials must not reach logs, TSDBs or pagers.

    Everything else is kept as written, so the URL still matches the manifest's.
    """
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
