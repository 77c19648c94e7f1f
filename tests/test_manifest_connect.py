"""``[instances.NAME] connect``: an instance's URLs sent to its own address (an IP-based
Apache VirtualHost), checked like ``[probe] connect``; ``--connect`` still sends every
request to its address."""

from __future__ import annotations

import pytest

from probe.addresses import expand
from probe.errors import ManifestError
from probe.manifest import Manifest, parse

TWO = """\
[probe]
connect = "127.0.0.1:8000"
[instances.a]
label = "a"
urls = ["http://a.example:8000/"]
[instances.b]
label = "b"
{connect}
urls = ["http://b.example:8000/"]
[refuse]
urls = ["http://unknown.invalid:8000/"]
"""


def _manifest(connect: str) -> Manifest:
    return parse(TWO.format(connect=connect), "site.toml")


def _addresses(manifest: Manifest) -> list[tuple[str, str | None]]:
    chosen = expand(manifest.targets(), manifest.probe.connects, False,
                    own=manifest.own_connects())
    return [(t.url, t.address) for t in chosen]


def test_an_instance_connect_sends_only_its_urls_there() -> None:
    manifest = _manifest('connect = "127.0.0.2:8000"')
    assert manifest.instances["b"].connect == "127.0.0.2:8000"
    assert _addresses(manifest) == [("http://a.example:8000/", "127.0.0.1:8000"),
                                    ("http://b.example:8000/", "127.0.0.2:8000"),
                                    ("http://unknown.invalid:8000/", "127.0.0.1:8000")]


def test_without_a_port_each_url_keeps_its_own() -> None:
    manifest = _manifest('connect = "127.0.0.2"')
    assert ("http://b.example:8000/", "127.0.0.2:8000") in _addresses(manifest)


def test_command_line_connect_sends_every_request_there() -> None:
    manifest = _manifest('connect = "127.0.0.2:8000"').with_probe(connect=("127.0.0.9:80",))
    assert {address for _, address in _addresses(manifest)} == {"127.0.0.9:80"}


def test_other_probe_options_keep_the_instance_connect() -> None:
    manifest = _manifest('connect = "127.0.0.2:8000"').with_probe(samples=5)
    assert ("http://b.example:8000/", "127.0.0.2:8000") in _addresses(manifest)


@pytest.mark.parametrize(("line", "error"), [
    ('connect = ["127.0.0.2:80"]', "site.toml: instances.b.connect: must be a string, not "
                                   "['127.0.0.2:80']"),
    ('connect = "127.0.0.2:99999"', "site.toml: instances.b.connect: not HOST or HOST:PORT: "
                                    "'127.0.0.2:99999'"),
    ('connect = "a b"', "site.toml: instances.b.connect: not HOST or HOST:PORT: 'a b'"),
])
def test_a_bad_instance_connect_is_one_line(line: str, error: str) -> None:
    with pytest.raises(ManifestError) as caught:
        _manifest(line)
    assert str(caught.value) == error


def test_without_sni_an_instance_connect_must_be_an_ip() -> None:
    text = TWO.format(connect='connect = "b.internal:8000"').replace(
        "[probe]\n", "[probe]\nsni = false\n").replace("http://b.", "https://b.")
    with pytest.raises(ManifestError) as caught:
        parse(text, "site.toml")
    assert str(caught.value) == ("site.toml: instances.b.connect: probing without SNI needs "
                                 "connect IP:PORT")


def test_without_sni_a_name_is_refused_only_where_an_https_url_goes() -> None:
    """No SNI is sent over http: only an https URL needs an IP address to go without it."""
    text = TWO.format(connect='connect = "b.internal:8000"').replace(
        "[probe]\n", "[probe]\nsni = false\n").replace('"127.0.0.1:8000"', '"a.internal"')
    assert parse(text, "site.toml").instances["b"].connect == "b.internal:8000"
    with pytest.raises(ManifestError) as caught:
        parse(text.replace("http://a.", "https://a."), "site.toml")
    assert str(caught.value) == ("site.toml: probe.sni: probing without SNI needs connect "
                                 "IP:PORT")
    with pytest.raises(ManifestError) as caught:
        parse(text.replace("http://b.", "https://b."), "site.toml")
    assert str(caught.value) == ("site.toml: instances.b.connect: probing without SNI needs "
                                 "connect IP:PORT")
