"""A location that strips its prefix with ``proxy_pass``'s URI part and also sends that prefix
as a ``SCRIPT_NAME`` header: gunicorn, which takes the header as the request's SCRIPT_NAME
(``gunicorn/http/wsgi.py``), refuses every request whose path does not start with it, and
the path arrives without it ("Configuration problem: Request path '/hello/' does not start
with SCRIPT_NAME '/app1'", a 500 before the application runs). Read by lint's
``nginx_script_name_stripped`` and by the sweep's words for that 500 (tester T28's m2,
nginx 1.22 and gunicorn 27).
"""

from __future__ import annotations

from dataclasses import dataclass

from probe.nginx.model import Header, Location, NginxModel, ProxyPass


@dataclass(frozen=True)
class StrippedScriptName:
    """The two lines that contradict each other, and what the application server receives."""

    location: Location
    proxy: ProxyPass
    header: Header
    prefix: str  # the location's prefix without its trailing slash: /app1
    arrives: str  # what ``prefix/x`` arrives as: /x

    def whole(self) -> str:
        """The proxy_pass without its URI part: the path then arrives whole."""
        return f"proxy_pass {self.proxy.scheme}://{self.proxy.target};"


def stripped_script_name(loc: Location) -> StrippedScriptName | None:
    """The contradiction at ``loc``, when its URI part takes off a prefix its SCRIPT_NAME
    header names (the header's value a literal, no include left unread at its level)."""
    proxy = loc.proxy_pass
    header = loc.header_set.named("script_name")
    if proxy is None or proxy.uri is None or proxy.has_variables or header is None \
            or not header.where or loc.header_set.unread is not None \
            or loc.modifier not in ("", "^~"):
        return None
    value = header.value.strip("\"'")
    prefix = loc.pattern.rstrip("/")
    arrives = proxy.uri + "x" if loc.pattern.endswith("/") else proxy.uri + "/x"
    if not value or "$" in value or not prefix or not loc.pattern.startswith(value) \
            or arrives.startswith(value):
        return None
    return StrippedScriptName(loc, proxy, header, prefix, arrives.removesuffix("x"))


def at_location(model: NginxModel, where: str) -> StrippedScriptName | None:
    """The contradiction at the location written at ``where`` (a route's mapping step)."""
    return next((found for _, loc in model.locations() if loc.where == where
                 if (found := stripped_script_name(loc)) is not None), None)
