"""What wrap() costs a request that is not a probe: the per-request path every user pays.

Anchor: the same WSGI application unwrapped, called the same way in the same run.
Prints the ratio wrapped/bare of the median time per call (1.00 = free).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.util import setup_testing_defaults

from probe.endpoint_source import load_module

CALLS = 20_000
ROUNDS = 7


def bare(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def per_call(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> float:
    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        pass

    start = time.perf_counter()
    for _ in range(CALLS):
        for _chunk in app(dict(environ), start_response):
            pass
    return (time.perf_counter() - start) / CALLS


def main() -> None:
    endpoint = load_module("wsgi_endpoint_bench")
    wrapped = endpoint.wrap(bare, label="bench")
    environ: dict[str, Any] = {"PATH_INFO": "/some/page/", "REMOTE_ADDR": "127.0.0.1"}
    setup_testing_defaults(environ)
    probe_environ = {**environ, "PATH_INFO": "/__probe__"}
    bare_t, wrapped_t, probe_t = [], [], []
    for _ in range(ROUNDS):  # interleaved, so drift affects both alike
        bare_t.append(per_call(bare, environ))
        wrapped_t.append(per_call(wrapped, environ))
        probe_t.append(per_call(wrapped, probe_environ))
    b, w, p = (statistics.median(t) for t in (bare_t, wrapped_t, probe_t))
    print(f"bare application:          {b * 1e6:8.2f} us/call")
    print(f"wrapped, ordinary request: {w * 1e6:8.2f} us/call  (+{(w - b) * 1e6:.2f} us)")
    print(f"wrapped, probe answer:     {p * 1e6:8.2f} us/call")
    print(f"ratio wrapped/bare (ordinary request): {w / b:.2f}")


if __name__ == "__main__":
    main()
