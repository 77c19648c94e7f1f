"""The token ``probe endpoint --install`` sets up by default, and the manifest line for it.

Without a token the endpoint answers loopback requests that carry no proxy header. Behind a
reverse proxy on the same machine that adds none (``proxy_pass`` alone), every request is
such a request: only a token keeps the endpoint to the probe. So the install creates a token
file beside the script (or uses the one given), readable by the script's owner and group
only, and the block passes it to ``wrap(token_file=...)``. An existing file is used as it
is, never overwritten; one that every user can read is refused.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from probe.credentials import token_problem
from probe.install_files import InstallRefused, Snapshot, create, read
from probe.safe_text import one_line

DEFAULT_NAME = "wsgi_endpoint.token"
TOKEN_MODE = 0o640
"""Owner and the script's group: the application reads it, other users do not."""
MAX_TOKEN_BYTES = 4096


@dataclass(frozen=True)
class TokenPlan:
    path: Path  # absolute
    expression: str  # how the block names it (Python 2/3 syntax, ``here`` is the script's dir)
    create: bool  # False: an existing file is used as it is
    mode: int
    owner: tuple[int, int]  # uid, gid: as created, or as found
    group_given: bool = False  # --group named the group

    @property
    def manifest_line(self) -> str:
        """The line for the probe's manifest (its ``[probe]`` table)."""
        # JSON string escapes are TOML basic-string escapes.
        return f"[probe] token_file = {json.dumps(str(self.path), ensure_ascii=False)}"


def group_id(name: str) -> int:
    """The group ``--group`` names (a name, or a number). Raises InstallRefused."""
    try:
        return int(name) if name.isdigit() else grp.getgrnam(name).gr_gid
    except KeyError:
        raise InstallRefused(f"--group {name!r}: no such group; nothing changed") from None


def plan(script: Path, script_file: Snapshot, given: Path | None,
         group: int | None = None) -> TokenPlan:
    """Where the token is, and whether it must be created. Raises InstallRefused."""
    if given is None:
        path = Path(os.path.abspath(script.parent / DEFAULT_NAME))
        expression = f"os.path.join(here, {DEFAULT_NAME!a})"
    else:
        path = Path(os.path.abspath(given))
        expression = ascii(str(path))
    if not os.path.lexists(path):
        if not path.parent.is_dir():
            raise InstallRefused(f"{path.parent}: no such directory for the token file; "
                                 f"nothing changed")
        return TokenPlan(path, expression, True, TOKEN_MODE, _new_owner(script_file, group),
                         group is not None)
    _refuse_planted_link(path)
    existing = read(path, follow=True)
    assert existing is not None
    _refuse_foreign_owner(path, existing, script_file)
    if group is not None and existing.gid != group:
        raise InstallRefused(f"{path}: the token file is there with group "
                             f"{_group_name(existing.gid)}, not --group's "
                             f"{_group_name(group)}; 'chgrp {_group_name(group)} {path}' (or "
                             f"leave --group out), then run the command again; nothing changed")
    if existing.mode & (stat.S_IROTH | stat.S_IWOTH):
        # Writable: anyone could set the token the endpoint trusts at its next start.
        what = ("readable and writable" if existing.mode & stat.S_IROTH else "writable") \
            if existing.mode & stat.S_IWOTH else "readable"
        bits = "o-rw" if existing.mode & stat.S_IWOTH else "o-r"
        raise InstallRefused(f"{path}: the token file is {what} by every user (mode "
                             f"{existing.mode:04o}); 'chmod {bits}' it, then run the command "
                             f"again; nothing changed")
    if not existing.data.strip() or len(existing.data) > MAX_TOKEN_BYTES:
        raise InstallRefused(f"{path}: not a token file (empty, or over {MAX_TOKEN_BYTES} "
                             f"bytes); nothing changed")
    try:
        problem = token_problem(existing.data.decode("utf-8").strip())
    except UnicodeDecodeError:
        problem = "is not UTF-8 text, not one token"
    if problem is not None:
        # The rule the probe and the endpoint read it by: adopted, it would stop every sweep.
        raise InstallRefused(f"{path}: not a token file: it {problem} (a token file holds the "
                             f"token alone, on one line); give another --token-file, or none "
                             f"to have one created; nothing changed")
    return TokenPlan(path, expression, False, existing.mode, (existing.uid, existing.gid),
                     group is not None)


def _refuse_planted_link(path: Path) -> None:
    """A link on the way another user could have planted: refused, as ``-o`` refuses one;
    they could point it at any file later."""
    from probe.output_links import UnsafeLink, followed

    try:
        followed(str(path))
    except UnsafeLink as exc:
        raise InstallRefused(f"--token-file {path}: {exc.strerror}; nothing changed") from None
    except OSError:
        pass  # the read says why


def _refuse_foreign_owner(path: Path, existing: Snapshot, script_file: Snapshot) -> None:
    """A token file of another user: that user knows the token, may change it, and the
    endpoint would trust it (a security tester's nobody-owned 0640 file in /tmp was adopted).
    Allowed owners: the installing user; root; and, when root installs, the script's owner,
    the user the install already gives a token file it creates to (the application's)."""
    me = os.geteuid()
    allowed = {me, 0} | ({script_file.uid} if me == 0 else set())
    if existing.uid in allowed:
        return
    if me == 0:
        who = "root" + (f" or the script's owner, {_user_name(script_file.uid)}"
                        if script_file.uid != 0 else "")
    else:
        who = f"{_user_name(me)}, who runs this install, or root"
    raise InstallRefused(
        f"{path}: the token file is owned by {_user_name(existing.uid)}, not by {who}: that "
        f"user knows the token and may change it, and the endpoint would trust it; give a "
        f"token file of yours, or leave --token-file out to have one created; nothing "
        f"changed")


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _new_owner(script_file: Snapshot, group: int | None) -> tuple[int, int]:
    """Who a token file created now belongs to: root gives it the script's owner and group
    (or --group's); another user the script's group if it is one of theirs (the kernel
    refuses any other: then the file keeps this user's own group, and the summary says that
    one), and --group only if it is one of theirs."""
    mine = {os.getegid(), *os.getgroups()}
    if group is not None and os.geteuid() != 0 and group not in mine:
        raise InstallRefused(f"--group {_group_name(group)}: this user is not in that group, so "
                             f"it cannot give a file to it; run the command as root; nothing "
                             f"changed")
    if os.geteuid() == 0:
        return script_file.uid, script_file.gid if group is None else group
    if group is not None:
        return os.geteuid(), group
    return os.geteuid(), script_file.gid if script_file.gid in mine else os.getegid()


def write(token: TokenPlan, like: Snapshot) -> None:
    """Create the token file: 32 random bytes, URL-safe, one line."""
    create(token.path, (secrets.token_urlsafe(32) + "\n").encode("ascii"), mode=token.mode,
           like=like, group=token.owner[1])


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def owner_names(token: TokenPlan) -> str:
    """``user:group`` of the token file, by name where the system knows it."""
    uid, gid = token.owner
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    return f"{user}:{_group_name(gid)}"


def said(token: TokenPlan) -> str:
    """Who can read the token file, and what to do where the application runs as another
    user: the install cannot see the server's configuration, so it names where that is set.
    A re-tester's file, root:root beside a root-owned script, was unreadable by the mod_wsgi
    daemon running as www-data: the endpoint answered nobody."""
    user, group = owner_names(token).split(":", 1)
    who = (f"token file {one_line(str(token.path), None)} (mode {token.mode:04o}, owner "
           f"{user}:{group}: only an application running as {user} or in group {group} can "
           f"read it")
    if token.group_given:
        return who + ")"
    return who + (f"; where it runs as another user (mod_wsgi daemon mode: WSGIDaemonProcess "
                  f"user=/group=; gunicorn --user/--group; uWSGI uid=/gid=), 'chgrp GROUP "
                  f"{one_line(str(token.path), None)}' with that group (--group GROUP sets it "
                  f"on a file the install creates): otherwise the endpoint answers nobody and "
                  f"logs 'cannot read the probe token file')")


def dropped(script: Path, block: bytes) -> str:
    """Said by ``--install --no-token`` over a block that passed a token: the endpoint goes
    from the token to loopback-only, and the token file stays where it is ("" for a block
    without one). A re-install said neither, exit 0."""
    import ast

    try:
        tree = ast.parse(block)
    except (SyntaxError, ValueError):
        return ""
    named = [k.value for n in ast.walk(tree) if isinstance(n, ast.Call)
             for k in n.keywords if k.arg == "token_file"]
    if not named:
        return ""
    value, path = named[0], None
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        path = Path(value.value)
    elif isinstance(value, ast.Call) and len(value.args) == 2 and \
            isinstance(value.args[1], ast.Constant) and isinstance(value.args[1].value, str):
        path = Path(os.path.abspath(script.parent / value.args[1].value))  # join(here, NAME)
    kept = (f"the token file {one_line(str(path), None)} is left as it was (remove it if "
            f"nothing else uses it, and the manifest's token_file line)" if path is not None
            else "its token file is left as it was")
    return (f"; the endpoint installed before answered the token; from now on it answers no "
            f"token, only loopback requests; {kept}")

