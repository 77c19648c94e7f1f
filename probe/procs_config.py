"""Which configuration an Apache parent process runs, read from its command line.

``probe ps`` on a host with several Apache servers (Debian's ``apache2@NAME`` instances, a
mod_wsgi-express, a test server) would otherwise leave the user matching pids by hand. What
the command line says is what the process was started with: ``-f FILE`` (the main
configuration file; a relative one is under the ServerRoot) and ``-d DIR`` (the ServerRoot).
Without them the binary's compiled-in defaults apply; for Debian's ``apache2`` those are
ServerRoot ``/etc/apache2`` and ``apache2.conf`` (``apache2 -V``: HTTPD_ROOT,
SERVER_CONFIG_FILE). Other builds' defaults are not guessed: ``httpd -V`` shows them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

DEBIAN_ROOT = "/etc/apache2"
DEBIAN_CONFIG = "apache2.conf"


@dataclass(frozen=True)
class ParentConfig:
    """The configuration file and ServerRoot of one Apache parent, and where each came from."""

    config_file: str | None
    """None when neither the command line nor a known default names it."""
    server_root: str | None
    """From ``-d``, or Debian's default where it was used; None: the file's ServerRoot, else
    the compiled-in one."""
    source: str
    """What the command line said: ``-f and -d on the command line``, ..."""
    read: bool = True
    """False: the command line could not be read, so nothing is known (not the defaults)."""

    def describe(self) -> str:
        """``/etc/apache2-two/apache2.conf (ServerRoot /etc/apache2-two: -d on the command
        line; Debian's default file)``."""
        where = self.config_file or ("an unknown configuration file" if not self.read
                                     else "its compiled-in configuration file")
        return f"{where} ({self.source})"


def unreadable_config() -> ParentConfig:
    """A parent whose command line could not be read: an empty one would mean Debian's
    defaults, an unread one means nothing."""
    return ParentConfig(None, None, "its command line could not be read: run 'probe ps' as "
                                    "root or as the process's user", read=False)


def _option(argv: Sequence[str], flag: str) -> str | None:
    """The value of ``-f FILE`` or ``-fFILE`` (the last one given), else None."""
    found = None
    args = list(argv[1:])
    for i, arg in enumerate(args):
        if arg == flag and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith(flag) and len(arg) > len(flag) and not arg.startswith("--"):
            found = arg[len(flag):]
    return found


def parent_config(argv: Sequence[str], name: str) -> ParentConfig:
    """What configuration the Apache parent started with ``argv`` (its process ``name``)."""
    given_file, given_root = _option(argv, "-f"), _option(argv, "-d")
    binary = os.path.basename(argv[0]) if argv else name
    debian = "apache2" in (binary, name)
    root_said = f"ServerRoot {given_root}: -d on the command line" if given_root else ""
    if given_file is not None and os.path.isabs(given_file):
        said = "; ".join(filter(None, ["-f on the command line", root_said]))
        return ParentConfig(given_file, given_root, said)
    if given_file is not None:  # relative: under the ServerRoot
        root = given_root or (DEBIAN_ROOT if debian else None)
        if root is None:
            return ParentConfig(None, None, f"-f {given_file} on the command line, under the "
                                            f"compiled-in ServerRoot: '{binary} -V' shows it")
        said = root_said or f"under Debian's default ServerRoot {DEBIAN_ROOT}"
        return ParentConfig(os.path.join(root, given_file), root,
                            f"-f on the command line; {said}")
    if debian:
        root = given_root or DEBIAN_ROOT
        said = (f"{root_said}; Debian's default file" if given_root else
                "Debian's default: no -f or -d on the command line")
        return ParentConfig(os.path.join(root, DEBIAN_CONFIG), root, said)
    said = "; ".join(filter(None, [root_said, f"no -f: '{binary} -V' shows the file"]))
    return ParentConfig(None, given_root, said)


@dataclass(frozen=True)
class ConfiguredGroup:
    """One ``WSGIDaemonProcess`` of the files ``probe ps --config`` read."""

    name: str
    display_name: str | None
    where: str  # file:line of the directive


@dataclass(frozen=True)
class Configured:
    """What ``probe ps --config`` read: its files, and their daemon groups in the order httpd
    reads them (mod_wsgi numbers the groups, and their sockets, from 1 in that order).

    The order says which group a socket ID is only for a parent that runs these files: another
    server's daemon #1 is its own configuration's first group (a tester saw another server's
    ``blog`` daemons shown as ``wsgi-djangostack``).
    """

    files: tuple[str, ...]
    groups: tuple[ConfiguredGroup, ...]

    def runs(self, config: ParentConfig | None) -> bool:
        """Whether the parent's configuration file (from its command line) is one of these."""
        if config is None or config.config_file is None:
            return False
        own = os.path.realpath(config.config_file)
        return any(os.path.realpath(path) == own for path in self.files)

    def by_socket(self, socket_id: int) -> ConfiguredGroup | None:
        return self.groups[socket_id - 1] if 0 < socket_id <= len(self.groups) else None

    def by_title(self, seen: str) -> tuple[ConfiguredGroup, ...]:
        """The groups whose display-name gives the title ``seen``; if none does exactly, those
        whose title starts with it (mod_wsgi cuts a title to the length of httpd's argv[0])."""
        titles = [(group, title_of(group)) for group in self.groups]
        exact = tuple(group for group, title in titles if title == seen)
        return exact or tuple(group for group, title in titles
                              if title is not None and title.startswith(seen))

    def shown(self) -> str:
        return ", ".join(self.files)


def title_of(group: ConfiguredGroup) -> str | None:
    """The process title mod_wsgi gives the group's daemons: display-name=%{GROUP} is
    (wsgi:NAME), another value is taken as it is; without one the title stays httpd's."""
    if group.display_name is None:
        return None
    return f"(wsgi:{group.name})" if group.display_name == "%{GROUP}" else group.display_name
