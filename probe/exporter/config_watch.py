"""The manifest's ``[probe] config`` for a long-running exporter: re-read when its files change.

The exporter explains a misroute with the front server's configuration (``file:line``); an
operator who edits it while the exporter runs must not be shown lines that are no longer
true. Before each sweep :meth:`ConfigWatch.current` stats the files the last read came from
(the main file, every included one, the directories holding them and the directories the
includes look in, whose change time moves when a file is added to or removed from them, even
one whose include matched nothing yet) and reads the
configuration again only when one of them changed: a stat per file, not a parse, per sweep.

A read that fails (the file removed, replaced by something unreadable) leaves the sweeps
without the configuration, as at start when it cannot be read, and is tried again before the
next sweep; one warning is logged per reason, not one per sweep.

The manifest itself is watched the same way (:class:`ManifestWatch`): stat'ed before each
request that serves it, and read again through SIGHUP's own path when it changed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

import structlog

from probe.front_config import FrontConfig

if TYPE_CHECKING:
    from probe.diagnose import ConfigJoin

# Lazy: a .bind() here would freeze the configuration in force at import time.
log = structlog.get_logger("probe.exporter", component="exporter")

Stat = Callable[[str], os.stat_result]
"""``os.stat``, or a test's stand-in."""
Reader = Callable[[], FrontConfig]
"""Reads the configuration (:func:`probe.front_config.manifest_front` with its path bound)."""
Stamp = tuple[int, int, int, int, int] | None
"""What says a file changed: device, inode, size, modification and change time (ns); None
when it cannot be stat'ed (removed)."""

UNREAD_DETAIL = "explanations are made without the front server's configuration"


class ConfigWatch:
    """The front configuration as of the last sweep; thread-safe (``/probe`` sweeps run
    beside the manifest's)."""

    def __init__(self, path: str, read: Reader, *, stat: Stat = os.stat) -> None:
        self._path = path
        self._read = read
        self._stat = stat
        self._lock = threading.Lock()
        self._join: ConfigJoin | None = None
        self._stamps: dict[str, Stamp] | None = None
        """Per watched path; None: the last read failed, read again before the next sweep."""
        self._said: str | None = None
        """The failure last warned about, so that one that persists is said once."""
        self._first = True
        with self._lock:
            self._load(None)

    def current(self) -> ConfigJoin | None:
        """The configuration to diagnose the next sweep with, read again if it changed."""
        with self._lock:
            if self._stamps is None:
                self._load(None)
            else:
                now = self._stamp_all(self._stamps)
                if now != self._stamps:
                    self._load(now)
            return self._join

    def _load(self, before: Mapping[str, Stamp] | None) -> None:
        """Read the configuration; ``before``: the stamps taken just before, kept for the
        files read again so that an edit made during the read is seen at the next sweep."""
        first, self._first = self._first, False
        front = self._read()
        self._join = front.join
        if front.problem is not None:
            self._stamps = None
            if front.problem != self._said:
                self._said = front.problem
                log.warning("exporter_config_unread", error=front.problem,
                            detail=UNREAD_DETAIL)
            return
        self._said = None
        front_config = front.join.front if front.join is not None else None
        files = tuple(front_config.files) if front_config is not None else ()
        dirs = tuple(front_config.include_dirs) if front_config is not None else ()
        watched = _watched(self._path, files, dirs)
        known = before or {}
        self._stamps = {p: known[p] if p in known else self._stamp(p) for p in watched}
        if not first:
            log.info("exporter_config_reread", config=self._path, files=len(files))

    def _stamp_all(self, paths: Iterable[str]) -> dict[str, Stamp]:
        return {path: self._stamp(path) for path in paths}

    def _stamp(self, path: str) -> Stamp:
        return stamp(path, self._stat)


class ManifestWatch:
    """The manifest file, read again through ``reload`` (what SIGHUP runs) when it changed:
    configuration management writing it expects the exporter to follow, as it follows the
    front configuration. Thread-safe: requests arrive on several threads."""

    def __init__(self, path: str, reload: Callable[[], object], *, stat: Stat = os.stat) -> None:
        self._path = path
        self._reload = reload
        self._stat = stat
        self._lock = threading.Lock()
        self._stamp = stamp(path, stat)
        """As of the last read (at start: the command read it just before)."""

    def check(self) -> None:
        """Before a request: read the manifest again if it changed since the last read (by
        this or by SIGHUP); the request waits, so that it is served the new one."""
        with self._lock:
            now = stamp(self._path, self._stat)
            if now != self._stamp:
                self._read(now)

    def reload(self) -> None:
        """SIGHUP: read it again, changed or not (a token file it names may have)."""
        with self._lock:
            self._read(stamp(self._path, self._stat))

    def _read(self, now: Stamp) -> None:
        # Stamped before the read: an edit made during it is seen at the next request. A
        # manifest that cannot be used is read again only once it changes again: its one
        # warning line is not repeated at every scrape.
        self._stamp = now
        self._reload()


def stamp(path: str, stat: Stat = os.stat) -> Stamp:
    """What says whether ``path`` changed since it was stamped (None: it cannot be stat'ed)."""
    try:
        st = stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _watched(path: str, files: Iterable[str], include_dirs: Iterable[str]) -> list[str]:
    """The configuration's own path, every file read, every directory holding one, and every
    directory an include looks in (an ``IncludeOptional sites/*.conf`` that matched nothing
    reads a file added there later)."""
    seen = dict.fromkeys([path])
    for file in files:
        seen.setdefault(file)
        seen.setdefault(os.path.dirname(os.path.abspath(file)))
    for directory in include_dirs:
        seen.setdefault(directory)
    return list(seen)
