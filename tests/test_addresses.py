"""probe/addresses.py: one target per URL and address (connect lists, DNS), and the manifest's
fleet settings.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from probe import addresses, manifest
from probe.addresses import addresses_for, expand, hosts_file_resolver, split_connect
from probe.errors import ManifestError
from probe.manifest import Target


@pytest.mark.parametrize(("value", "expected"), [
    ("127.0.0.1:8080", ("127.0.0.1", 8080)),
    ("127.0.0.1", ("127.0.0.1", None)),
    ("backend-1.example.com", ("backend-1.example.com", None)),
    ("[::1]:8443", ("::1", 8443)),
    ("[::1]", ("::1", None)),
    ("::1", ("::1", None)),
])
def test_split_connect(value: str, expected: tuple[str, int | None]) -> None:
    assert split_connect(value, "connect") == expected


@pytest.mark.parametrize("value", ["", "h:0", "h:99999", "h:x", "[::1", "[::1]x", "a b:80"])
def test_split_connect_rejects(value: str) -> None:
    with pytest.raises(ManifestError, match="not HOST or HOST:PORT"):
        split_connect(value, "connect")


def no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"resolved {host} unasked")


def test_connect_list_keeps_each_urls_port_without_one() -> None:
    found = addresses_for("https://a.example/", ["10.0.0.1", "10.0.0.2:8443", "[::1]"], False,
                          no_dns)
    assert found == ["10.0.0.1:443", "10.0.0.2:8443", "[::1]:443"]


def test_no_connect_no_all_addresses_is_dns_choice() -> None:
    assert addresses_for("http://a.example/", [], False, no_dns) == [None]


def test_all_addresses_probes_v4_and_v6_separately() -> None:
    asked: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return ["192.0.2.1", "2001:db8::1", "192.0.2.2"]

    assert addresses_for("http://a.example:8080/", [], True, resolver) == [
        "192.0.2.1:8080", "[2001:db8::1]:8080", "192.0.2.2:8080"]
    assert asked == [("a.example", 8080)]


def test_all_addresses_name_that_does_not_resolve_keeps_dns_verdict() -> None:
    def resolver(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "no such name")

    assert addresses_for("http://a.example/", [], True, resolver) == [None]


def test_expand_goes_url_by_url_so_addresses_alternate() -> None:
    targets = [Target("http://a.example/", "x"), Target("http://b.example/", "y")]
    found = expand(targets, ["127.0.0.1", "127.0.0.2"], False, no_dns)
    assert [(t.url, t.address) for t in found] == [
        ("http://a.example/", "127.0.0.1:80"), ("http://a.example/", "127.0.0.2:80"),
        ("http://b.example/", "127.0.0.1:80"), ("http://b.example/", "127.0.0.2:80")]
    assert [t.expected for t in found] == ["x", "x", "y", "y"]


def test_hosts_file_resolver(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    hosts.write_text("# fleet\n127.0.0.1 site-1.example.com\n127.0.0.2  other site-1.example.com"
                     "\n::1 site-1.example.com  # v6\n", encoding="utf-8")
    resolve = hosts_file_resolver(str(hosts))
    assert resolve("SITE-1.example.com", 80) == ["127.0.0.1", "127.0.0.2", "::1"]
    with pytest.raises(OSError):
        resolve("nowhere.example", 80)


def test_system_resolver_resolves_localhost() -> None:
    found = addresses.system_resolver("localhost", 80)
    assert found and all(a in ("127.0.0.1", "::1") for a in found)


def test_manifest_connect_list_and_all_addresses() -> None:
    m = manifest.parse('[probe]\nconnect = ["10.0.0.1", "10.0.0.2:81"]\nall_addresses = true\n'
                       '[refuse]\nurls = ["http://a.example/"]\n', "m.toml")
    assert m.probe.connects == ("10.0.0.1", "10.0.0.2:81")
    assert m.probe.connect == "10.0.0.1"
    assert m.probe.all_addresses is True
    # A command-line override replaces the list, and keeps it when not given.
    assert m.with_probe(connect=("10.0.0.9",)).probe.connects == ("10.0.0.9",)
    assert m.with_probe(samples=1).probe.connects == ("10.0.0.1", "10.0.0.2:81")


@pytest.mark.parametrize(("line", "message"), [
    ("connect = []", "give at least one HOST or HOST:PORT"),
    ("connect = [1]", "must be HOST[:PORT] or a list of them, not 1"),
    ('connect = ["ok:1", "bad:0"]', "not HOST or HOST:PORT: 'bad:0'"),
    ('all_addresses = "yes"', "must be bool"),
])
def test_manifest_rejects_bad_fleet_settings(line: str, message: str) -> None:
    with pytest.raises(ManifestError) as info:
        manifest.parse(f"[probe]\n{line}\n[refuse]\nurls = ['http://a.example/']\n", "m.toml")
    assert message in str(info.value)


def test_without_sni_every_connect_address_must_be_an_ip() -> None:
    text = ('[probe]\nsni = false\nconnect = ["127.0.0.1:8443", {second}]\n'
            '[refuse]\nurls = ["https://a.example/"]\n')
    ok = manifest.parse(text.format(second='"[::1]:8443"'), "m.toml")
    assert ok.probe.connects == ("127.0.0.1:8443", "[::1]:8443")
    with pytest.raises(ManifestError, match="probing without SNI needs connect IP:PORT"):
        manifest.parse(text.format(second='"backend-2.example:8443"'), "m.toml")
