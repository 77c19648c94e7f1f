"""A real nginx whose server block answers ``return 301 http://127.0.0.1:PORT/...``: another
host than the URL's (``localhost``), where a listener records every request it gets.

The probe follows no redirect, so the listener gets nothing, the token least of all; the fix
(--config) says the return line answers itself and that listing or following its target
would carry the token to that other host, with the Location it rests on as observed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from .apache import free_port
from .nginx import TOKEN, Nginx, start_kept, sweep_report


class _Recorder(BaseHTTPRequestHandler):
    """The other host: every request's headers kept, a 200 for each."""

    seen: ClassVar[list[dict[str, str]]] = []  # each fixture gives its subclass its own

    def do_GET(self) -> None:
        self.seen.append(dict(self.headers.items()))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def other_host() -> Iterator[tuple[int, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    handler = type("Recorder", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1]), seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def running() -> Iterator[list[Nginx]]:
    started: list[Nginx] = []
    yield started
    for server in started:
        server.stop()


def test_a_return_to_another_host_is_not_followed_and_its_fix_names_the_token(
        other_host: tuple[int, list[dict[str, str]]], running: list[Nginx],
        tmp_path: Path) -> None:
    away, seen = other_host
    port = free_port()
    target = f"http://127.0.0.1:{away}/landing/"
    nginx = start_kept(f"    server {{ listen 127.0.0.1:{port}; server_name localhost;\n"
                       f"        return 301 {target}; }}\n", port, running, tmp_path)
    line = next(n for n, text in enumerate(nginx.conf.read_text().splitlines(), 1)
                if "return 301" in text)
    url = f"http://localhost:{port}/"
    manifest = tmp_path / "m.toml"
    # no connect: the URL's name is resolved, so a followed Location would reach the listener
    manifest.write_text(f'[probe]\ntoken_env = "WSGI_PROBE_TOKEN"\nsamples = 2\n'
                        f'[instances.site]\nlabel = "site"\nurls = ["{url}"]\n')
    configured = {t["url"]: t for t in
                  sweep_report(manifest, "--config", str(nginx.conf))["targets"]}[url]
    alone = {t["url"]: t for t in sweep_report(manifest)["targets"]}[url]
    assert not [h for h in seen if TOKEN in h.values()], seen
    assert seen == [], seen  # nothing followed the redirect, with or without the token
    assert configured["verdict"] == "no_endpoint" and configured["cause"] == "url_mapping"
    fix = configured["fix"]
    assert fix.startswith(f"At {nginx.conf}:{line}, the server block answers 301 itself "
                          f"(the probe does not follow redirects), to {target} (the answer's "
                          f"Location), on another host, http://127.0.0.1:{away}, not "
                          f"http://localhost:{port}: "), fix
    assert "the probe token (X-Probe-Token) this sweep sent would go there too" in fix
    assert "list the URL it redirects to in the manifest instead" not in fix
    assert {"kind": "observed", "claim": f"HTTP 301, Location: {target}",
            "source": f"{url}__probe__"} in configured["evidence"], configured["evidence"]
    # the answers-alone fix warned already (probe/diagnose/redirected.py)
    assert "X-Probe-Token" in alone["fix"] and f"http://127.0.0.1:{away}" in alone["fix"]
    assert TOKEN not in str(configured) + str(alone)
