"""Reading the facts of ``probe ps`` from this machine's process table (psutil)."""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import replace

import psutil

from probe.procs import ApacheProcess, ProcessFacts, classify, is_apache
from probe.procs_config import Configured, ParentConfig
from probe.procs_others import SERVERS, Census, hidepid, other_server


def snapshot() -> tuple[list[ProcessFacts], Census]:
    """Facts about every Apache process on this machine, and a count of what else ps could
    say it does not list (others are not inspected)."""
    found: list[ProcessFacts] = []
    others: Counter[str] = Counter()
    unreadable = 0
    attrs = ["pid", "ppid", "name", "cmdline", "username", "memory_info", "create_time",
             "status"]
    for proc in psutil.process_iter(attrs):
        info = proc.info
        facts = ProcessFacts(
            pid=info["pid"], ppid=info.get("ppid") or 0, name=info.get("name") or "",
            # None: psutil was refused (or the process is a zombie), not an empty command line
            cmdline=tuple(info.get("cmdline") or ()), username=info.get("username"),
            rss=info["memory_info"].rss if info.get("memory_info") else None,
            create_time=info.get("create_time") or time.time(), sockets=(),
            zombie=info.get("status") == psutil.STATUS_ZOMBIE,
            cmdline_readable=info.get("cmdline") is not None,
        )
        if is_apache(facts):
            found.append(_with_sockets(proc, facts))
        elif not facts.cmdline_readable and not facts.zombie:
            unreadable += 1
        elif (server := other_server(facts.name, facts.cmdline)) is not None:
            others[server] += 1
    order = [server for server, _ in SERVERS]
    census = Census(tuple(sorted(others.items(), key=lambda item: order.index(item[0]))),
                    unreadable, hidepid(_read("/proc/mounts"), os.geteuid()))
    return found, census


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read()
    except OSError:  # not Linux: no /proc, nothing hidden there
        return ""


def _with_sockets(proc: psutil.Process, facts: ProcessFacts) -> ProcessFacts:
    try:
        paths = tuple(str(c.laddr) for c in proc.net_connections(kind="unix")
                      if isinstance(c.laddr, str) and c.laddr)
    except (psutil.AccessDenied, psutil.ZombieProcess):
        return replace(facts, sockets=None)
    except psutil.NoSuchProcess:  # gone meanwhile: nothing to learn
        return facts
    return replace(facts, sockets=paths)


def loads_wsgi(config: ParentConfig) -> bool | None:
    """Whether the configuration a parent runs (with its Includes) has LoadModule
    wsgi_module; None where it cannot be read."""
    from probe.apache import ConfigUnreadable, load_site
    from probe.apache.config import Directive

    if config.config_file is None:
        return None
    try:
        site = load_site([config.config_file], server_root=config.server_root)
    except (ConfigUnreadable, OSError):
        return None

    def walk(directives: tuple[Directive, ...]) -> bool:
        return any((d.key == "loadmodule" and d.arg(0) == "wsgi_module")
                   or walk(d.children or ()) for d in directives)

    return walk(tuple(site.config.directives))


def list_processes(configured: Configured | None = None
                   ) -> tuple[list[ApacheProcess], Census]:
    found, census = snapshot()
    return classify(found, now=time.time(), configured=configured,
                    loads_wsgi=loads_wsgi), census
