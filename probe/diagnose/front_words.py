"""The front a Server header names, and its words where a fix or check names that front.

Apache httpd and nginx are the fronts whose configuration this tool reads (``--config``):
their words are their own (VirtualHost, ``server_name``, ``apachectl -S``, ``nginx -T``).
Any other front a Server header names (Caddy, lighttpd, HAProxy, Envoy, ...) is worded with
what was seen and, in neutral words, where in that front's configuration to look: never an
Apache or nginx directive, command or file name, and never ``--config``, which refuses its
files (tester T35: Caddy 2.6.2 was told nginx's ``return 444`` and ``apachectl -S``).

Caddy writes its own ``Server: Caddy`` and passes the application server's on after it, so
the answer holds two Server headers, which the transport joins (``Caddy, waitress``); the
front is the first entry that names a front's product. Where no header names a front
(lighttpd passes gunicorn's on and adds none), the answer to the ``.invalid`` request at the
same address may (lighttpd's own 404 says ``Server: lighttpd/1.4.69``): :func:`front_at`.
"""

from __future__ import annotations

from dataclasses import dataclass

FRONT_PRODUCTS = frozenset({
    "nginx", "openresty", "apache", "haproxy", "caddy", "envoy", "istio-envoy", "traefik",
    "varnish", "lighttpd", "h2o", "cloudflare", "microsoft-iis"})
"""Products of a Server header that are fronts (reverse proxies, web servers before an
application server), compared as an entry's first word before any ``/``."""

READ = ("apache", "nginx")
"""The fronts whose configuration ``--config`` reads."""

_NAMES = {"caddy": "Caddy", "lighttpd": "lighttpd", "haproxy": "HAProxy", "envoy": "Envoy",
          "istio-envoy": "Envoy", "traefik": "Traefik", "varnish": "Varnish",
          "microsoft-iis": "IIS", "cloudflare": "Cloudflare", "openresty": "OpenResty"}


def entries(header: str | None) -> list[str]:
    """A Server header's values: the transport joins repeated headers with ", " (Caddy's
    and its backend's); a comma inside a comment, ``(Debian, x)``, splits nothing."""
    found, depth, start, text = [], 0, 0, header or ""
    for i, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if char == "," and depth <= 0:
            found.append(text[start:i])
            start = i + 1
    found.append(text[start:])
    return [entry.strip() for entry in found if entry.strip()]


def product(entry: str | None) -> str:
    """``nginx`` of ``nginx/1.22.1``, ``caddy`` of ``Caddy``: lowercased."""
    return (entry or "").strip().split("/")[0].split(" ")[0].lower()


@dataclass(frozen=True, slots=True)
class NamedFront:
    """A front a Server header names."""

    product: str
    """Lowercased: ``caddy``, ``lighttpd``, ``nginx``, ``apache``."""
    header: str
    """The Server header as seen (both values where the front passed its backend's on)."""

    @property
    def name(self) -> str:
        return _NAMES.get(self.product, "Apache" if self.product == "apache" else self.product)

    @property
    def read(self) -> bool:
        """Whether ``--config`` reads this front's configuration."""
        return self.product in READ

    @property
    def seen(self) -> str:
        return f"Server: {self.header}"

    def site(self, host: str) -> str:
        """The part of its configuration that takes ``host``, in neutral words."""
        if self.product == "caddy":
            return f"the site in Caddy's configuration that serves {host}"
        if self.product == "lighttpd":
            return f"the $HTTP[\"host\"] conditional of lighttpd's configuration for {host}"
        return f"the part of {self.name}'s configuration that takes {host}"

    @property
    def shows(self) -> str:
        """The command that prints the configuration as the front reads it (checked: Caddy
        2.6.2's adapt prints each site's host matcher; lighttpd 1.4.69's -p each
        conditional), or where to look."""
        if self.product == "caddy":
            return ("'caddy adapt --config FILE' prints the sites Caddy reads, each with the "
                    "host names it matches")
        if self.product == "lighttpd":
            return ("'lighttpd -p -f FILE' prints the configuration as lighttpd reads it, "
                    "each $HTTP[\"host\"] conditional with its name")
        return f"{self.name}'s configuration shows it"

    @property
    def unread(self) -> str:
        """Why no ``--config`` is offered."""
        return (f"this tool does not read {self.name}'s configuration (probe sweep --config "
                f"reads Apache's and nginx's only)")

    def refuse(self, port: str) -> str:
        """How it refuses a name none of its sites serves, without its configuration."""
        if self.product == "caddy":
            # T35: this site beside the named ones made unknown.invalid ok; Caddy 2.6.2's
            # parser refuses it written on one line ("Unexpected '}'")
            return (f"give Caddy a catch-all site for the port that refuses: the lines "
                    f"'http://:{port} {{', 'abort' and '}}', each on a line of its own (Caddy "
                    f"chooses a site that names the host before a catch-all)")
        if self.product == "lighttpd":
            return ("make lighttpd's answer outside every $HTTP[\"host\"] conditional a "
                    "refusal (it answers a Host no conditional names with its global "
                    "configuration)")
        return (f"make {self.name} refuse names none of its sites serves, in its "
                f"configuration ({self.unread})")

    @property
    def reload(self) -> str:
        """How the running front reads an edit of its configuration."""
        if self.product == "caddy":
            # 'caddy reload' posts to the admin endpoint: none with 'admin off' (R35 restarted)
            return ("then 'caddy reload --config FILE' (it needs Caddy's admin endpoint; "
                    "where the global options say 'admin off', restart Caddy instead)")
        return f"then have {self.name} read its configuration again"

    def prefix_header(self, mount: str, host: str, upstream: str | None) -> str:
        """The line that sends X-Forwarded-Prefix on the route that takes ``mount`` off."""
        if self.product == "caddy":
            to = f" (to {upstream}, server.listen)" if upstream else ""
            return (f"in {self.site(host)}, inside the reverse_proxy{to} of the route that "
                    f"takes {mount} off the path ('handle_path {mount}/*', or 'uri "
                    f"strip_prefix {mount}'), add the line 'header_up X-Forwarded-Prefix "
                    f"{mount}' (a reverse_proxy written on one line gets a block: ' {{' at "
                    f"its end, that line, then '}}' on a line of its own), {self.reload}")
        return (f"make {self.name} send the header 'X-Forwarded-Prefix: {mount}' on the "
                f"requests of the route that takes {mount} off the path, in {self.site(host)} "
                f"({self.unread}), {self.reload}")

    def pass_host(self, host: str | None = None) -> str:
        """The fix for a Host it did not pass on (the application received another)."""
        where = self.site(host or "this URL")
        if self.product == "caddy":
            # T35: removing 'header_up Host {upstream_hostport}' made the Host the client's
            return (f"Caddy's reverse_proxy passes the client's Host by default: remove the "
                    f"'header_up Host ...' line (or whatever sets Host) from the "
                    f"reverse_proxy of {where}.")
        return (f"Make {self.name} pass the client's Host on: what sets the Host it sends is "
                f"in {where} ({self.unread}).")


def named_front(header: str | None) -> NamedFront | None:
    """The front a Server header names (its first value that is a front's product)."""
    for entry in entries(header):
        if product(entry) in FRONT_PRODUCTS:
            return NamedFront(product(entry), (header or "").strip())
    return None


def unread_front(header: str | None) -> NamedFront | None:
    """The front a Server header names where its configuration is not one this tool reads
    (Caddy, lighttpd, HAProxy, ...); None for Apache, nginx, or no front named."""
    front = named_front(header)
    return front if front is not None and not front.read else None
