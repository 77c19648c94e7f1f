"""What a finished libcurl request came to, read off its handle: the peer address, the TLS
certificate seen, and for a failed one, one line a person can act on with a kind for
diagnosis (probe.transport drives the requests; this reads their outcome)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from probe import wire
from probe.compact import keep
from probe.errors import ErrorKind
from probe.model import TlsInfo
from probe.urls import public_url

if TYPE_CHECKING:
    import pycurl

MAX_HEADER_LINES = 1000
"""More response header lines than this is a hostile answer, not a server's."""


class Attempt(Protocol):
    """One request's libcurl handle and what came of it (probe.transport's slot)."""

    curl: pycurl.Curl
    url: str
    lines: list[bytes]
    retried: bool

    def answer_block(self) -> bytes: ...


def peer(curl: pycurl.Curl) -> str | None:
    """The address libcurl connected to for the last request (after DNS or CONNECT_TO)."""
    import pycurl

    host = curl.getinfo(pycurl.PRIMARY_IP)
    port = curl.getinfo(pycurl.PRIMARY_PORT)
    # Once per distinct address, not once per answer: a sweep holds every URL's (probe.compact).
    return keep(f"{wire.bracketed(host)}:{port}") if host and port else None


def tls_info(slot: Attempt, sni: bool) -> TlsInfo | None:
    """The SNI sent and the leaf certificate libcurl saw (HTTPS only).

    A reused connection has no handshake, so no certificate: then only the SNI is known.
    """
    import pycurl

    if slot.url[:6].lower() != "https:":  # every answer passes here: no parsing for HTTP
        return None
    parts = urlsplit(slot.url)
    try:
        chain = slot.curl.getinfo(pycurl.INFO_CERTINFO) or []
    except pycurl.error:
        chain = []
    leaf = dict(chain[0]) if chain and isinstance(chain[0], list | tuple) else {}
    subject, issuer = leaf.get("Subject"), leaf.get("Issuer")
    names = tuple(
        name.strip()[4:] for name in str(leaf.get("X509v3 Subject Alternative Name", "")).split(",")
        if name.strip().startswith("DNS:")
    )
    return TlsInfo(sni=parts.hostname if sni else None,
                   subject=str(subject) if subject else None, names=names,
                   issuer=str(issuer) if issuer else None)


def too_many_headers(url: str) -> str:
    return (f"{public_url(url)}: answer with more than {MAX_HEADER_LINES} header lines "
            "or oversized headers")


def classify(slot: Attempt, code: int, message: str, max_body: int,
              connect: tuple[str, int | None] | None) -> tuple[ErrorKind, str]:
    """One line a person can act on, and a kind for diagnosis, from libcurl's error."""
    import pycurl

    curl = slot.curl
    url = public_url(slot.url)
    got_bytes = bool(slot.lines) or curl.getinfo(pycurl.SIZE_DOWNLOAD_T) > 0
    if code in (pycurl.E_FILESIZE_EXCEEDED, pycurl.E_WRITE_ERROR):
        return (ErrorKind.PROTOCOL, f"{url}: answer larger than {max_body} bytes")
    if code == _TOO_LARGE or slot.answer_block().count(b"\n") > MAX_HEADER_LINES:
        return (ErrorKind.PROTOCOL, too_many_headers(slot.url))
    if code == pycurl.E_OPERATION_TIMEDOUT:
        return (ErrorKind.TIMEOUT, f"{url}: timed out")
    if code == pycurl.E_COULDNT_RESOLVE_HOST:
        host = urlsplit(slot.url).hostname
        return (ErrorKind.DNS, f"{url}: host name {host!r} does not resolve")
    if code == pycurl.E_COULDNT_CONNECT:
        if curl.getinfo(pycurl.OS_ERRNO) == 111:  # ECONNREFUSED
            # The address, not the URL: with --connect the URL's host is not who refused.
            refused_by = wire.address(slot.url, connect)
            return (ErrorKind.CONNECT, f"{url}: connection refused by {refused_by}")
        return (ErrorKind.CONNECT, f"{url}: cannot connect: {message}")
    if code == _SSL_CONNECT_ERROR and any(sign in message for sign in _NOT_TLS_SIGNS):
        # Not a certificate problem: the server's first bytes were no TLS record at all.
        return (ErrorKind.NOT_TLS, f"{url}: the answer from {wire.address(slot.url, connect)} "
                                   f"was not TLS: {message}")
    if code in _TLS_ERRORS:
        return (ErrorKind.TLS, f"{url}: TLS failed: {message}")
    if code in (pycurl.E_GOT_NOTHING, pycurl.E_RECV_ERROR, pycurl.E_SEND_ERROR) and not got_bytes:
        again = " (on a new connection too: sent twice)" if slot.retried else ""
        return (ErrorKind.CLOSED, f"{url}: server closed the connection without answering{again}")
    if code == _WEIRD_SERVER_REPLY or "HTTP/0.9" in message:
        # Bytes came, but not HTTP: not a refusal by closing the connection.
        return (ErrorKind.PROTOCOL, f"{url}: the answer is not HTTP: {message}")
    if code in (pycurl.E_URL_MALFORMAT, pycurl.E_UNSUPPORTED_PROTOCOL):
        return (ErrorKind.CONNECT, f"{url}: cannot send this URL: {message}")
    return (ErrorKind.PROTOCOL, f"{url}: broken answer: {message}")


_TOO_LARGE = 100  # CURLE_TOO_LARGE (libcurl 8.6): response headers over its 300 kB limit
_WEIRD_SERVER_REPLY = 8  # CURLE_WEIRD_SERVER_REPLY; types-pycurl knows only its old name
_SSL_CONNECT_ERROR = 35
_NOT_TLS_SIGNS = ("wrong version number", "packet length too long")
"""OpenSSL's words for a first answer that is not a TLS record ("HTTP/1.1 400 ..." read as
one): the port speaks something else, most often plain HTTP."""
_TLS_ERRORS = frozenset({35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91, 98})
"""libcurl's SSL_* and PEER_FAILED_VERIFICATION error codes (stable numbers)."""
