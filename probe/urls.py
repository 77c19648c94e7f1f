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


def split_usual(url: str) -> tuple[str, str, str] | None:
    """Scheme, netloc and path of the usual URL of a sweep (``http://`` or ``https://``, no
    query or fragment), as :func:`urllib.parse.urlsplit` gives them, without its cost; None
    for any other URL (then split it). Every URL of a sweep is split several times. A netloc
    urlsplit refuses (``http://[``) is not looked at: the manifest checks URLs first."""
    if "?" in url or "#" in url:
        return None
    if url.startswith("http://"):
        scheme, start = "http", 7
    elif url.startswith("https://"):
        scheme, start = "https", 8
    else:
        return None
    slash = url.find("/", start)
    if slash < 0:
        return scheme, url[start:], ""
    return scheme, url[start:slash], url[slash:]
