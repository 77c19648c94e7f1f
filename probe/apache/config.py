"""A small, tolerant reader of Apache httpd configuration files.

It turns configuration text into a tree of :class:`Directive` nodes (a section such as
``<VirtualHost>`` is a directive with children), each carrying the file and line it came
from. It follows what httpd itself does while reading, because the rules downstream must
see the configuration Apache sees:

* ``Include`` / ``IncludeOptional`` are expanded in place: paths relative to ``ServerRoot``,
  wildcards in any path component, directories read recursively, files in sorted order;
* ``Define`` / ``UnDefine`` and ``${VAR}`` (a Define, else the process environment), resolved
  on each line as it is read, so a Define only affects the lines after it;
* ``<IfDefine>``, ``<IfModule>``, ``<IfVersion>``, ``<IfFile>``, ``<IfDirective>``,
  ``<IfSection>`` are evaluated and flattened away: ``IfModule`` from the modules compiled
  into httpd and the ``LoadModule`` lines read so far (:mod:`probe.apache.modules`),
  ``IfDefine`` from ``Define`` and httpd's ``-D`` options (see :func:`_condition_holds`
  for the assumptions made where the answer depends on the running server);
* mod_macro: a ``<Macro>`` body is kept as text and each ``Use`` of it read in its place
  with the values put in (:mod:`probe.apache.macros`), its directives at the body's lines,
  :attr:`Directive.macro` naming the ``Use``; a ``Use`` mod_macro refuses stays in the tree,
  :attr:`Directive.unread` saying why, and is a fatal :class:`ParseNote`;
* a trailing backslash continues a line; a comment is a line starting with ``#`` (httpd has
  no trailing comments: ``#`` after a directive is an argument);
* arguments are split like httpd's ``ap_getword_conf``: blanks separate, double or single
  quotes group, a backslash escapes the quote character inside quotes.

It is tolerant where httpd would refuse to start: an unclosed section, a closing tag httpd
refuses (judged as httpd judges it, :mod:`probe.apache.section_tags`), a missing
``Include`` or an include loop becomes a :class:`ParseNote` marked ``fatal`` and
reading goes on (an ``Include`` any of whose files is already being read is skipped as a
whole, so a glob that matches the file it is written in costs one read per file, not a
factorial number). Only a path the caller names that cannot be read raises
:class:`ConfigUnreadable`. An ``Include`` or ``IncludeOptional`` of which something was not
read (it matched no file, too many, a loop, an unreadable file) stays in the tree where it
was written, :attr:`Directive.unread` saying why: what the model finds missing in that
scope may be in what was not read. An ``IncludeOptional`` that matches no file in
directories that exist and can be listed here (an empty ``conf-enabled/``) read nothing, as
httpd does: it is not unread (:func:`probe.apache.config_text.lists_nothing`).

Why over 300 lines: the reader is one state machine (Defines, loaded modules, the include
stack, the open sections) that every step of reading updates in file order, as httpd does;
the stateless parts live in :mod:`probe.apache.config_text`.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from probe.apache.config_text import (
    MAIN_CONFIG_NAMES,
    MAX_CONFIG_BYTES,
    default_server_root,
    files_under,
    lists_nothing,
    logical_lines,
    main_config,
    name_and_rest,
    read_envvars,
    split_args,
)
from probe.apache.macros import BodyLine, Macro, MacroUse, VarSource, refusal, substitute
from probe.apache.modules import DEBIAN_COMPILED_IN, Modules, Version, version_holds
from probe.apache.section_tags import Reading, close_error, is_close_tag
from probe.errors import ProbeError
from probe.files import include_dirs, read_text

MAX_INCLUDE_DEPTH = 32
MAX_INCLUDE_FILES = 2000
"""More files than this from one Include is a mistake (``Include /``), not a configuration."""
"""httpd stops at 128 nested includes; far fewer means a loop here, not a real config."""

_VAR = re.compile(r"\$\{([A-Za-z0-9_:.\-]+)\}")
_CONDITIONALS = {"ifdefine", "ifmodule", "ifversion", "iffile", "ifdirective", "ifsection"}
_IGNORED_SECTIONS = {"macro"}  # mod_macro bodies are templates, read only for a "Use"


__all__ = ["MAIN_CONFIG_NAMES", "ApacheConfig", "ConfigUnreadable", "Directive", "Httpd",
           "ParseNote", "default_server_root", "main_config", "parse_paths", "parse_text",
           "read_envvars", "split_args"]


class ConfigUnreadable(ProbeError):
    """A configuration path named by the caller cannot be read (the message says which)."""


@dataclass(frozen=True)
class Directive:
    """One directive, or one section when ``children`` is not None.

    ``name`` keeps the spelling of the file; compare with :attr:`key` (lower case), since
    httpd directive names are case-insensitive.
    """

    name: str
    args: tuple[str, ...]
    file: str
    line: int
    children: tuple[Directive, ...] | None = None
    last_line: int = 0  # a backslash-continued line ends here (0: on ``line`` itself)
    unread: str = ""
    """Set on an ``Include`` kept in the tree because what it names was not (all) read: why.
    Rules that find nothing in a scope must not conclude there is nothing there. Also on a
    ``Use`` mod_macro cannot expand (:mod:`probe.apache.macros`)."""
    macro: MacroUse | None = None  # read from a <Macro> body for this Use line
    written: tuple[str, ...] | None = None
    """A section's arguments as its file writes them, where a ``${VAR}`` was put in (a fix
    written into that file keeps the variable: ``<VirtualHost *:${PORT}>``); else None."""

    @property
    def key(self) -> str:
        return self.name.lower()

    @property
    def lines(self) -> range:
        """Its physical lines (a section's opening tag only): httpd names a continued
        directive by the last of them."""
        return range(self.line, max(self.line, self.last_line) + 1)

    @property
    def where(self) -> str:
        """``file:line``; for a line of a macro's body, also the ``Use`` it was read for."""
        if self.macro is not None:
            return (f"{self.file}:{self.line} (macro {self.macro.name} used at "
                    f"{self.macro.where})")
        return f"{self.file}:{self.line}"

    def arg(self, index: int, default: str = "") -> str:
        return self.args[index] if index < len(self.args) else default

    def body(self) -> tuple[Directive, ...]:
        return self.children or ()


@dataclass(frozen=True)
class ParseNote:
    """Something httpd would complain about, kept so the reader can go on."""

    file: str
    line: int
    message: str
    fatal: bool = False  # httpd refuses to start with this configuration


@dataclass(frozen=True)
class IncludeLine:
    """An ``Include`` that read ``file``: the file and line that wrote it."""

    file: str
    by_file: str
    by_line: int


@dataclass(frozen=True)
class HiddenSection:
    """A conditional section that does not hold (``<IfModule mod_wsgi>`` where httpd knows
    the module by another name): ``section`` with the directives written in it, never read
    by httpd, and the section it sits in (``parent_key`` "" for a file's top level)."""

    section: Directive
    parent_key: str
    parent_file: str
    parent_line: int


@dataclass(frozen=True)
class ApacheConfig:
    directives: tuple[Directive, ...]
    files: tuple[str, ...]
    server_root: str
    defines: Mapping[str, str]
    notes: tuple[ParseNote, ...]
    include_dirs: tuple[str, ...] = ()
    """The directories the includes depend on (:func:`probe.files.include_dirs`)."""
    includes: tuple[IncludeLine, ...] = ()
    hidden: tuple[HiddenSection, ...] = ()


@dataclass(frozen=True)
class Httpd:
    """What the httpd binary brings to a configuration: the modules compiled into it
    (``apache2 -l``) and the names given with ``-D`` on its command line."""

    compiled_in: frozenset[str] = DEBIAN_COMPILED_IN
    defines: tuple[str, ...] = ()
    version: Version | None = None  # None: unknown, every <IfVersion> holds


def parse_paths(paths: Sequence[str | os.PathLike[str]], *, server_root: str | None = None,
                environ: Mapping[str, str] | None = None,
                httpd: Httpd | None = None) -> ApacheConfig:
    """Read configuration files (or directories of them) as one configuration, in order.

    A directory that holds ``apache2.conf`` or ``httpd.conf`` (see :data:`MAIN_CONFIG_NAMES`)
    is a server root: only that file is read, as httpd does, so ``sites-available``,
    ``envvars``, keys and the like are not taken for configuration. Any other directory
    has every file below it read, like an ``Include`` of it. A file is read once at the top
    level even when named twice (``sites-enabled/x.conf`` is a symlink to
    ``sites-available/x.conf``) or already read through an Include.

    ``server_root`` is where relative ``Include`` paths start until a ``ServerRoot``
    directive says otherwise; by default the directory of the first path (the path itself
    when it is a directory), which is right for ``/etc/apache2/apache2.conf`` on Debian,
    whose ServerRoot is compiled in. ``environ`` supplies ``${VAR}`` values that are not
    Defines (default: none, so a result does not depend on the shell it runs in).
    """
    if not paths:
        raise ConfigUnreadable("no configuration file given")
    root = server_root or default_server_root(paths)
    reader = _Reader(root, dict(environ or {}), httpd or Httpd())
    for path in paths:
        name = os.fspath(path)
        files = [name]
        if os.path.isdir(name):
            start = main_config(name)
            if start is not None and server_root is None:
                reader.server_root = str(Path(name).resolve())
            files = [start] if start is not None else files_under(name)
        for file in files:
            if _real_path(file) in reader.read_realpaths:
                continue
            text = _read_text(file)
            reader.top.extend(reader.read_file(file, text, depth=0))
    return reader.result()


def parse_text(text: str, file: str = "<config>", *, server_root: str = "/",
               environ: Mapping[str, str] | None = None,
               httpd: Httpd | None = None) -> ApacheConfig:
    """Read configuration given as text (``file`` names it in line references)."""
    reader = _Reader(server_root, dict(environ or {}), httpd or Httpd())
    reader.top.extend(reader.read_file(file, text, depth=0))
    return reader.result()


def _read_text(file: str) -> str:
    try:
        return read_text(file, MAX_CONFIG_BYTES, errors="replace")
    except OSError as exc:
        raise ConfigUnreadable(f"{file}: cannot read: {exc.strerror or exc}") from None


@dataclass
class _Frame:
    """A section being read: where it opened and what it holds so far."""

    name: str
    args: tuple[str, ...]
    file: str
    line: int
    last: int  # the opening tag's last physical line
    active: bool
    flatten: bool  # a conditional: its children go to the enclosing section
    reading: Reading  # how httpd reads it, which decides how it checks the closing tag
    children: list[Directive] = field(default_factory=list)
    hidden: list[Directive] | None = None  # inside a conditional that does not hold
    macro_body: list[BodyLine] | None = None  # a <Macro>'s lines, kept as text
    written: tuple[str, ...] | None = None  # the arguments before ${VAR}, where one was put in


class _Reader:
    def __init__(self, server_root: str, environ: dict[str, str], httpd: Httpd) -> None:
        self.server_root = server_root
        self.environ = environ
        self.modules = Modules(httpd.compiled_in)
        self.version = httpd.version
        # httpd -D NAME: IfDefine sees it, UnDefine can remove it, ${NAME} does not expand it
        self.cmdline_defines = set(httpd.defines)
        self.defines: dict[str, str] = {}
        self.define_lines: dict[str, tuple[str, int]] = {}  # the Define each value is from
        self.notes: list[ParseNote] = []
        self.files: list[str] = []
        self.include_dirs: list[str] = []
        self.top: list[Directive] = []
        self.including: list[str] = []
        self.read_realpaths: set[str] = set()
        self.includes: list[IncludeLine] = []
        self.hidden: list[HiddenSection] = []
        self.macros: dict[str, Macro] = {}
        self.expanding: list[MacroUse] = []  # the Use lines being expanded, innermost last
        # a ServerRoot whose ${VAR} is not defined here: (the variable, FILE:LINE); httpd
        # stops there without it, so relative Includes have no root to be read against
        self.root_unset: tuple[str, str] | None = None

    def result(self) -> ApacheConfig:
        return ApacheConfig(tuple(self.top), tuple(self.files), self.server_root,
                            dict(self.defines), tuple(self.notes),
                            tuple(dict.fromkeys(self.include_dirs)), tuple(self.includes),
                            tuple(self.hidden))

    def note(self, file: str, line: int, message: str, *, fatal: bool = False) -> None:
        self.notes.append(ParseNote(file, line, message, fatal))

    def read_file(self, file: str, text: str, depth: int) -> list[Directive]:
        self.files.append(file)
        self.read_realpaths.add(_real_path(file))
        self.including.append(_real_path(file))
        try:
            return self._read_lines(file, text, depth)
        finally:
            self.including.pop()

    @property
    def _use(self) -> MacroUse | None:
        return self.expanding[-1] if self.expanding else None

    def _read_lines(self, file: str, text: str, depth: int) -> list[Directive]:
        return self._read_logical(file, logical_lines(text), depth)

    def _read_logical(self, file: str, lines: Iterable[BodyLine],
                      depth: int) -> list[Directive]:
        stack = [_Frame("", (), file, 0, 0, active=True, flatten=False, reading=Reading.TOP)]
        for number, last, line in lines:
            frame = stack[-1]
            capture = next((f for f in stack if f.macro_body is not None), None)
            if capture is not None and not (frame is capture and is_close_tag(line)):
                capture.macro_body.append((number, last, line))  # type: ignore[union-attr]
            if is_close_tag(line):
                self._close(file, number, line, stack)
            elif line.startswith("<") and line.rfind(">") > 1:
                stack.append(self._open(file, number, last, line, frame))
            elif frame.active:
                frame.children.extend(self._directive(file, number, last, line, depth))
            elif frame.hidden is not None:  # kept as written, to name what it hides
                name, rest = name_and_rest(line)
                frame.hidden.append(Directive(name, split_args(rest), file, number,
                                              last_line=last, macro=self._use))
        while len(stack) > 1:  # httpd refuses this; keep what was read
            frame = stack[-1]
            self.note(file, frame.line, f"<{frame.name}> is never closed in this file",
                      fatal=True)
            self._finish(stack)
        return stack[0].children

    def _open(self, file: str, number: int, last: int, line: str, parent: _Frame) -> _Frame:
        active = parent.active
        # httpd's section handlers cut the arguments at the line's last '>' (strrchr) and
        # ignore what follows, so "<VirtualHost *:80> # comment" opens the VirtualHost.
        tag = line[1:line.rfind(">")]
        inner = self._resolve(file, number, tag) if active else tag
        name, rest = name_and_rest(inner)
        args = split_args(rest)
        key = name.lower()
        conditional = key in _CONDITIONALS
        holds = active and (not conditional or self._condition_holds(key, args))
        ignored = key in _IGNORED_SECTIONS
        reading = (Reading.SKIPPED if parent.reading is Reading.SKIPPED
                   else Reading.MACRO if parent.reading is Reading.MACRO or ignored
                   else Reading.SECTION if not conditional
                   else Reading.CONDITIONAL if holds else Reading.SKIPPED)
        hidden = parent.hidden if not parent.active else \
            [] if conditional and active and not holds else None
        # mod_macro keeps the body of a <Macro> read where httpd reads it, for a later Use
        body: list[BodyLine] | None = [] if key == "macro" and active and \
            parent.reading is not Reading.MACRO else None
        written = split_args(name_and_rest(tag)[1]) if inner != tag else None
        return _Frame(name, args, file, number, last, active=holds and not ignored,
                      flatten=conditional, reading=reading, hidden=hidden, macro_body=body,
                      written=written)

    def _close(self, file: str, number: int, line: str, stack: list[_Frame]) -> None:
        frame = stack[-1]
        error = close_error(line, frame.name, frame.reading)
        if error is not None:
            opened = f" (<{frame.name}> opened at line {frame.line})" if len(stack) > 1 else ""
            self.note(file, number, f"httpd will not start: {error}{opened}", fatal=True)
        if len(stack) > 1:
            self._finish(stack)

    def _finish(self, stack: list[_Frame]) -> None:
        frame = stack.pop()
        parent = stack[-1]
        if not parent.active:
            return
        if frame.macro_body is not None and frame.args:
            self.macros[frame.args[0].lower()] = Macro(
                frame.args[0], frame.args[1:], frame.file, frame.line, tuple(frame.macro_body))
        if frame.hidden is not None:
            holder = next(f for f in reversed(stack) if not f.flatten)
            self.hidden.append(HiddenSection(
                Directive(frame.name, frame.args, frame.file, frame.line,
                          tuple(frame.hidden), frame.last, macro=self._use),
                holder.name.lower(), holder.file, holder.line))
        if frame.flatten:
            parent.children.extend(frame.children)
        elif frame.active:
            parent.children.append(Directive(frame.name, frame.args, frame.file, frame.line,
                                             tuple(frame.children), frame.last,
                                             macro=self._use, written=frame.written))

    def _directive(self, file: str, number: int, last: int, line: str,
                   depth: int) -> list[Directive]:
        name, rest = name_and_rest(self._resolve(file, number, line))
        args = split_args(rest)
        key = name.lower()
        if key == "define" and args:
            self.defines[args[0]] = args[1] if len(args) > 1 else ""
            self.define_lines[args[0]] = (file, number)
        elif key == "undefine" and args:
            self.defines.pop(args[0], None)
            self.define_lines.pop(args[0], None)
            self.cmdline_defines.discard(args[0])
        elif key == "loadmodule" and len(args) >= 2:
            self.modules.load(args[0], args[1])
        elif key == "serverroot" and args:
            self.server_root = args[0]
            self.root_unset = self._unset_root(file, number, args[0])
        elif key == "undefmacro" and args:
            self.macros.pop(args[0].lower(), None)
        elif key == "use":
            return self._use_macro(Directive(name, args, file, number, last_line=last,
                                             macro=self._use), depth, self._sources(line),
                                   split_args(name_and_rest(line)[1])[1:])
        elif key in ("include", "includeoptional"):
            read, unread = self._include(file, number, args, depth,
                                         optional=key == "includeoptional")
            return read + ([Directive(name, args, file, number, last_line=last, unread=unread,
                                      macro=self._use)]
                           if unread else [])
        return [Directive(name, args, file, number, last_line=last, macro=self._use)]

    def _sources(self, line: str) -> tuple[VarSource, ...]:
        """Where each ``${VAR}`` of ``line`` gets its value at this point of the reading."""
        found = []
        for var in dict.fromkeys(_VAR.findall(line)):
            if var in self.defines:
                at = self.define_lines.get(var)
                found.append(VarSource(var, self.defines[var], at[0] if at else None,
                                       at[1] if at else 0))
            elif var in self.environ:
                found.append(VarSource(var, self.environ[var], None))
        return tuple(found)

    def _use_macro(self, use: Directive, depth: int, variables: tuple[VarSource, ...] = (),
                   written: Sequence[str] = ()) -> list[Directive]:
        """The directives a ``Use`` makes, read from its macro's body with the values put
        in; where mod_macro would refuse it, the ``Use`` itself, saying why."""
        name, values = use.arg(0), use.args[1:]
        macro = self.macros.get(name.lower())
        why = refusal(macro, name, values, self.expanding)
        if not why and len(self.expanding) >= MAX_INCLUDE_DEPTH:
            why = f"macros used inside macros deeper than {MAX_INCLUDE_DEPTH}"
        if why or macro is None:
            self.note(use.file, use.line, f"httpd will not start: {why}", fatal=True)
            return [dataclasses.replace(use, unread=why)]
        self.expanding.append(MacroUse(macro.name, use.file, use.line, macro.file,
                                       macro.line, tuple(macro.params), tuple(values),
                                       tuple(written), variables))
        try:
            return self._read_logical(macro.file, [
                (first, last, substitute(text, macro.params, values))
                for first, last, text in macro.body], depth + 1)
        finally:
            self.expanding.pop()

    def _resolve(self, file: str, number: int, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            var = match.group(1)
            if var in self.defines:
                return self.defines[var]
            if var in self.environ:
                return self.environ[var]
            self.note(file, number, f"${{{var}}} is not defined (httpd keeps it as written)")
            return match.group(0)

        return _VAR.sub(value, text)

    def _unset_root(self, file: str, number: int, root: str) -> tuple[str, str] | None:
        """A ``ServerRoot`` whose variable is not defined here: its own note, in place of
        the "not defined" one (httpd -t without it: "ServerRoot must be a valid directory")."""
        undefined = _VAR.search(root)
        if undefined is None:
            return None
        var = undefined.group(1)
        kept = f"${{{var}}} is not defined (httpd keeps it as written)"
        self.notes = [n for n in self.notes
                      if (n.file, n.line, n.message) != (file, number, kept)]
        self.note(file, number,
                  f"ServerRoot {root}: ${{{var}}} is not defined here; httpd starts only with "
                  f"{var} set in its environment (without it httpd stops at this line: "
                  f"\"ServerRoot must be a valid directory\"), and lint reads no Include of "
                  f"a relative path after it (no root to read it against); give it to lint as "
                  f"httpd gets it (lint's environment, or envvars in the server root)")
        return var, f"{file}:{number}"

    def _include(self, file: str, number: int, args: tuple[str, ...], depth: int,
                 optional: bool) -> tuple[list[Directive], str]:
        """The directives read, and why some of what it names was not read ("" if all was)."""
        if not args:
            self.note(file, number, "Include without a path", fatal=True)
            return [], ""
        pattern = args[0]
        if not os.path.isabs(pattern) and self.root_unset is not None:
            var, where = self.root_unset
            self.note(file, number, f"Include {args[0]}: not read: relative to the ServerRoot "
                                    f"at {where}, whose ${{{var}}} is not defined here")
            return [], (f"relative to the ServerRoot at {where}, whose ${{{var}}} is not "
                        f"defined here")
        if not os.path.isabs(pattern):
            pattern = os.path.join(self.server_root, pattern)
        if depth >= MAX_INCLUDE_DEPTH:
            self.note(file, number, f"includes nested deeper than {MAX_INCLUDE_DEPTH}: "
                                    f"{args[0]} not read", fatal=True)
            return [], f"includes nested deeper than {MAX_INCLUDE_DEPTH}"
        self.include_dirs.extend(include_dirs(pattern))
        files = self._include_files(pattern)
        if len(files) > MAX_INCLUDE_FILES:
            self.note(file, number, f"Include {args[0]}: matches more than {MAX_INCLUDE_FILES} "
                                    f"files (a whole tree?); not read", fatal=True)
            return [], f"matches more than {MAX_INCLUDE_FILES} files"
        if not files and not optional:
            self.note(file, number, f"Include {args[0]}: no such file (httpd would not start)",
                      fatal=True)
        # httpd reads nothing from an IncludeOptional of an empty directory: nothing unread
        unread = "" if files or (optional and lists_nothing(pattern)) else "matches no file"
        loop = next((p for p in files if _real_path(p) in self.including), None)
        if loop is not None:
            # httpd would read it again and again until "Exceeded maximum include depth";
            # reading the other matches would only repeat that for each of them.
            self.note(file, number, f"Include {args[0]}: {loop} includes itself (an include "
                                    f"loop, httpd would not start); not read", fatal=True)
            return [], "an include loop"
        read: list[Directive] = []
        for path in files:
            try:
                text = read_text(path, MAX_CONFIG_BYTES, errors="replace")
            except OSError as exc:
                self.note(file, number, f"Include {path}: cannot read: {exc.strerror or exc}",
                          fatal=True)
                unread = f"cannot read {path}: {exc.strerror or exc}"
                continue
            self.includes.append(IncludeLine(path, file, number))
            read += self.read_file(path, text, depth + 1)
        return read, unread

    @staticmethod
    def _include_files(pattern: str) -> list[str]:
        if glob.has_magic(pattern):
            found: list[str] = []
            for match in sorted(glob.glob(pattern)):
                found += (files_under(match, MAX_INCLUDE_FILES) if os.path.isdir(match)
                          else [match])
                if len(found) > MAX_INCLUDE_FILES:
                    break
            return found
        if os.path.isdir(pattern):
            return files_under(pattern, MAX_INCLUDE_FILES)
        return [pattern] if os.path.exists(pattern) else []

    def _condition_holds(self, key: str, args: tuple[str, ...]) -> bool:
        """Whether a conditional section's body is read.

        ``IfDefine`` is decided by the Defines read so far and the ``-D`` names given;
        ``IfModule`` as httpd does (:meth:`Modules.present`: in a configuration fragment
        that loads no MPM every module counts as present); ``IfVersion`` against the httpd
        version given (unknown: holds). Directives and sections are assumed present.
        """
        arg = args[0] if args else ""
        negated = arg.startswith("!")
        name = arg[1:] if negated else arg
        if key == "ifdefine":
            present = name in self.defines or name in self.cmdline_defines
        elif key == "ifmodule":
            present = self.modules.present(name)
        elif key == "iffile":
            path = name if os.path.isabs(name) else os.path.join(self.server_root, name)
            present = os.path.exists(path)
        elif key == "ifversion":
            return version_holds(args, self.version)
        else:
            present = True
        return present != negated


def _real_path(path: str) -> str:
    """``os.path.realpath``, or the path as written where resolving it is not allowed
    (``/proc/1/cwd`` for a process that may not look there)."""
    try:
        return os.path.realpath(path)
    except OSError:
        return path
