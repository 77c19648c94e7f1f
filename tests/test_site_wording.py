"""The catch-all of a fix told without configuration: for the port the request was sent to
(``--connect``), and on https with ``SSLEngine on`` and a certificate to give."""

from __future__ import annotations

from probe.diagnose.site_wording import catch_all_at


def test_the_catch_all_is_for_the_port_the_request_went_to() -> None:
    block = catch_all_at("http://x.example.com/", "127.0.0.1:28103")
    assert block.startswith("<VirtualHost *:28103>\n"), block
    assert "SSLEngine" not in block
    assert catch_all_at("http://x.example.com/", None).startswith("<VirtualHost *:80>")


def test_an_https_catch_all_says_a_certificate_is_needed() -> None:
    block = catch_all_at("https://s3.example.com:28443/", "127.0.0.1:28443")
    assert block.startswith("<VirtualHost *:28443>\n"), block
    assert "\n    SSLEngine on\n    SSLCertificateFile " in block
    assert "a certificate is needed (nothing read names one)" in block
