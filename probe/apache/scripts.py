"""What a WSGI script file says about itself, read without running it.

Two facts matter to the rules and to discovery: how the script sets
``DJANGO_SETTINGS_MODULE`` (``os.environ.setdefault`` keeps a value inherited from another
sub interpreter of the same process; assignment overrides it) and the ``label`` it gives
``wsgi_endpoint.wrap``. The script is parsed with :mod:`ast`; one that does not parse (say,
Python 2 syntax) is searched with regular expressions instead.
"""

from __future__ import annotations

import ast
import errno
import os
import re
from dataclasses import dataclass
from enum import StrEnum

from probe.apache.names import SETTINGS_VARIABLE
from probe.files import read_text

MAX_SCRIPT_BYTES = 4 * 1024 * 1024
"""A WSGI script is a few dozen lines; a larger file is not one."""


class SettingsHow(StrEnum):
    SETDEFAULT = "setdefault"
    ASSIGN = "assign"


@dataclass(frozen=True)
class ScriptInfo:
    path: str
    error: str | None = None  # why the script could not be read; None when it was
    missing: bool = False  # no file at the path (not merely unreadable by the reader's user)
    settings: str | None = None  # the DJANGO_SETTINGS_MODULE value, when a literal
    settings_how: SettingsHow | None = None
    settings_line: int | None = None
    label: str | None = None  # wrap(..., label="...")
    label_line: int | None = None  # the wrap(...) call's line, when read from the syntax tree

    @property
    def uses_setdefault(self) -> bool:
        return self.settings_how is SettingsHow.SETDEFAULT


def script_in(target: str) -> tuple[str, str]:
    """(the script, the path after it) of a ``WSGIScriptAlias`` target written with a path
    after an existing file (Review Board's ``.../reviewboard.wsgi/reviews``): httpd's
    directory walk stops at the first component that is a file, the script, and hands the
    rest on as the start of PATH_INFO (seen on real Apache: the answer's script_file is
    ``.../reviewboard.wsgi``, SCRIPT_NAME '' and PATH_INFO '/reviews/...'). A target that
    exists, or that no file of this machine begins, is kept whole."""
    if os.path.lexists(target) or not os.path.isabs(target):
        return target, ""
    parts = target.split("/")
    for n in range(2, len(parts)):
        prefix = "/".join(parts[:n])
        if os.path.isfile(prefix):
            return prefix, "/" + "/".join(parts[n:])
        if not os.path.isdir(prefix):
            break
    return target, ""


def read_script(path: str) -> ScriptInfo:
    """Read and analyse one WSGI script; an unreadable one says why in ``error``."""
    try:
        text = read_text(path, MAX_SCRIPT_BYTES, errors="replace")
    except OSError as exc:
        return ScriptInfo(path, error=exc.strerror or str(exc),
                          missing=exc.errno in (errno.ENOENT, errno.ENOTDIR))
    return analyse(text, path)


def analyse(text: str, path: str = "<script>") -> ScriptInfo:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return _analyse_by_pattern(text, path)
    settings: tuple[str | None, SettingsHow, int] | None = None
    label: str | None = None
    label_line: int | None = None
    found_all: list[tuple[str | None, SettingsHow, int]] = []
    for node in ast.walk(tree):
        found = _settings_in(node)
        if found:
            found_all.append(found)
        if found and (settings is None or _decides(found, settings)):
            settings = found
        if label is None and isinstance(node, ast.Call) and _is_wrap(node.func):
            label = next((_literal(k.value) for k in node.keywords if k.arg == "label"), None)
            label_line = node.lineno if label is not None else None
    if settings is None:
        return ScriptInfo(path, label=label, label_line=label_line)
    keeps = _keeps_inherited(tree, found_all)
    if keeps is not None:
        settings = keeps
    return ScriptInfo(path, settings=settings[0], settings_how=settings[1],
                      settings_line=settings[2], label=label, label_line=label_line)


def _keeps_inherited(tree: ast.Module, found: list[tuple[str | None, SettingsHow, int]]
                     ) -> tuple[str | None, SettingsHow, int] | None:
    """The setdefault a script amounts to when some path through it keeps an inherited
    value: a setdefault, or an assignment guarded by a test of DJANGO_SETTINGS_MODULE
    (``if "DJANGO_SETTINGS_MODULE" not in os.environ:``, setdefault by another name), that
    is not followed on every path by an unconditional assignment. None when every path
    assigns, or when only assignments are found (a per-request one included)."""
    guarded = [n for n in ast.walk(tree) if isinstance(n, ast.If) and _tests_settings(n.test)
               and any(_settings_in(m) for m in ast.walk(n))]
    setdefaults = [f for f in found if f[1] is SettingsHow.SETDEFAULT]
    if (not setdefaults and not guarded) or _always_assigns(tree.body):
        return None
    if setdefaults:
        first = min(setdefaults, key=lambda f: f[2])
        return first
    assign = next(f for n in guarded for m in ast.walk(n) if (f := _settings_in(m)))
    return assign[0], SettingsHow.SETDEFAULT, assign[2]


def _always_assigns(body: list[ast.stmt]) -> bool:
    """Whether every path through ``body`` assigns os.environ[DJANGO_SETTINGS_MODULE]."""
    for stmt in body:
        found = _settings_in(stmt)
        if found and found[1] is SettingsHow.ASSIGN:
            return True
        if isinstance(stmt, ast.If) and not _tests_settings(stmt.test) \
                and _always_assigns(stmt.body) and _always_assigns(stmt.orelse):
            return True
        if isinstance(stmt, (ast.With, ast.Try)) and _always_assigns(stmt.body):
            return True
    return False


def _tests_settings(test: ast.expr) -> bool:
    return any(_literal(n) == SETTINGS_VARIABLE for n in ast.walk(test))


def _decides(found: tuple[str | None, SettingsHow, int],
             current: tuple[str | None, SettingsHow, int]) -> bool:
    """Whether ``found`` rather than ``current`` decides the value the script runs with.

    An assignment always overrides, so the last one wins over any setdefault; among
    setdefault calls only the first can take effect.
    """
    if found[1] is SettingsHow.ASSIGN:
        return current[1] is SettingsHow.SETDEFAULT or found[2] > current[2]
    return current[1] is SettingsHow.SETDEFAULT and found[2] < current[2]


def _settings_in(node: ast.AST) -> tuple[str | None, SettingsHow, int] | None:
    # os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x")
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setdefault" and _is_environ(node.func.value)
            and node.args and _literal(node.args[0]) == SETTINGS_VARIABLE):
        value = _literal(node.args[1]) if len(node.args) > 1 else None
        return value, SettingsHow.SETDEFAULT, node.lineno
    # os.environ["DJANGO_SETTINGS_MODULE"] = "x"
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if (isinstance(target, ast.Subscript) and _is_environ(target.value)
                    and _literal(target.slice) == SETTINGS_VARIABLE):
                return _literal(node.value), SettingsHow.ASSIGN, node.lineno
    return None


def _is_environ(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "environ"
    return isinstance(node, ast.Name) and node.id == "environ"


def _is_wrap(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return (node.attr == "wrap" and isinstance(node.value, ast.Name)
                and node.value.id == "wsgi_endpoint")
    return False


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


_SETDEFAULT = re.compile(
    r"""environ\.setdefault\(\s*['"]DJANGO_SETTINGS_MODULE['"]\s*,\s*(?:['"]([^'"]*)['"])?""")
_ASSIGN = re.compile(
    r"""environ\[\s*['"]DJANGO_SETTINGS_MODULE['"]\s*\]\s*=(?!=)\s*(?:['"]([^'"]*)['"])?""")
_LABEL = re.compile(r"""wsgi_endpoint\.wrap\([^)]*?label\s*=\s*['"]([^'"]*)['"]""", re.S)


def _analyse_by_pattern(text: str, path: str) -> ScriptInfo:
    label_match = _LABEL.search(text)
    label = label_match.group(1) if label_match else None
    # An assignment overrides whatever setdefault did, so it decides when present.
    best: tuple[int, str | None, SettingsHow] | None = None
    for how, pattern in ((SettingsHow.ASSIGN, _ASSIGN), (SettingsHow.SETDEFAULT, _SETDEFAULT)):
        matches = list(pattern.finditer(text))
        if matches and best is None:
            match = matches[-1] if how is SettingsHow.ASSIGN else matches[0]
            best = (match.start(), match.group(1), how)
    if best is None:
        return ScriptInfo(path, label=label)
    line = text.count("\n", 0, best[0]) + 1
    return ScriptInfo(path, settings=best[1], settings_how=best[2], settings_line=line,
                      label=label)
