"""What a WSGI script defines, as far as ``probe endpoint --install`` needs to know.

The block wraps a module-level ``application``; one bound only inside a function or a class
(a local, an attribute) is not there when the block runs, so such a script is refused. A
script that already calls ``wsgi_endpoint.wrap()`` by hand would be wrapped twice.
"""

from __future__ import annotations

import ast
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


def hand_made_wrap(tree: ast.Module) -> int | None:
    """The line of a ``wsgi_endpoint.wrap(...)`` written by hand, or of an import of
    ``wsgi_endpoint`` (``from wsgi_endpoint import wrap`` wraps under another name), if any."""
    imported = None
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "wrap" and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "wsgi_endpoint"):
            return node.lineno
        if imported is None and (
                (isinstance(node, ast.ImportFrom) and node.module == "wsgi_endpoint")
                or (isinstance(node, ast.Import)
                    and any(a.name == "wsgi_endpoint" for a in node.names))):
            imported = node.lineno
    return imported


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
