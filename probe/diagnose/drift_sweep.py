"""What changed during a sweep that gives ``code_drift``'s two versions without a deploy
problem: a socket reloaded (its older code's answers all before the newer's, :mod:`.reloaded`),
or a front that switched its upstream from one server to another.

The second is tester T29's blue/green layout: nginx's upstream switched from blue (r1) to green
(r2) and reloaded while a sweep ran; its old worker finished its keep-alive connections to blue,
so one sweep had answers of both, every one reached through the one front address. The finding
said a deploy missed a server, sent HUP to blue's master (which changes nothing) and asked for
one version on every server (which destroys the rollback colour). What the answers show is that
every server was reached only through one address that is none of theirs (``server.listen``, or
an express daemon group's ``HOST:PORT``, against the address probed): a front decided which
server answered, and a switch of its upstream gives the same answers as drift behind it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from probe.diagnose.fronts import listening, same_listen
from probe.diagnose.reloaded import answered_at, reloaded
from probe.endpoint_answer import EndpointAnswer

Socket = tuple[str, str, str]
"""A listening socket as the answers and the sweep say it: machine, server.listen, address."""

Reach = tuple[str | None, bool]
"""An address probed, and whether the answer's server listens elsewhere (reached through it)."""

_FAR = datetime.max.replace(tzinfo=UTC)


def reach(answer: EndpointAnswer, probed: str | None) -> Reach:
    """How the sweep reached ``answer``'s server: through ``probed`` where the server says
    it listens at another address, else directly (or the answer does not say)."""
    at = listening(answer)
    return probed, at is not None and probed is not None and not same_listen(at.address, probed)


def one_front(reached: Iterable[Reach]) -> str | None:
    """The one front address every server of an instance was reached through, none of them
    probed at its own; None where any was probed directly, said no address, or there were
    several."""
    seen = set(reached)
    if len(seen) != 1:
        return None
    ((address, through),) = seen
    return address if through else None


def reloads(sockets: dict[Socket, list[EndpointAnswer]]) -> dict[Socket, tuple[str, str]]:
    """Per socket reloaded during the sweep (:mod:`.reloaded`): its older code.version and
    the words for it."""
    found = {}
    for socket, answers in sockets.items():
        codes: dict[str, list[EndpointAnswer]] = {}
        for answer in answers:
            codes.setdefault(answer.code_version or "", []).append(answer)
        if len(codes) != 2:
            continue
        old, new = sorted(codes.values(), key=lambda group: min(
            (answered_at(a) or _FAR) for a in group))
        text = reloaded(old, new)
        if text is not None:
            found[socket] = (old[0].code_version or "", text)
    return found
