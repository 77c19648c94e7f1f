"""Which ``wsgi_endpoint.py`` files are wsgi-probe's own: the only ones install may replace.

A file of that name beside a WSGI script may be the user's: their own module, or a copy of
the endpoint they changed. ``--install`` overwrites and ``--uninstall`` deletes only a file
it can prove it wrote: byte for byte the endpoint this version ships, or one that earlier
versions shipped (their SHA-256 below). When contrib/wsgi_endpoint.py changes, its new hash
is added here (tests/test_install_files.py fails until it is).
"""

from __future__ import annotations

import hashlib

from probe import endpoint_source

SHIPPED = frozenset({
    "9f4adce86b7f6710fb988b27247fdda75b55d868d1602489656403357c98fd53",
    "3072ec2040f329eaa6736d8e1486927c49dc9be121127f976fc8e9900f45db61",
    "7e66301e659381e639fcb4df445071270fd3a9c6511820ff67227e54d4707b06",
    "9c21be603fc49684a8b532fa7943e3164551af13ade3f7623131b64f9186105e",
    "a4e0d6875ee23e3ddf699e18de11c8afec21c304c96a1bcc84ca769c65842dc0",
    "368cf68eba6b89535e065146886b72309b8112fcea03d34dafb0b6b8f10fc99f",
    "c3c03cc9f36e85f5af96a4b4791e8d53728bfa1bf9b9dd3cb1136a8fd6b941ff",
    "2ab8722ee7e506a6c48830e8e5b3f33247817ac700e6b109a59c14b220426156",
    "dff4b5605b8fe47ed55fb191d2864feaeee1f0cd8b90cfe4c9e918a62172e1fe",
    "75da2bf4ea7c2ec7b8e0266b00e60d2bf7c11435b319e810b9063b53335eca6d",
    "c154cd518697231a2c87beaf60de22a933d32a57e902eb511a9966297d8b7d88",
})
"""SHA-256 of every contrib/wsgi_endpoint.py wsgi-probe has shipped, this one included."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_ours(data: bytes) -> bool:
    """Whether ``data`` is an endpoint file wsgi-probe wrote (this version's or an earlier)."""
    return digest(data) in SHIPPED or data == endpoint_source.read().encode("utf-8")
