"""Where each URL is probed: one target per URL and address (a fleet).

A URL normally goes wherever its host name resolves. ``connect`` (one address
or a list, ``--connect`` repeated) sends it to given addresses instead, and
``all_addresses`` to every A and AAAA address its name resolves to, so each
backend behind a balancer or DNS round robin is probed on its own. Host header,
TLS SNI and certificate checks stay the URL's host name either way.

Targets come out URL by URL, each URL's addresses in turn, and
:func:`probe_fairly` gives each address its own request loop with a share of the
concurrency: a backend that hangs holds only its share, the others are probed
at their own pace.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, overload
from urllib.parse import urlsplit

from probe.compact import keep
from probe.files import MIB, read_text
from probe.manifest import is_ip, parse_address  # manifest imports nothing of ours

if TYPE_CHECKING:
    from probe.http_messages import Request
    from probe.manifest import Target
    from probe.model import Sample


class Resolver(Protocol):
    """Every address ``host`` resolves to for ``port`` (IP literals, no port)."""

    def __call__(self, host: str, port: int) -> list[str]: ...


def system_resolver(host: str, port: int) -> list[str]:
    """getaddrinfo's A and AAAA answers, in its order, each address once.

    Raises OSError (socket.gaierror) when the name does not resolve.
    """
    import socket  # only to resolve names (--all-addresses): not with every check

    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found = [str(info[4][0]) for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)]
    return list(dict.fromkeys(found))


HOSTS_FILE_BYTES = MIB
"""An /etc/hosts of ten thousand lines is well under this."""


def hosts_file_resolver(path: str) -> Resolver:
    """A resolver reading an ``/etc/hosts``-style file: for tests and for pinning a fleet."""

    def resolve(host: str, port: int) -> list[str]:
        found: list[str] = []
        for line in read_text(path, HOSTS_FILE_BYTES).splitlines():
            fields = line.split("#", 1)[0].split()
            if len(fields) >= 2 and host.lower() in (f.lower() for f in fields[1:]):
                found.append(fields[0])
        if not found:
            import socket

            raise socket.gaierror(socket.EAI_NONAME, f"{host} not in {path}")
        return list(dict.fromkeys(found))

    return resolve


@functools.lru_cache(maxsize=1024)  # asked per URL and per request with a few distinct values
def split_connect(value: str, where: str) -> tuple[str, int | None]:
    """``HOST[:PORT]`` -> (host, port or None): without a port each URL keeps its own."""
    return parse_address(value, where)


def join(host: str, port: int) -> str:
    """``host:port``, brackets around an IPv6 address."""
    # Kept once per distinct address: every target of a sweep holds its own (probe.compact).
    return keep(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")


def url_port(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)


def addresses_for(
    url: str, connects: Sequence[str], all_addresses: bool, resolver: Resolver
) -> list[str | None]:
    """The addresses ``url`` is probed at; ``[None]``: wherever its name resolves.

    A host name in ``connects`` is itself resolved when ``all_addresses`` is set
    (every backend behind that name). A name that does not resolve keeps one
    ``None`` address, so the request fails with the usual DNS verdict.
    """
    if not connects and not all_addresses:
        return [None]
    hosts: list[tuple[str, int]] = []
    for value in connects:
        host, given = split_connect(value, "connect")
        hosts.append((host, given or url_port(url)))  # the URL parsed only when needed
    if not hosts:
        hosts = [(urlsplit(url).hostname or "", url_port(url))]
    found: list[str | None] = []
    for host, at in hosts:
        if all_addresses and not is_ip(host):
            try:
                resolved = resolver(host, at)
            except (OSError, UnicodeError):
                found.append(None if not connects else join(host, at))
                continue
            found += [join(ip, at) for ip in resolved]
        else:
            found.append(join(host, at))
    return list(dict.fromkeys(found))


def expand(
    targets: Iterable[Target],
    connects: Sequence[str],
    all_addresses: bool,
    resolver: Resolver = system_resolver,
    own: Mapping[str, Sequence[str]] | None = None,
) -> list[Target]:
    """One target per URL and address, URL by URL (a URL's rows stay together in reports).
    ``own``: the instances with their own ``connect``, whose URLs go there instead."""
    return [
        # The usual sweep (no fleet) keeps every target as it is: no copy of 10,000 targets.
        target if address == target.address else target.at(address)
        for target in targets
        for address in addresses_for(
            target.url, own.get(target.expected or "", connects) if own else connects,
            all_addresses, resolver)
    ]


def is_fleet(urls_and_addresses: Iterable[tuple[str, str | None]]) -> set[str]:
    """The URLs probed at more than one address: reports name their address."""
    seen: dict[str, set[str | None]] = {}
    for url, address in urls_and_addresses:
        seen.setdefault(url, set()).add(address)
    return {url for url, found in seen.items() if len(found) > 1}


class _ProbesAll(Protocol):
    def probe_all(self, requests: Sequence[Request], *, concurrency: int, end: float | None,
                  on_sample: Callable[[int, Sample], None],
                  interrupted: Callable[[], bool] = ...) -> None: ...


def probe_fairly(transport: _ProbesAll, requests: Sequence[Request], *, concurrency: int,
                 end: float | None, on_sample: Callable[[int, Sample], None],
                 interrupted: Callable[[], bool],
                 connect_of: Callable[[int], str | None] | None = None) -> None:
    """``transport.probe_all`` with each address getting its own share of ``concurrency``.

    One request loop per address, in its own thread, so a backend that hangs holds at most
    its share of the connections and the others are still probed at their pace. With one
    address (the usual sweep) it is just ``probe_all``. ``connect_of(index)``: the request's
    address without making the request (``requests`` may make each one as it is sent).
    """
    address_of = connect_of or (lambda index: requests[index].connect)
    if len({address_of(index) for index in range(len(requests))}) <= 1:
        transport.probe_all(requests, concurrency=concurrency, end=end, on_sample=on_sample,
                            interrupted=interrupted)
        return
    # Lists of indices only for a fleet: a million URLs at one address need none of them.
    groups: dict[str | None, list[int]] = {}
    for index in range(len(requests)):
        groups.setdefault(address_of(index), []).append(index)
    shares = concurrency_shares(len(groups), concurrency)
    lock = threading.Lock()  # on_sample (results, logs, progress bar) is called one at a time

    def run(position: int, indices: list[int]) -> None:
        def each(local: int, sample: Sample) -> None:
            with lock:
                on_sample(indices[local], sample)

        transport.probe_all(_Picked(requests, indices),
                            concurrency=shares[position], end=end,
                            on_sample=each, interrupted=interrupted)

    threads = [threading.Thread(target=run, args=(n, indices), name=f"probe-{address}",
                                daemon=True)
               for n, (address, indices) in enumerate(groups.items())]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def concurrency_shares(addresses: int, concurrency: int) -> list[int]:
    """Each address's share of ``concurrency``, in the order the addresses are first met:
    what :func:`probe_fairly` gives each, and what diagnosis says of a timeout (how many of
    the sweep's requests were in flight to one address at once)."""
    share, extra = divmod(concurrency, addresses)
    return [max(1, share + (position < extra)) for position in range(addresses)]


class _Picked(Sequence["Request"]):
    """Some of a sequence's requests, by index, taken from it only when asked for."""

    def __init__(self, requests: Sequence[Request], indices: list[int]) -> None:
        self._requests = requests
        self._indices = indices

    def __len__(self) -> int:
        return len(self._indices)

    @overload
    def __getitem__(self, index: int) -> Request: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Request]: ...

    def __getitem__(self, index: int | slice) -> Request | Sequence[Request]:
        if isinstance(index, slice):
            return [self._requests[i] for i in self._indices[index]]
        return self._requests[self._indices[index]]
