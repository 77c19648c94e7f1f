"""httpd's own syntax check (``apache2 -t``) as lint findings: httpd is the authority on
whether it starts, and its message says why in its own words (an ``Options`` line mixing
``+``/``-`` with bare options, a directive in a context it does not allow, ...).

A main configuration (one that loads an MPM) is checked as it is (Debian's ``apache2.conf``
through ``apache2ctl``, which reads ``envvars``). A fragment (one site file) is only checked
when asked (``--apachectl``), inside a wrapper that loads what Debian's ``mods-enabled``
loads, plus mod_wsgi where Debian has it: one that needs a module the wrapper did not load
("Invalid command") cannot be judged, and a note says so. A refusal on a line a rule
already reports as an error adds nothing: one fault, one finding, at the line to change
(:func:`not_yet_reported`).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from probe.apache.apachectl import httpd_binary, run_httpd
from probe.apache.model import Site
from probe.lint.findings import ConfigFinding, Severity
from probe.lint.scratch_copy import ScratchCopy
from probe.lint.wsgi_options import walk

_WHERE = re.compile(r"Syntax error on line (\d+) of (.+?):\s*(.*)$")
_DEFINED_AT = re.compile(r"defined at (/.+):(\d+)$")
_UNDEFINED = re.compile(r"Config variable (\$\{[^}]+\}) is not defined")
_REFUSED, _BY_HTTPD = "httpd will not start: ", " (apache2 -t)"
_DEBIAN_MODS = Path("/etc/apache2/mods-enabled")
_DEBIAN_WSGI = Path("/etc/apache2/mods-available/wsgi.load")
MAX_RUNS = 20
"""``apache2 -t`` runs for one configuration, the first included (each takes well under a
second; a file with a comment after every directive has a refusal per line)."""
BUDGET_SECONDS = 30.0
_DEFINING = {"loadmodule", "loadfile", "include", "includeoptional", "wsgidaemonprocess"}
"""Directives later lines may depend on: commented out, they can cause a refusal of their own
(a module's directive, a daemon group named by ``process-group=``)."""
_MISSING = ("Invalid command", "WSGI process group not yet configured")
NO_MPM = "No MPM loaded"
"""httpd's refusal of a configuration that loads no MPM: a fragment, not a fault in it."""


def syntax_check(site: Site, paths: Sequence[str | os.PathLike[str]], server_root: str,
                 defines: Sequence[str], environ: Mapping[str, str], *,
                 fragments: bool = False) -> list[ConfigFinding]:
    """``apache2 -t`` on the configuration; [] where no httpd is installed, or for a
    fragment unless ``fragments``. After a refusal, the refusals behind it
    (:func:`_later_refusals`)."""
    first = site.config.files[0] if site.config.files else "<config>"
    if httpd_binary() is None or not paths or not (fragments or is_main(site)):
        return []
    with tempfile.TemporaryDirectory(prefix="probe-lint-") as scratch:
        check = _Check(site, paths, server_root, defines, environ, scratch)
        try:
            done = check.run(None)
        except (OSError, RuntimeError) as exc:
            return [_note(first, f"httpd -t could not run, nothing checked: {exc}")]
        if done.returncode == 0:
            return []
        refusal = _refusal(site, first, done.stderr, wrapped=check.wrapped)
        return [refusal, *_later_refusals(check, refusal, done.stderr)]


class _Check:
    """How ``apache2 -t`` runs on this configuration: as it is, or on a scratch copy."""

    def __init__(self, site: Site, paths: Sequence[str | os.PathLike[str]], server_root: str,
                 defines: Sequence[str], environ: Mapping[str, str], scratch: str) -> None:
        self.site, self.paths, self.scratch = site, paths, scratch
        self.server_root, self.defines, self.environ = server_root, defines, environ
        self.wrapped = not is_main(site)
        first = site.config.files[0] if site.config.files else "<config>"
        self.config = _wrap(site, [os.fspath(p) for p in paths], scratch) if self.wrapped \
            else first

    def run(self, copy: ScratchCopy | None) -> subprocess.CompletedProcess[str]:
        if copy is None:
            return run_httpd("-t", self.config, self.server_root, self.defines, self.environ)
        read = (_wrap(self.site, [copy.path(os.fspath(p)) for p in self.paths], self.scratch,
                      "wrapper-copy.conf") if self.wrapped else copy.path(self.config))
        return run_httpd("-t", self.config, self.server_root, self.defines, self.environ,
                         read=read)


def _later_refusals(check: _Check, refusal: ConfigFinding,
                    stderr: str) -> list[ConfigFinding]:
    """httpd names only its first refusal (a comment after a directive gives one per line):
    comment out the refused directive in a scratch copy and run ``apache2 -t`` again, at
    most :data:`MAX_RUNS` runs in all and :data:`BUDGET_SECONDS`. Where the chain ends
    before httpd accepts the copy, a note at the last refusal says why, so the list reads as
    possibly incomplete: a refusal that is not a directive's "Syntax error on line N of FILE"
    lint maps to a file it read, a directive that cannot be commented out safely
    (:meth:`ScratchCopy.why_kept`: a section line, a ``Define`` a ``${NAME}`` uses, a
    ``ServerRoot`` that moves the root), the runs or the time used up. An "Invalid command"
    or a process group "not yet configured" after a ``LoadModule``, ``Include`` or
    ``WSGIDaemonProcess`` was commented out may be that line's doing: not reported."""
    found: list[ConfigFinding] = []
    site, first = check.site, refusal.file
    place = _where(stderr)
    if refusal.severity is not Severity.ERROR:
        return found
    if place is None or _as_read(site, place[0]) != refusal.file or place[1] != refusal.line:
        return [_stopped(refusal, "httpd's refusal names no line lint can comment out")]
    try:
        copy = ScratchCopy(site.config.files, site.config.server_root, check.scratch)
    except OSError as exc:
        return [_stopped(refusal, f"no scratch copy could be written ({exc.strerror})")]
    deadline, removed = time.monotonic() + BUDGET_SECONDS, set()
    last = refusal
    for _ in range(MAX_RUNS - 1):
        why = copy.why_kept(last.file, last.line, check.server_root)
        if why is not None or time.monotonic() > deadline:
            return [*found, _stopped(last, why or f"lint gives apache2 -t "
                                                  f"{BUDGET_SECONDS:.0f} s in all")]
        removed.add(copy.comment_out(last.file, last.line))
        try:
            done = check.run(copy)
        except (OSError, RuntimeError) as exc:
            return [*found, _stopped(last, f"apache2 -t did not run again: {exc}")]
        if done.returncode == 0:
            return found
        place = _where(done.stderr)
        later = _refusal(site, first, copy.unmirror(done.stderr), wrapped=check.wrapped)
        if place is None or copy.original(place[0]) is None or \
                later.severity is not Severity.ERROR or later.line != place[1] or \
                (later.file, later.line) in {(f.file, f.line) for f in [refusal, *found]}:
            return [*found, _stopped(last, "httpd's next refusal names no line lint can "
                                           "report")]
        if removed & _DEFINING and any(m in later.message for m in _MISSING):
            return [*found, _stopped(last, f"httpd's next refusal ({_httpd_words(later)}) "
                                           f"may come from a LoadModule, Include or "
                                           f"WSGIDaemonProcess commented out before it")]
        found.append(later)
        last = later
    return [*found, _stopped(last, f"lint runs apache2 -t at most {MAX_RUNS} times")]


def _stopped(last: ConfigFinding, why: str) -> ConfigFinding:
    """The note that httpd's refusals after ``last`` were not looked for."""
    return ConfigFinding(
        "config", Severity.NOTE, last.file, last.line,
        f"refusals after this one were not looked for ({why}): httpd names one refusal at "
        f"a time, so there may be more; correct this one and run probe lint again")


def not_yet_reported(site: Site, static: Sequence[ConfigFinding],
                     refusals: Sequence[ConfigFinding]) -> list[ConfigFinding]:
    """httpd's refusals no static error already reports. A refusal is the same fault when it
    names a physical line of a directive a rule reports as an error (httpd names a
    backslash-continued directive by its last line, the rule by its first, where the name
    to change is), or says in the same words what a rule quotes from httpd (a closing tag
    inside a section httpd skips: httpd names the line that opened the skipped section).
    The static finding stays: it names the line to change and why."""
    errors = [f for f in static if f.severity is Severity.ERROR]
    starts = {(f.file, f.line) for f in errors}
    covered = set(starts)
    for d in walk(site.config.directives):
        if (d.file, d.line) in starts:
            covered.update((d.file, n) for n in d.lines)
    return [f for f in refusals
            if f.severity is Severity.NOTE or ((f.file, f.line) not in covered
            and not (f.severity is Severity.ERROR and any(
                _httpd_words(f) in e.message for e in errors if e.file == f.file)))]


def _httpd_words(refusal: ConfigFinding) -> str:
    """What httpd said, without lint's frame around it."""
    words = refusal.message.removeprefix(_REFUSED).removesuffix(_BY_HTTPD)
    return words or refusal.message


def is_main(site: Site) -> bool:
    """A configuration httpd can start from: it loads an MPM (Debian's ``apache2.conf``
    through ``mods-enabled``, RHEL's ``httpd.conf`` through ``conf.modules.d``)."""
    return any(d.key == "loadmodule" and d.arg(0).startswith("mpm_")
               for d in site.config.directives)


def _wrap(site: Site, paths: Sequence[str], scratch: str, name: str = "wrapper.conf") -> str:
    lines = [f'PidFile "{scratch}/httpd.pid"', f'ErrorLog "{scratch}/error.log"']
    if _DEBIAN_MODS.is_dir():
        lines.append(f"IncludeOptional {_DEBIAN_MODS}/*.load")
    loaded = {d.arg(0) for d in site.config.directives if d.key == "loadmodule"}
    if "wsgi_module" not in loaded and _DEBIAN_WSGI.is_file():
        lines.append(f"<IfModule !wsgi_module>\nInclude {_DEBIAN_WSGI}\n</IfModule>")
    lines += [f'Include "{os.path.abspath(p)}"' for p in paths]
    wrapper = Path(scratch) / name
    wrapper.write_text("\n".join(lines) + "\n")
    return str(wrapper)


def _refusal(site: Site, first: str, stderr: str, *, wrapped: bool) -> ConfigFinding:
    """The finding for httpd's refusal, at the file and line httpd names. A variable httpd
    does not know here (``${APACHE_LOG_DIR}`` outside Debian's ``apache2ctl``) says more
    about this shell than about the configuration: a note."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    undefined = _UNDEFINED.search(stderr)
    if undefined is not None:
        return _note(first, f"httpd -t could not judge the configuration: "
                            f"{undefined.group(1)} is not defined in this environment (give "
                            f"it as httpd gets it, e.g. from Debian's envvars)")
    for line in lines:
        at = _DEFINED_AT.search(line)
        file = _as_read(site, at.group(1)) if at is not None else None
        if at is not None and file is not None:
            message = re.sub(r"^\(\d+\)[^:]*: ", "", line)
            return ConfigFinding("config", Severity.ERROR, file, int(at.group(2)),
                                 f"{_REFUSED}{message}{_BY_HTTPD}",
                                 "correct what httpd names; apache2 -t checks the whole "
                                 "configuration")
    for i, line in enumerate(lines):
        where = _innermost(line)
        if where is None:
            continue
        message = where.group(3) or (lines[i + 1] if i + 1 < len(lines) else "")
        file = _as_read(site, where.group(2))
        if wrapped and (file is None or message.startswith("Invalid command")):
            return _note(file or first, f"httpd -t could not judge this fragment on its own "
                                        f"({message}): check it inside the full "
                                        f"configuration")
        return ConfigFinding(
            "config", Severity.ERROR, file or first, int(where.group(1)) if file else 0,
            f"{_REFUSED}{message}{_BY_HTTPD}",
            "correct the line httpd names; apache2 -t checks the whole configuration")
    return ConfigFinding("config", Severity.ERROR, first, 0,
                         f"httpd will not start: {lines[-1] if lines else 'no message'} "
                         f"(apache2 -t)", "run apache2 -t to see why")


def _innermost(line: str) -> re.Match[str] | None:
    """httpd's place of a refusal: in a file an ``Include`` read while httpd reads
    ``LoadModule``s early, it says "Syntax error on line 18 of main.conf: Syntax error on
    line 4 of site.conf: ..." and the fault is in the innermost file."""
    where = _WHERE.search(line)
    while where is not None and (inner := _WHERE.match(where.group(3))) is not None:
        where = inner
    return where


def _where(stderr: str) -> tuple[str, int] | None:
    """The file and line of httpd's refusal as it names them."""
    for line in stderr.splitlines():
        where = _innermost(line)
        if where is not None:
            return where.group(2), int(where.group(1))
    return None


def _as_read(site: Site, file: str) -> str | None:
    """httpd's name for a file as lint read it (httpd prints absolute paths)."""
    real = os.path.realpath(file)
    return next((f for f in site.config.files if os.path.realpath(f) == real), None)


def _note(file: str, message: str) -> ConfigFinding:
    return ConfigFinding("config", Severity.NOTE, file, 0, message)
