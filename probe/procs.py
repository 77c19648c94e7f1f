"""``probe ps``: the local Apache httpd and mod_wsgi processes, and what each one is.

What can be observed about a process, from outside and without touching Apache:

* the parent: an ``apache2``/``httpd`` process whose parent is not one;
* a mod_wsgi daemon process, two ways. With ``display-name=%{GROUP}`` mod_wsgi rewrites its
  title to ``(wsgi:GROUP)`` (cut to the length of the original ``argv[0]``). Whatever the
  title, a daemon process is the child that has bound one of the listening UNIX sockets
  the Apache children use to reach it: ``PREFIX.PARENTPID.GENERATION.ID.sock`` under
  ``WSGISocketPrefix``, where ID numbers the ``WSGIDaemonProcess`` directives in
  configuration order; given the configuration (``probe ps --config``) the ID names the
  group, for a parent whose command line says it runs that configuration. Reading another
  user's sockets needs root (else: ``unknown``);
* every other child is a worker: it serves requests, and runs embedded-mode applications;
  but mod_wsgi-express's httpd (``-DMOD_WSGI_...`` on its command line) runs its application
  in daemon processes unless started with ``-DEMBEDDED_MODE`` (``--embedded-mode``), and its
  workers only hand requests to them (tester T31).

:func:`classify` is pure (process facts in, rows out) so it is tested without processes;
:func:`probe.procs_read.snapshot` reads the facts with psutil; probe/procs_table.py prints them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from probe.procs_config import (
    Configured,
    ParentConfig,
    parent_config,
    title_of,
    unreadable_config,
)

APACHE_NAMES = frozenset({"apache2", "httpd", "apache", "httpd2", "httpd2-prefork",
                          "httpd2-worker", "httpd2-event"})
_TITLE = re.compile(r"^\(wsgi:([^)]*)(\))?")
# mod_wsgi 5+ writes the daemon user's uid ("u33") where older versions had a generation.
_SOCKET = re.compile(r"\.(\d+)\.(u?\d+)\.(\d+)\.sock$")
# mod_wsgi-express titles its daemons (wsgi:HOST:PORT:UID) for the group HOST:PORT.
_EXPRESS_UID = re.compile(r":\d+$")


class Role(StrEnum):
    PARENT = "parent"
    WORKER = "worker"
    DAEMON = "wsgi daemon"
    CHILD = "child"  # a worker or a daemon: its sockets could not be read
    ZOMBIE = "zombie"  # exited, not yet reaped by its parent: runs nothing


@dataclass(frozen=True)
class ProcessFacts:
    """What psutil tells about one process: the input of :func:`classify`."""

    pid: int
    ppid: int
    name: str
    cmdline: tuple[str, ...]
    username: str | None
    rss: int | None  # bytes
    create_time: float  # seconds since the epoch
    sockets: tuple[str, ...] | None  # paths of bound UNIX sockets; None = not readable
    zombie: bool = False  # exited and not reaped: its command line is gone, not empty
    cmdline_readable: bool = True  # False: reading it was refused, so ``cmdline`` says nothing


@dataclass(frozen=True)
class ApacheProcess:
    pid: int
    ppid: int
    role: Role
    process_group: str | None  # daemon group name; None when not known
    group_source: str  # how the group was found, or why it is not known
    daemon_id: int | None  # the number in the daemon's socket name (WSGIDaemonProcess order)
    user: str | None
    rss: int | None
    age_s: float
    title: str
    config: ParentConfig | None = None
    """A parent's configuration file and ServerRoot, from its command line."""
    title_hint: str = ""
    """A daemon whose title names no group by itself: the title, for the table."""
    config_applied: bool | None = None
    """A parent: whether --config's daemon names apply to its children (it runs --config's
    file); None without --config."""
    hands_off: bool = False
    """A worker of a mod_wsgi-express httpd not started in embedded mode: it hands requests to
    the daemon processes, which run the application; it runs none itself."""
    wsgi_loaded: bool | None = None
    """A worker: whether its parent's configuration loads mod_wsgi (LoadModule wsgi_module, or
    express's -DMOD_WSGI_...); None: not known (not read, or unreadable)."""

    def as_json(self) -> dict[str, object]:
        config = self.config
        return {"pid": self.pid, "ppid": self.ppid, "role": self.role.value,
                "process_group": self.process_group, "group_source": self.group_source,
                "daemon_id": self.daemon_id,
                "user": self.user, "rss_bytes": self.rss, "age_s": round(self.age_s, 1),
                "title": self.title,
                "config_file": config.config_file if config else None,
                "server_root": config.server_root if config else None,
                "config_source": config.source if config else None,
                "config_applied": self.config_applied,
                "runs_application": (False if self.hands_off or self.wsgi_loaded is False
                                     else None)
                if self.role is Role.WORKER else None}


def is_apache(facts: ProcessFacts) -> bool:
    first = os.path.basename(facts.cmdline[0]) if facts.cmdline else ""
    return facts.name in APACHE_NAMES or first in APACHE_NAMES


def classify(processes: Iterable[ProcessFacts], *, now: float,
             configured: Configured | None = None,
             loads_wsgi: Callable[[ParentConfig], bool | None] | None = None
             ) -> list[ApacheProcess]:
    """Apache parents, then each parent's children, from the facts of all processes.

    ``configured`` (``probe ps --config``) names the daemons of the parents that run its
    files, by their socket IDs; other parents' daemons keep what their titles say.
    ``loads_wsgi`` reads whether a parent's configuration loads mod_wsgi (an Apache front
    with mod_proxy alone has workers that run no WSGI application: re-tester R31).
    """
    apache = {p.pid: p for p in processes if is_apache(p)}
    parents = sorted((p for p in apache.values() if p.ppid not in apache), key=lambda p: p.pid)
    rows: list[ApacheProcess] = []
    for parent in parents:
        if parent.zombie:  # a failed start's leftover: it runs no configuration
            rows.append(_row(parent, Role.ZOMBIE, None, _ZOMBIE, now))
            continue
        config = (parent_config(parent.cmdline, parent.name) if parent.cmdline_readable
                  else unreadable_config())
        applied = configured.runs(config) if configured is not None else None
        rows.append(replace(_row(parent, Role.PARENT, None, "", now), config=config,
                            config_applied=applied))
        wsgi = True if is_express(parent) else (
            loads_wsgi(config) if loads_wsgi is not None and config.read and config.config_file
            else None)
        context = _Context(configured if applied else None, is_express(parent),
                           is_express(parent) and "-DEMBEDDED_MODE" not in parent.cmdline,
                           None if applied is not False else parent.pid,
                           parent.cmdline[0].strip() if parent.cmdline else "", wsgi)
        for child in sorted((p for p in apache.values() if p.ppid == parent.pid),
                            key=lambda p: p.pid):
            rows.append(_child(child, now, context))
    return rows


@dataclass(frozen=True)
class _Context:
    """What a child's parent lends to reading the child."""

    configured: Configured | None  # only when the parent runs --config's files
    express: bool
    daemons_only: bool  # express without -DEMBEDDED_MODE: its workers run no application
    other_parent: int | None  # a parent that does not run --config's files: its pid
    parent_title: str  # the parent's argv[0]: its workers keep it, display-name changes it
    wsgi: bool | None  # the parent's configuration loads mod_wsgi; None: not known


def is_express(facts: ProcessFacts) -> bool:
    """mod_wsgi-express's httpd: its command line has the -DMOD_WSGI_... defines it writes
    (whatever --process-name says)."""
    return any(arg.startswith("-DMOD_WSGI_") for arg in facts.cmdline)


_ZOMBIE = "exited; its parent has not reaped it"


def _child(facts: ProcessFacts, now: float, context: _Context) -> ApacheProcess:
    if facts.zombie:
        return _row(facts, Role.ZOMBIE, None, _ZOMBIE, now)
    socket_id = _daemon_socket_id(facts)
    group = context.configured.by_socket(socket_id) if context.configured and socket_id else None
    first = facts.cmdline[0].strip() if facts.cmdline else ""
    title = _TITLE.match(first)
    if title and title.group(2):  # what the process says beats what a config file says
        if context.express and _EXPRESS_UID.search(title.group(1)):
            return _row(facts, Role.DAEMON, _EXPRESS_UID.sub("", title.group(1)),
                        "process title, less the ':UID' mod_wsgi-express adds", now, socket_id)
        return _row(facts, Role.DAEMON, title.group(1), "process title", now, socket_id)
    if group is not None:
        return _row(facts, Role.DAEMON, group.name, f"daemon socket #{socket_id} and the "
                    f"{_ordinal(socket_id or 0)} WSGIDaemonProcess of --config ({group.where})",
                    now, socket_id)
    own = first if title or (first and first != context.parent_title
                             and os.path.basename(first) not in APACHE_NAMES) else ""
    if own:  # display-name's title: (wsgi:GROUP) cut short, or a value of its own
        titled = _titled(facts, now, context, own, socket_id)
        if titled is not None:
            return titled
    if socket_id is not None:
        whose = ("the configuration" if context.other_parent is None else
                 f"pid {context.other_parent}'s configuration, not --config's, whose "
                 f"names are not applied")
        return _row(facts, Role.DAEMON, None, f"daemon socket #{socket_id}: the "
                    f"{_ordinal(socket_id)} WSGIDaemonProcess of {whose}", now, socket_id)
    if facts.sockets is None:
        return _row(facts, Role.CHILD, None, "its sockets cannot be read (run as root)", now)
    if context.daemons_only:
        return replace(_row(facts, Role.WORKER, None, _HANDS_OFF, now), hands_off=True)
    return replace(_row(facts, Role.WORKER, None, "", now), wsgi_loaded=context.wsgi)


_HANDS_OFF = ("a worker of mod_wsgi-express's httpd (-DMOD_WSGI_... on its parent's command "
              "line, no -DEMBEDDED_MODE): it hands requests to the wsgi daemon processes")


def _titled(facts: ProcessFacts, now: float, context: _Context, seen: str,
            socket_id: int | None) -> ApacheProcess | None:
    """A daemon by a title that names no group by itself: matched against --config's
    display-name titles, else shown as seen. None: a plain title alone proves no daemon."""
    cut = _TITLE.match(seen)
    candidates = context.configured.by_title(seen) if context.configured else ()
    said = f"process title '{seen}'"
    if len(candidates) == 1:
        group = candidates[0]
        how = ("cut short: the only --config group whose title starts so"
               if title_of(group) != seen else
               f"display-name={group.display_name} of --config's {group.name}")
        return _row(facts, Role.DAEMON, group.name, f"{said}: {how} ({group.where})", now,
                    socket_id)
    hint = f"{cut.group(1)}… (cut short)" if cut else f"title '{seen}'"
    if candidates:
        why = f"{said}: any of --config's {', '.join(g.name for g in candidates)}"
    elif context.configured:
        why = f"{said}: no group of --config has this title"
    elif cut:
        why = f"process title cut short: {cut.group(1)}..."
    else:
        why = f"{said}, not httpd's own: display-name sets such a title"
    if socket_id is None and not cut and not candidates:
        if facts.sockets is not None:
            return None
        return replace(_row(facts, Role.CHILD, None, f"{why}; its sockets cannot be read (run "
                            "as root)", now), title_hint=hint)
    if socket_id is not None:
        why = f"daemon socket #{socket_id}; {why}"
    return replace(_row(facts, Role.DAEMON, None, why, now, socket_id), title_hint=hint)


def _daemon_socket_id(facts: ProcessFacts) -> int | None:
    """The ID of the mod_wsgi daemon socket this process listens on (its parent's pid is in
    the name), or None."""
    for path in facts.sockets or ():
        match = _SOCKET.search(path)
        if match and int(match.group(1)) == facts.ppid:
            return int(match.group(3))
    return None


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _row(facts: ProcessFacts, role: Role, group: str | None, source: str, now: float,
         daemon_id: int | None = None) -> ApacheProcess:
    return ApacheProcess(
        pid=facts.pid, ppid=facts.ppid, role=role, process_group=group, group_source=source,
        daemon_id=daemon_id,
        user=facts.username, rss=facts.rss, age_s=max(0.0, now - facts.create_time),
        title=" ".join(facts.cmdline).strip() or facts.name,
    )

