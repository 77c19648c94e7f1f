"""The errors a user can cause. Each message is one line a person can act on.

The CLI prints ``str(error)`` and exits; it never shows a traceback for these.
"""

from __future__ import annotations


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
    """A request got no usable HTTP answer.

    ``kind`` is one of ``dns``, ``connect``, ``tls``, ``timeout``, ``protocol``
    (a hostile or broken server answer) or ``refused_by_peer`` (closed connection).
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
