"""``probe discover``: a manifest derived from a front server's configuration.

The manifest states what the configuration *intends*; a sweep of it then shows where the
running server does otherwise. :mod:`probe.discover.apache` reads Apache httpd + mod_wsgi
configuration; :mod:`probe.discover.discovery` holds what was found and
:mod:`probe.discover.manifest_text` writes it as TOML.
"""

from __future__ import annotations

from probe.discover.apache import discover, discover_paths, discover_site
from probe.discover.discovery import DiscoveredInstance, Discovery, Url
from probe.discover.manifest_text import UNKNOWN_HOST, render

__all__ = [
    "UNKNOWN_HOST",
    "DiscoveredInstance",
    "Discovery",
    "Url",
    "discover",
    "discover_paths",
    "discover_site",
    "render",
]
