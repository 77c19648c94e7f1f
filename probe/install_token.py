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

from probe.install_files import InstallRefused, Snapshot, create, read

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

    @property
    def manifest_line(self) -> str:
        """The line for the probe's manifest (its ``[probe]`` table)."""
        # JSON string escapes are TOML basic-string escapes.
        return f"[probe] token_file = {json.dumps(str(self.path), ensure_ascii=False)}"


def plan(script: Path, script_file: Snapshot, given: Path | None) -> TokenPlan:
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
        return TokenPlan(path, expression, True, TOKEN_MODE, _new_owner(script_file))
    existing = read(path, follow=True)
    assert existing is not None
    if existing.mode & stat.S_IROTH:
        raise InstallRefused(f"{path}: the token file is readable by every user (mode "
                             f"{existing.mode:04o}); 'chmod o-r' it, then run the command "
                             f"again; nothing changed")
    if not existing.data.strip() or len(existing.data) > MAX_TOKEN_BYTES:
        raise InstallRefused(f"{path}: not a token file (empty, or over {MAX_TOKEN_BYTES} "
                             f"bytes); nothing changed")
    return TokenPlan(path, expression, False, existing.mode, (existing.uid, existing.gid))


def _new_owner(script_file: Snapshot) -> tuple[int, int]:
    """Who a token file created now belongs to: root gives it the script's owner and group;
    another user the script's group if it is one of theirs (the kernel refuses any other:
    then the file keeps this user's own group, and the summary says that one)."""
    if os.geteuid() == 0:
        return script_file.uid, script_file.gid
    mine = script_file.gid == os.getegid() or script_file.gid in os.getgroups()
    return os.geteuid(), script_file.gid if mine else os.getegid()


def write(token: TokenPlan, like: Snapshot) -> None:
    """Create the token file: 32 random bytes, URL-safe, one line."""
    create(token.path, (secrets.token_urlsafe(32) + "\n").encode("ascii"), mode=token.mode,
           like=like)


def owner_names(token: TokenPlan) -> str:
    """``user:group`` of the token file, by name where the system knows it."""
    uid, gid = token.owner
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    try:
        group = grp.getgrgid(gid).gr_name
    except KeyError:
        group = str(gid)
    return f"{user}:{group}"
