"""HTTP for probe requests: one pooled requests.Session per worker thread.

Three things a plain ``requests.get`` does not do, and a probe must:

- ``--connect HOST:PORT`` sends the request to that address while the Host
  header, TLS SNI and certificate check use the URL's host name (like curl's
  ``--connect-to``), so a host name can be probed before DNS points at it;
- the timeout bounds the whole request, a body that trickles in included;
- the body read is capped, because a hostile server may answer anything.

Redirects are never followed: a 3xx is reported with its Location.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import json
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from probe import __version__
from probe.errors import TransportError
from probe.manifest import parse_address
from probe.model import EndpointAnswer, Sample

MAX_BODY = 256 * 1024
USER_AGENT = f"wsgi-probe/{__version__}"


@dataclass(frozen=True)
class Answer:
    """An HTTP answer with its body read (capped) and the time it took."""

    status_code: int
    headers: Mapping[str, str]
    body: bytes
    elapsed_ms: float
    peer: str | None = None
    """``HOST:PORT`` the answer came from (the resolved address when not connecting)."""


# The connections a request of this thread uses, so a watchdog can cut them at the
# deadline: socket timeouts bound each read, not a status line or headers that trickle in.
_watch = threading.local()


def _register(connection: HTTPConnection) -> None:
    watched: list[HTTPConnection] | None = getattr(_watch, "connections", None)
    if watched is not None:
        watched.append(connection)


class _WatchedHTTPConnection(HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _register(self)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _register(self)
        super().request(*args, **kwargs)


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def _cut(connections: list[HTTPConnection]) -> None:
    """Shut down the sockets of a request whose deadline passed; its reads then end."""
    for connection in connections:
        sock = getattr(connection, "sock", None)
        if isinstance(sock, socket.socket):
            # socket.socket's own shutdown, also for an SSLSocket: only the fd.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """One thread for all requests: cuts the connections of those past their deadline.

    A timer thread per request would cost a thread start on every probe.
    """

    def __init__(self) -> None:
        self._due: list[tuple[float, int, list[HTTPConnection]]] = []
        self._cancelled: set[int] = set()
        self._wake = threading.Condition()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, end: float, connections: list[HTTPConnection]) -> int:
        with self._wake:
            ticket = next(self._ids)
            heapq.heappush(self._due, (end, ticket, connections))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="probe-watchdog",
                                                daemon=True)
                self._thread.start()
            if self._due[0][1] == ticket:
                self._wake.notify()  # only a new earliest deadline changes its sleep
            return ticket

    def cancel(self, ticket: int) -> None:
        with self._wake:
            self._cancelled.add(ticket)

    def cut_all(self) -> None:
        """End every request in flight now (Ctrl-C: nobody waits for their answers)."""
        with self._wake:
            due = [(t, c) for _, t, c in self._due if t not in self._cancelled]
        for _, connections in due:
            _cut(connections)

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._due and self._due[0][1] in self._cancelled:
                    self._cancelled.discard(heapq.heappop(self._due)[1])
                if not self._due:
                    self._wake.wait()
                    continue
                end, _, connections = self._due[0]
                if end > time.monotonic():
                    self._wake.wait(end - time.monotonic())
                    continue
                heapq.heappop(self._due)
            _cut(connections)


_watchdog = _Watchdog()


def abort_in_flight() -> None:
    """Cut the connections of every probe request in flight in this process.

    For shutting down: worker threads are joined at exit, and would otherwise
    wait for the slowest request's timeout.
    """
    _watchdog.cut_all()


class ConnectToAdapter(HTTPAdapter):
    """Connects to a fixed address; Host, SNI and certificate names stay the URL's.

    Without ``connect_port`` each URL keeps its own port (http 80, https 443).
    """

    def __init__(self, connect_host: str, connect_port: int | None) -> None:
        self.connect_host = connect_host
        self.connect_port = connect_port
        super().__init__(pool_connections=4, pool_maxsize=4)

    def get_connection_with_tls_context(
        self,
        request: requests.PreparedRequest,
        verify: bool | str | None,
        proxies: Mapping[str, str] | None = None,
        cert: Any = None,
    ) -> HTTPConnectionPool:
        host_params, tls_params = self.build_connection_pool_key_attributes(
            request, True if verify is None else verify, cert
        )
        url_host = host_params["host"]
        pool_kwargs: dict[str, Any] = dict(tls_params)
        if host_params["scheme"] == "https":
            # The pool key includes these, so pools for different names never mix.
            pool_kwargs.update(server_hostname=url_host, assert_hostname=url_host)
        pool: HTTPConnectionPool = self.poolmanager.connection_from_host(
            host=self.connect_host,
            port=self.connect_port or host_params["port"],
            scheme=host_params["scheme"],
            pool_kwargs=pool_kwargs,
        )
        return pool


class Transport:
    """Sends probe requests; safe to share between threads (a Session per thread)."""

    def __init__(
        self,
        *,
        connect: str | None = None,
        timeout: float = 5.0,
        token: str | None = None,
        ca_file: str | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        self.connect = parse_address(connect, "--connect") if connect else None
        self.timeout = timeout
        self.token = token
        self.verify: bool | str = ca_file or True
        self.max_body = max_body
        self._local = threading.local()
        self._fleet: dict[str, Transport] = {}
        self._fleet_lock = threading.Lock()

    def at(self, address: str | None) -> Transport:
        """This transport sending to ``address`` (``HOST:PORT``) instead; None: itself."""
        if address is None:
            return self
        with self._fleet_lock:
            found = self._fleet.get(address)
            if found is None:
                found = Transport(connect=address, timeout=self.timeout, token=self.token,
                                  ca_file=None, max_body=self.max_body)
                found.verify = self.verify
                self._fleet[address] = found
            return found

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            # Proxy variables must not divert a probe aimed at one server.
            session.trust_env = False
            if self.connect:
                adapter = ConnectToAdapter(*self.connect)
                session.mount("http://", adapter)
                session.mount("https://", adapter)
            for mounted in session.adapters.values():
                if isinstance(mounted, HTTPAdapter):
                    mounted.poolmanager.pool_classes_by_scheme = {
                        "http": _HTTPPool, "https": _HTTPSPool,
                    }
            self._local.session = session
        return session

    def _address(self, url: str) -> str:
        """``host:port`` a request for ``url`` connects to (the --connect one, if given)."""
        if self.connect:
            host, port = self.connect
        else:
            parts = urlsplit(url)
            host = parts.hostname or ""
            try:
                port = parts.port or (443 if parts.scheme == "https" else 80)
            except ValueError:
                port = 0
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def get(self, url: str, deadline: float | None = None) -> Answer:
        """GET ``url``; raises TransportError when no HTTP answer arrives in time.

        ``deadline`` is a ``time.monotonic()`` value that may cut the timeout short.
        """
        start = time.monotonic()
        end = start + self.timeout
        if deadline is not None:
            end = min(end, deadline)
        headers = {
            "Host": urlsplit(url).netloc,
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Accept-Encoding": "identity",
        }
        if self.token:
            headers["X-Probe-Token"] = self.token
        watched: list[HTTPConnection] = []
        _watch.connections = watched
        ticket = _watchdog.watch(end, watched)
        try:
            remaining = _remaining(end)
            response = self._session().get(
                url,
                headers=headers,
                timeout=(remaining, remaining),
                allow_redirects=False,
                stream=True,
                verify=self.verify,
            )
            with response:
                peer = _peer(response.raw)
                body = self._read_body(response, end)
        except (requests.RequestException, OSError, urllib3.exceptions.HTTPError) as exc:
            if time.monotonic() >= end or isinstance(
                exc, TimeoutError | urllib3.exceptions.TimeoutError
            ):
                raise TransportError("timeout", f"{url}: timed out") from None
            if isinstance(exc, requests.RequestException):
                raise _classify(exc, url, self._address(url)) from None
            raise TransportError("protocol", f"{url}: broken answer: {exc}") from None
        finally:
            _watchdog.cancel(ticket)
            _watch.connections = None
        return Answer(
            status_code=response.status_code,
            headers=dict(response.headers),
            body=body,
            elapsed_ms=(time.monotonic() - start) * 1000,
            peer=peer,
        )

    def _read_body(self, response: requests.Response, end: float) -> bytes:
        raw = response.raw
        chunks: list[bytes] = []
        size = 0
        while True:
            # read1 makes at most one network read, so the deadline is checked
            # between reads even when the server sends a byte at a time.
            _set_socket_timeout(raw, _remaining(end))
            chunk = raw.read1(64 * 1024, decode_content=True)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.max_body:
                raise TransportError(
                    "protocol", f"{response.url}: answer larger than {self.max_body} bytes"
                )
            chunks.append(chunk)

    def probe(self, url: str, deadline: float | None = None) -> Sample:
        """One probe request turned into a Sample; never raises."""
        start = time.monotonic()
        try:
            answer = self.get(url, deadline)
        except TransportError as exc:
            return Sample(
                elapsed_ms=(time.monotonic() - start) * 1000, error=str(exc), error_kind=exc.kind
            )
        return sample_from_answer(answer)


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
        address=answer.peer,
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


def _remaining(end: float) -> float:
    remaining = end - time.monotonic()
    if remaining <= 0:
        raise requests.Timeout("deadline passed")
    return remaining


def _peer(raw: urllib3.HTTPResponse) -> str | None:
    """The address the answer's connection is connected to, while it still is."""
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if not isinstance(sock, socket.socket):
        return None
    try:
        host, port = sock.getpeername()[:2]
    except (OSError, ValueError, TypeError):
        return None
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"


def _set_socket_timeout(raw: urllib3.HTTPResponse, seconds: float) -> None:
    connection = getattr(raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if isinstance(sock, socket.socket):
        sock.settimeout(seconds)


def _classify(exc: requests.RequestException, url: str, address: str) -> TransportError:
    """One line a person can act on, and a kind for diagnosis."""
    text = str(exc)
    if isinstance(exc, requests.Timeout):
        return TransportError("timeout", f"{url}: timed out")
    if isinstance(exc, requests.exceptions.SSLError):
        reason = _innermost(exc)
        return TransportError("tls", f"{url}: TLS failed: {reason}")
    if isinstance(exc, requests.ConnectionError):
        if "NameResolutionError" in text or "Name or service not known" in text:
            host = urlsplit(url).hostname
            return TransportError("dns", f"{url}: host name {host!r} does not resolve")
        if "BadStatusLine" in text or "LineTooLong" in text:
            # Bytes came, but not HTTP: not a refusal by closing the connection.
            return TransportError("protocol", f"{url}: the answer is not HTTP: {_innermost(exc)!r}")
        if "RemoteDisconnected" in text or "Connection aborted" in text:
            return TransportError(
                "closed", f"{url}: server closed the connection without answering"
            )
        if "Connection refused" in text:
            # The address, not the URL: with --connect the URL's host is not who refused.
            return TransportError("connect", f"{url}: connection refused by {address}")
        if "timed out" in text:
            return TransportError("timeout", f"{url}: timed out")
        return TransportError("connect", f"{url}: cannot connect: {_innermost(exc)}")
    return TransportError("protocol", f"{url}: broken answer: {_innermost(exc)}")


def _innermost(exc: BaseException) -> str:
    seen = exc
    while True:
        inner = getattr(seen, "reason", None) or seen.__context__ or seen.__cause__
        if not isinstance(inner, BaseException) or inner is seen:
            break
        seen = inner
    return str(seen) or type(seen).__name__
