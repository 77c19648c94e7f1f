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
    existing = read(path, follow=True)
    assert existing is not None
    if group is not None and existing.gid != group:
        raise InstallRefused(f"{path}: the token file is there with group "
                             f"{_group_name(existing.gid)}, not --group's "
                             f"{_group_name(group)}; 'chgrp {_group_name(group)} {path}' (or "
                             f"leave --group out), then run the command again; nothing changed")
    if existing.mode & stat.S_IROTH:
        raise InstallRefused(f"{path}: the token file is readable by every user (mode "
                             f"{existing.mode:04o}); 'chmod o-r' it, then run the command "
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
