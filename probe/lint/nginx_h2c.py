"""``nginx_h2c_only``: a ``listen`` with ``http2`` and without ``ssl`` (docs/lint.md).

Such a port speaks HTTP/2 in clear from the first byte and nothing else
(:mod:`probe.nginx.h2c`, checked with Debian's nginx 1.22.1): an HTTP/1.1 request is
answered with HTTP/2 frames, so browsers (HTTP/2 only over TLS), curl without
``--http2-prior-knowledge``, health checks and the probe cannot use it. Tester T36's nginx-h2
case: ``listen 127.0.0.1:18364 http2;`` at nginx.conf:70, for which lint was silent and the
sweep said "another program listening on this port".

It may be meant (an internal hop whose client speaks prior-knowledge HTTP/2, gRPC without
TLS), so it is a warning, worded as what HTTP/1.1 clients get, with both ways out: the line
without ``http2`` (HTTP/1.1), or with ``ssl`` and a certificate (HTTP/2 chosen per
connection, HTTP/1.1 kept).
"""

from __future__ import annotations

from probe.lint.findings import ConfigFinding, Severity
from probe.nginx.h2c import h2c_listens, said, without_http2
from probe.nginx.model import NginxModel


def h2c_only(model: NginxModel) -> list[ConfigFinding]:
    """A warning at each ``listen`` line with ``http2`` and without ``ssl``."""
    return [ConfigFinding.at(
        "nginx_h2c_only", Severity.WARNING, d.where,
        f"'{said(d)}' has http2 without ssl: the port speaks HTTP/2 in clear only (prior "
        f"knowledge), and nginx answers an HTTP/1.1 request there with HTTP/2 frames "
        f"(libcurl: 'Received HTTP/0.9 when not allowed'), so HTTP/1.1 clients, browsers "
        f"included (they speak HTTP/2 only over TLS), cannot use it",
        f"unless only prior-knowledge HTTP/2 clients are meant to use this port, write "
        f"'{without_http2(d)}' (HTTP/1.1), or add ssl with a certificate "
        f"(ssl_certificate, ssl_certificate_key): over TLS each client chooses HTTP/2 or "
        f"HTTP/1.1 in the handshake")
        for d in h2c_listens(model.text)]
