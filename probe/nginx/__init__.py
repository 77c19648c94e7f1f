"""The nginx configuration model: what an nginx configuration means for a request, as nginx
decides it (:mod:`probe.nginx.select`), read with crossplane (:mod:`probe.nginx.text`).

:func:`load_nginx` is the entry: a path (a file, a directory holding ``nginx.conf``, or
``nginx -T`` output) in, an :class:`~probe.nginx.route.NginxConfig` out, which predicts the
route of a URL (:class:`probe.front.FrontConfig`).
"""

from __future__ import annotations

from probe.nginx.model import NginxModel, build
from probe.nginx.route import NginxConfig
from probe.nginx.text import NginxUnreadable, load, looks_like_nginx

__all__ = ["NginxConfig", "NginxModel", "NginxUnreadable", "load_nginx", "looks_like_nginx"]


def load_nginx(path: str) -> NginxConfig:
    """Read and model an nginx configuration; NginxUnreadable (one line) if the path
    cannot be read or is not nginx configuration."""
    return NginxConfig(build(load(path)))
