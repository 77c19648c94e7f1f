"""Why a server block is the first of its address where a glob ``include`` decides it.

Where no block listening on an address is marked ``default_server``, nginx gives every name
no ``server_name`` matches to the first block listening there (:mod:`probe.nginx.select`).
Debian's ``include /etc/nginx/sites-enabled/*;`` reads the sites in the sorted order of
their file names (:mod:`probe.include_order`), so a file's name makes its block that first
one: ``django-project.com`` before ``zz-catchall``, whatever the catch-all was meant for.
The words name the include line, the names in the order read, and the first file; the
sweep's route (:mod:`probe.nginx.route`) and lint's ``nginx_no_refusing_default`` say them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from probe.include_order import sorted_first
from probe.nginx.model import NginxModel, Server
from probe.nginx.select import ServerChoice, choose_server, listening


def _file(server: Server) -> str:
    return server.where.rpartition(":")[0]


def read_first_by_name(model: NginxModel, first: Server, others: Sequence[Server]) -> str:
    """Why ``first`` comes before the blocks ``others`` of its address where one glob
    include reads its file before theirs: the include line, the order of the names and the
    first file's name; "" where the order is not decided that way (the blocks in one file,
    or in files read by different includes)."""
    found = sorted_first(model.text.reads, _file(first),
                         (f for s in others if (f := _file(s)) != _file(first)))
    if found is None:
        return ""
    return (f"the include at {found.by} reads the files it matches in the sorted order of "
            f"their names ({found.shown()}) and this block's file, {found.first}, sorts "
            f"before those of the other blocks listening there")



def choose_in_order(model: NginxModel, host: str, port: int, name: str) -> ServerChoice:
    """The block nginx uses (:func:`probe.nginx.select.choose_server`); where it is the first
    block listening (none is default_server), with why it is first when a glob include's
    order of file names decides it."""
    choice = choose_server(model.servers, host, port, name)
    pairs = listening(model.servers, host, port)
    if choice.by != "default" or choice.server is None \
            or any(lst.default_server for _, lst in pairs):
        return choice
    order = read_first_by_name(model, choice.server,
                               [s for s, _ in pairs if s is not choice.server])
    return choice if not order else dataclasses.replace(
        choice, rule=f"{choice.rule}, first because {order}")
