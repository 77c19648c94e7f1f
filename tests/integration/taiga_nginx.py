"""A real nginx before a tester's Taiga shape (``taiga.test``, the API at ``/api/v1/``), for
the tests that change its locations and sweep it again: test_nginx_broader_location and
test_nginx_whole_path_undecided wrote this set-up each.

:func:`taiga_fronts` yields a starter: given the ``taiga.test`` server block's locations it
starts nginx on a free loopback port (a default server answering 444 beside it) and returns a
:class:`Run` that sweeps it with the manifest's ``taiga-back`` instance and fetches a real API
page; every nginx started is stopped when the scope ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from .apache import free_port
from .nginx import Nginx, sweep_report
from .nginx import start_kept as start_nginx

URL = "http://taiga.test/api/v1/"


@dataclass
class Run:
    nginx: Nginx
    port: int
    tmp_path: Path
    token: str
    declared: str | None
    """The instance's ``script_name`` where a sweep declares none of its own (None: no key)."""

    def sweep(self, script_name: str | None = None) -> dict[str, Any]:
        """The sweep's JSON report, ``script_name`` declared (else :attr:`declared`), with
        ``--config`` the nginx configuration."""
        if script_name is None:
            script_name = self.declared
        declared = "" if script_name is None else f'script_name = "{script_name}"\n'
        manifest = self.tmp_path / f"manifest-{len(list(self.tmp_path.glob('*.toml')))}.toml"
        manifest.write_text(f'[probe]\nconnect = "127.0.0.1:{self.port}"\n'
                            f'token_env = "WSGI_PROBE_TOKEN"\nsamples = 3\n\n'
                            f'[instances.taiga-back]\nlabel = "taiga"\n{declared}'
                            f'urls = ["{URL}"]\n')
        return sweep_report(manifest, "--config", str(self.nginx.conf), token=self.token)

    def target(self) -> dict[str, Any]:
        """The URL's target in a sweep with :attr:`declared`."""
        found: dict[str, Any] = self.sweep()["targets"][0]
        return found

    def page(self) -> int:
        """A real page of the API: what a fix is for, the check a warning names."""
        return requests.get(f"http://127.0.0.1:{self.port}/api/v1/ping/",
                            headers={"Host": "taiga.test"}, timeout=10).status_code


@contextmanager
def taiga_fronts(tmp_path: Path, token: str, *,
                 declared: str | None = None) -> Iterator[Callable[[str], Run]]:
    """Starts nginx with the ``taiga.test`` locations given, each swept with ``token``."""
    running: list[Nginx] = []

    def start(locations: str) -> Run:
        port = free_port()
        body = (f"    server {{ listen 127.0.0.1:{port} default_server; return 444; }}\n"
                f"    server {{ listen 127.0.0.1:{port}; server_name taiga.test;\n"
                f"        {locations} }}\n")
        return Run(start_nginx(body, port, running, tmp_path), port, tmp_path, token, declared)

    try:
        yield start
    finally:
        for server in running:
            server.stop()
