"""How many requests a sweep may have in flight with the file descriptors this process has.

Each request in flight holds a socket (and libcurl keeps connections for reuse). Past the
soft limit of open files (``ulimit -n``: 1024 in many shells and units) a new request cannot
get one, libcurl says it cannot connect, and the URL would be reported ``unreachable``: a
verdict about a server that was never asked. So before a request loop starts, the soft limit
is raised towards the hard one as far as the loop needs (what a server does at start), and
where the hard limit is lower, the loop runs fewer requests at once instead.
"""

from __future__ import annotations

import os

PER_REQUEST = 2
"""Descriptors a request in flight may hold: its socket, and a kept connection besides."""
SPARE = 64
"""Left for everything else: log files, the report, the exporter's own connections."""


def fitted(wanted: int) -> int:
    """``wanted`` requests at once, or as many as this process can open sockets for."""
    try:
        import resource
    except ImportError:  # not a POSIX system: no limit to read
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    need = _open() + PER_REQUEST * wanted + SPARE
    if need <= soft:
        return wanted
    raised = need if hard == resource.RLIM_INFINITY else min(need, hard)
    if raised > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    if need <= soft:
        return wanted
    return max(1, (soft - _open() - SPARE) // PER_REQUEST)


def _open() -> int:
    """Descriptors open now (Linux and others with /proc or /dev/fd; a guess elsewhere)."""
    for where in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(where))
        except OSError:
            continue
    return 16
