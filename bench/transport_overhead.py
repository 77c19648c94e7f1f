"""What the probe transport costs per request over plain requests.

Target: real Apache httpd + mod_wsgi + Django (the ``healthy`` scenario of
tests/integration), one probe URL, sequential requests on one keep-alive connection.
Anchor: ``requests.Session.get`` of the same URL with the same Host header, same run.
The transport adds --connect routing, a deadline watchdog, a capped streamed body
read and JSON parsing. Prints the ratio probe/plain of the median per request.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from probe.transport import Transport
from tests.integration.apache import running, scenario_template

REQUESTS = 300
ROUNDS = 5
URL = "http://site-1.example.com/__probe__"


def main() -> None:
    with running(scenario_template("healthy")) as server:
        transport = Transport(connect=server.connect, timeout=5)
        session = requests.Session()
        session.trust_env = False
        plain_url = f"http://{server.connect}/__probe__"
        headers = {"Host": "site-1.example.com"}
        for _ in range(20):  # warm up both connections and the application
            transport.probe(URL)
            session.get(plain_url, headers=headers, timeout=5).json()
        plain, probe = [], []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            for _ in range(REQUESTS):
                session.get(plain_url, headers=headers, timeout=5).json()
            plain.append((time.perf_counter() - start) / REQUESTS)
            start = time.perf_counter()
            for _ in range(REQUESTS):
                assert transport.probe(URL).endpoint is not None
            probe.append((time.perf_counter() - start) / REQUESTS)
    p, q = statistics.median(plain), statistics.median(probe)
    print(f"plain requests.get + json: {p * 1000:.3f} ms/request")
    print(f"Transport.probe:           {q * 1000:.3f} ms/request")
    print(f"ratio probe/plain: {q / p:.2f}")


if __name__ == "__main__":
    main()
