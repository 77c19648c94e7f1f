"""What goes on the wire for a URL: its ASCII form, the address it connects to, header lines.

Kept apart from the event loop in probe.transport: these are pure functions of a URL and the
``--connect`` address, tested on their own (IDN hosts, credentials, IPv6 brackets).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlsplit

from probe.errors import ErrorKind, ProbeError, TransportError
from probe.urls import public_url


def connect_to(host: str, port: int | None) -> str:
    return f"::{bracketed(host)}:{port or ''}"


def ascii_url(url: str) -> str:
    """The URL as sent: an IDN host in IDNA (punycode), a non-ASCII path percent-encoded.

    Raises TransportError for what cannot be sent: credentials (a probe is not
    logged in; they would travel in clear text) and host names that are not IDNA.
    """
    if url.isascii() and "@" not in url:
        return url  # the common case, without parsing
    parts = urlsplit(url)
    if "@" in parts.netloc:
        raise TransportError(
            ErrorKind.CONNECT, f"{public_url(url)}: the URL carries user:password@; wsgi-probe "
            "does not send credentials, remove them")
    if url.isascii():
        return url
    host = parts.hostname or ""
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise TransportError(ErrorKind.DNS, f"{url}: host name {host!r} is not a valid "
                             f"internationalised name: {exc}") from None
    netloc = bracketed(ascii_host) + (f":{parts.port}" if parts.port else "")
    safe = "/%:@!$&'()*+,;=-._~"
    return parts._replace(netloc=netloc, path=quote(parts.path, safe=safe),
                          query=quote(parts.query, safe=safe + "?")).geturl()


def address(url: str, connect: tuple[str, int | None] | None) -> str:
    """``host:port`` a request for ``url`` connects to (the --connect one, if given)."""
    parts = urlsplit(url)
    try:
        own_port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        own_port = 0
    host, port = connect if connect else (parts.hostname or "", own_port)
    return f"{bracketed(host)}:{port or own_port}"


def literal_address(url: str) -> str | None:
    """``ip:port`` of a URL whose host is an IP address (no DNS chooses it), else None."""
    from ipaddress import ip_address  # only for URLs without an answer saying its address

    try:
        host = urlsplit(url).hostname or ""
        ip_address(host)
    except ValueError:
        return None
    return address(url, None)


def bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def header_lines(headers: Mapping[str, str], what: str) -> list[bytes]:
    lines = []
    for name, value in headers.items():
        if any(c in f"{name}{value}" for c in "\r\n\0") or not name.isascii() or ":" in name:
            raise ProbeError(f"{what} cannot be sent: a line break, NUL or bad header name")
        lines.append(f"{name}: {value}".encode())
    return lines


def without_sni(url: str, connect: tuple[str, int | None],
                 headers: Mapping[str, str]) -> tuple[str, Mapping[str, str]]:
    parts = urlsplit(url)
    host, port = connect
    netloc = f"{bracketed(host)}:{port or parts.port or 443}"
    return parts._replace(netloc=netloc).geturl(), {**headers, "Host": parts.netloc}
