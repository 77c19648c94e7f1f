"""HTTP for probe requests: libcurl's multi interface (pycurl), many requests in flight.

libcurl gives natively what a probe must do and ``requests.get`` does not:

- ``--connect HOST:PORT`` is CURLOPT_CONNECT_TO: the request goes to that address
  while the Host header, TLS SNI and the certificate check use the URL's host name;
- CURLOPT_TIMEOUT_MS bounds the whole request, headers or a body that trickle in included;
- redirects are not followed (a 3xx is reported with its Location), proxy variables
  are ignored.

One event loop in the calling thread drives every request of a sweep: measured on
real Apache it does 4-5x the requests per second of a requests.Session per thread
(bench/RESULTS.md). pycurl is imported on the first request, not with this module.

The seam for callers: a :class:`Request` carries extra headers per request, and an
:class:`Answer` carries every response header (case-insensitive), so the sweep can add
its own (a nonce) and read others (``Age``, ``Via``, ...) without touching libcurl.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from probe import __version__
from probe.errors import ProbeError, TransportError
from probe.manifest import parse_connect
from probe.model import EndpointAnswer, Sample
from probe.urls import public_url

if TYPE_CHECKING:
    import pycurl

MAX_BODY = 256 * 1024
MAX_HEADER_LINES = 1000
"""More response header lines than this is a hostile answer, not a server's."""
USER_AGENT = f"wsgi-probe/{__version__}"
TICK = 0.05
"""Longest wait for socket activity: how soon an abort or Ctrl-C is seen."""


class Headers(Mapping[str, str]):
    """Response headers; names match case-insensitively, repeated ones joined by ", "."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, tuple[str, str]] = {}
        for name, value in items:
            self.add(name, value)

    def add(self, name: str, value: str) -> None:
        key = name.lower()
        if key in self._items:
            value = f"{self._items[key][1]}, {value}"
        self._items[key] = (name, value)

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class Request:
    """One probe request: the URL, and headers to send besides the transport's own."""

    url: str
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """An HTTP answer with its body read (capped) and the time it took."""

    status_code: int
    headers: Mapping[str, str]
    body: bytes
    elapsed_ms: float


class RequestFailed(TransportError):
    """A request that got no usable HTTP answer, and how long it took to find out."""

    def __init__(self, kind: str, message: str, start: float) -> None:
        super().__init__(kind, message)
        self.elapsed_ms = (time.monotonic() - start) * 1000


Outcome = Answer | RequestFailed


class _Transfer:
    """One request's buffers, filled by libcurl's callbacks."""

    def __init__(self, index: int, url: str, max_body: int) -> None:
        self.index = index
        self.url = url
        self.max_body = max_body
        self.start = time.monotonic()
        self.chunks: list[bytes] = []
        self.size = 0
        self.lines: list[bytes] = []
        self.too_big = False
        self.too_many_headers = False

    def write(self, chunk: bytes) -> int | None:
        self.size += len(chunk)
        if self.size > self.max_body:
            self.too_big = True
            return 0  # anything but len(chunk) makes libcurl abort the transfer
        self.chunks.append(chunk)
        return None

    def header(self, line: bytes) -> int | None:
        if line.startswith(b"HTTP/"):
            self.lines = []  # a new answer: a 100 Continue's headers are not this one's
        self.lines.append(line)
        if len(self.lines) > MAX_HEADER_LINES:
            self.too_many_headers = True
            return 0
        return None

    def headers(self) -> Headers:
        headers = Headers()
        for line in self.lines[1:]:
            name, sep, value = line.decode("latin-1").partition(":")
            if sep:
                headers.add(name.strip(), value.strip())
        return headers


class _Batches:
    """The request loops running in this process, so a shutdown can stop them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[threading.Event] = set()

    def enter(self) -> threading.Event:
        stop = threading.Event()
        with self._lock:
            self._running.add(stop)
        return stop

    def leave(self, stop: threading.Event) -> None:
        with self._lock:
            self._running.discard(stop)

    def stop_all(self) -> None:
        with self._lock:
            for stop in self._running:
                stop.set()


_batches = _Batches()


def abort_in_flight() -> None:
    """End every probe request in flight in this process now, each as a failed request.

    For shutting down: nobody waits for the slowest request's timeout.
    """
    _batches.stop_all()


class Transport:
    """Sends probe requests; safe to share between threads (each call has its own loop)."""

    def __init__(
        self,
        *,
        connect: str | None = None,
        timeout: float = 5.0,
        token: str | None = None,
        ca_file: str | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        self.connect = parse_connect(connect, "--connect") if connect else None
        self.timeout = timeout
        self.token = token
        self.ca_file = ca_file
        self.max_body = max_body
        base = {"User-Agent": USER_AGENT, "Accept": "application/json",
                "Accept-Encoding": "identity"}
        if token:
            base["X-Probe-Token"] = token
        # The endpoint compares the token as UTF-8 bytes; latin-1 (http.client's) would
        # fail on any token outside it and never match one like 's3cr3t-tökén'.
        self._base_headers = _header_lines(base, "the token")

    def get(self, url: str, deadline: float | None = None,
            headers: Mapping[str, str] | None = None) -> Answer:
        """GET ``url``; raises TransportError when no HTTP answer arrives in time.

        ``deadline`` is a ``time.monotonic()`` value that may cut the timeout short.
        """
        outcomes: list[Outcome] = []
        start = time.monotonic()
        self.exchange([Request(url, headers or {})], concurrency=1, end=deadline,
                      on_outcome=lambda _, outcome: outcomes.append(outcome))
        if not outcomes:  # the deadline had passed: nothing was sent
            raise RequestFailed("timeout", f"{public_url(url)}: timed out", start)
        (outcome,) = outcomes
        if isinstance(outcome, RequestFailed):
            raise outcome
        return outcome

    def probe(self, url: str, deadline: float | None = None,
              headers: Mapping[str, str] | None = None) -> Sample:
        """One probe request turned into a Sample; never raises."""
        try:
            return sample_from_answer(self.get(url, deadline, headers))
        except RequestFailed as failed:
            return _failed_sample(failed)

    def probe_all(self, requests: Sequence[Request], *, concurrency: int, end: float | None,
                  on_sample: Callable[[int, Sample], None],
                  interrupted: Callable[[], bool] = lambda: False) -> None:
        """Probe every request, ``concurrency`` at a time; ``on_sample(index, sample)`` each.

        Requests not started by ``end`` (a ``time.monotonic()`` value) or when
        ``interrupted()`` turns true get no call.
        """

        def done(index: int, outcome: Outcome) -> None:
            if isinstance(outcome, RequestFailed):
                on_sample(index, _failed_sample(outcome))
            else:
                on_sample(index, sample_from_answer(outcome))

        self.exchange(requests, concurrency=concurrency, end=end, on_outcome=done,
                      interrupted=interrupted)

    def exchange(self, requests: Sequence[Request], *, concurrency: int, end: float | None,
                 on_outcome: Callable[[int, Outcome], None],
                 interrupted: Callable[[], bool] = lambda: False) -> None:
        """The request loop: libcurl's multi interface, in the calling thread."""
        import pycurl

        stop = _batches.enter()
        multi = pycurl.CurlMulti()
        idle = [pycurl.Curl() for _ in range(max(1, min(concurrency, len(requests))))]
        handles = list(idle)
        active: dict[pycurl.Curl, _Transfer] = {}
        queue = iter(enumerate(requests))
        try:
            while not (stop.is_set() or interrupted()):
                while idle:
                    item = next(queue, None)
                    if item is None:
                        break
                    if end is not None and time.monotonic() >= end:
                        return  # the rest were never started
                    index, request = item
                    curl = idle.pop()
                    try:
                        active[curl] = self._start(multi, curl, index, request, end)
                    except RequestFailed as failed:
                        idle.append(curl)
                        on_outcome(index, failed)
                if not active:
                    return
                while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
                    pass
                while True:
                    queued, ok, errors = multi.info_read()
                    finished = [(c, 0, "") for c in ok] + errors
                    for curl, code, message in finished:
                        transfer = active.pop(curl)
                        multi.remove_handle(curl)
                        idle.append(curl)
                        on_outcome(transfer.index, self._finish(curl, transfer, code, message))
                    if not queued:
                        break
                if active:
                    # libcurl's own timers (connect retries, resolver threads) may be
                    # due before any socket stirs: wait no longer than they allow.
                    due = multi.timeout()
                    multi.select(TICK if due < 0 else min(TICK, due / 1000))
            for transfer in active.values():
                on_outcome(transfer.index, RequestFailed(
                    "timeout", f"{public_url(transfer.url)}: cut short: wsgi-probe is stopping",
                    transfer.start))
        finally:
            _batches.leave(stop)
            for curl in active:
                multi.remove_handle(curl)
            for curl in handles:
                curl.close()
            multi.close()

    def _start(self, multi: pycurl.CurlMulti, curl: pycurl.Curl, index: int, request: Request,
               end: float | None) -> _Transfer:
        import pycurl

        transfer = _Transfer(index, request.url, self.max_body)
        shown = public_url(request.url)
        remaining = self.timeout if end is None else min(self.timeout, end - transfer.start)
        if remaining <= 0:
            raise RequestFailed("timeout", f"{shown}: timed out", transfer.start)
        try:
            url = _ascii_url(request.url)
        except TransportError as exc:
            raise RequestFailed(exc.kind, str(exc), transfer.start) from None
        curl.reset()
        curl.setopt(pycurl.URL, url)
        curl.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        curl.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)
        curl.setopt(pycurl.PROXY, "")  # proxy variables must not divert a probe
        curl.setopt(pycurl.NOSIGNAL, 1)
        curl.setopt(pycurl.TIMEOUT_MS, max(1, int(remaining * 1000)))
        curl.setopt(pycurl.MAXFILESIZE_LARGE, self.max_body)
        curl.setopt(pycurl.CAINFO, self.ca_file or _default_ca_file())
        lines = self._base_headers
        if request.headers:
            lines = lines + _header_lines(request.headers, "a request header")
        curl.setopt(pycurl.HTTPHEADER, lines)
        if self.connect:
            host, port = self.connect
            curl.setopt(pycurl.CONNECT_TO, [f"::{_bracketed(host)}:{port}"])
        curl.setopt(pycurl.WRITEFUNCTION, transfer.write)
        curl.setopt(pycurl.HEADERFUNCTION, transfer.header)
        multi.add_handle(curl)
        return transfer

    def _finish(self, curl: pycurl.Curl, transfer: _Transfer, code: int,
                message: str) -> Outcome:
        import pycurl

        url = public_url(transfer.url)
        if code:
            return RequestFailed(*_classify(curl, transfer, code, message), transfer.start)
        status = int(curl.getinfo(pycurl.RESPONSE_CODE))
        if not 100 <= status <= 599:
            return RequestFailed(
                "protocol", f"{url}: answered status {status}, which is not an HTTP status "
                f"(100-599)", transfer.start)
        return Answer(
            status_code=status,
            headers=transfer.headers(),
            body=b"".join(transfer.chunks),
            elapsed_ms=curl.getinfo(pycurl.TOTAL_TIME_T) / 1000,
        )


def _classify(curl: pycurl.Curl, transfer: _Transfer, code: int, message: str
              ) -> tuple[str, str]:
    """One line a person can act on, and a kind for diagnosis, from libcurl's error."""
    import pycurl

    url = public_url(transfer.url)
    got_bytes = bool(transfer.lines) or curl.getinfo(pycurl.SIZE_DOWNLOAD_T) > 0
    if transfer.too_big or code == pycurl.E_FILESIZE_EXCEEDED:
        return ("protocol", f"{url}: answer larger than {transfer.max_body} bytes")
    if transfer.too_many_headers or code == getattr(pycurl, "E_TOO_LARGE", 100):
        return (
            "protocol", f"{url}: answer with more than {MAX_HEADER_LINES} header lines "
            "or oversized headers")
    if code == pycurl.E_OPERATION_TIMEDOUT:
        return ("timeout", f"{url}: timed out")
    if code == pycurl.E_COULDNT_RESOLVE_HOST:
        host = urlsplit(transfer.url).hostname
        return ("dns", f"{url}: host name {host!r} does not resolve")
    if code == pycurl.E_COULDNT_CONNECT:
        if curl.getinfo(pycurl.OS_ERRNO) == 111:  # ECONNREFUSED
            return ("connect", f"{url}: connection refused")
        return ("connect", f"{url}: cannot connect: {message}")
    if code in _TLS_ERRORS:
        return ("tls", f"{url}: TLS failed: {message}")
    if code in (pycurl.E_GOT_NOTHING, pycurl.E_RECV_ERROR, pycurl.E_SEND_ERROR) and not got_bytes:
        return ("closed", f"{url}: server closed the connection without answering")
    if code == _WEIRD_SERVER_REPLY or "HTTP/0.9" in message:
        # Bytes came, but not HTTP: not a refusal by closing the connection.
        return ("protocol", f"{url}: the answer is not HTTP: {message}")
    if code in (pycurl.E_URL_MALFORMAT, pycurl.E_UNSUPPORTED_PROTOCOL):
        return ("connect", f"{url}: cannot send this URL: {message}")
    return ("protocol", f"{url}: broken answer: {message}")


_WEIRD_SERVER_REPLY = 8  # CURLE_WEIRD_SERVER_REPLY; types-pycurl knows only its old name
_TLS_ERRORS = frozenset({35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91, 98})
"""libcurl's SSL_* and PEER_FAILED_VERIFICATION error codes (stable numbers)."""


def _ascii_url(url: str) -> str:
    """The URL as sent: an IDN host in IDNA (punycode), a non-ASCII path percent-encoded.

    Raises TransportError for what cannot be sent: credentials (a probe is not
    logged in; they would travel in clear text) and host names that are not IDNA.
    """
    parts = urlsplit(url)
    if "@" in parts.netloc:
        raise TransportError(
            "connect", f"{public_url(url)}: the URL carries user:password@; wsgi-probe does "
            "not send credentials, remove them")
    if url.isascii():
        return url
    host = parts.hostname or ""
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise TransportError("dns", f"{url}: host name {host!r} is not a valid "
                             f"internationalised name: {exc}") from None
    netloc = _bracketed(ascii_host) + (f":{parts.port}" if parts.port else "")
    safe = "/%:@!$&'()*+,;=-._~"
    return parts._replace(netloc=netloc, path=quote(parts.path, safe=safe),
                          query=quote(parts.query, safe=safe + "?")).geturl()


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _header_lines(headers: Mapping[str, str], what: str) -> list[bytes]:
    lines = []
    for name, value in headers.items():
        if any(c in f"{name}{value}" for c in "\r\n\0") or not name.isascii() or ":" in name:
            raise ProbeError(f"{what} cannot be sent: a line break, NUL or bad header name")
        lines.append(f"{name}: {value}".encode())
    return lines


_ca_file: str | None = None


def _default_ca_file() -> str:
    """certifi's bundle, as requests used: the same trust on every machine."""
    global _ca_file
    if _ca_file is None:
        import certifi

        _ca_file = str(certifi.where())
    return _ca_file


def _failed_sample(failed: RequestFailed) -> Sample:
    return Sample(elapsed_ms=failed.elapsed_ms, error=str(failed), error_kind=failed.kind)


def sample_from_answer(answer: Answer) -> Sample:
    """Read the endpoint's JSON out of an answer, if the answer is the endpoint's."""
    endpoint = None
    error = None
    if answer.status_code == 200:
        endpoint, error = _parse_endpoint(answer)
    return Sample(
        elapsed_ms=answer.elapsed_ms,
        status_code=answer.status_code,
        endpoint=endpoint,
        location=answer.headers.get("Location") if 300 <= answer.status_code < 400 else None,
        error=error,
    )


def _parse_endpoint(answer: Answer) -> tuple[EndpointAnswer | None, str | None]:
    content_type = answer.headers.get("Content-Type", "")
    if not content_type.lower().startswith("application/json"):
        return None, f"answer is {content_type or 'untyped'}, not the endpoint's JSON"
    try:
        data = json.loads(answer.body)
    except (ValueError, RecursionError):
        return None, "answer claims JSON but does not parse"
    if not isinstance(data, dict) or data.get("schema") != 1 or "instance_id" not in data:
        return None, "JSON answer is not the wsgi-probe endpoint's (schema 1)"
    return EndpointAnswer.from_json(data), None
