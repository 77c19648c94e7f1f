"""nginx's catch-all server blocks, for ``probe discover``: which ``server_name`` is no host a
client sends, and which address gets a ``[refuse]`` URL.

``server_name _`` is, in nginx's words, "just one of a myriad of invalid domain names which
never intersect with any real name" (``--`` and ``!@#`` serve alike): a URL
``http://_:PORT/`` reaches the block only as the default server, and Django refuses the host
(``host_rejected`` with "Add '_' to ALLOWED_HOSTS", tester t-disc21, gunicorn-socket), so it
gets a comment, not a URL. A default block written as a catch-all (``listen ...
default_server; server_name _;``) that serves an application or files is meant to answer
every name (Taiga's production site, taiga-vagrant): a ``[refuse]`` URL there would make every
sweep of it critical, so it is written commented out with the reason, as Apache's discover
does for its single site. A default block that is merely the first site (it names a real
host) keeps its ``[refuse]`` URL: there lint's ``nginx_no_refusing_default`` speaks. So does a
default block that refuses: a ``return`` (444) at its top or for ``/``, or on an address that
speaks TLS, ``ssl_reject_handshake on`` (its own, else the http level's), which ends every
handshake it gets with an ``unrecognized_name`` alert: the sweep judges that refused.

The URL's scheme and port are the address's: ``https`` where a ``listen`` of it has ``ssl``
(nginx speaks TLS on the whole address then), so no URL is written, or advised, that nothing
there serves (``http://`` to a TLS port gets nginx's 400, tester R36).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from probe.discover.discovery import Url
from probe.discover.manifest_text import UNKNOWN_HOST
from probe.nginx.claims import main_pass
from probe.nginx.model import Listen, NginxModel, Server
from probe.nginx.select import choose_location
from probe.nginx.text import Directive
from probe.nginx.tls_site import server_lines

# a name a client can send as Host: letters, digits, dots and dashes, one letter or digit
_HOST = re.compile(r"(?=.*[A-Za-z0-9])[A-Za-z0-9.-]+")


def no_host(name: str) -> bool:
    """``_``, ``--``, ``!@#``: a name no request carries (``""`` is nginx's no-Host name)."""
    return not name.startswith(("~", "*", ".")) and not name.endswith("*") \
        and _HOST.fullmatch(name) is None


def catch_all_said(server: Server, name: str, where: str) -> str:
    return (f"server_name {name} at {where}: no host name a client sends, so no URL is "
            f"written for it ({server.describe()} is a catch-all: it answers only names "
            f"no other server_name claims; add the host names its clients use by hand)")


def written_listens(model: NginxModel) -> dict[str, str]:
    """Each ``listen`` line as its file writes it, by FILE:LINE, for the comments."""
    return {d.where: " ".join(("listen", *d.args)) for d in _walk(model.text.directives)
            if d.name == "listen"}


def _walk(directives: tuple[Directive, ...]) -> Iterator[Directive]:
    for d in directives:
        yield d
        yield from _walk(d.block or ())


@dataclass
class UnknownNames:
    """What discover writes about unknown host names, for each TCP address."""

    urls: list[Url] = field(default_factory=list)  # the [refuse] URLs
    said: list[str] = field(default_factory=list)  # why an address shared by several has none
    advised: list[str] = field(default_factory=list)  # the URL that would check one without


def refuse(model: NginxModel) -> UnknownNames:
    """The ``[refuse]`` URLs; for each address shared by several blocks whose default is a
    catch-all serving something on purpose, the comment that replaces its URL; and for every
    address without one, the URL that would check it."""
    blocks: dict[str, list[tuple[Server, Listen]]] = {}
    for server in model.servers:
        for listen in server.listens:
            blocks.setdefault(listen.address, []).append((server, listen))
    written = written_listens(model)
    rejects = server_lines(model, "ssl_reject_handshake")
    found = UnknownNames()
    for address, here in blocks.items():
        if address.startswith("unix"):
            continue
        url = unknown_url(here)
        if len(here) < 2:
            found.advised.append(url)
            continue
        lines = ", ".join(x.where for _, x in here)
        server, listen = next(((s, x) for s, x in here if x.default_server), here[0])
        reject = rejects.get(server.where) if url.startswith("https:") else None
        if reject is not None and [a.lower() for a in reject.args] == ["on"]:
            found.urls.append(Url(url, f"{len(here)} server blocks listen on {address} "
                                       f"({lines}); the one answering a name none of them "
                                       f"claims, {server.describe()}, ends the TLS handshake "
                                       f"of every name it gets (ssl_reject_handshake on at "
                                       f"{reject.where}): a name "
                                       f"none of them claims must be refused"))
            continue
        serves = _serves_on_purpose(model, server)
        if serves is None:
            found.urls.append(Url(url, f"{len(here)} server blocks listen on {address} "
                                       f"({lines}): a name none of them claims must be "
                                       f"refused"))
            continue
        found.advised.append(url)
        how = (f"'{written.get(listen.where, 'listen')}' at {listen.where}" if listen.default_server
               else f"first of them (none is default_server; {listen.where})")
        found.said.append(f"{len(here)} server blocks listen on {address} ({lines}); the one "
                          f"answering a name none of them claims, {server.describe()} ({how}), "
                          f"names no host and {serves}: a catch-all on purpose, so unknown host "
                          f"names are not checked (under [refuse], {url} would make every sweep "
                          f"of it critical; add it if that block should refuse them)")
    found.advised = list(dict.fromkeys(found.advised))
    return found


def unknown_url(here: Sequence[tuple[Server, Listen]]) -> str:
    """``http(s)://unknown.invalid[:PORT]/`` for one address: ``https`` where any of its
    ``listen`` lines has ``ssl`` (nginx ORs the flag over the lines of one address)."""
    tls = any(listen.ssl for _, listen in here)
    port = here[0][1].port
    return (f"{'https' if tls else 'http'}://{UNKNOWN_HOST}"
            f"{'' if port == (443 if tls else 80) else f':{port}'}/")


def _serves_on_purpose(model: NginxModel, server: Server) -> str | None:
    """What a default block written as a catch-all serves, said; None when it is a site
    (it names a host) or refuses (a ``return`` at its top or for ``/``)."""
    if server.names and not all(no_host(n) or n == "" for n, _ in server.names):
        return None
    if server.returns is not None:
        return None
    root = choose_location(server, "/").location
    if root is not None and root.returns is not None:
        return None
    passes = main_pass(model, server)
    if passes is not None:
        return f"serves an application ({passes})"
    return "serves files" + (f" ({root.describe()} at {root.where})" if root else "")
