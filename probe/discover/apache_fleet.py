"""When ``probe discover``'s PATHs are separate httpd servers (a fleet, each started with its
own ``-f``: tester T38's three members on 127.0.0.2-4) rather than one server's files.

Several PATHs are one server's pieces (a main file and its includes, ``sites-enabled/*``)
unless each is a whole configuration of its own: a ``Listen`` and a ``ServerRoot``,
``PidFile`` or MPM module of its own, and none read by another's includes. httpd reads one
``-f`` file; two whole files read as one would open every listener and pid file twice, so
together they describe separate servers. Each is then discovered alone (its own server
root, ``envvars`` and ``Listen``) and :mod:`probe.discover.fleet_merge` writes them as one
manifest."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from probe.apache.config import ConfigUnreadable, parse_paths
from probe.apache.config_text import main_config

if TYPE_CHECKING:
    from probe.apache import Httpd
    from probe.apache.config import ApacheConfig

# What only a whole configuration holds: what httpd needs of its own to start a server.
_OWN = ("serverroot", "pidfile")


@dataclass(frozen=True)
class Whole:
    """One PATH that is a whole httpd configuration: a server of its own."""

    path: str
    why: str  # its ServerRoot/PidFile/MPM and Listen lines, for the manifest's comment


def whole(config: ApacheConfig) -> str | None:
    """Why ``config`` is a whole httpd configuration of its own, for a comment: its
    ``ServerRoot``/``PidFile``/MPM lines and its first ``Listen``; None for a piece."""
    top = config.directives  # conditional sections are spliced in, VirtualHosts are not
    listens = [d for d in top if d.key == "listen" and d.args]
    own = [d for d in top if d.key in _OWN and d.args]
    own += [d for d in top if d.key == "loadmodule" and d.arg(0).startswith("mpm_")]
    if not listens or not own:
        return None
    return ", ".join(f"{d.name} at {d.where}" for d in [*own, listens[0]])


def separate_servers(paths: Sequence[str | os.PathLike[str]], *, server_root: str | None,
                     environ: Mapping[str, str] | None,
                     httpd: Httpd | None) -> list[Whole] | None:
    """Each PATH with why it is a server of its own, where every one is; None where they
    are one server's files (read together, as before)."""
    from probe.apache import server_environ

    if len(paths) < 2:
        return None
    said: list[Whole] = []
    read: list[set[str]] = []
    for path in paths:
        try:
            config = parse_paths([path], server_root=server_root,
                                 environ=server_environ([path], server_root, environ),
                                 httpd=httpd)
        except ConfigUnreadable:  # read together, the usual error names it
            return None
        why = whole(config)
        if why is None:
            return None
        said.append(Whole(os.fspath(path), why))
        read.append({os.path.realpath(f) for f in config.files})
    mains = [os.path.realpath(_main(w.path)) for w in said]
    # a PATH another one Includes is a piece of that server, whatever it holds
    if any(main in files for i, main in enumerate(mains)
           for j, files in enumerate(read) if i != j):
        return None
    return said


def _main(path: str) -> str:
    return (main_config(path) or path) if os.path.isdir(path) else path
