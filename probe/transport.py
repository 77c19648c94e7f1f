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
Those two live in probe.http_messages; the URL as it goes on the wire in probe.wire.

Why this module is longer than 300 lines: the event loop, the per-request slot and the
resending of a request closed unanswered all work on the same libcurl handles and their
state; split further, that state would be passed around instead of owned in one place. What
a finished request came to (its peer, certificate, or the words of its failure) is read in
probe.transport_outcomes.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from probe import __version__, descriptors, logs, wire
from probe import transport_outcomes as outcomes
from probe.addresses import split_connect
from probe.errors import ErrorKind, ProbeError, TransportError
from probe.http_messages import Answer, Headers, Request, sample_from_answer
from probe.manifest import parse_address
from probe.model import Sample
from probe.token_redaction import headers_redacted
from probe.transport_outcomes import MAX_HEADER_LINES
from probe.urls import public_url

if TYPE_CHECKING:
    import pycurl

MAX_BODY = 256 * 1024
USER_AGENT = f"wsgi-probe/{__version__}"
TICK = 0.05
"""Longest wait for socket activity: how soon an abort or Ctrl-C is seen."""


class RequestFailed(TransportError):
    """A request that got no usable HTTP answer, and how long it took to find out."""

    def __init__(self, kind: ErrorKind, message: str, start: float) -> None:
        super().__init__(kind, message)
        self.elapsed_ms = (time.monotonic() - start) * 1000


Outcome = Answer | RequestFailed


class _Slot:
    """One libcurl easy handle and its buffers, reused request after request.

    The options every request shares are set once, and libcurl's callbacks are the
    buffers' own ``append``: a Python function per header line and per chunk would
    cost more than libcurl's whole request.
    """

    def __init__(self, transport: Transport) -> None:
        import pycurl

        self.curl = curl = pycurl.Curl()
        self.chunks: list[bytes] = []
        self.lines: list[bytes] = []
        self.index = 0
        self.url = ""
        self.start = 0.0
        self.extra_headers = False
        self.ca_set = False
        self.retried = False
        """This request was closed unanswered once, and sent again (:func:`_retry_closed`)."""
        self.first_failure: Outcome | None = None
        self.base_headers = transport._base_headers
        self.token_headers = transport._base_headers
        self.bare_headers = transport._bare_headers
        """Without SNI, unless opted in, HTTPS requests go without the token (below)."""
        self.base_connect = transport.connect
        self.connect = transport.connect
        """Where this slot's current request goes (a fleet request's own address)."""
        curl.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        # HTTP/1.1 always, but for the one request that decides whether a port speaks only
        # HTTP/2 in clear (Transport.prior_knowledge): a browser's protocol is what is probed.
        curl.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE
                    if transport.http2 else pycurl.CURL_HTTP_VERSION_1_1)
        curl.setopt(pycurl.PROXY, "")  # proxy variables must not divert a probe
        # libcurl's default, said: a followed redirect would carry X-Probe-Token to the
        # Location's host, one the sweep never chose (docs/security.md)
        curl.setopt(pycurl.FOLLOWLOCATION, 0)
        curl.setopt(pycurl.NOSIGNAL, 1)
        self.ca_file = transport.ca_file
        """Set on the handle before its first HTTPS request: certifi's import is 10 ms of the
        start-up of every HTTP-only sweep."""
        curl.setopt(pycurl.HTTPHEADER, self.base_headers)
        # The certificate presented is evidence (which VirtualHost the handshake chose).
        curl.setopt(pycurl.OPT_CERTINFO, 1)
        if not transport.verify:
            # Only for requests that carry no secret (Transport.unverified).
            curl.setopt(pycurl.SSL_VERIFYPEER, 0)
            curl.setopt(pycurl.SSL_VERIFYHOST, 0)
        elif not transport.sni:
            # No SNI: the server shows its default certificate; its chain is still checked,
            # its names are reported instead of failing the handshake.
            curl.setopt(pycurl.SSL_VERIFYHOST, 0)
        if transport.connect:
            # An empty port keeps each URL's own (a port-less --connect).
            curl.setopt(pycurl.CONNECT_TO, [wire.connect_to(*transport.connect)])
        curl.setopt(pycurl.MAXFILESIZE_LARGE, transport.max_body)
        curl.setopt(pycurl.HEADERFUNCTION, self.lines.append)
        if pycurl.version_info()[2] >= 0x080400:
            # Since libcurl 8.4 the size limit also ends a body without Content-Length.
            curl.setopt(pycurl.WRITEFUNCTION, self.chunks.append)
        else:
            curl.setopt(pycurl.WRITEFUNCTION, functools.partial(_capped_write, self.chunks,
                                                                transport.max_body))

    def begin(self, index: int, url: str, sent_url: str, headers: Mapping[str, str],
              timeout_ms: int, start: float,
              connect: tuple[str, int | None] | None = None) -> None:
        import pycurl

        self.index, self.url, self.start = index, url, start
        if self.retried:
            self.curl.setopt(pycurl.FRESH_CONNECT, 0)
            self.retried = False
        wanted = connect or self.base_connect
        if wanted != self.connect:
            # libcurl keys its connection cache by the CONNECT_TO target too: no mix-ups.
            self.curl.setopt(pycurl.CONNECT_TO, [wire.connect_to(*wanted)] if wanted else [])
            self.connect = wanted
        self.chunks.clear()
        self.lines.clear()
        if self.ca_file is None and sent_url[:6].lower() == "https:":
            self.ca_file = _default_ca_file()
        if self.ca_file is not None and not self.ca_set:
            self.curl.setopt(pycurl.CAINFO, self.ca_file)
            self.ca_set = True
        self.curl.setopt(pycurl.URL, sent_url)
        self.curl.setopt(pycurl.TIMEOUT_MS, timeout_ms)
        base = self.bare_headers if sent_url[:6].lower() == "https:" else self.token_headers
        if base is not self.base_headers:
            self.base_headers = base
            self.extra_headers = True  # set the header list below
        if headers:
            self.curl.setopt(pycurl.HTTPHEADER,
                             self.base_headers + wire.header_lines(headers, "a request header"))
            self.extra_headers = True
        elif self.extra_headers:
            self.curl.setopt(pycurl.HTTPHEADER, self.base_headers)
            self.extra_headers = False

    def answer_block(self) -> bytes:
        """The header lines of the last answer, status line first (a 100 Continue's go)."""
        block = b"".join(self.lines)
        last = block.rfind(b"\nHTTP/")
        return block[last + 1:] if last >= 0 else block


_CLOSED_CODES = frozenset({52, 55, 56})
"""CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR: the connection ended (closed or
reset) with no HTTP answer."""


def _retry_closed(slot: _Slot, code: int, message: str) -> bool:
    """Whether to send the slot's request once more, on a new connection: it was closed
    before a single byte of an answer came, and this was its first try.

    libcurl itself sends a request again when a connection it reused dies so, but not one
    whose connection was new. nginx short of worker_connections closes exactly such
    connections ("worker_connections are not enough, reusing connections", at warn level):
    freshly accepted ones whose request it has not read yet count as reusable to it, the
    client being expected to connect again. Measured against nginx with worker_connections
    64 and the sweep's 32 requests at once, every request closed so was on a new connection
    (CURLINFO_NUM_CONNECTS 1), up to 3 of 20. A rule that closes on purpose ('return 444')
    or a process dying on the request closes the second one too, and is reported as before.
    A request that got any byte is never sent again (libcurl counts none short of a whole
    header line, as it does for its own retries).
    """
    import pycurl

    if slot.retried or code not in _CLOSED_CODES:
        return False
    if slot.lines or slot.chunks or slot.curl.getinfo(pycurl.SIZE_DOWNLOAD_T) > 0:
        return False
    logs.get_logger("probe.transport").debug(
        "retried", url=public_url(slot.url), first_error=message, curl_code=code,
        reused_connection=not slot.curl.getinfo(pycurl.NUM_CONNECTS))
    return True


def _capped_write(chunks: list[bytes], limit: int, chunk: bytes) -> int | None:
    chunks.append(chunk)
    if sum(map(len, chunks)) > limit:
        return 0  # anything but len(chunk) makes libcurl abort: E_WRITE_ERROR
    return None


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
        sni: bool = True,
        verify: bool = True,
        send_token_unverified: bool = False,
        http2: bool = False,
    ) -> None:
        self.connect = parse_address(connect, "--connect") if connect else None
        self.http2 = http2
        """True: HTTP/2 with prior knowledge (see :meth:`prior_knowledge`)."""
        self.sni = sni
        self.verify = verify
        """False: no certificate check at all (see :meth:`unverified`)."""
        self._connect_text = connect
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
        self._base_headers = wire.header_lines(base, "the token")
        # Without SNI libcurl checks no certificate name (SSL_VERIFYHOST 0): the server the
        # token would reach is whoever holds a certificate the CA bundle trusts, for any name.
        # It goes there only when the user said so (probe.token_exposure refuses the sweep
        # before; this is the last guard, for every caller).
        unverified = not sni and not send_token_unverified
        self._bare_headers = (wire.header_lines({k: v for k, v in base.items()
                                                 if k != "X-Probe-Token"}, "a header")
                              if unverified and token else self._base_headers)

    def unverified(self) -> Transport:
        """This transport without the token and without certificate checks: for a request
        whose host name no certificate can name (``.invalid``), which must then carry no
        secret."""
        return Transport(connect=self._connect_text, timeout=self.timeout, ca_file=self.ca_file,
                         max_body=self.max_body, sni=self.sni, verify=False)

    def without_token(self) -> Transport:
        """This transport as a client without the token sends (certificate checks kept): for
        the request that decides whether a cache gives the endpoint's answer to anyone."""
        return Transport(connect=self._connect_text, timeout=self.timeout, ca_file=self.ca_file,
                         max_body=self.max_body, sni=self.sni, verify=self.verify,
                         http2=self.http2)

    def prior_knowledge(self) -> Transport:
        """This transport speaking HTTP/2 without TLS from the first byte (h2c with prior
        knowledge): only for the request that decides whether a plain-HTTP port that answered
        no HTTP/1.1 speaks HTTP/2 alone (nginx's ``listen ... http2`` without ``ssl``)."""
        return Transport(connect=self._connect_text, timeout=self.timeout, token=self.token,
                         ca_file=self.ca_file, max_body=self.max_body, sni=self.sni,
                         http2=True)

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
            raise RequestFailed(ErrorKind.TIMEOUT, f"{public_url(url)}: timed out", start)
        (outcome,) = outcomes
        if isinstance(outcome, RequestFailed):
            raise outcome
        return outcome

    def probe(self, url: str, deadline: float | None = None,
              headers: Mapping[str, str] | None = None) -> Sample:
        """One probe request turned into a Sample; never raises."""
        try:
            return sample_from_answer(self.get(url, deadline, headers), self.token)
        except RequestFailed as failed:
            return _failed_sample(failed, self.token)

    def probe_all(self, requests: Sequence[Request], *, concurrency: int, end: float | None,
                  on_sample: Callable[[int, Sample], None],
                  interrupted: Callable[[], bool] = lambda: False) -> None:
        """Probe every request, ``concurrency`` at a time; ``on_sample(index, sample)`` each.

        Requests not started by ``end`` (a ``time.monotonic()`` value; none starts in its last
        :data:`LAST_START` seconds) get no call, nor
        those not started or still in flight when ``interrupted()`` turns true.
        """

        token = self.token

        def done(index: int, outcome: Outcome) -> None:
            if isinstance(outcome, RequestFailed):
                on_sample(index, _failed_sample(outcome, token))
            else:
                on_sample(index, sample_from_answer(outcome, token))

        self.exchange(requests, concurrency=concurrency, end=end, on_outcome=done,
                      interrupted=interrupted)

    def exchange(self, requests: Sequence[Request], *, concurrency: int, end: float | None,
                 on_outcome: Callable[[int, Outcome], None],
                 interrupted: Callable[[], bool] = lambda: False) -> None:
        """The request loop: libcurl's multi interface, in the calling thread."""
        import pycurl

        stop = _batches.enter()
        multi = pycurl.CurlMulti()
        # Past the open-files limit a request gets no socket: fewer at once, not unreachable.
        idle = [_Slot(self) for _ in range(
            descriptors.fitted(max(1, min(concurrency, len(requests)))))]
        slots = list(idle)
        active: dict[pycurl.Curl, _Slot] = {}
        held: list[_Slot] = []
        """Active requests closed unanswered, out of libcurl until sent again."""
        queue = iter(enumerate(requests))

        def fill() -> bool:
            """Start requests in the idle slots; False once ``end`` passed (the rest never
            start)."""
            while idle:
                item = next(queue, None)
                if item is None:
                    return True
                if end is not None and time.monotonic() >= end - LAST_START:
                    return False
                index, request = item
                failed = self._start(multi, idle[-1], index, request, end)
                if failed:
                    on_outcome(index, failed)
                else:
                    slot = idle.pop()
                    active[slot.curl] = slot
            return True

        def send() -> None:
            while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
                pass

        try:
            while not (stop.is_set() or interrupted()):
                if not fill() or not active:
                    return
                send()
                finished = self._collect(multi, active, idle, held)
                # Requests to send again wait until every request in flight is one of them:
                # sent at once with the others they would meet the server as short of
                # connections as before (measured: nginx closed a third of them again). A
                # held request keeps its slot, so a server closing every request slows the
                # sweep to fewer at once rather than stopping it.
                ready = held[:] if len(held) == len(active) else []
                for slot in ready:
                    held.remove(slot)
                    late = self._resend(multi, slot, end)
                    if late is not None:
                        del active[slot.curl]
                        idle.append(slot)
                        finished.append((slot.index, late))
                if finished:
                    # The next requests go out before the Python work on these answers
                    # (parsing, checking): the server answers them meanwhile.
                    more = fill()
                    if active:
                        send()
                    for index, outcome in finished:
                        on_outcome(index, outcome)
                    if not more:
                        return
                elif active:
                    # libcurl's own timers (connect retries, resolver threads) may be
                    # due before any socket stirs: wait no longer than they allow.
                    due = multi.timeout()
                    multi.select(TICK if due < 0 else min(TICK, due / 1000))
            # Stopped (the exporter ends): what is in flight ends as cut short. Interrupted
            # (Ctrl-C): it gets no call, as a request never sent; the user stopped it, so
            # calling it failed would blame the server for the wait (a sweep reports what
            # was answered).
            for slot in active.values() if stop.is_set() else ():
                on_outcome(slot.index, RequestFailed(
                    ErrorKind.TIMEOUT, f"{public_url(slot.url)}: cut short: wsgi-probe is stopping",
                    slot.start))
        finally:
            _batches.leave(stop)
            for curl in active.keys() - {slot.curl for slot in held}:
                multi.remove_handle(curl)
            for slot in slots:
                slot.curl.close()
            multi.close()

    def _collect(self, multi: pycurl.CurlMulti, active: dict[pycurl.Curl, _Slot],
                 idle: list[_Slot], held: list[_Slot]) -> list[tuple[int, Outcome]]:
        """The outcomes of the requests libcurl finished; their slots go back to ``idle``.

        A request the server closed before any byte of an answer goes to ``held`` instead,
        to be sent once more on a new connection (:func:`_retry_closed`)."""
        collected: list[tuple[int, Outcome]] = []
        while True:
            queued, ok, errors = multi.info_read()
            for curl, code, message in [(c, 0, "") for c in ok] + errors:
                slot = active[curl]
                multi.remove_handle(curl)
                if code and _retry_closed(slot, code, message):
                    slot.first_failure = self._finish(slot, code, message)
                    slot.retried = True
                    held.append(slot)
                    continue
                del active[curl]
                # Read out now: the slot's buffers are reused by its next request.
                collected.append((slot.index, self._finish(slot, code, message)))
                idle.append(slot)
            if not queued:
                return collected

    def _resend(self, multi: pycurl.CurlMulti, slot: _Slot, end: float | None) -> Outcome | None:
        """Send a held request again on a new connection, with the whole-request timeout
        of a request starting now; or its first failure where the deadline is too near."""
        import pycurl

        now = time.monotonic()
        left = self.timeout if end is None else min(self.timeout, end - now)
        if left < LAST_START:
            return slot.first_failure
        slot.start = now  # the time of the request whose outcome is reported
        slot.chunks.clear()
        slot.lines.clear()
        slot.curl.setopt(pycurl.FRESH_CONNECT, 1)
        slot.curl.setopt(pycurl.TIMEOUT_MS, max(1, int(left * 1000)))
        multi.add_handle(slot.curl)
        return None

    def _start(self, multi: pycurl.CurlMulti, slot: _Slot, index: int, request: Request,
               end: float | None) -> RequestFailed | None:
        """Hand ``request`` to libcurl in ``slot``; or why it cannot be sent."""
        start = time.monotonic()
        remaining = self.timeout if end is None else min(self.timeout, end - start)
        if remaining <= 0:
            return RequestFailed(ErrorKind.TIMEOUT, f"{public_url(request.url)}: timed out", start)
        try:
            sent_url = wire.ascii_url(request.url)
        except TransportError as exc:
            return RequestFailed(exc.kind, str(exc), start)
        try:
            connect = split_connect(request.connect, "connect") if request.connect else None
        except ProbeError as exc:
            return RequestFailed(ErrorKind.CONNECT, str(exc), start)
        headers = request.headers
        target = connect or self.connect
        if not self.sni and target and sent_url.startswith("https:"):
            # libcurl sends the URL's host as SNI unless it is an IP address (the manifest
            # requires connect to be one without SNI); Host stays the URL's.
            sent_url, headers = wire.without_sni(sent_url, target, headers)
        slot.begin(index, request.url, sent_url, headers,
                   max(1, int(remaining * 1000)), start, connect)
        multi.add_handle(slot.curl)
        return None

    def _finish(self, slot: _Slot, code: int, message: str) -> Outcome:
        import pycurl

        if code:
            kind, text = outcomes.classify(slot, code, message, self.max_body, slot.connect)
            return RequestFailed(kind, text, slot.start)
        status = int(slot.curl.getinfo(pycurl.RESPONSE_CODE))
        if not 100 <= status <= 599:
            return RequestFailed(
                ErrorKind.PROTOCOL, f"{public_url(slot.url)}: answered status {status}, which is "
                "not an HTTP status (100-599)", slot.start)
        block = slot.answer_block()
        if block.count(b"\n") > MAX_HEADER_LINES:
            return RequestFailed(ErrorKind.PROTOCOL, outcomes.too_many_headers(slot.url),
                                 slot.start)
        return Answer(
            status_code=status,
            headers=Headers.parse(block[block.find(b"\n") + 1:]),
            body=b"".join(slot.chunks),
            elapsed_ms=slot.curl.getinfo(pycurl.TOTAL_TIME_T) / 1000,
            tls=outcomes.tls_info(slot, self.sni),
            peer=outcomes.peer(slot.curl),
        )


LAST_START = 0.1
"""Seconds before a deadline after which no request starts: it would be cut before an answer
could come over a network, and end as a timeout of a server that was never given the time
(left unsent, it is counted as not probed)."""


_ca_file: str | None = None


def _default_ca_file() -> str:
    """certifi's bundle, as requests used: the same trust on every machine."""
    global _ca_file
    if _ca_file is None:
        import certifi

        _ca_file = str(certifi.where())
    return _ca_file


def _failed_sample(failed: RequestFailed, token: str | None) -> Sample:
    sample = Sample(elapsed_ms=failed.elapsed_ms, error=str(failed), error_kind=failed.kind)
    return headers_redacted(sample, token) if token else sample  # a status line may echo it


