"""The errors a user can cause. Each message is one line a person can act on.

The CLI prints ``str(error)`` and exits; it never shows a traceback for these.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    """Why a request got no usable HTTP answer (``Sample.error_kind``, ``TransportError.kind``)."""

    DNS = "dns"
    CONNECT = "connect"
    TLS = "tls"
    NOT_TLS = "not_tls"
    """An https URL whose address answered, but not in TLS (a port that speaks plain HTTP)."""
    TIMEOUT = "timeout"
    PROTOCOL = "protocol"
    """A hostile or broken answer: not HTTP, oversized, too many headers, a status out of range."""
    CLOSED = "closed"
    """The server closed the connection without answering (counts as refused for [refuse])."""


class ProbeError(Exception):
    """Base of every error wsgi-probe reports to a user.

    The message is made one printable line here, once: it often quotes what a
    user or a server wrote (a TOML key with a line break, a header).
    """

    def __init__(self, message: object = "", *args: object) -> None:
        from probe.safe_text import one_line

        super().__init__(one_line(str(message), limit=None), *args)


class ManifestError(ProbeError):
    """The manifest cannot be read or does not say something valid.

    The message names the file and the key path, e.g.
    ``site.toml: instances.project-2.urls[1]: not an http(s) URL: 'site-2.example.com'``.
    """


class UsageError(ProbeError):
    """Bad command-line arguments (a URL, an address, a range)."""


class TransportError(ProbeError):
    """A request got no usable HTTP answer; ``kind`` says why (:class:`ErrorKind`)."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
