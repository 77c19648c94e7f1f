"""An http URL whose every request got bytes libcurl read as HTTP/0.9
(:func:`probe.diagnose.discriminate.h2c_suspected`): a port that speaks HTTP/2 in clear
alone answers an HTTP/1.1 request with HTTP/2 frames (nginx's ``listen ... http2`` without
``ssl``: :mod:`probe.nginx.h2c`), and so does no other program.

Tester T36's nginx-h2 ``listen 127.0.0.1:18364 http2;`` (nginx.conf:70) was told "another
program listening on this port, or a server ... sending broken or oversized headers". What
the port speaks is decided by one request sent again with HTTP/2 prior knowledge, only to
decide (the sweep's own requests stay HTTP/1.1, a browser's protocol without TLS):

* answered: the port speaks HTTP/2 alone; with nginx's configuration read, the ``listen``
  line is named with the line that serves HTTP/1.1, else the parameter to look for;
* not answered either: said, and the answers-alone fix stands;
* not sent (``--no-extra-probes``): the check that decides is named.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.diagnose.discriminate import h2c_key, h2c_suspected
from probe.diagnose.identify import SweepContext
from probe.diagnose.nginx_names import nginx_model
from probe.diagnose.sentences import then
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig
from probe.model import Evidence, EvidenceKind, Observation, Sample, Verdict
from probe.nginx.h2c import h2c_listens_at, said, without_http2

if TYPE_CHECKING:
    from probe.nginx.text import Directive

_BOTH_WAYS = ("add ssl with a certificate (ssl_certificate, ssl_certificate_key): over TLS "
              "each client chooses HTTP/2 or HTTP/1.1 in the handshake")


def h2c_only(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
             front: FrontConfig | None) -> Diagnosis:
    """``diagnosis`` (unreachable) with what the port speaks, where its bytes were no
    HTTP/1.1; unchanged otherwise."""
    if diagnosis.verdict is not Verdict.UNREACHABLE or not h2c_suspected(obs):
        return diagnosis
    url = obs.target.url
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None) or "this address"
    again = context.probed.get(h2c_key(obs))
    if again is None:
        return dataclasses.replace(diagnosis, fix=then(
            f"Whether this port speaks HTTP/2 alone (nginx: a listen with http2 and without "
            f"ssl) was not decided: no request was sent to decide it (--no-extra-probes); "
            f"'curl -sv --http2-prior-knowledge {url}' at {address} decides it.",
            diagnosis.fix))
    sent = (f"GET {obs.target.probe_url(context.manifest.probe.segment)} at {address}, sent "
            f"again with HTTP/2 prior knowledge only to decide")
    if again.status_code is None:
        got = again.error or "no answer"
        return dataclasses.replace(diagnosis, explanation=then(
            diagnosis.explanation, f"Sent again with HTTP/2 prior knowledge, only to decide, "
                                   f"it got {got}: the port speaks no HTTP/2 in clear either."),
            evidence=(*diagnosis.evidence, Evidence(EvidenceKind.PROBED, f"got {got}", sent)))
    claim = f"answered HTTP {again.status_code} over HTTP/2{_who(again)}"
    explanation = then(
        diagnosis.explanation,
        f"Sent again with HTTP/2 prior knowledge, only to decide, it was {claim}: the port "
        f"speaks HTTP/2 in clear (h2c) alone, and answers an HTTP/1.1 request, the probe's "
        f"as a browser's, with HTTP/2 frames, which libcurl reads as HTTP/0.9.")
    evidence = [Evidence(EvidenceKind.PROBED, claim, sent)]
    fix, lines = _fix(url, address, again, front)
    evidence += [Evidence(EvidenceKind.CONFIGURED, said(d), d.where) for d in lines]
    return dataclasses.replace(diagnosis, explanation=explanation, fix=fix,
                               evidence=(*diagnosis.evidence, *evidence))


def _who(sample: Sample) -> str:
    server = f" (Server: {sample.server})" if sample.server else ""
    answer = sample.trusted_answer
    label = f", by the endpoint of label {answer.label!r}" if answer is not None and \
        answer.label else ""
    return server + label


def _fix(url: str, address: str, again: Sample, front: FrontConfig | None
         ) -> tuple[str, list[Directive]]:
    host, _, port = address.rpartition(":")
    model = nginx_model(front)
    lines = h2c_listens_at(model.text, host, int(port)) if model is not None and \
        port.isdigit() else []
    only = ("If only prior-knowledge HTTP/2 clients are meant to use this port, it is not "
            "one to probe over HTTP/1.1: take the URL out of the manifest.")
    if lines:
        at = "; ".join(f"at {d.where}, '{said(d)}' has http2 without ssl: write "
                       f"'{without_http2(d)}' (HTTP/1.1)" for d in lines)
        return f"{at[:1].upper()}{at[1:]}; or {_BOTH_WAYS}. {only}", lines
    server = (again.server or "").strip()
    if server.lower().startswith("nginx") or model is not None:
        where = ("probe sweep --config names it" if model is None else
                 "the configuration read holds no such line for this address: 'nginx -T' "
                 "shows the one nginx runs")
        return (f"In nginx, the listen line of port {port or urlsplit(url).port} has http2 "
                f"without ssl ({where}): take http2 off it (HTTP/1.1), or {_BOTH_WAYS}. "
                f"{only}", [])
    return (f"The server at {address} speaks HTTP/2 without TLS alone: make it serve "
            f"HTTP/1.1 on this port (in nginx: a listen with http2 and without ssl), or "
            f"{_BOTH_WAYS}. {only}", [])
