"""What a WSGI script defines, as far as ``probe endpoint --install`` needs to know.

The block wraps a module-level ``application``; one bound only inside a function or a class
(a local, an attribute) is not there when the block runs, so such a script is refused. A
script that already calls ``wsgi_endpoint.wrap()`` by hand would be wrapped twice.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from probe.install_files import InstallRefused
from probe.safe_text import one_line


def _shown(path: Path) -> str:
    return one_line(str(path), limit=None)


def parse(script: Path, data: bytes) -> ast.Module:
    try:
        return ast.parse(data, filename=str(script))
    except (SyntaxError, ValueError) as exc:
        where = f" line {exc.lineno}" if isinstance(exc, SyntaxError) and exc.lineno else ""
        raise InstallRefused(f"{_shown(script)}: is not Python this tool can read "
                             f"({exc.__class__.__name__}{where}); nothing changed") from exc


def binds_application(body: list[ast.stmt]) -> bool:
    """Whether module-level code binds ``application``: also inside if/try/with/for/while/match,
    never inside a function or class body (that binds a local or an attribute)."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == "application":
                return True
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((alias.asname or alias.name.split(".")[0]) == "application"
                   for alias in node.names):
                return True
            continue
        if _stores_application(node):
            return True
        nested: list[ast.stmt] = []
        for name in ("body", "orelse", "finalbody"):
            nested.extend(getattr(node, name, []))
        for handler in getattr(node, "handlers", []):
            nested.extend(handler.body)
        for case in getattr(node, "cases", []):
            nested.extend(case.body)
        if nested and binds_application(nested):
            return True
    return False


def _stores_application(node: ast.stmt) -> bool:
    """A store of ``application`` in the statement itself (its targets, a walrus)."""
    parts: list[ast.AST] = []
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.For, ast.AsyncFor)):
        parts = [*node.targets] if isinstance(node, ast.Assign) else [node.target]
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        parts = [node.target, node.value]
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        parts = [item.optional_vars for item in node.items if item.optional_vars is not None]
    if isinstance(node, (ast.Assign, ast.Expr, ast.If, ast.While)):
        parts.append(node.value if isinstance(node, (ast.Assign, ast.Expr)) else node.test)
    for part in parts:
        for child in _walk_outside_scopes(part):
            if (isinstance(child, ast.Name) and child.id == "application"
                    and isinstance(child.ctx, ast.Store)):
                return True
    return False


def _walk_outside_scopes(node: ast.AST) -> list[ast.AST]:
    """``ast.walk`` without going into lambdas and comprehensions (their own scopes)."""
    found: list[ast.AST] = []
    pending = [node]
    while pending:
        current = pending.pop()
        found.append(current)
        if not isinstance(current, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
                                    ast.GeneratorExp)):
            pending.extend(ast.iter_child_nodes(current))
    return found


@dataclass(frozen=True)
class HandWrap:
    """A ``wsgi_endpoint`` import and ``wrap()`` call written by hand in a script."""

    line: int  # the one said first: the call, else the import
    lines: tuple[int, ...]  # every import of wsgi_endpoint and call of its wrap, in order
    tokened: bool  # a call passes token=, token_file= (or ``**`` settings it cannot read)


def _imports(tree: ast.Module) -> tuple[set[str], set[str], list[int]]:
    """(names bound to the module, names bound to its wrap, lines) of wsgi_endpoint imports."""
    modules: set[str] = {"wsgi_endpoint"}
    wraps: set[str] = set()
    lines: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "wsgi_endpoint":
            lines.append(node.lineno)
            wraps.update(a.asname or a.name for a in node.names if a.name == "wrap")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "wsgi_endpoint":
                    lines.append(node.lineno)
                    modules.add(alias.asname or alias.name)
    return modules, wraps, lines


def hand_made_wrap(tree: ast.Module) -> HandWrap | None:
    """A ``wsgi_endpoint.wrap(...)`` written by hand, or an import of ``wsgi_endpoint``
    (``from wsgi_endpoint import wrap`` wraps under another name), if any."""
    modules, wraps, imported = _imports(tree)
    calls: list[ast.Call] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "wrap"
                 and isinstance(node.func.value, ast.Name) and node.func.value.id in modules)
                or (isinstance(node.func, ast.Name) and node.func.id in wraps)):
            calls.append(node)
    if not calls and not imported:
        return None
    tokened = any(k.arg in (None, "token", "token_file") for c in calls for k in c.keywords)
    first = min(c.lineno for c in calls) if calls else min(imported)
    return HandWrap(first, tuple(sorted({*imported, *(c.lineno for c in calls)})), tokened)


def compiles_after(script: Path, before: bytes, after: bytes, *,
                   doing: str = "with the block appended") -> None:
    # Refuse to turn a script that compiles into one that does not (a trailing backslash, an
    # unclosed string at the end of the file; code joined to the line before the block after
    # an edit of the blank lines...).
    try:
        compile(before, str(script), "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return
    try:
        compile(after, str(script), "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        raise InstallRefused(f"{_shown(script)}: would not compile {doing} "
                             f"({exc.__class__.__name__}); nothing changed") from exc


def hand_wrap_refused(script: Path, found: HandWrap, token_path: Path) -> InstallRefused:
    """The refusal for a script that wraps by hand, saying what works instead: a second
    wrap would answer before (or after) the first, and rewriting the user's call is not safe."""
    where = f"{_shown(script)}:{found.line}: already calls wsgi_endpoint.wrap() by hand"
    lines = ", ".join(str(n) for n in found.lines)
    remove = (f"remove its import and call (line{'s' if len(found.lines) > 1 else ''} "
              f"{lines}) and run --install again, which installs the endpoint with a token "
              f"file and prints the manifest's line")
    if found.tokened:
        return InstallRefused(f"{where}, with a token: that call is the endpoint; give the "
                              f"probe the same token ('[probe] token_file' or token_env), or "
                              f"{remove}; nothing changed")
    token = one_line(ascii(str(token_path)), limit=None)
    return InstallRefused(
        f"{where}, without a token (it answers only loopback requests that carry no proxy "
        f"header); either add token_file={token} to that call, with that file holding one "
        f"random line (e.g. 'openssl rand -base64 32'), mode 0640, in the group the "
        f"application runs as (mod_wsgi: WSGIDaemonProcess group=), then put "
        f"'[probe] token_file = \"{one_line(str(token_path), limit=None)}\"' in the probe's "
        f"manifest and reload the application; or {remove}; nothing changed")
