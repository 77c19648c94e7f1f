"""The Apache httpd + mod_wsgi configuration model: what a configuration means to httpd.

One home for it, imported by ``probe lint``, ``probe discover``, ``probe ps``, the lab and
the sweep's diagnosis: :mod:`probe.apache.config` reads files as httpd does (Includes,
Defines, ``<IfModule>``...), :mod:`probe.apache.site_build` builds servers, mounts and
daemon groups (:mod:`probe.apache.model`) from them, :mod:`probe.apache.hostnames` matches
host names as httpd does.
:func:`load_site` is the entry: paths in, a :class:`~probe.apache.model.Site` out.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from probe.apache.config import ConfigUnreadable, Httpd
    from probe.apache.model import Site

__all__ = ["ConfigUnreadable", "Httpd", "Site", "load_site", "local_httpd", "server_environ"]

_LAZY = {"ConfigUnreadable": "probe.apache.config", "Httpd": "probe.apache.config",
         "Site": "probe.apache.model"}
"""Imported when first asked for: a sweep's diagnosis reads only :mod:`probe.apache.names`,
and importing the package must not load the configuration model with it (a third of
``probe check``'s imports; bench/RESULTS.md)."""


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def local_httpd(defines: Sequence[str] = ()) -> Httpd:
    """This machine's httpd (its ``apache2 -l`` and ``-v``, else Debian's modules and an
    unknown version) with ``-D`` names."""
    from probe.apache.config import Httpd
    from probe.apache.modules import compiled_in, server_version

    return Httpd(compiled_in(), tuple(defines), server_version())


def server_environ(paths: Sequence[str | os.PathLike[str]], server_root: str | None,
                   environ: Mapping[str, str] | None) -> dict[str, str]:
    """``environ`` overridden (as ``apache2ctl`` does) by an ``envvars`` file in the server
    root, where Debian keeps them."""
    from probe.apache.config import default_server_root, read_envvars

    root = server_root or default_server_root(paths)
    return {**(environ or {}), **read_envvars(os.path.join(root, "envvars"))}


def load_site(paths: Sequence[str | os.PathLike[str]], *, server_root: str | None = None,
              environ: Mapping[str, str] | None = None, httpd: Httpd | None = None) -> Site:
    """Parse configuration files and build the site model; ConfigUnreadable if a path
    given cannot be read.

    ``${VAR}`` resolves from Defines, then ``environ`` with the server root's ``envvars``
    (:func:`server_environ`). ``httpd`` gives the compiled-in modules and ``-D`` names
    (default: Debian's httpd, no ``-D``).
    """
    from probe.apache.config import parse_paths
    from probe.apache.site_build import build_site

    if paths:
        environ = server_environ(paths, server_root, environ)
    return build_site(parse_paths(paths, server_root=server_root, environ=environ,
                                  httpd=httpd))
