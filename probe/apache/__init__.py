"""The Apache httpd + mod_wsgi configuration model: what a configuration means to httpd.

One home for it, imported by ``probe lint``, ``probe discover``, ``probe ps``, the lab and
the sweep's diagnosis: :mod:`probe.apache.config` reads files as httpd does (Includes,
Defines, ``<IfModule>``...), :mod:`probe.apache.model` builds servers, mounts and daemon
groups from them, :mod:`probe.apache.hostnames` matches host names as httpd does.
:func:`load_site` is the entry: paths in, a :class:`~probe.apache.model.Site` out.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from probe.apache.config import (
    ConfigUnreadable,
    Httpd,
    default_server_root,
    parse_paths,
    read_envvars,
)
from probe.apache.model import Site, build_site
from probe.apache.modules import compiled_in, server_version

__all__ = ["ConfigUnreadable", "Httpd", "Site", "load_site", "local_httpd", "server_environ"]


def local_httpd(defines: Sequence[str] = ()) -> Httpd:
    """This machine's httpd (its ``apache2 -l`` and ``-v``, else Debian's modules and an
    unknown version) with ``-D`` names."""
    return Httpd(compiled_in(), tuple(defines), server_version())


def server_environ(paths: Sequence[str | os.PathLike[str]], server_root: str | None,
                   environ: Mapping[str, str] | None) -> dict[str, str]:
    """``environ`` overridden (as ``apache2ctl`` does) by an ``envvars`` file in the server
    root, where Debian keeps them."""
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
    if paths:
        environ = server_environ(paths, server_root, environ)
    return build_site(parse_paths(paths, server_root=server_root, environ=environ,
                                  httpd=httpd))
