"""The extra requests a sweep sends after its own, to tell causes apart
(:mod:`probe.diagnose.discriminate` says which and reads their answers)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from probe import logs
from probe.diagnose.discriminate import ExtraProbe, extra_probes
from probe.diagnose.token_leak import leak_probes
from probe.http_messages import Request
from probe.liveness import NONCE_HEADER, judge, new_nonce
from probe.manifest import Manifest
from probe.model import Observation, Sample
from probe.token_redaction import signed_fields_redacted
from probe.transport import Transport

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin


def discriminating(manifest: Manifest, observations: Sequence[Observation],
                   transport: Transport, end: float | None,
                   config: ConfigJoin | None = None) -> dict[str, Sample]:
    """The answers to the extra requests diagnosis asks for, by their key."""
    answers: dict[str, Sample] = {}
    # Sent as a client without the token would: does a cache give it the endpoint's answer?
    anonymous = leak_probes(manifest, observations, config)
    if anonymous:
        answers.update(_extra_answers(anonymous, transport.without_token(),
                                      manifest.probe.concurrency, end))
    wanted = extra_probes(manifest, observations)
    # No certificate can name a host under .invalid: over HTTPS the request goes without
    # certificate checks, so it carries no token (an endpoint open to loopback still answers).
    tls = [p for p in wanted if p.url[:6].lower() == "https:"]
    h2c = [p for p in wanted if p.http2]
    for chosen, through in ((tls, transport.unverified()), (h2c, transport.prior_knowledge()),
                            ([p for p in wanted if p not in tls and p not in h2c], transport)):
        if chosen:
            answers.update(_extra_answers(chosen, through, manifest.probe.concurrency, end))
    if wanted or anonymous:
        logs.get_logger("probe.sweep").info("extra probes", sent=len(wanted) + len(anonymous))
    return answers


def _extra_answers(wanted: Sequence[ExtraProbe], transport: Transport, concurrency: int,
                   end: float | None) -> dict[str, Sample]:
    requests = [Request(p.url, {NONCE_HEADER: new_nonce()}, connect=p.address) for p in wanted]
    answers: dict[str, Sample] = {}

    def done(index: int, sample: Sample) -> None:
        if sample.endpoint is not None:
            nonce = requests[index].headers[NONCE_HEADER]
            sample = signed_fields_redacted(replace(
                sample, liveness=judge(sample.endpoint, nonce, transport.token, sample.cache)),
                transport.token)
        answers[wanted[index].key] = sample

    transport.probe_all(requests, concurrency=max(1, concurrency), end=end,
                        on_sample=done, interrupted=lambda: False)
    return answers
