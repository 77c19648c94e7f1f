"""Where a command would send the probe token unprotected, said before any request.

Three ways, each one warning line (``probe sweep`` on stderr, ``probe check`` in its long
output, ``probe exporter`` in its log at start and at each reload):

- plain HTTP to an address that is not loopback: the token is in clear on the network.
  Operators on a private network do it on purpose, so it is said, not refused;
- HTTPS without SNI (``--no-sni``, ``sni = false``): libcurl checks a certificate's name only
  against the host it connects to (``CURLOPT_SSL_VERIFYHOST``), which without SNI is the
  ``connect`` IP address, so the check is off and no name is verified before the request,
  token included, goes out. That is refused (:func:`refuse_unverified`) unless the user
  opts in with ``--send-token-unverified`` (``send_token_unverified = true``; ``probe check``
  and ``probe exporter`` take only the manifest key, and their refusal names it);
- a token file every user of the machine may read (``o+r``) or write (``o+w``): said, as
  ``probe endpoint --install`` refuses one, in its words (the probe keeps reading it: a
  monitoring set-up that worked yesterday does not stop).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Set as AbstractSet
from urllib.parse import urlsplit

from probe.errors import ManifestError
from probe.manifest import Manifest

MAX_NAMED = 5
"""Addresses a warning names before it counts the rest."""

OPT_IN = "--send-token-unverified (send_token_unverified = true in [probe])"
"""The opt-in as ``probe sweep`` takes it."""
MANIFEST_OPT_IN = "send_token_unverified = true in the manifest's [probe]"
"""The opt-in as ``probe check`` and ``probe exporter`` take it: they have no such option."""


def token_exposure(manifest: Manifest, token: str | None) -> list[str]:
    """One warning line for each way ``manifest``'s requests would carry ``token``
    unprotected (none without a token)."""
    if not token:
        return []
    clear, tls = _addresses(manifest)
    lines = []
    readable = world_readable(manifest.probe.token_file)
    if readable:
        lines.append(readable)
    if clear:
        lines.append(f"the probe token is sent in clear text (http) to {_named(clear)}")
    if tls and not manifest.probe.sni:
        lines.append("--no-sni: no certificate name is checked before the probe token is sent "
                     f"(to {_named(tls)}): any server there with a certificate your CA "
                     "bundle trusts, for whatever name, receives it")
    return lines


def world_readable(path: str | None) -> str | None:
    """The warning for a token file every user may read or write; None for any other (or
    none)."""
    if not path:
        return None
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except (OSError, ValueError):
        return None  # read already (probe.credentials): gone since, nothing to say of it
    if mode & stat.S_IWOTH:
        # Anyone may also set the token the endpoint trusts at its next start.
        what = "readable and writable" if mode & stat.S_IROTH else "writable"
        return (f"the token file {path} is {what} by every user (mode {mode:04o}): anyone "
                "may read or replace the token; 'chmod o-rw' it")
    if not mode & stat.S_IROTH:
        return None
    return (f"the token file {path} is readable by every user (mode {mode:04o}); "
            "'chmod o-r' it")


def refuse_unverified(manifest: Manifest, token: str | None, opt_in: str = OPT_IN) -> None:
    """ManifestError when ``token`` would go, without SNI, to a server whose certificate name
    nobody checked, and the user did not opt in: the safe choice is not to send it.
    ``opt_in`` names the opt-in the calling command takes."""
    if not token or manifest.probe.sni or manifest.probe.send_token_unverified:
        return
    tls = _addresses(manifest)[1]
    if tls:
        raise ManifestError(
            f"{manifest.source}: --no-sni (sni = false) with a probe token: no certificate "
            f"name would be checked before the token is sent to {_named(tls)}, so it is not "
            f"sent; probe without the token, or give {opt_in} to send it all the same")


def clear_addresses(manifest: Manifest) -> frozenset[str]:
    """The addresses, not loopback, the manifest's own requests send the token to over plain
    HTTP: what :func:`already_in_clear` compares with, computed once per manifest (the
    exporter's /probe asks it at every request)."""
    return frozenset(_addresses(manifest)[0])


def already_in_clear(clear: AbstractSet[str], url: str, connects: tuple[str, ...]) -> bool:
    """Whether a request for ``url`` sent to ``connects`` would put the token on the network
    in clear text nowhere the manifest's own requests do not (and the start-up warning does
    not name): HTTPS, or plain HTTP to loopback or to an address of ``clear`` (the manifest's
    :func:`clear_addresses`). Used for the exporter's /probe of a URL the manifest does not
    list."""
    from probe import wire
    from probe.addresses import split_connect

    if urlsplit(url).scheme != "http":
        return True
    where = [wire.address(url, split_connect(c, "connect")) for c in connects] or [
        wire.address(url, None)]
    return all(_loopback(w) or w in clear for w in where)


def _addresses(manifest: Manifest) -> tuple[list[str], list[str]]:
    """The addresses a sweep sends the token to over plain HTTP (not loopback), and over
    HTTPS, each once."""
    from probe import wire
    from probe.addresses import split_connect

    # dicts as ordered sets: a list's `in` made U distinct addresses cost U^2 to collect.
    clear: dict[str, None] = {}
    tls: dict[str, None] = {}
    for target in manifest.targets():
        scheme = urlsplit(target.url).scheme
        connects: list[tuple[str, int | None] | None] = [
            split_connect(c, "connect") for c in manifest.connects_for(target)] or [None]
        for connect in connects:
            where = wire.address(target.url, connect)
            if scheme == "http" and where not in clear and not _loopback(where):
                clear[where] = None
            if scheme == "https":
                tls[where] = None
    return list(clear), list(tls)


def _named(addresses: list[str]) -> str:
    shown = ", ".join(addresses[:MAX_NAMED])
    more = len(addresses) - MAX_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def _loopback(address: str) -> bool:
    """Whether ``HOST:PORT`` is a loopback address: 127.0.0.0/8, ::1 or localhost (a name
    another machine's DNS may answer is not), however written: ``localhost.``, IPv4-mapped
    ``::ffff:127.0.0.1``, and the forms the resolver reads as IPv4 (``127.1``,
    ``2130706433``, ``0x7f.1``), which libcurl connects to as such."""
    import re
    import socket
    from ipaddress import IPv4Address, IPv6Address, ip_address

    host = address.rpartition(":")[0].strip("[]").lower()
    name = host.removesuffix(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ip = ip_address(host)
    except ValueError:
        # inet_aton stops at white space and takes what precedes it: only a whole number form.
        if not re.fullmatch(r"[0-9a-fx.]+", host):
            return False
        try:
            ip = IPv4Address(socket.inet_aton(host))
        except OSError:
            return False
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback
