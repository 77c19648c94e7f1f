"""A real nginx 1.22 with ``listen 127.0.0.1:PORT http2;`` (no ``ssl``): the port speaks
HTTP/2 in clear alone (tester T36's nginx-h2, nginx.conf:70). The sweep's HTTP/1.1 request got
HTTP/2 frames ("Received HTTP/0.9 when not allowed") and was told "another program listening
on this port". One request sent again with HTTP/2 prior knowledge decides it: with --config
the listen line is named, with the line that serves HTTP/1.1; without the extra request the
check that decides is named; lint warns at the line (nginx_h2c_only)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from probe.lint import lint_nginx

from .apache import ApacheUnavailable, free_port
from .conftest import unavailable
from .nginx import Nginx, start_nginx, sweep_report

BODY = """\
    server {{
        listen 127.0.0.1:{port} http2;
        server_name alpha.test;
        location / {{ return 200 "not the endpoint\\n"; }}
    }}
"""


@pytest.fixture(scope="module")
def h2c(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Nginx, int, Path]]:
    port = free_port()
    workdir = tmp_path_factory.mktemp("h2c")
    try:
        nginx = start_nginx(BODY.format(port=port), [port], workdir=workdir / "nginx")
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    manifest = workdir / "m.toml"
    manifest.write_text(f'[probe]\nconnect = "127.0.0.1:{port}"\n[instances.alpha]\n'
                        f'label = "alpha"\nurls = ["http://alpha.test:{port}/"]\n')
    try:
        yield nginx, port, manifest
    finally:
        nginx.stop()


def _line(conf: Path) -> int:
    """The listen line's number in the nginx.conf written around BODY."""
    return next(n for n, text in enumerate(conf.read_text().splitlines(), 1)
                if "http2;" in text)


def _target(report: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = report["targets"][0]
    assert found["verdict"] == "unreachable", found
    return found


def test_with_the_configuration_the_listen_line_is_named(h2c: tuple[Nginx, int, Path]) -> None:
    nginx, port, manifest = h2c
    found = _target(sweep_report(manifest, "--config", str(nginx.conf)))
    explanation, fix = found["explanation"], found["fix"]
    assert "Received HTTP/0.9 when not allowed" in explanation, explanation
    assert "it was answered HTTP 200 over HTTP/2 (Server: nginx/" in explanation, explanation
    assert "speaks HTTP/2 in clear (h2c) alone" in explanation, explanation
    assert f"At {nginx.conf}:{_line(nginx.conf)}, 'listen 127.0.0.1:{port} http2;' has " \
        f"http2 without ssl: write 'listen 127.0.0.1:{port};' (HTTP/1.1)" in fix, fix
    assert "another program" not in fix, fix
    kinds = {(e["kind"], e["source"].rpartition(":")[2]) for e in found["evidence"]}
    assert ("configured", str(_line(nginx.conf))) in kinds, found["evidence"]


def test_without_the_configuration_nginx_is_named_by_its_server_header(
        h2c: tuple[Nginx, int, Path]) -> None:
    _, port, manifest = h2c
    fix = _target(sweep_report(manifest))["fix"]
    assert fix.startswith(f"In nginx, the listen line of port {port} has http2 without ssl "
                          f"(probe sweep --config names it)"), fix


def test_without_the_extra_request_the_check_that_decides_is_named(
        h2c: tuple[Nginx, int, Path]) -> None:
    _, port, manifest = h2c
    fix = _target(sweep_report(manifest, "--no-extra-probes"))["fix"]
    assert fix.startswith("Whether this port speaks HTTP/2 alone (nginx: a listen with http2 "
                          "and without ssl) was not decided"), fix
    assert f"'curl -sv --http2-prior-knowledge http://alpha.test:{port}/'" in fix, fix


def test_lint_warns_at_the_listen_line(h2c: tuple[Nginx, int, Path]) -> None:
    nginx, port, _ = h2c
    found = [f for f in lint_nginx(str(nginx.conf)).findings if f.code == "nginx_h2c_only"]
    assert [(f.line, f.severity.value) for f in found] == [(_line(nginx.conf), "warning")], \
        found
    assert (found[0].fix or "").startswith(
        "unless only prior-knowledge HTTP/2 clients are meant to use this port, write "
        f"'listen 127.0.0.1:{port};' (HTTP/1.1)"), found[0].fix
