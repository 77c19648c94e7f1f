"""One URL answered by different applications through a ``split_clients`` of nginx
(:func:`.disagreement.through_nginx`): the split's intended share, not a misroute.

``split_clients "${remote_addr}${request_id}" $shop_backend { 20% shop_canary; * shop_app; }``
sends each request by the hash of its own source: the answers' ``server.listen`` (observed)
are matched to the upstream each value names (configured), with the samples of each and
the split's percentages side by side. Whether the manifest's one instance for the URL or
the split is right is the operator's decision: the fix says what the split sends to the
other (tester T34's e-split: 9 of 10 samples from shop at 127.0.0.1:18401, 1 from shop2 at
127.0.0.1:18404, the canary's 20%).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from probe.diagnose.answer_names import places
from probe.diagnose.fronts import listen, same_listen
from probe.diagnose.nginx_fixes import Words
from probe.endpoint_answer import EndpointAnswer
from probe.safe_text import quoted

if TYPE_CHECKING:
    from probe.front import PredictedRoute, VariableChoice


def _value_of(answer: EndpointAnswer,
              shares: Sequence[VariableChoice]) -> VariableChoice | None:
    at = listen(answer)
    return next((v for v in shares if at and any(same_listen(at, m) for m in v.members)),
                None)


def split_words(route: PredictedRoute | None, groups: Sequence[Sequence[EndpointAnswer]],
                expected: str | None) -> Words | None:
    """The words where every answer came from a member of one of the split's values."""
    shares = [v for v in (route.variables if route is not None else ()) if v.share is not None]
    if not shares or not all(_value_of(a, shares) is not None for g in groups for a in g):
        return None
    total = sum(len(g) for g in groups)
    block = shares[0]
    seen = "; ".join(
        f"{quoted(g[0].label)} {len(g)} of {total} from {places(g)}, a member of "
        f"{value.value} ({value.share:g}%: '{value.entry} {value.value};' at {value.source})"
        for g in groups if (value := _value_of(g[0], shares)) is not None)
    why = (f" The configuration given splits this URL's requests: {block.block} at "
           f"{block.block_source} gives {block.variable} "
           + ", ".join(f"{v.value} to {v.share:g}% ({v.source})" for v in shares)
           + f", by the hash of each request's own {block.block.split()[1]}. The answers are "
           f"that split: {seen}. nginx sends them so as configured: this is the split's "
           f"share, not a misroute.")
    others = [(g[0].label, v) for g in groups if g[0].label != expected
              and (v := _value_of(g[0], shares)) is not None]
    if expected is None or not others:
        return Words(why, "Nothing to correct in nginx if the split is meant.")
    sent = "; ".join(f"{v.share:g}% to {v.value} ('{v.entry} {v.value};' at {v.source}), "
                     f"where {quoted(label)} answers" for label, v in others)
    fix = (f"The manifest expects {quoted(expected)} alone for this URL, and the split at "
           f"{block.block_source} sends {sent}. That is a decision for the operator, not a "
           f"fault of nginx: if the split is meant, keep it (a sweep of this URL will see both "
           f"applications); if not, remove the line(s) named from the split_clients block, "
           f"then check and reload nginx.")
    return Words(why, fix)
