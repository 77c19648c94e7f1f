"""What httpd brings to ``<IfModule>`` and ``<IfVersion>``: the modules compiled in or loaded
by ``LoadModule``, and its version.

``<IfModule X>`` names a module by its identifier (``wsgi_module``, the first argument of
``LoadModule``) or by its source file name (``mod_wsgi.c``, what ``apache2 -l`` lists). httpd
decides it while reading, from the modules compiled in and the ``LoadModule`` lines read
*so far*; so does :class:`Modules`.

A file that is not a whole server configuration (a site fragment, an Ansible template, a
``conf.d`` snippet) has no ``LoadModule`` lines of its own: judging its ``<IfModule
mod_wsgi.c>`` by them would hide everything it is about. A configuration counts as whole
once it has loaded a multi-processing module (httpd cannot start without one); before
that, every module is assumed present, as this linter always did.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePosixPath

DEBIAN_COMPILED_IN = frozenset({
    "core.c", "mod_so.c", "mod_watchdog.c", "http_core.c", "mod_log_config.c",
    "mod_logio.c", "mod_version.c", "mod_unixd.c"})
"""``apache2 -l`` of Debian's apache2-bin 2.4 (bookworm, trixie): used where no httpd runs."""

# Source files whose module identifier is not simply mod_X.c -> X_module.
_SPECIAL = {"core.c": "core_module", "http_core.c": "http_module", "event.c": "mpm_event_module",
            "prefork.c": "mpm_prefork_module", "worker.c": "mpm_worker_module"}
_SPECIAL_IDS = {v: k for k, v in _SPECIAL.items()}


def names_of(source_or_id: str) -> set[str]:
    """Both names httpd accepts for one module: ``mod_wsgi.c`` <-> ``wsgi_module``."""
    name = source_or_id
    if name in _SPECIAL:
        return {name, _SPECIAL[name]}
    if name in _SPECIAL_IDS:
        return {name, _SPECIAL_IDS[name]}
    if name.endswith(".c"):
        stem = name[:-2]
        return {name, (stem[4:] if stem.startswith("mod_") else stem) + "_module"}
    if name.endswith("_module"):
        return {name, f"mod_{name[: -len('_module')]}.c"}
    return {name}


def loaded_names(identifier: str, path: str) -> set[str]:
    """The names a ``LoadModule identifier path`` line makes true for ``<IfModule>``."""
    found = names_of(identifier)
    stem = PurePosixPath(path).stem  # mod_wsgi-py311.cpython-311-x86_64-linux-gnu -> mod_wsgi
    found |= names_of(stem.split("-")[0].split(".")[0] + ".c")
    return found


@dataclass
class Modules:
    """The modules present at the current point of reading the configuration."""

    compiled_in: frozenset[str] = DEBIAN_COMPILED_IN
    loaded: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for name in self.compiled_in:
            self.loaded |= names_of(name)

    def load(self, identifier: str, path: str) -> None:
        self.loaded |= loaded_names(identifier, path)

    @property
    def whole_server(self) -> bool:
        """Whether a multi-processing module is present: a configuration httpd can start."""
        return any(n.startswith("mpm_") and n.endswith("_module") for n in self.loaded)

    def present(self, name: str) -> bool:
        """Whether ``<IfModule name>`` holds here (see the module docstring for fragments)."""
        return not self.whole_server or name in self.loaded or bool(names_of(name) & self.loaded)


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


@cache
def compiled_in(run: Runner = subprocess.run) -> frozenset[str]:
    """``apache2 -l`` (or ``httpd -l``) of the httpd on this machine, else Debian's list."""
    binary = shutil.which("apache2") or shutil.which("httpd")
    if binary is None:
        return DEBIAN_COMPILED_IN
    try:
        done = run([binary, "-l"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return DEBIAN_COMPILED_IN
    found = parse_compiled_in(done.stdout.splitlines())
    return found or DEBIAN_COMPILED_IN


def parse_compiled_in(lines: Iterable[str]) -> frozenset[str]:
    """The ``*.c`` lines of ``httpd -l`` output."""
    return frozenset(s for line in lines if (s := line.strip()).endswith(".c"))


Version = tuple[int, int, int]
_OPERATORS = {"=": "==", "==": "==", ">": ">", ">=": ">=", "<": "<", "<=": "<="}


def parse_version(text: str) -> Version | None:
    """``2.4.71`` -> (2, 4, 71); missing parts are 0, as mod_version reads them."""
    match = re.fullmatch(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", text.strip())
    if match is None:
        return None
    major, minor, patch = (int(g) if g else 0 for g in match.groups())
    return major, minor, patch


def version_holds(args: Sequence[str], version: Version | None) -> bool:
    """Whether ``<IfVersion args>`` holds for httpd ``version`` (None: unknown, holds).

    ``[[!]operator] version`` with ``= == > >= < <=`` (default ``=``), ``~ regex`` or
    ``/regex/`` matched against ``major.minor.patch`` (mod_version)."""
    if version is None or not args:
        return True
    words = list(args)
    negated = words[0].startswith("!")
    if negated:
        words[0] = words[0][1:]
        if not words[0]:
            words.pop(0)
    if not words:
        return True
    written = ".".join(map(str, version))
    if words[0] == "~" and len(words) > 1:
        holds = re.search(words[1], written) is not None
    elif words[0].startswith("/") and words[0].endswith("/") and len(words[0]) > 1:
        holds = re.search(words[0][1:-1], written) is not None
    else:
        operator = _OPERATORS.get(words[0], "==") if len(words) > 1 else "=="
        wanted = parse_version(words[-1])
        if wanted is None:
            return True
        holds = {"==": version == wanted, ">": version > wanted, ">=": version >= wanted,
                 "<": version < wanted, "<=": version <= wanted}[operator]
    return holds != negated


def parse_server_version(text: str) -> Version | None:
    """The version in ``httpd -v`` output (``Server version: Apache/2.4.71 (Debian)``)."""
    match = re.search(r"Apache/(\d+\.\d+\.\d+)", text)
    return parse_version(match.group(1)) if match else None


@cache
def server_version(run: Runner = subprocess.run) -> Version | None:
    """``apache2 -v`` (or ``httpd -v``) of this machine's httpd; None when there is none."""
    binary = shutil.which("apache2") or shutil.which("httpd")
    if binary is None:
        return None
    try:
        done = run([binary, "-v"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_server_version(done.stdout)
