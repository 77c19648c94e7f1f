"""How a name to refuse is refused, worded for the front the answer's Server header names,
without the front's configuration (docs/verdicts.md: the fix is the front's, nginx's or
Apache's, and both where the header names neither).

nginx refuses names no ``server_name`` claims with a default server returning 444, written
with the listen form of the port's blocks (:func:`probe.nginx_snippets.refuse_unread`); Apache
with a first catch-all VirtualHost that denies all.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from probe.apache.names import default_port
from probe.diagnose.front_words import unread_front
from probe.model import Sample
from probe.nginx_snippets import refuse_unread

_APACHE_REFUSES = "a first catch-all VirtualHost that denies all"


def refuse_in_front(url: str, sample: Sample) -> str:
    """How the front the answer's Server header names refuses a name, without its
    configuration; both fronts where the header names neither."""
    parts = urlsplit(url)
    port = (sample.address or "").rpartition(":")[2]
    port = port if port.isdigit() else str(parts.port or default_port(parts.scheme))
    nginx = (f"a default server that refuses names no server_name claims, "
             f"{refuse_unread(port, parts.scheme == 'https')}; if a server_name claims the "
             f"name (a wildcard or regular expression: 'nginx -T' shows it, probe sweep "
             f"--config names the line), narrow it instead")
    server = (sample.server or "").strip()
    other = unread_front(server)
    if other is not None:
        # a front whose configuration is not read: its own words, no Apache or nginx ones
        return (f"Refuse this host name in {other.name}, the front that answered "
                f"({other.seen}): {other.refuse(port)}")
    if server.lower().startswith("nginx"):
        return f"Refuse this host name in nginx (Server: {server}): {nginx}"
    if server.lower().startswith("apache"):
        return f"Refuse this host name in Apache (Server: {server}): {_APACHE_REFUSES}"
    seen = f"Server: {server}" if server else "no Server header"
    return (f"Refuse this host name in the front that answered, which the answer does not name "
            f"({seen}): in nginx, {nginx}; in Apache, {_APACHE_REFUSES}")
