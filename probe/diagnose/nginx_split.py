"""One URL answered by different applications through a ``split_clients`` of nginx
(:func:`.disagreement.through_nginx`): nginx does as configured, and the verdict stays
``inconsistent`` where the manifest expects one instance (a URL is listed once, and answers
of two labels are two kinds: the manifest cannot declare a URL two applications answer).

``split_clients "${remote_addr}${request_id}" $shop_backend { 20% shop_canary; * shop_app; }``
sends each request by the hash of its own source: the answers' ``server.listen`` (observed)
are matched to the upstream each value names (configured), with the samples of each and
the split's percentages side by side. The fix says what the split sends to another
application than the manifest expects, and what the operator can change if the canary is
meant: the split, or the canary's label (re-tester R34 read "not a misroute" beside a
CRITICAL; tester T34's e-split: 9 of 10 samples from shop at 127.0.0.1:18401, 1 from shop2 at
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
           f"that split: {seen}. nginx sends them as configured.")
    others = [(g[0].label, v) for g in groups if g[0].label != expected
              and (v := _value_of(g[0], shares)) is not None]
    if expected is None or not others:
        return Words(why, "Nothing to correct in nginx if the split is meant.")
    sent = "; ".join(f"{v.share:g}% to {v.value} ('{v.entry} {v.value};' at {v.source}), "
                     f"where {quoted(label)} answers" for label, v in others)
    labels = {a.label for g in groups for a in g}
    settings = {a.settings for g in groups for a in g}
    same = (f" (its answers give settings {quoted(next(iter(settings)))}, as {quoted(expected)}'s"
            f" do)" if len(settings) == 1 and None not in settings else
            f", and the settings {quoted(expected)}'s give")
    fix = (f"The manifest expects {quoted(expected)} alone for this URL, and the split at "
           f"{block.block_source} sends {sent}: by the manifest, that share goes to the "
           f"wrong application. If the split is not meant, remove the line(s) named from the "
           f"split_clients block, then check and reload nginx. If it is meant, the manifest "
           f"cannot say so (a URL is listed under one instance, and answers of "
           f"{len(labels)} labels are {len(labels)} kinds: 'inconsistent'): give the canary "
           f"the label {quoted(expected)} (probe endpoint --install WSGI_PY --label "
           f"{expected}, or wrap(label={expected!r})){same}, so that both answer as that "
           f"instance.")
    return Words(why, fix)
