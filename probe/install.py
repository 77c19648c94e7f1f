"""``probe endpoint --install``: the endpoint beside a WSGI script, unable to take it down.

A hand-written ``import wsgi_endpoint`` fails under mod_wsgi and gunicorn (neither puts the
script's own directory on ``sys.path``) and then takes every request down with it. The block
appended here (probe.install_block) instead loads ``wsgi_endpoint.py`` by file path and wraps
``application`` only when everything worked; on any failure it writes one line to stderr,
which the server logs, and leaves ``application`` as it was. By default it also sets up a
token (probe.install_token).

Nothing of the user's is lost: installing again replaces the block (nothing changes when it
is identical), uninstalling gives the script back byte for byte, and a ``wsgi_endpoint.py``
that is not one of ours is never overwritten or deleted (probe.endpoint_versions). Files are
written in place, checked right before (probe.install_files); every refusal comes before the
first write.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from probe import endpoint_versions, install_script, install_token
from probe.install_block import (
    BEGIN,
    END,
    BlockError,
    ends_open,
    find,
    first_newline,
    render_block,
    with_block,
)
from probe.install_files import (
    MAX_SCRIPT_BYTES,
    InstallRefused,
    Snapshot,
    create,
    open_unchanged,
    read,
    remove_unchanged,
    write_through,
)
from probe.install_label import ENDPOINT_NAME, DefaultLabel, check_label, default_label
from probe.install_script import binds_application, compiles_after, hand_made_wrap, parse
from probe.install_token import TokenPlan
from probe.safe_text import one_line

__all__ = ["BEGIN", "END", "InstallRefused", "Plan", "apply", "diff", "plan_install",
           "plan_uninstall", "render_block"]


@dataclass(frozen=True)
class FileChange:
    """One file's content before (``None``: it does not exist) and after (``None``: deleted)."""

    path: Path
    old: Snapshot | None
    new: bytes | None

    @property
    def changed(self) -> bool:
        return (self.old.data if self.old else None) != self.new


@dataclass(frozen=True)
class Plan:
    script: FileChange
    endpoint: FileChange
    summary: str  # one line for the user, past tense
    token: TokenPlan | None = None

    @property
    def changed(self) -> bool:
        return (self.script.changed or self.endpoint.changed
                or (self.token is not None and self.token.create))


def shown(path: Path) -> str:
    """A path in a one-line message: control characters (a newline) escaped."""
    return one_line(str(path), limit=None)


def _read_script(script: Path) -> Snapshot:
    if script.name == ENDPOINT_NAME:
        raise InstallRefused(f"{shown(script)}: the script is named {ENDPOINT_NAME}, the name "
                             f"of the endpoint file that goes beside it; rename it first")
    snapshot = read(script, follow=True)
    assert snapshot is not None
    return snapshot


def _split(script: Path, data: bytes) -> tuple[bytes, bytes, bytes, bytes, list[str]] | None:
    """(original, before, after, newline, block lines no install wrote) of a script with a
    block; None without one."""
    try:
        found = find(data)
    except BlockError as exc:
        if exc.unreadable:
            parse(script, data)  # says where; tokenize does not
        raise InstallRefused(f"{shown(script)}: {exc}; nothing changed") from None
    if found is None:
        return None
    return found.original, found.before, found.after, found.newline, found.foreign_lines()


def _check_writable(script: Path, snapshot: Snapshot) -> None:
    # The owner's write bit, not only access(): root may write anything, yet a read-only
    # script is one somebody decided should not change.
    if not snapshot.mode & 0o200 or not os.access(script, os.W_OK):
        raise InstallRefused(f"{shown(script)}: cannot write it (mode {snapshot.mode:04o}); "
                             f"nothing changed")
    if not os.access(script.parent, os.W_OK | os.X_OK) or not script.parent.stat().st_mode & 0o200:
        raise InstallRefused(f"{shown(script.parent)}: cannot write in this directory, where "
                             f"{ENDPOINT_NAME} goes (or it is read-only); nothing changed")


def _endpoint_file(target: Path) -> Snapshot | None:
    existing = read(target, follow=False, missing_ok=True)
    if existing is not None and not endpoint_versions.is_ours(existing.data):
        raise InstallRefused(f"{shown(target)}: is there and is not a copy of wsgi-probe's "
                             f"endpoint (yours?); move it away, then run --install again; "
                             f"nothing changed")
    return existing


def plan_install(script: Path, label: str | None, endpoint: bytes, *,
                 token_file: Path | None = None, no_token: bool = False,
                 group: str | None = None) -> Plan:
    """What ``--install`` changes; raises :class:`InstallRefused` for a script it must not touch."""
    current = _read_script(script)
    parts = _split(script, current.data)
    original, before, after = (parts[:3] if parts else (current.data, current.data, b""))
    tree = parse(script, original)
    if not binds_application(tree.body):
        raise InstallRefused(f"{shown(script)}: defines no 'application' at module level, so "
                             f"there is nothing to wrap; nothing changed")
    by_hand = hand_made_wrap(tree)
    if by_hand is not None:
        raise install_script.hand_wrap_refused(script, by_hand, Path(os.path.abspath(
            token_file or script.parent / install_token.DEFAULT_NAME)))
    default = default_label(script) if label is None else None
    label = default.label if default is not None else label
    assert label is not None
    check_label(label)
    target = script.parent / ENDPOINT_NAME
    existing = _endpoint_file(target)
    gid = None if group is None else install_token.group_id(group)
    token = None if no_token else install_token.plan(script, current, token_file, gid)
    newline = parts[3] if parts else first_newline(current.data)
    block = render_block(label, newline, added_eol=ends_open(before),
                         token_file=token.expression if token else None)
    new = with_block(before, after, block, newline)
    was = install_token.dropped(script, current.data[len(before):len(current.data) - len(
        after)]) if parts and token is None else ""
    plan = Plan(FileChange(script, current, new), FileChange(target, existing, endpoint),
                _summary(script, label, target, token, default) + was, token)
    if plan.changed:
        _check_writable(script, current)
        compiles_after(script, original, new)
        if len(new) > MAX_SCRIPT_BYTES:  # --uninstall and a second --install would refuse it
            raise InstallRefused(f"{shown(script)}: would be larger than {MAX_SCRIPT_BYTES} "
                                 f"bytes with the block; nothing changed")
    return plan


def _summary(script: Path, label: str, target: Path, token: TokenPlan | None,
             default: DefaultLabel | None) -> str:
    why = default.said(Path(os.path.abspath(script)).parent.name) if default else ""
    done = (f"installed the probe endpoint in {shown(script)} (label {label!r}{why}) with "
            f"{shown(target)}; reload the server to load it; ")
    if token is None:
        return done + ("no token: it answers only loopback requests without a proxy header, "
                       "which is safe only if no proxy on this machine forwards to the application"
                       "; under waitress only with WSGI_PROBE_DIRECT_ONLY=1 in its environment")
    return done + (f"{install_token.said(token)}; for the probe's manifest: "
                   f"{one_line(token.manifest_line, None)}")


def plan_uninstall(script: Path) -> Plan:
    """What ``--uninstall`` changes: the script back to its bytes from before the install."""
    current = _read_script(script)
    parts = _split(script, current.data)
    target = script.parent / ENDPOINT_NAME
    existing = read(target, follow=False, missing_ok=True) if os.path.lexists(target) else None
    if parts is None:
        return Plan(FileChange(script, current, current.data),
                    FileChange(target, existing, existing.data if existing else None),
                    f"no probe endpoint installed in {shown(script)}; nothing changed")
    keep = existing is not None and (not endpoint_versions.is_ours(existing.data)
                                     or _used_by_another(script))
    kept_token = script.parent / install_token.DEFAULT_NAME
    summary = (f"removed the probe endpoint from {shown(script)}"
               + (f" (kept {shown(target)}: not ours, or another script uses it)" if keep
                  else f" and deleted {shown(target)}" if existing is not None else "")
               + (f"; kept the token file {shown(kept_token)}" if kept_token.exists() else "")
               + _dropped(parts[4]))
    plan = Plan(FileChange(script, current, parts[0]),
                FileChange(target, existing, existing.data if keep and existing else None),
                summary)
    _check_writable(script, current)
    compiles_after(script, current.data, parts[0], doing="with the block removed")
    return plan


def _dropped(lines: list[str]) -> str:
    """Said when the block held lines no install writes: they went with it."""
    more = f" and {len(lines) - 1} more" if len(lines) > 1 else ""
    return (f"; removed with it, lines no install writes: {one_line(lines[0].strip(), 80)!r}"
            f"{more}" if lines else "")


def _used_by_another(script: Path) -> bool:
    # .wsgi: mod_wsgi's usual name for a script; any other name could be one too, so a
    # script of another name keeps the file only when named by the same --install.
    others = [*script.parent.glob("*.py"), *script.parent.glob("*.wsgi")]
    for other in others:
        if other.name in (script.name, ENDPOINT_NAME):
            continue
        try:
            snapshot = read(other, follow=True)
        except InstallRefused:
            continue  # a FIFO or a huge file is no WSGI script using the endpoint
        if snapshot is not None and BEGIN.encode() in snapshot.data:
            return True
    return False


def diff(plan: Plan) -> str:
    """The script's change as a unified diff (the endpoint file is named, not shown)."""
    change = plan.script
    if not change.changed:
        return ""
    old = (change.old.data if change.old else b"").decode("utf-8", "replace")
    new = (change.new or b"").decode("utf-8", "replace")
    # a/ and b/ before the path as git writes them: an absolute path loses its leading slash
    # (a/srv/app/wsgi.py, not a//srv/app/wsgi.py), so `patch -p1` from / applies it.
    name = change.path.as_posix().lstrip("/")
    lines = list(difflib.unified_diff(old.splitlines(keepends=True),
                                      new.splitlines(keepends=True), f"a/{name}", f"b/{name}"))
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def apply(plan: Plan) -> None:
    """Carry ``plan`` out; raise InstallRefused, having undone what was done, on any error.

    Every file is checked unchanged since it was read before the first write; the script,
    whose write is the one that matters, is written last on install, first on uninstall.
    """
    script, endpoint = plan.script, plan.endpoint
    assert script.old is not None
    if endpoint.changed and endpoint.old is not None:
        os.close(open_unchanged(endpoint.path, endpoint.old, follow=False, write=False))
    fd = open_unchanged(script.path, script.old, follow=True) if script.changed else None
    created: list[Path] = []
    try:
        if endpoint.changed and endpoint.new is not None:
            _put_endpoint(endpoint, script.old, created)
        if plan.token is not None and plan.token.create:
            install_token.write(plan.token, script.old)
            created.append(plan.token.path)
        if fd is not None:
            write_through(fd, script.old.data, script.new or b"")
        if endpoint.changed and endpoint.new is None and endpoint.old is not None:
            remove_unchanged(endpoint.path, endpoint.old)
    except BaseException as exc:
        for path in created:
            path.unlink(missing_ok=True)
        if not isinstance(exc, OSError):
            raise
        where = exc.filename or script.path
        raise InstallRefused(f"{shown(Path(where))}: cannot write: {exc.strerror or exc}; "
                             f"nothing changed") from None
    finally:
        if fd is not None:
            os.close(fd)


def _put_endpoint(endpoint: FileChange, like: Snapshot, created: list[Path]) -> None:
    assert endpoint.new is not None
    if endpoint.old is None:
        create(endpoint.path, endpoint.new, mode=like.mode & 0o666, like=like)
        created.append(endpoint.path)
        return
    # An earlier version of ours: refreshed in place (it keeps its owner and links).
    fd = open_unchanged(endpoint.path, endpoint.old, follow=False)
    try:
        write_through(fd, endpoint.old.data, endpoint.new)
    finally:
        os.close(fd)
