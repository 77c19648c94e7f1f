"""Whether the answers show a proxy in front of the application server, whatever the front:
a front's own Server header (not an application server's: Apache's mod_proxy passes its
backend's on, HAProxy adds none), the application server listening elsewhere than the
address the request went to (``server.listen``), or a forwarded Host that arrived
(``request.forwarded_host``). mod_wsgi answers from inside Apache: none of this applies.

Used where a verdict or its words depend on something in between: a stripped mount is a
proxy's doing, and a name to refuse is refused by the front that was seen, not by one to add.
"""

from __future__ import annotations

from dataclasses import dataclass

from probe.diagnose.fronts import (
    APP_SERVERS,
    listen,
    mod_wsgi,
    same_listen,
    server_header,
    software,
)
from probe.endpoint_answer import EndpointAnswer
from probe.model import Evidence, EvidenceKind, Observation


@dataclass(frozen=True, slots=True)
class ProxySeen:
    name: str | None
    """The front's name from its Server header (``Apache``, ``nginx``); None: unnamed."""
    evidence: tuple[Evidence, ...]
    """What showed it, each an observed field of the answer."""

    @property
    def words(self) -> str:
        """The front as the explanation names it."""
        return f"the front in between ({self.name}, its Server header)" if self.name else \
            "the front in between"


def _address(obs: Observation) -> str | None:
    return obs.target.address or next((s.address for s in reversed(obs.samples)
                                       if s.address), None)


def proxy_seen(obs: Observation, answer: EndpointAnswer) -> ProxySeen | None:
    """The proxy the answers show in front of ``answer``'s server, or None."""
    if mod_wsgi(answer):
        return None
    sent = f"GET {obs.target.url}"
    found: list[Evidence] = []
    header = server_header(obs)
    # The application server's own header (its product, as server.software names it) is no
    # front: wsgiref, hypercorn and the like are not in APP_SERVERS.
    own = (software(answer) or "").split("/")[0].split(" ")[0].lower()
    named = header is not None and not header.lower().startswith(APP_SERVERS) and \
        not (own and header.lower().split("/")[0].split(" ")[0] == own)
    if named:
        found.append(Evidence(EvidenceKind.OBSERVED, f"Server: {header}", sent))
    at, address = listen(answer), _address(obs)
    if at and address and not same_listen(at, address):
        found.append(Evidence(EvidenceKind.OBSERVED, f"server.listen = {at!r} while the "
                              f"request went to {address}", sent))
    if answer.forwarded_host:
        found.append(Evidence(EvidenceKind.OBSERVED,
                              f"request.forwarded_host = {answer.forwarded_host!r}", sent))
    if not found:
        return None
    name = (header or "").split("/")[0].split(" ")[0] if named else None
    return ProxySeen(name or None, tuple(found))
