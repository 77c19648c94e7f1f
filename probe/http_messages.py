"""What a probe request and its answer are, and what the answer says about the endpoint.

The transport (probe.transport) moves bytes; this module is the typed seam around it: a
:class:`Request` with the headers the sweep adds (a nonce), an :class:`Answer` with every
response header, and :func:`sample_from_answer`, which reads the endpoint's JSON out of an
answer into the :class:`~probe.model.Sample` diagnosis works on, with the probe's own
token replaced wherever the server sent it back (:mod:`probe.token_redaction`).
"""

from __future__ import annotations

import sys
from collections.abc import ItemsView, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

from probe.compact import keep, share
from probe.endpoint_answer import EndpointAnswer
from probe.liveness import cache_evidence
from probe.model import Sample, TlsInfo
from probe.safe_text import loads_clean, loads_long_numbers, one_line
from probe.server_pages import read_page
from probe.token_redaction import SIGNED, headers_redacted, json_value, may_hold


class Headers(Mapping[str, str]):
    """Response headers; names match case-insensitively, repeated ones joined by ", "."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._values: dict[str, str] = {}
        for name, value in items:
            key = name.lower()
            self._values[key] = f"{self._values[key]}, {value}" if key in self._values else value

    @classmethod
    def parse(cls, block: bytes) -> Headers:
        """From the raw header lines after the status line (decoded once, as latin-1)."""
        headers = cls()
        values = headers._values
        for line in block.decode("latin-1").split("\r\n"):
            name, sep, value = line.partition(":")
            if sep:
                key = name.strip().lower()
                value = value.strip()
                values[key] = f"{values[key]}, {value}" if key in values else value
        return headers

    def __getitem__(self, name: str) -> str:
        return self._values[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def items(self) -> ItemsView[str, str]:
        # Read for every answer (cache evidence): the dict's own view, not Mapping's
        # generic one that looks every name up again.
        return self._values.items()


@dataclass(frozen=True, slots=True)
class Request:
    """One probe request: the URL, and headers to send besides the transport's own."""

    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    connect: str | None = None
    """``HOST:PORT`` for this request alone (a fleet's address), instead of the transport's."""


@dataclass(frozen=True)
class Answer:
    """An HTTP answer with its body read (capped) and the time it took."""

    status_code: int
    headers: Mapping[str, str]
    body: bytes
    elapsed_ms: float
    tls: TlsInfo | None = None
    """HTTPS: the SNI sent and the certificate the server presented."""
    peer: str | None = None
    """``HOST:PORT`` the answer came from (the resolved address when not connecting)."""


def sample_from_answer(answer: Answer, token: str | None = None) -> Sample:
    """Read the endpoint's JSON out of an answer, if the answer is the endpoint's.
    ``token``, the one the request carried, is replaced wherever the answer repeats it, but
    in the signed fields (:func:`probe.token_redaction.signed_fields_redacted`, once judged)."""
    endpoint = None
    error = None
    if answer.status_code == 200:
        endpoint, error = parse_endpoint(answer, token)
    sample = Sample(
        elapsed_ms=answer.elapsed_ms,
        status_code=answer.status_code,
        endpoint=endpoint,
        location=answer.headers.get("Location") if 300 <= answer.status_code < 400 else None,
        error=error,
        cache=cache_evidence(answer.headers),
        tls=answer.tls,
        address=answer.peer,
        server=_short_header(answer.headers, "server"),
        via=_short_header(answer.headers, "via"),
        page=read_page(answer.status_code, answer.headers.get("Content-Type", ""), answer.body),
    )
    return headers_redacted(sample, token) if token else sample


def _short_header(headers: Mapping[str, str], name: str) -> str | None:
    """A header that names servers (Server: ``nginx/1.22.1``, Via: ``1.1 varnish``), made one
    short line."""
    value = next((v for k, v in headers.items() if k.lower() == name), None)
    return keep(one_line(value, limit=120)) if value else None  # held once, not per answer


def parse_endpoint(answer: Answer,
                   token: str | None = None) -> tuple[EndpointAnswer | None, str | None]:
    content_type = answer.headers.get("Content-Type", "")
    if not content_type.lower().startswith("application/json"):
        return None, f"answer is {content_type or 'untyped'}, not the endpoint's JSON"
    long_numbers: tuple[int, ...] = ()
    try:
        data = loads_clean(answer.body)
    except (ValueError, RecursionError):
        try:  # valid JSON Python refuses to read: an integer of thousands of digits
            data, long_numbers = loads_long_numbers(answer.body)
        except (ValueError, RecursionError):
            return None, "answer claims JSON but does not parse"
    if not isinstance(data, dict) or data.get("schema") != 1 or "instance_id" not in data:
        return None, "JSON answer is not the wsgi-probe endpoint's (schema 1)"
    if token and may_hold(answer.body, token):
        data = json_value(data, token, keep=SIGNED)
    # Kept compactly: a large sweep holds every URL's answer (probe.compact).
    endpoint = EndpointAnswer.from_clean(share(data))
    if long_numbers:
        digits = ", ".join(str(n) for n in long_numbers)
        some = "an integer" if len(long_numbers) == 1 else "integers"
        endpoint = replace(endpoint, problems=(
            *endpoint.problems, f"it holds {some} of {digits} digits, longer than any field "
            f"takes and than Python reads ({sys.get_int_max_str_digits()}): read as null"))
    return endpoint, None
