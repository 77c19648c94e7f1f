"""What an exporter reachable from the network gives away (security tester T37: ``--listen
0.0.0.0`` said nothing, and ``/probe?target=`` was a port scanner for the exporter host's
network): a listening address that is not loopback is warned about at start, and /probe
takes only targets whose requests go where the manifest's go, unless
``--probe-any-target``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from probe.exporter.exposure import listen_exposure
from probe.exporter.lookups import ManifestIndex
from probe.manifest import Target, parse
from tests.monitoring_helpers import closed_port, log_events, start_exporter
from tests.test_exporter_token import Listener


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.mark.parametrize(("host", "warned"), [
    ("0.0.0.0", True), ("::", True), ("192.0.2.10", True), ("[2001:db8::1]", True),
    ("127.0.0.1", False), ("127.0.0.2", False), ("::1", False), ("[::1]", False),
])
def test_a_listening_address_not_loopback_is_said_with_what_it_exposes(
        host: str, warned: bool) -> None:
    said = listen_exposure(host, any_target=False)
    assert (said is not None) is warned
    if said is not None:
        assert "no TLS and no authentication" in said and "/metrics" in said
        assert "manifest's addresses and ports only" in said
        assert "(--probe-any-target)" in (listen_exposure(host, any_target=True) or "")


def index(probe: str = "", *, own: str = "") -> ManifestIndex:
    return ManifestIndex.of(parse(
        f'[probe]\n{probe}\n[instances.a]\nlabel = "a"\nurls = ["http://localhost:8001/app/"]\n'
        f'[instances.b]\nlabel = "b"\n{own}urls = ["https://site.example/"]\n'))


@pytest.mark.parametrize(("url", "reaches"), [
    ("http://localhost:8001/other/", True),  # another path where a manifest URL goes
    ("http://LOCALHOST:8001/", True),
    ("https://site.example:443/x/", True),
    ("http://site.example/", False),  # port 80: no manifest URL goes there
    ("http://localhost:8002/", False),
    # T37's spellings of the same host: compared as written, so refused
    ("http://127.0.0.1:8001/", False), ("http://localhost.:8001/", False),
    ("http://[::ffff:127.0.0.1]:8001/", False), ("http://2130706433:8001/", False),
])
def test_a_target_reaches_only_where_the_manifest_goes(url: str, reaches: bool) -> None:
    assert index().reaches(Target(url, "*")) is reaches


def test_a_connect_decides_where_a_target_goes() -> None:
    # with a port: every request goes there, whatever the URL says
    assert index('connect = "10.0.0.5:8080"').reaches(Target("http://any.example:9/", "*"))
    # port-less: the URL's port, which the query chose
    portless = index('connect = "10.0.0.5"')
    assert portless.reaches(Target("http://any.example:8001/", "*"))
    assert not portless.reaches(Target("http://any.example:22/", "*"))
    # an instance's own connect, chosen with expected=
    own = index(own='connect = "10.0.0.9:443"\n')
    assert own.reaches(Target("https://other.example/", "b"))
    assert not own.reaches(Target("https://other.example/", "*"))


def manifest_file(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "m.toml"
    path.write_text(f'[probe]\nsamples = 1\ntimeout = 2\n[instances.a]\nlabel = "a"\n'
                    f'urls = ["{url}"]\n')
    return path


ENV = {"WSGI_PROBE_TOKEN": "", "PYTHONPATH": os.environ.get("PYTHONPATH", "")}


def test_a_real_exporter_on_every_address_warns_and_scans_nothing(
        tmp_path: Path, listener: Listener) -> None:
    listed = f"http://127.0.0.1:{closed_port()}/"
    exporter = start_exporter(["-m", str(manifest_file(tmp_path, listed))], env=ENV,
                              listen="0.0.0.0:0")
    try:
        unlisted = f"http://127.0.0.1:{listener.port}/internal/"
        refused = exporter.get("/probe", params={"target": unlisted})
        assert refused.status_code == 403
        assert refused.text == (
            f"target {unlisted}: its requests would go to 127.0.0.1:{listener.port}, where "
            "none of the manifest's go; add the URL to the manifest, or start the exporter "
            "with --probe-any-target\n")
        assert listener.heads == []  # nothing sent: no open or closed port to tell
        assert exporter.get("/probe", params={"target": listed}).status_code == 200
    finally:
        _, stderr = exporter.stop()
    [event] = [e for e in log_events(stderr) if e["event"] == "exporter_exposed"]
    assert event["level"] == "warning" and event["address"].startswith("0.0.0.0:")
    assert "no TLS and no authentication" in event["warning"]
    assert "manifest's addresses and ports only" in event["warning"]


def test_probe_any_target_sends_it_and_says_so(tmp_path: Path, listener: Listener) -> None:
    path = manifest_file(tmp_path, f"http://127.0.0.1:{closed_port()}/")
    exporter = start_exporter(["-m", str(path), "--probe-any-target"], env=ENV,
                              listen="0.0.0.0:0")
    try:
        answer = exporter.get("/probe", params={
            "target": f"http://127.0.0.1:{listener.port}/internal/"})
        assert answer.status_code == 200
        assert len(listener.heads) == 1
    finally:
        _, stderr = exporter.stop()
    [event] = [e for e in log_events(stderr) if e["event"] == "exporter_exposed"]
    assert "any address and port (--probe-any-target)" in event["warning"]


def test_on_loopback_nothing_is_said(tmp_path: Path) -> None:
    path = manifest_file(tmp_path, f"http://127.0.0.1:{closed_port()}/")
    exporter = start_exporter(["-m", str(path)], env=ENV)
    _, stderr = exporter.stop()
    assert "exporter_exposed" not in [e["event"] for e in log_events(stderr)]
