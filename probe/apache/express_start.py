"""What mod_wsgi-express's generated ``apachectl`` starts its ``httpd.conf`` with: the ``-D``
names of its ``HTTPD_ARGS`` line and the variables it exports.

``mod_wsgi-express start-server`` and ``setup-server`` write a server root holding
``httpd.conf``, ``envvars`` and an ``apachectl`` script, and httpd is only ever started by
that script: ``HTTPD_ARGS="-f ROOT/httpd.conf -DMOD_WSGI_VIRTUAL_HOST ..."`` (line 6 in
mod_wsgi 6.1) and ``MOD_WSGI_USER="${MOD_WSGI_USER:-${WSGI_RUN_USER}}"`` then
``export MOD_WSGI_USER``. Read without them the file says the opposite of what runs: its
``User ${MOD_WSGI_USER}`` "not defined", and ``<IfDefine !MOD_WSGI_VIRTUAL_HOST>``'s one
VirtualHost answering every name where ``--server-name`` made httpd refuse unknown names
with 403 (tester T31's wiki on 18103). So where the configuration given is the file an
``apachectl`` beside it names after ``-f``, that script is read as the system's
``apache2ctl`` and its ``envvars`` are: its defines join ``-D``, its exports the environment.

Only the assignments the generator writes are read (``NAME="value"``, ``NAME='value'``,
``${NAME:-default}`` and ``$NAME`` of names assigned before); a default is taken as written,
the environment httpd is started in being unknown here (it may set ``MOD_WSGI_USER``).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from probe.apache.config import Httpd
from probe.apache.config_text import default_server_root
from probe.files import read_text

_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|\S*)\s*$")
_EXPORT = re.compile(r"^export\s+([A-Za-z_][A-Za-z0-9_ ]*)$")
_DEFAULTED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):-((?:[^{}]|\{[^{}]*\})*)\}")
_PLAIN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_MAX_BYTES = 256 * 1024


@dataclass(frozen=True)
class ExpressStart:
    """The start a server root's ``apachectl`` gives the configuration: file:line of each."""

    apachectl: str
    args_line: int  # the HTTPD_ARGS line
    defines: tuple[str, ...]
    exported: tuple[tuple[str, str, int], ...]  # (name, value, line of its export)

    @property
    def args_where(self) -> str:
        return f"{self.apachectl}:{self.args_line}"

    @property
    def environ(self) -> dict[str, str]:
        return {name: value for name, value, _ in self.exported}

    def exported_where(self, name: str) -> str | None:
        return next((f"{self.apachectl}:{line}" for n, _, line in self.exported if n == name),
                    None)


def express_start(paths: Sequence[str | os.PathLike[str]],
                  server_root: str | None = None) -> ExpressStart | None:
    """The start of the one configuration given, where an ``apachectl`` in its directory
    (or the server root given) runs it with ``-f``; None otherwise."""
    if len(paths) != 1:
        return None
    given = Path(paths[0])
    conf = given / "httpd.conf" if given.is_dir() else given
    root = Path(server_root) if server_root else Path(default_server_root(paths))
    script = root / "apachectl"
    try:
        text = read_text(script, _MAX_BYTES, errors="replace")
    except (OSError, ValueError):
        return None
    return read_apachectl(str(script), text, str(conf.resolve()))


def read_apachectl(path: str, text: str, conf: str) -> ExpressStart | None:
    """``text`` read as mod_wsgi-express's ``apachectl``; None unless its ``HTTPD_ARGS``
    starts httpd with ``-f conf``."""
    values: dict[str, str] = {}
    args: tuple[int, list[str]] | None = None
    exported: list[tuple[str, str, int]] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if (assign := _ASSIGN.match(line)) is not None:
            name, raw = assign.group(1), assign.group(2)
            values[name] = raw[1:-1] if raw[:1] == "'" else _expand(raw.strip('"'), values)
            if name == "HTTPD_ARGS":
                try:
                    args = number, shlex.split(values[name])
                except ValueError:
                    return None
        elif (export := _EXPORT.match(line)) is not None:
            exported += [(n, values[n], number) for n in export.group(1).split() if n in values]
    if args is None or "mod_wsgi" not in text:
        return None
    number, words = args
    files = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "-f"]
    if not files or os.path.realpath(files[0]) != os.path.realpath(conf):
        return None
    defines = tuple(w[2:] if len(w) > 2 else words[i + 1]
                    for i, w in enumerate(words) if w.startswith("-D") and (len(w) > 2
                                                                           or i + 1 < len(words)))
    return ExpressStart(path, number, defines, tuple(exported))


def _expand(value: str, values: Mapping[str, str]) -> str:
    """``${NAME:-default}`` and ``$NAME`` of the names assigned so far (the environment
    httpd starts in is not known here: a default is taken as written)."""
    while (found := _DEFAULTED.search(value)) is not None:
        name, default = found.group(1), _expand(found.group(2), values)
        value = value[:found.start()] + (values.get(name) or default) + value[found.end():]
    return _PLAIN.sub(lambda m: values.get(m.group(1) or m.group(2), ""), value)


def started_as(paths: Sequence[str | os.PathLike[str]], server_root: str | None,
               environ: Mapping[str, str] | None, httpd: Httpd | None
               ) -> tuple[Mapping[str, str] | None, Httpd | None, ExpressStart | None]:
    """``environ`` and ``httpd`` as that ``apachectl`` gives them (the names given on the
    command line kept, the environment given winning, as its ``${NAME:-...}`` lets it)."""
    start = express_start(paths, server_root)
    if start is None:
        return environ, httpd, None
    base = httpd or Httpd()
    defines = tuple(dict.fromkeys((*base.defines, *start.defines)))
    return {**start.environ, **(environ or {})}, replace(base, defines=defines), start
