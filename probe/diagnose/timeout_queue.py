"""The fix for requests that timed out: how many of the sweep's own requests were in flight
to the address at once, the timeout, and the check that tells a slow server from the
sweep's own queue.

A tester's fleet member took 1.5 s per request on 3 sync processes; a sweep of four
addresses at concurrency 32 sent it 8 at once, the last waited in its queue past the 5 s
timeout, and "too slow or stuck" was said, while at --concurrency 4 every request was
answered. The sweep knows its concurrency and how it shares it between addresses
(:func:`probe.addresses.concurrency_shares`); the server's workers only a sweep with fewer
requests at once tells. At a front whose answers came from several servers
(``server.listen``), the timed-out requests got no answer, so nothing says which of them
they went to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from probe.addresses import concurrency_shares
from probe.diagnose.answer_names import joined
from probe.diagnose.fronts import listening, same_listen
from probe.diagnose.identify import SweepContext
from probe.errors import ErrorKind
from probe.model import Observation

_SLOW = "the server or the network is too slow or stuck: check its load and logs"


@dataclass(frozen=True)
class _At:
    """What the sweep sent to one address and what came back."""

    share: int
    """Its share of the concurrency."""
    sent: int
    listens: dict[str, str]
    """Where the answers that came from there listen (as listen addresses compare) -> as
    said (``server.listen X``, ``process_group 'X'``)."""
    timed_out: int


def _per_address(context: SweepContext) -> dict[str | None, _At]:
    """Address -> what was sent there and answered, built once per sweep."""
    found = cast("dict[str | None, _At] | None", context.memo.get(("timeout-queue", "")))
    if found is not None:
        return found
    sent: dict[str | None, int] = {}
    late: dict[str | None, int] = {}
    listens: dict[str | None, dict[str, str]] = {}
    for obs in context.observations:  # in sweep order: the order the shares are given in
        sent[obs.target.address] = sent.get(obs.target.address, 0) + len(obs.samples)
        late[obs.target.address] = late.get(obs.target.address, 0) + sum(
            s.error_kind is ErrorKind.TIMEOUT for s in obs.samples)
        seen = listens.setdefault(obs.target.address, {})
        for sample in obs.samples:
            answer = sample.trusted_answer
            where = None if answer is None else listening(answer)
            if where is not None:  # keyed as listen addresses compare, said as answered
                seen.setdefault(where.address, f"{where.field} {where.value}")
    shares = concurrency_shares(len(sent), context.manifest.probe.concurrency)
    found = {address: _At(share, count, listens[address], late[address])
             for share, (address, count) in zip(shares, sent.items(), strict=True)}
    context.memo[("timeout-queue", "")] = found
    return found


def timeout_fix(obs: Observation, context: SweepContext) -> str:
    """The words for this URL's requests that timed out at its address."""
    address = obs.target.address
    every = _per_address(context)
    here = every.get(address, _At(1, len(obs.samples), {}, 0))
    share, sent = here.share, here.sent
    addresses = len(every)
    concurrency = context.manifest.probe.concurrency
    where = address or next((s.address for s in reversed(obs.samples) if s.address),
                            "the server")
    how = f"concurrency {concurrency}" + (
        f", shared between the sweep's {addresses} addresses" if addresses > 1 else "")
    timeout = f"each given {context.manifest.probe.timeout:g} s (timeout)"
    at_once = min(share, sent)
    if at_once <= 1:
        words = (f"Only one of this sweep's requests at a time was in flight to {where} "
                 f"({how}), {timeout}: no queue of the sweep's own at this address; {_SLOW}.")
    else:
        words = (f"Up to {at_once} of this sweep's requests were in flight to {where} at once "
                 f"({how}; {sent} requests sent there), {timeout}: an application server "
                 f"with fewer workers than {at_once} queues the rest, and a request's wait in "
                 f"its queue counts toward its timeout. Sweep again with --concurrency "
                 f"{addresses} (one request at a time per address) or --samples 1 and "
                 f"compare: requests that are then answered timed out in the sweep's own "
                 f"queue; requests that still time out show that {_SLOW}.")
    if address is not None and _behind(address, here.listens):
        words += " " + _servers(where, here.listens, every)
    return words


def _behind(address: str, listens: dict[str, str]) -> bool:
    """Whether the answers at ``address`` came from servers that listen elsewhere (a front)."""
    return len(listens) > 1 or any(not same_listen(a, address) for a in listens)


def _servers(where: str, listens: dict[str, str], every: dict[str | None, _At]) -> str:
    """The servers the answers at a front came from, and the sweep's other addresses none of
    them came from (with what the sweep's own requests to them got): the timed-out requests
    got no answer, so which server they went to is for the check named to tell."""
    said = list(listens.values())
    named = (f"server.listen {joined([s.removeprefix('server.listen ') for s in said])}"
             if all(s.startswith("server.listen ") for s in said) else joined(said))
    count = f"{len(said)} server{'s' if len(said) > 1 else ''}"
    words = (f"The answers at {where} came from {count} ({named}); the timed-out requests "
             f"got no answer, so the answers cannot tell which server they went to.")
    direct = [(a, at) for a, at in every.items()
              if a is not None and a != where and not _behind(a, at.listens)]
    others = [(a, at) for a, at in direct if not any(
        same_listen(a, x) or any(same_listen(y, x) for y in at.listens) for x in listens)]
    slow = [f"{a}: {at.timed_out} of {at.sent}" for a, at in direct
            if at.timed_out and (a, at) not in others]
    if slow:  # a server that answered here and also timed out at its own address
        which = "that server at its" if len(slow) == 1 else "those servers at their"
        words += (f" The sweep's requests to {which} own address timed out too "
                  f"({'; '.join(slow)}).")
    if not others:
        return words + ("" if slow else
                        " A sweep of each member's own address tells which is slow.")
    parts = []
    for address, at in others:
        own = f" ({joined(list(at.listens.values()))})" if at.listens else ""
        got = (f"{at.timed_out} of the {at.sent} requests sent to it timed out" if at.timed_out
               else f"none of the {at.sent} requests sent to it timed out")
        parts.append(f"{address}{own}: {got}")
    one = len(others) == 1
    return (words + f" None of the answers at {where} came from the sweep's other "
            f"address{'' if one else 'es'} (connect) {'; '.join(parts)}. Whether "
            f"{'it is a member' if one else 'they are members'} behind {where}, and so where "
            f"the timed-out requests may have gone, the answers cannot tell: the front's "
            f"configuration does (sweep with --config, or read its upstream or "
            f"BalancerMember lines), and the requests sent to each member's own address "
            f"tell which is slow.")
