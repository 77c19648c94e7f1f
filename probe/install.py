"""``probe endpoint --install``: the endpoint beside a WSGI script, unable to take it down.

A hand-written ``import wsgi_endpoint`` fails under mod_wsgi and gunicorn (neither puts the
script's own directory on ``sys.path``) and then takes every request down with it. The block
appended here instead loads ``wsgi_endpoint.py`` by file path, relative to ``__file__``, and
wraps ``application`` only when everything worked; on any failure (missing file, syntax error,
an old Python, an exception in ``wrap``) it writes one line to stderr, which the server logs,
and leaves ``application`` as it was.

The block is delimited by marker comments: installing again replaces it (nothing changes when
it is identical), uninstalling removes exactly the bytes that were appended. The script is
handled as bytes, so its encoding and line endings survive; the block is ASCII and uses the
script's line ending. Its code is Python 2/3 syntax on purpose: it must compile wherever the
script does, to be able to say that the endpoint cannot run there.

Over 300 lines because the guarded block itself (a template) and every refusal (each with
its one line) live here: installing, diffing and uninstalling share the marker handling.
"""

from __future__ import annotations

import ast
import difflib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from probe.errors import ProbeError

ENDPOINT_NAME = "wsgi_endpoint.py"
BEGIN = "# >>> wsgi-probe endpoint >>>"
END = "# <<< wsgi-probe endpoint <<<"
# Said on the begin line when the script did not end with a newline and one was added, so
# that --uninstall can take it away again.
# Blank lines before the block, as PEP 8 wants before a top-level def.
BLANK_LINES = 2
NO_EOL = " (newline added at the end of the script)"
# In the endpoint file's first line: --uninstall removes only a file that is ours.
ENDPOINT_SIGNATURE = b"(part of wsgi-probe)"

_BLOCK = '''\
{begin} added by `probe endpoint --install`; `--uninstall` removes it
def _wsgi_probe_endpoint(namespace):
    # Loads wsgi_endpoint.py from beside this file by path (no sys.path change) and wraps
    # application with it. On any failure application stays as it was: one line on stderr.
    import sys
    try:
        if sys.version_info < (3, 9):
            raise RuntimeError("Python %d.%d, it needs 3.9 or newer" % sys.version_info[:2])
        import importlib.util
        import os
        application = namespace["application"]
        here = os.path.dirname(os.path.abspath(namespace["__file__"]))
        path = os.path.join(here, "wsgi_endpoint.py")
        spec = importlib.util.spec_from_file_location("wsgi_endpoint", path)
        wsgi_endpoint = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(wsgi_endpoint)
        namespace["application"] = wsgi_endpoint.wrap(application, label={label})
    except (Exception, SystemExit) as exc:
        try:
            why = ("%s: %s" % (exc.__class__.__name__, exc)).replace("\\n", " ")[:300]
            sys.stderr.write("wsgi-probe: the probe endpoint is not loaded in %s, the "
                             "application runs without it: %s\\n"
                             % (namespace.get("__file__"), why))
        except Exception:
            pass


_wsgi_probe_endpoint(globals())
del _wsgi_probe_endpoint
{end}
'''


class InstallRefused(ProbeError):
    """The script cannot (or must not) be changed; the message says why, in one line."""


@dataclass(frozen=True)
class FileChange:
    """One file's content before and after; ``None`` means the file does not exist."""

    path: Path
    old: bytes | None
    new: bytes | None

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class Plan:
    script: FileChange
    endpoint: FileChange
    summary: str  # one line for the user, past tense

    @property
    def changed(self) -> bool:
        return self.script.changed or self.endpoint.changed


def render_block(label: str | None, newline: bytes = b"\n", *, added_eol: bool = False) -> bytes:
    # ascii(): a label with any characters becomes a literal valid in every encoding.
    text = _BLOCK.format(begin=BEGIN + (NO_EOL if added_eol else ""), end=END,
                         label="None" if label is None else ascii(label))
    return text.encode("ascii").replace(b"\n", newline)


def split(data: bytes) -> tuple[bytes, bytes, bytes] | None:
    """(before, block, after) when ``data`` holds an installed block; None when it does not.

    ``before`` is the script as it was before the install (the newline the install added, if
    any, given back to the block).
    """
    start = _line_start(data, BEGIN.encode())
    if start is None:
        return None
    end_at = data.find(END.encode(), start)
    if end_at < 0:
        raise InstallRefused(f"the wsgi-probe block has its '{BEGIN}' line but no '{END}' line; "
                             f"remove what is left of it by hand")
    stop = data.find(b"\n", end_at)
    stop = len(data) if stop < 0 else stop + 1
    first_line = data[start:data.find(b"\n", start)]
    # The blank lines before the begin line, and the newline for a script that had none at
    # its end, were added by the install: they go with the block.
    for _ in range(BLANK_LINES + (1 if NO_EOL.encode() in first_line else 0)):
        for eol in (b"\r\n", b"\n"):
            if data[:start].endswith(eol):
                start -= len(eol)
                break
    return data[:start], data[start:stop], data[stop:]


def _with_block(before: bytes, after: bytes, label: str, newline: bytes) -> bytes:
    """``before`` + the block + ``after``; the block starts on a line of its own."""
    added_eol = bool(before) and not before.endswith(b"\n")
    return (before + (newline if added_eol else b"") + newline * BLANK_LINES
            + render_block(label, newline, added_eol=added_eol) + after)


def _line_start(data: bytes, marker: bytes) -> int | None:
    match = re.search(rb"(?m)^" + re.escape(marker), data)
    return match.start() if match else None


def _newline_of(data: bytes) -> bytes:
    return b"\r\n" if b"\r\n" in data else b"\n"


def default_label(script: Path) -> str:
    """The directory the script is in: ``mysite`` for Django's ``mysite/mysite/wsgi.py``."""
    return script.resolve().parent.name


def _check_label(label: str) -> None:
    if not label.strip() or any(ord(c) < 32 or ord(c) == 127 for c in label):
        raise InstallRefused(f"--label {label!r}: give a name without control characters")


def _read_script(script: Path) -> bytes:
    if script.is_dir():
        raise InstallRefused(f"{script}: is a directory, give the WSGI script file (wsgi.py)")
    try:
        data = script.read_bytes()
    except OSError as exc:
        raise InstallRefused(f"{script}: cannot read: {exc.strerror or exc}") from exc
    return data


def _check_writable(script: Path) -> None:
    mode = script.stat().st_mode
    # The owner's write bit, not only access(): root may write anything, yet a read-only
    # script is one somebody decided should not change.
    if not mode & 0o200 or not os.access(script, os.W_OK):
        raise InstallRefused(f"{script}: cannot write it (mode {mode & 0o7777:04o}); "
                             f"nothing changed")
    if not os.access(script.parent, os.W_OK | os.X_OK):
        raise InstallRefused(f"{script.parent}: cannot write in this directory, where "
                             f"{ENDPOINT_NAME} goes; nothing changed")


def _parse(script: Path, data: bytes) -> ast.Module:
    try:
        return ast.parse(data, filename=str(script))
    except (SyntaxError, ValueError) as exc:
        where = f" line {exc.lineno}" if isinstance(exc, SyntaxError) and exc.lineno else ""
        raise InstallRefused(f"{script}: is not Python this tool can read ({exc.__class__.__name__}"
                             f"{where}); nothing changed") from exc


def _binds_application(tree: ast.Module) -> bool:
    """Whether module-level code (also inside if/try/with) binds the name ``application``."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == "application":
                return True
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((alias.asname or alias.name) == "application" for alias in node.names):
                return True
            continue
        for child in ast.walk(node):
            if isinstance(child, ast.Name) and child.id == "application" and isinstance(
                    child.ctx, ast.Store):
                return True
    return False


def _hand_made_wrap(tree: ast.Module) -> int | None:
    """The line of a ``wsgi_endpoint.wrap(...)`` written by hand, if any."""
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "wrap" and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "wsgi_endpoint"):
            return node.lineno
    return None


def plan_install(script: Path, label: str | None, endpoint: bytes) -> Plan:
    """What ``--install`` changes; raises :class:`InstallRefused` for a script it must not touch."""
    data = _read_script(script)
    parts = split(data)
    original = parts[0] + parts[2] if parts else data
    tree = _parse(script, original)
    if not _binds_application(tree):
        raise InstallRefused(f"{script}: defines no 'application' at module level, so there is "
                             f"nothing to wrap; nothing changed")
    line = _hand_made_wrap(tree)
    if line is not None:
        raise InstallRefused(f"{script}:{line}: already calls wsgi_endpoint.wrap() by hand; "
                             f"remove those lines and run --install again")
    label = default_label(script) if label is None else label
    _check_label(label)
    before, after = (parts[0], parts[2]) if parts else (data, b"")
    new = _with_block(before, after, label, _newline_of(original))
    target = script.parent / ENDPOINT_NAME
    change = Plan(FileChange(script, data, new), FileChange(target, _existing(target), endpoint),
                  f"installed the probe endpoint in {script} (label {label!r}) and wrote "
                  f"{target}; reload the server to load it")
    if change.changed:
        _check_writable(script)
        _compiles_after(script, original, new)
    return change


def plan_uninstall(script: Path) -> Plan:
    """What ``--uninstall`` changes: the script back to its bytes from before the install."""
    data = _read_script(script)
    parts = split(data)
    target = script.parent / ENDPOINT_NAME
    existing = _existing(target)
    if parts is None:
        return Plan(FileChange(script, data, data), FileChange(target, existing, existing),
                    f"no probe endpoint installed in {script}; nothing changed")
    keep = existing is not None and (ENDPOINT_SIGNATURE not in existing[:200]
                                     or _used_by_another(script))
    plan = Plan(FileChange(script, data, parts[0] + parts[2]),
                FileChange(target, existing, existing if keep else None),
                f"removed the probe endpoint from {script}"
                + (f" (kept {target}: not ours, or another script uses it)" if keep
                   else f" and deleted {target}" if existing is not None else ""))
    _check_writable(script)
    return plan


def _existing(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InstallRefused(f"{path}: cannot read: {exc.strerror or exc}") from exc


def _used_by_another(script: Path) -> bool:
    for other in script.parent.glob("*.py"):
        if other.name in (script.name, ENDPOINT_NAME):
            continue
        try:
            if BEGIN.encode() in other.read_bytes():
                return True
        except OSError:
            continue
    return False


def _compiles_after(script: Path, before: bytes, after: bytes) -> None:
    # Refuse to turn a script that compiles into one that does not (a trailing backslash, an
    # unclosed string at the end of the file...).
    try:
        compile(before, str(script), "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return
    try:
        compile(after, str(script), "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        raise InstallRefused(f"{script}: would not compile with the block appended "
                             f"({exc.__class__.__name__}); nothing changed") from exc


def diff(plan: Plan) -> str:
    """The script's change as a unified diff (the endpoint file is named, not shown)."""
    change = plan.script
    if not change.changed:
        return ""
    old = (change.old or b"").decode("utf-8", "replace").splitlines(keepends=True)
    new = (change.new or b"").decode("utf-8", "replace").splitlines(keepends=True)
    # a/ and b/ before the path as git writes them: an absolute path loses its leading slash
    # (a/srv/app/wsgi.py, not a//srv/app/wsgi.py), so `patch -p1` from / applies it.
    name = change.path.as_posix().lstrip("/")
    lines = list(difflib.unified_diff(old, new, f"a/{name}", f"b/{name}"))
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)
    return text


def apply(plan: Plan) -> None:
    """Write the endpoint file, then the script (each atomically); raise InstallRefused on error."""
    for change in (plan.endpoint, plan.script):
        if not change.changed:
            continue
        try:
            if change.new is None:
                change.path.unlink()
            else:
                _replace(change.path, change.new, like=plan.script.path)
        except OSError as exc:
            raise InstallRefused(f"{change.path}: cannot write: {exc.strerror or exc}") from exc


def _replace(path: Path, data: bytes, *, like: Path) -> None:
    """Write ``data`` to ``path`` through a temporary file, with the mode and owner of ``like``."""
    if path.is_dir():
        raise IsADirectoryError(21, "is a directory", str(path))
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        reference = (path if path.exists() else like).stat()
        os.chmod(temp, reference.st_mode & 0o7777)
        if os.geteuid() == 0:
            os.chown(temp, reference.st_uid, reference.st_gid)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
