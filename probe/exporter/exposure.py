"""What the exporter gives away and to whom, said in one log line each at start (the token's
ways also after each reload of the manifest).

The exporter has no TLS and no authentication of its own: whoever reaches its port reads
``/`` and ``/metrics`` (every URL, its verdict, the answering instance's label, settings
module, process id and start time: what the endpoint itself answers only to the token) and
``/sd``, and has ``/probe`` send requests from this machine. Its default address is
loopback; a security tester (T37) listened on 0.0.0.0 and got no word of any of that. So
a listening address that is not loopback is said once, with what it exposes and how to
close it, as ``exporter_token_exposed`` says where the token goes unprotected.
"""

from __future__ import annotations

from ipaddress import ip_address

import structlog

from probe.manifest import Manifest
from probe.token_exposure import token_exposure

# Lazy: a .bind() here would freeze the configuration in force at import time.
log = structlog.get_logger("probe.exporter", component="exporter")

ANY_TARGET = "--probe-any-target"
"""The option that lets /probe send requests to any address and port a query names."""


def warn_exposure(manifest: Manifest, token: str | None) -> None:
    """One log line per way the sweeps send the token unprotected, at start and at each
    reload (what the manifest says then), as ``probe sweep`` says it on stderr."""
    for line in token_exposure(manifest, token):
        log.warning("exporter_token_exposed", manifest=manifest.source, warning=line)


def listen_exposure(bound_host: str, *, any_target: bool) -> str | None:
    """What listening on ``bound_host`` (the address bound, numeric) exposes, when it is not
    loopback; None on loopback, where only this machine's users reach the exporter."""
    try:
        if ip_address(bound_host.strip("[]")).is_loopback:
            return None
    except ValueError:  # not numeric (a name the server kept): not known to be loopback
        pass
    probes = ("/probe?target= sends requests from this machine to any address and port "
              f"({ANY_TARGET})" if any_target else
              "/probe?target= sends requests to the manifest's addresses and ports only")
    return ("the exporter has no TLS and no authentication: anyone who reaches this address "
            "reads /, /metrics and /sd (every URL, its verdict, the answering instance's "
            "label, settings module, pid and start time), and " + probes + "; listen on "
            "127.0.0.1 behind a proxy that authenticates, or let only Prometheus reach the "
            "port (a firewall)")


def warn_listening(bound_host: str, address: str, *, any_target: bool) -> None:
    """One ``exporter_exposed`` warning at start when the exporter listens beyond loopback."""
    said = listen_exposure(bound_host, any_target=any_target)
    if said is not None:
        log.warning("exporter_exposed", address=address, warning=said)
