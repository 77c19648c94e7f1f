"""VirtualHost addresses as httpd groups them: ``*``, ``_default_`` and ``0.0.0.0`` are one
wildcard host; a port may be any."""

from __future__ import annotations

from dataclasses import dataclass

_WILDCARD_HOSTS = {"*", "_default_", "0.0.0.0", "::", "[::]"}  # noqa: S104 - not a bind


@dataclass(frozen=True)
class Address:
    """A ``<VirtualHost>`` address. ``host`` is ``*`` for any address (``*``, ``_default_``,
    ``0.0.0.0``: httpd keeps them all on one list); ``port`` None means any port."""

    host: str
    port: int | None
    written: str

    def __str__(self) -> str:
        return self.written

    @property
    def set_name(self) -> str:
        """The address set as ``apachectl -S`` names it (``*:80`` for ``_default_:80``, an
        IPv6 address in brackets): written lines differ, httpd keeps one set."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{'*' if self.port is None else self.port}"

    def covers(self, other: Address) -> bool:
        """Whether every connection ``other`` matches also matches this address."""
        return (self.host in ("*", other.host)) and (self.port in (None, other.port))


def parse_address(text: str) -> Address:
    host, port = split_host_port(text)
    host = "*" if host.lower() in _WILDCARD_HOSTS else host.lower()
    return Address(host, int(port) if port and port.isdigit() else None, text)


def split_host_port(text: str) -> tuple[str, str | None]:
    if text.startswith("["):  # [::1]:80
        host, _, rest = text[1:].partition("]")
        return host, rest[1:] if rest.startswith(":") else None
    if text.count(":") > 1:  # a bare IPv6 address
        return text, None
    host, sep, port = text.partition(":")
    return host, port if sep else None
