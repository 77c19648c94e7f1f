"""nginx configuration text, read with crossplane (nginx's own Python parser), into
:class:`Directive` trees with ``file:line`` on every directive.

Two inputs: a file tree (``nginx.conf`` and what it includes) or the output of ``nginx -T``
(every file nginx read, each after a ``# configuration file PATH:`` line). Both go through one
path: each file is parsed alone (crossplane's ``single`` mode) and ``include`` is expanded
here, with nginx's rules: a relative path starts at the main file's directory (nginx's
prefix ``conf`` directory), a glob matches in sorted order, a glob that matches nothing is
no error, a plain path that cannot be read is (nginx -t: ``open() "..." failed``): it is
kept in place in the tree and listed in :attr:`NginxText.unread`, and the rest is read, so
lint names the include's line (``nginx_include_unread``) instead of stopping.

A site file read alone (``server`` or ``upstream`` blocks at its top, no ``http``: what
``sites-available/`` and ``conf.d/`` hold) is a *fragment*: nginx reads it inside ``http``,
and resolves its relative includes from the prefix directory, found here as the parent of
the file's directory when that holds ``nginx.conf``, else the file's own directory. Such a
file is often read away from its tree, so a plain include it names that cannot be read is
no sign that nginx would not start (lint notes it, not an error).
"""

from __future__ import annotations

import fnmatch
import glob
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import crossplane  # type: ignore[import-untyped]  # crossplane ships no type information

from probe.errors import ProbeError
from probe.files import include_dirs
from probe.include_order import Read


class NginxUnreadable(ProbeError):
    """An nginx configuration path cannot be read or is not nginx configuration."""


@dataclass(frozen=True)
class Directive:
    name: str
    args: tuple[str, ...]
    file: str
    line: int
    block: tuple[Directive, ...] | None = None  # None: a simple directive, not a block

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def children(self, name: str) -> list[Directive]:
        return [d for d in self.block or () if d.name == name]


@dataclass(frozen=True)
class UnreadInclude:
    directive: Directive  # the include, left in place in the tree
    path: str  # where it was looked for


@dataclass(frozen=True)
class NginxText:
    main: str  # the file nginx starts from
    files: tuple[str, ...]  # every file read, in the order first read
    directives: tuple[Directive, ...]  # the main file's, includes expanded in place
    dump: bool  # read from ``nginx -T`` output
    include_dirs: tuple[str, ...] = ()  # what the includes depend on (probe.files.include_dirs)
    fragment: bool = False  # a site file: its directives are the body of an http block
    unread: tuple[UnreadInclude, ...] = ()  # plain includes that could not be read
    # each file an include read, with that include's line, in the order read: which site of
    # an address comes first where a glob decides it (probe.nginx.include_order)
    reads: tuple[Read, ...] = ()


_DUMP_FILE = re.compile(r"^# configuration file (.+):\s*$", re.M)
_NGINX_BLOCK = re.compile(r"^\s*(http|events|server|upstream\s+\S+|location\s[^{;]*)\s*\{",
                          re.M)
_MAX_FILES = 2000  # an include loop or a runaway glob stops here
_SITE_BLOCKS = frozenset({"server", "upstream"})  # what a site file holds at its top


def looks_like_nginx(text: str) -> bool:
    """Whether text is nginx configuration (or ``nginx -T`` output): it has a block only
    nginx has (``http {``, ``server {``, ``location / {``...) or nginx -T's file markers."""
    return bool(_DUMP_FILE.search(text) or _NGINX_BLOCK.search(text))


def split_dump(text: str) -> dict[str, str]:
    """``nginx -T`` output as {path: text}, in nginx's order."""
    marks = list(_DUMP_FILE.finditer(text))
    files: dict[str, str] = {}
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        files.setdefault(mark.group(1).strip(), text[mark.end() + 1:end])
    return files


def read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError as exc:
        raise NginxUnreadable(f"{path}: cannot read: {exc.strerror or exc}") from None


def main_file(path: str) -> str:
    """The file nginx starts from: ``path`` itself, or ``nginx.conf`` in a directory."""
    if os.path.isdir(path):
        candidate = os.path.join(path, "nginx.conf")
        if not os.path.isfile(candidate):
            raise NginxUnreadable(f"{path}: a directory without nginx.conf")
        return candidate
    return path


def load(path: str) -> NginxText:
    """Read an nginx configuration (a file, a directory with ``nginx.conf``, or a file of
    ``nginx -T`` output); NginxUnreadable if it cannot be read or is not nginx's."""
    main = main_file(path)
    text = read_text(main)
    if not looks_like_nginx(text):
        raise NginxUnreadable(f"{main}: not an nginx configuration (no http, server, "
                              f"events, upstream or location block)")
    dumped = split_dump(text)
    if dumped:
        first = next(iter(dumped))
        return _Reader(first, lambda p: dumped.get(p), sorted(dumped), dump=True).run()
    return _Reader(os.path.abspath(main), _disk_text, None, dump=False).run()


def _disk_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def prefix_dir(path: str) -> str:
    """Where nginx would resolve a site file's relative includes: the parent of its
    directory when that holds nginx.conf (sites-enabled/x in /etc/nginx), else its own."""
    here = os.path.dirname(path)
    parent = os.path.dirname(here)
    return parent if os.path.isfile(os.path.join(parent, "nginx.conf")) else here


class _Reader:
    def __init__(self, main: str, text_of: Callable[[str], str | None],
                 known: list[str] | None, *, dump: bool) -> None:
        self.main, self.text_of, self.known, self.dump = main, text_of, known, dump
        self.base = os.path.dirname(main)
        self.fragment = False
        self.files: list[str] = []
        self.include_dirs: list[str] = []
        self.unread: list[UnreadInclude] = []
        self.reads: list[Read] = []
        self.cache: dict[str, tuple[Directive, ...]] = {}

    def run(self) -> NginxText:
        top = self.parsed(self.main)
        if top is None:
            raise NginxUnreadable(f"{self.main}: cannot read")
        names = {d.name for d in top}
        # nginx -T output always starts at nginx.conf: only a file on disk can be a site file
        if not self.dump and "http" not in names and names & _SITE_BLOCKS:
            self.fragment, self.base = True, prefix_dir(self.main)
        directives = self.expand(top, (self.main,))
        return NginxText(self.main, tuple(self.files), directives, self.dump,
                         tuple(dict.fromkeys(self.include_dirs)), self.fragment,
                         tuple(self.unread), tuple(self.reads))

    def parsed(self, path: str) -> tuple[Directive, ...] | None:
        if path not in self.cache:
            text = self.text_of(path)
            if text is None:
                return None
            self.files.append(path)
            self.cache[path] = self.parse(path, text)
        return self.cache[path]

    def include(self, d: Directive, path: str, stack: tuple[str, ...]) -> tuple[Directive, ...]:
        if path in stack or len(self.files) > _MAX_FILES:
            return ()
        directives = self.parsed(path)
        if directives is not None:
            self.reads.append(Read(path, d.where))
            return self.expand(directives, (*stack, path))
        if glob.has_magic(d.args[0]):
            return ()
        # nginx would not start (nginx -t: open() "..." failed), yet the rest is read: lint
        # says so at the include's line (nginx_include_unread) rather than stopping
        self.unread.append(UnreadInclude(d, path))
        return (d,)

    def parse(self, path: str, text: str) -> tuple[Directive, ...]:
        payload = crossplane.parse_string(text, filename=path, single=True, check_ctx=False,
                                          check_args=False)
        config = payload["config"][0]
        if config.get("errors") and not config.get("parsed"):
            error = config["errors"][0]
            raise NginxUnreadable(f"{path}:{error.get('line') or 0}: {error.get('error')}")
        return tuple(_directive(path, d) for d in config["parsed"])

    def expand(self, directives: tuple[Directive, ...],
               stack: tuple[str, ...]) -> tuple[Directive, ...]:
        out: list[Directive] = []
        for d in directives:
            if d.name == "include" and d.args:
                for path in self.matches(d.args[0]):
                    out.extend(self.include(d, path, stack))
            elif d.block is not None:
                out.append(Directive(d.name, d.args, d.file, d.line, self.expand(d.block, stack)))
            else:
                out.append(d)
        return tuple(out)

    def matches(self, pattern: str) -> list[str]:
        if not os.path.isabs(pattern):
            pattern = os.path.join(self.base, pattern)
        if self.known is None:  # nginx -T output: no directory to look at
            self.include_dirs.extend(include_dirs(pattern))
        if not glob.has_magic(pattern):
            return [pattern]
        if self.known is not None:
            return [p for p in self.known if fnmatch.fnmatchcase(p, pattern)]
        return sorted(glob.glob(pattern))


def _directive(path: str, data: Mapping[str, object]) -> Directive:
    args = data.get("args")
    block = data.get("block")
    line = data.get("line")
    return Directive(
        name=str(data.get("directive", "")),
        args=tuple(str(a) for a in args) if isinstance(args, list) else (),
        file=path,
        line=line if isinstance(line, int) else 0,
        block=tuple(_directive(path, b) for b in block if isinstance(b, dict))
        if isinstance(block, list) else None,
    )


@lru_cache(maxsize=512)
def pcre(pattern: str, caseless: bool) -> re.Pattern[str] | None:
    """An nginx (PCRE) regular expression as Python's: PCRE's ``(?<name>...)`` is Python's
    ``(?P<name>...)``; None where Python cannot compile it (said undecided by the callers)."""
    try:
        return re.compile(re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", pattern),
                          re.I if caseless else 0)
    except re.error:
        return None

