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

from typing import cast

from probe.addresses import concurrency_shares
from probe.diagnose.answer_names import joined
from probe.diagnose.fronts import listening
from probe.diagnose.identify import SweepContext
from probe.model import Observation

_SLOW = "the server or the network is too slow or stuck: check its load and logs"


def _per_address(context: SweepContext) -> dict[str | None, tuple[int, int, tuple[str, ...]]]:
    """Address -> (its share of the concurrency, requests sent there, the ``server.listen``
    of the answers that came from there), built once per sweep."""
    found = cast("dict[str | None, tuple[int, int, tuple[str, ...]]] | None",
                 context.memo.get(("timeout-queue", "")))
    if found is not None:
        return found
    sent: dict[str | None, int] = {}
    listens: dict[str | None, dict[str, str]] = {}
    for obs in context.observations:  # in sweep order: the order the shares are given in
        sent[obs.target.address] = sent.get(obs.target.address, 0) + len(obs.samples)
        seen = listens.setdefault(obs.target.address, {})
        for sample in obs.samples:
            answer = sample.trusted_answer
            where = None if answer is None else listening(answer)
            if where is not None:  # keyed as listen addresses compare, said as answered
                seen.setdefault(where.address, f"{where.field} {where.value}")
    shares = concurrency_shares(len(sent), context.manifest.probe.concurrency)
    found = {address: (share, count, tuple(listens[address].values()))
             for share, (address, count) in zip(shares, sent.items(), strict=True)}
    context.memo[("timeout-queue", "")] = found
    return found


def timeout_fix(obs: Observation, context: SweepContext) -> str:
    """The words for this URL's requests that timed out at its address."""
    address = obs.target.address
    share, sent, listens = _per_address(context).get(address, (1, len(obs.samples), ()))
    addresses = len(_per_address(context))
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
    if len(listens) > 1:
        said = (f"server.listen {joined([s.removeprefix('server.listen ') for s in listens])}"
                if all(s.startswith("server.listen ") for s in listens) else joined(listens))
        words += (f" The answers at {where} came from {len(listens)} servers ({said}): the "
                  f"answers cannot tell which of them the timed-out requests went to (none "
                  f"answered them); a sweep of their own addresses tells which is slow.")
    return words
