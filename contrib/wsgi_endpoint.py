"""A drop-in diagnostic endpoint for a WSGI application (part of wsgi-probe).

It answers ``GET``/``HEAD`` on ``.../__probe__`` with a small JSON document that
says which loaded copy of the application answered: process, mod_wsgi process
group and application group (sub interpreter), Django settings module, and the
request as this application received it. ``probe sweep`` reads it to prove which
instance really serves each host and path. Every other request goes to the
application untouched.

Install
-------
The file is standard library only (Python 3.9+), so the server does not need
wsgi-probe installed. The safe way is::

    probe endpoint --install /path/to/project/wsgi.py --label project-2

which writes this file next to ``wsgi.py`` and appends a block that loads it by
file path and, on any failure, leaves ``application`` alone (docs/endpoint-protocol.md shows the
block, to copy by hand with this file, which ``probe endpoint > wsgi_endpoint.py``
prints). The short form::

    import wsgi_endpoint
    application = wsgi_endpoint.wrap(application, label="project-2")

works only where this file's directory is on ``sys.path``: mod_wsgi, gunicorn
and uWSGI do not put the script's directory there, and then the import error
takes every request down.

Outside mod_wsgi, ``server.software`` comes from ``SERVER_SOFTWARE`` or, under
uWSGI (which does not set it), from its ``uwsgi`` module, which also gives
``server.worker_id`` and ``server.uwsgi`` (its version, its master's pid, the options it
reloads by): the module uWSGI loaded, for a request uWSGI serves; the endpoint imports
nothing. A front may pass its own ``SERVER_SOFTWARE`` to uWSGI (Apache's mod_proxy_uwsgi
does): ``server.uwsgi`` still says uWSGI there.

Code version
------------
``code.version`` says which code this copy runs, so that a fleet's backends can be compared
(their scripts' modification times differ from host to host whatever they run). It is
``wrap(code_version=...)`` when given; else the first of the environment variables in
``CODE_VERSION_VARIABLES`` that is set (``WSGI_PROBE_CODE_VERSION`` is this project's own);
else the first line of a ``REVISION`` or ``VERSION`` file, or the commit a git checkout's
HEAD names (read from its files: git is not run), in the nearest directory above the WSGI
script that has one, if root or the script's owner owns it (as git checks ownership).
``code.version_source`` says where it came from (``wrap``, ``env:NAME``, ``file:PATH``,
``git:PATH``). All of it is read once, when ``wrap()`` runs. ``code.script_loads`` and
``code.first_loaded_at`` (kept on ``sys``) and ``process_started_at`` (the system's) tell a
script run again inside the same process, as mod_wsgi's embedded mode does when it changes,
whose earlier modules stay loaded.

Security model
--------------
A request is answered only when it is authorised; an unauthorised request is
handed to the application like any other URL, so nothing reveals that the
endpoint exists.

* With a token configured, the request must carry it in the ``X-Probe-Token``
  header (compared in constant time), from any address including loopback.
  The token comes from ``wrap(token=...)``, else the file ``wrap(token_file=...)``,
  else the environment variable ``WSGI_PROBE_TOKEN``, else the file named by
  ``WSGI_PROBE_TOKEN_FILE``; it is read once, when ``wrap()`` runs.
* With no token configured, only requests whose ``REMOTE_ADDR`` is loopback
  (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104) AND that carry no proxy header are
  answered. Proxy headers: ``Forwarded``, ``Via``, ``X-Real-IP``, any
  ``X-Forwarded-*``, ``X-Client-IP``, ``X-Cluster-Client-IP``, ``True-Client-IP``,
  ``CF-Connecting-IP``, in any case, with dashes or underscores, with or without
  the ``HTTP_`` prefix of the environ. Behind a reverse proxy on the same machine
  every request comes from loopback, and a proxy that adds none of these headers
  (nginx's ``proxy_pass`` alone adds none) makes every request look local.
  The server can make a remote request look local too: Apache's mod_remoteip
  (``RemoteIPHeader X-Forwarded-For`` with ``RemoteIPInternalProxy`` or
  ``RemoteIPTrustedProxy`` covering the client's network) sets ``REMOTE_ADDR``
  from the header and removes it, so ``X-Forwarded-For: 127.0.0.1`` sent from
  there is loopback here with no proxy header left; nginx's realip module
  (``set_real_ip_from`` + ``real_ip_header``) sets the address it passes the
  same way. Loopback-only is safe only where no proxy on this machine forwards
  to the application and the server takes no client address from a header.
  Everywhere else configure a token (``probe endpoint --install`` does by
  default).
* Under waitress, with no token configured, nobody is authorised (one line on stderr at the
  first probe request refused): waitress removes ``X-Forwarded-For``,
  ``X-Forwarded-Host``/``-Proto``/``-Port``/``-By`` and ``Forwarded`` from the request of
  every peer it does not trust before the application runs, so a proxy's request looks
  local. ``WSGI_PROBE_DIRECT_ONLY=1`` in the environment (read when ``wrap()`` runs) says
  no proxy on this machine forwards to the application, and restores loopback-only there.
* A bad ``wrap()`` setting (``segment``, ``token``, ``token_file``, a name it does not
  have) or any failure while wrapping never raises: one line on stderr, nobody authorised.
* If a token file is configured but cannot be read or is empty, or
  ``WSGI_PROBE_TOKEN``/``WSGI_PROBE_TOKEN_FILE`` is set but empty, nobody is
  authorised (one warning line goes to stderr, i.e. Apache's error log). A
  token file every user may read is used, with one warning line there too.

The answer carries ``Cache-Control: no-store, private`` and, with a token, ``Vary:
X-Probe-Token``: a cache in front told to ignore Cache-Control still keeps a stored answer
from requests without the token, unless it ignores Vary too (docs/security.md).

The answer never contains environment variables other than
``DJANGO_SETTINGS_MODULE``, ``TZ`` and the first code version variable set (as
``code.version``), settings values other than ``SETTINGS_MODULE`` and
``FORCE_SCRIPT_NAME`` (of ``ALLOWED_HOSTS`` and ``SECURE_PROXY_SSL_HEADER`` only whether
they accept this request), cookies, or request headers other than ``Host``,
``X-Forwarded-Host``, ``X-Forwarded-Prefix`` and ``X-Forwarded-Proto``.

mod_wsgi note: Apache's ``SetEnv`` reaches the WSGI environ of each request,
not ``os.environ``, and this module reads its token when ``wrap()`` runs. Put
``WSGI_PROBE_TOKEN`` in the environment of the Apache processes themselves
(e.g. ``export WSGI_PROBE_TOKEN=...`` in ``/etc/apache2/envvars``), or use
``token_file=``/``WSGI_PROBE_TOKEN_FILE`` with a file readable by the user the
daemon process runs as.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import itertools
import json
import os
import platform
import re
import secrets
import socket
import stat
import sys
import threading
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Set, Union

if TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["wrap"]

SCHEMA = 1
# X-Probe-Token as the WSGI environ names it.
_AUTH_HEADER = "HTTP_X_PROBE_TOKEN"
# X-Probe-Nonce: echoed (and signed with the token) to prove the answer is live,
# not a cache's copy of an earlier one. Only a plain value: it is put in JSON as is.
_NONCE_HEADER = "HTTP_X_PROBE_NONCE"
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,128}\Z")
# Headers by which a reverse proxy says it forwarded the request, in every spelling a server
# may give them in the environ (HTTP_X_FORWARDED_FOR, x-forwarded-for, X_FORWARDED_FOR...).
# Without a token, a request that has one is not authorised by its loopback address alone.
# Matched against all environ keys at once, joined and upper-cased: a few passes in C, on the
# probe's own path only (a request for another URL never gets here).
_PROXY_KEY = re.compile(
    r"^(?:HTTP[-_])?(?:FORWARDED|VIA|X[-_]REAL[-_]IP|X[-_]FORWARDED(?:[-_][^\n]*)?"
    r"|X[-_](?:CLUSTER[-_])?CLIENT[-_]IP|TRUE[-_]CLIENT[-_]IP|CF[-_]CONNECTING[-_]IP)$",
    re.MULTILINE,
)

# Sentinel for "a token source was configured but yielded nothing": the
# endpoint must then be off, not silently fall back to loopback-only.
_DENY_ALL = object()


def _warn(message: str) -> None:
    try:
        sys.stderr.write("wsgi_endpoint: %s\n" % message)
        sys.stderr.flush()
    except Exception:  # noqa: S110 - a broken stderr must not stop the application loading
        pass


_MAX_TOKEN_FILE_BYTES = 64 * 1024  # a token is a line; a larger file is the wrong file
_MAX_TOKEN_CHARS = 1024  # the probe's rule too (probe/credentials.py): one line, no control
_TOKEN_CONTROL = re.compile(u"[\x00-\x1f\x7f-\x9f]")


class _NotATokenFile(ValueError):
    pass


def _token_bytes(path: Union[str, os.PathLike[str]], limit: int = _MAX_TOKEN_FILE_BYTES,
                 owners: Optional[frozenset[int]] = None) -> bytes:
    # Read while the application is imported (the token, the code version): a FIFO would
    # block that import at open() and a device such as /dev/zero would never end. Only a
    # regular file of at most ``limit`` bytes and, when ``owners`` is given, owned by one of
    # them (fstat: the file really opened, whatever a symbolic link named).
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise _NotATokenFile("not a regular file")
        if owners is not None and status.st_uid not in owners:
            raise _NotATokenFile("owned by another user")
        if owners is not None and status.st_nlink > 1 and not _linked_by(path, owners):
            raise _NotATokenFile("a hard link another user may have made")
        chunks = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise _NotATokenFile("larger than %d bytes" % limit)
    return b"".join(chunks)


def _process_user() -> str:
    # Said with a PermissionError: the file's group must be this one (a daemon runs as
    # WSGIDaemonProcess user=/group=, not as whoever installed the file).
    try:
        import grp
        import pwd

        uid, gid = os.geteuid(), os.getegid()
        try:
            user = pwd.getpwuid(uid).pw_name
        except KeyError:
            user = str(uid)
        try:
            group = grp.getgrgid(gid).gr_name
        except KeyError:
            group = str(gid)
        return " (this process runs as user %s, group %s)" % (user, group)
    except ImportError:  # no pwd or grp module (Windows): the line goes without them
        return ""


def _read_token_file(path: Union[str, os.PathLike[str]], origin: str) -> object:
    try:
        text = _token_bytes(path).decode("utf-8").strip()
    except (OSError, UnicodeDecodeError, ValueError, TypeError) as exc:
        why = str(exc) if isinstance(exc, _NotATokenFile) else exc.__class__.__name__
        if isinstance(exc, PermissionError):
            why += _process_user()
        _warn(
            "cannot read the probe token file %s (%s): %s; "
            "the probe endpoint answers nobody" % (os.fspath(path), origin, why)
        )
        return _DENY_ALL
    if not text:
        _warn(
            "the probe token file %s (%s) is empty; the probe endpoint answers nobody"
            % (os.fspath(path), origin)
        )
        return _DENY_ALL
    problem = _token_problem(text)
    if problem:
        # A file named by mistake (/etc/shadow): said, never what it holds.
        _warn(
            "the probe token file %s (%s) %s; the probe endpoint answers nobody"
            % (os.fspath(path), origin, problem)
        )
        return _DENY_ALL
    _warn_world_readable(path, origin)
    return text.encode("utf-8")


def _token_problem(text: str) -> str:
    """Why ``text`` (stripped) is not one token, by the probe's rule; "" when it is one."""
    lines = len(text.splitlines())
    if lines > 1:
        return "holds %d lines, not one token" % lines
    if _TOKEN_CONTROL.search(text):
        return "holds a control character, not one token"
    if len(text) > _MAX_TOKEN_CHARS:
        return "holds %d characters, not one token (at most %d)" % (len(text), _MAX_TOKEN_CHARS)
    return ""


def _warn_world_readable(path: Union[str, os.PathLike[str]], origin: str) -> None:
    # Said, not refused: an endpoint that worked yesterday keeps answering the probe.
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except (OSError, ValueError):
        return
    if mode & stat.S_IROTH:
        _warn(
            "the probe token file %s (%s) is readable by every user (mode %04o); "
            "'chmod o-r' it" % (os.fspath(path), origin, mode)
        )


def _resolve_token(token: object, token_file: object) -> object:
    """Return the token as bytes, None (loopback only) or _DENY_ALL."""
    if token is not None:
        if isinstance(token, bytes):
            try:
                token = token.decode("utf-8")
            except UnicodeDecodeError:
                _warn("wrap(token=...) is bytes that are not UTF-8; "
                      "the probe endpoint answers nobody")
                return _DENY_ALL
        if not isinstance(token, str):
            # str() of it would be a token nobody meant (12345, "<object ...>").
            _warn("wrap(token=...) is of type %s, not str; the probe endpoint answers nobody"
                  % type(token).__name__)
            return _DENY_ALL
        stripped = token.strip()
        if not stripped:
            # An empty explicit token usually means token=os.environ.get(...)
            # found nothing; matching an empty header would let anyone in.
            _warn("wrap(token=...) is empty; the probe endpoint answers nobody")
            return _DENY_ALL
        return stripped.encode("utf-8")
    if token_file is not None:
        if not isinstance(token_file, (str, bytes, os.PathLike)):
            _warn("wrap(token_file=...) is of type %s, not a path; "
                  "the probe endpoint answers nobody" % type(token_file).__name__)
            return _DENY_ALL
        # bytes or a bytes PathLike read as the file system encodes names
        return _read_token_file(os.fsdecode(token_file), "wrap(token_file=...)")
    from_env = os.environ.get("WSGI_PROBE_TOKEN")
    if from_env is not None and from_env.strip():
        return from_env.strip().encode("utf-8")
    file_env = os.environ.get("WSGI_PROBE_TOKEN_FILE")
    if file_env is not None and file_env.strip():
        return _read_token_file(file_env.strip(), "$WSGI_PROBE_TOKEN_FILE")
    empty = [name for name, value in (("WSGI_PROBE_TOKEN", from_env),
                                      ("WSGI_PROBE_TOKEN_FILE", file_env)) if value is not None]
    if empty:
        # Set but empty: someone meant a token and its lookup found nothing (envvars
        # expanding an unset variable). Loopback-only would open the endpoint to everyone
        # behind a proxy on this machine.
        _warn("$%s is set but empty; the probe endpoint answers nobody" % " and $".join(empty))
        return _DENY_ALL
    return None


def _is_loopback(remote_addr: object) -> bool:
    if remote_addr in ("127.0.0.1", "::1"):
        return True  # nearly every local probe: no parsing on the probe's hot path
    if not isinstance(remote_addr, str) or not remote_addr:
        return False
    try:
        # A zone id ("::1%lo") is legal in REMOTE_ADDR but not for every
        # ipaddress version we support.
        address = ipaddress.ip_address(remote_addr.split("%", 1)[0].strip())
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        # Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d, which
        # ipaddress (before 3.13) does not consider loopback.
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _proxied(environ: WSGIEnvironment) -> bool:
    """Whether the request carries a header a reverse proxy adds (see _PROXY_KEY)."""
    try:
        keys = "\n".join(environ).upper()
    except TypeError:  # a key that is not a str (PEP 3333 says they are)
        keys = "\n".join([key for key in environ if isinstance(key, str)]).upper()
    # Substring tests first: a fifth of the regular expression's time, and nearly every
    # request that gets here (the local probe's) has none of these words.
    if "FORWARDED" not in keys and "VIA" not in keys and "_IP" not in keys and "-IP" not in keys:
        return False
    return _PROXY_KEY.search(keys) is not None


def _text(value: object) -> Optional[str]:
    return value if isinstance(value, str) else None


def _flag(value: object) -> Optional[bool]:
    return bool(value) if isinstance(value, (bool, int)) else None


def _loaded_settings_module() -> Optional[str]:
    # Only look at what is already there: importing django.conf, or touching
    # an unconfigured LazySettings, would configure Django as a side effect.
    conf = sys.modules.get("django.conf")
    if conf is None:
        return None
    settings = getattr(conf, "settings", None)
    if settings is None or not getattr(settings, "configured", False):
        return None
    return _text(getattr(settings, "SETTINGS_MODULE", None))


def _settings_file() -> Optional[str]:
    # The file the loaded settings module came from: two projects both named mysite import
    # whichever mysite/settings.py comes first on sys.path. Two dict lookups, never an
    # import; vars() so that a module-level __getattr__ runs no code of the application's.
    name = _loaded_settings_module()
    module = sys.modules.get(name) if name else None
    if not isinstance(module, type(sys)):  # a module, or sys.modules holds something else
        return None
    return _text(vars(module).get("__file__"))


def _mod_wsgi_version(value: object) -> Optional[str]:
    if isinstance(value, tuple) and value:
        return ".".join(str(part) for part in value)
    return _text(value)


def _uwsgi(environ: WSGIEnvironment) -> Any:
    """uWSGI's embedded ``uwsgi`` module when uWSGI serves this request, else None.

    Never imported here: uWSGI puts its module in sys.modules before it loads the
    application. Under any other server a module of that name is the project's own (a
    uwsgi.py beside manage.py), and importing it would run its code inside a request.
    """
    if "uwsgi.version" not in environ:
        return None
    found = sys.modules.get("uwsgi")
    return found if callable(getattr(found, "worker_id", None)) else None


def _server_software(environ: WSGIEnvironment) -> Optional[str]:
    # gunicorn, waitress and Apache say SERVER_SOFTWARE; uWSGI does not, but its module does.
    value = environ.get("SERVER_SOFTWARE")
    if isinstance(value, str) and value:
        return value
    module = _uwsgi(environ)
    if module is None:
        return None
    version = getattr(module, "version", b"")
    if isinstance(version, bytes):
        version = version.decode("ascii", "replace")
    return "uWSGI/%s" % version if version else "uWSGI"


def _uwsgi_text(value: object) -> Optional[str]:
    # uWSGI gives its version and option values as bytes.
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value if isinstance(value, str) and value else None


def _uwsgi_options(options: Any, *names: str) -> List[str]:
    """Every value uWSGI was given for ``names`` (an option given twice is a list)."""
    found: List[str] = []
    for name in names:
        value = options.get(name)
        for each in value if isinstance(value, list) else [value]:
            text = _uwsgi_text(each)
            if text:
                found.append(text)
    return found


def _uwsgi_server(environ: WSGIEnvironment) -> Optional[Dict[str, Any]]:
    """uWSGI as its own module describes it, where uWSGI serves the request: the front may
    pass its own SERVER_SOFTWARE in the uwsgi variables (Apache's mod_proxy_uwsgi does), so
    server.software alone cannot tell uWSGI there. Also how uWSGI is reloaded: its master's
    pid (0: no --master) and the options that reload it, as it was started with them."""
    module = _uwsgi(environ)
    if module is None:
        return None
    options = getattr(module, "opt", None) or {}
    masterpid = getattr(module, "masterpid", None)
    master = _safe(masterpid) if callable(masterpid) else None
    return {
        "version": _uwsgi_text(getattr(module, "version", None)),
        "master_pid": master if type(master) is int else None,
        "pidfile": _uwsgi_options(options, "pidfile", "pidfile2"),
        "touch_reload": _uwsgi_options(options, "touch-reload"),
        "master_fifo": _uwsgi_options(options, "master-fifo"),
    }


def _worker_id(environ: WSGIEnvironment) -> Optional[int]:
    module = _uwsgi(environ)
    if module is None:
        return None
    worker = module.worker_id()
    return worker if isinstance(worker, int) else None


def _script_file(environ: WSGIEnvironment, wrapped_in: Optional[str]) -> Optional[str]:
    """mod_wsgi's SCRIPT_FILENAME; else ``wrapped_in``, the file of the module that called
    wrap(), found once at wrap(): under gunicorn, uWSGI and waitress (no SCRIPT_FILENAME) the
    module that builds ``application`` (mysite/wsgi.py), under mod_wsgi-express the script it
    was started with (its handler runs that file under its own name)."""
    # Under WSGIHandlerScript (mod_wsgi-express) SCRIPT_FILENAME is the requested URL's
    # file in the document root, not a WSGI script: better the wrapping file than that.
    if not environ.get("mod_wsgi.handler_script"):
        given = _text(environ.get("SCRIPT_FILENAME"))
        if given:
            return given
    return wrapped_in


# What the endpoint keeps from the server: any error, and a SystemExit from code it reaches
# (Django's settings, a module's attribute). Not KeyboardInterrupt (Ctrl-C must stop a
# development server), nor what servers raise to stop a request (gevent's GreenletExit and
# Timeout, asyncio's CancelledError): those derive from BaseException to pass through.
_CONTAINED = (Exception, SystemExit)


def _safe(compute: Callable[[], Any]) -> Any:
    try:
        return compute()
    except _CONTAINED:
        return None


def _static_python() -> Dict[str, Optional[str]]:
    return {
        "version": _safe(platform.python_version),
        "implementation": _safe(lambda: sys.implementation.name),
        "executable": _safe(lambda: sys.executable or None),
        # The environment really in use (python-home / WSGIPythonHome), not the one intended.
        "prefix": _safe(lambda: sys.prefix or None),
    }


def _django_version() -> Optional[str]:
    # Only a Django that is already imported: importing it here would load it as a side effect.
    django = sys.modules.get("django")
    return _text(getattr(django, "__version__", None)) if django is not None else None


def _caller() -> tuple[Optional[str], Optional[Dict[str, Any]]]:
    """The file whose module called wrap() (the WSGI script under mod_wsgi), and that
    module's namespace: one run of the script, which mod_wsgi makes anew when it runs the
    script again."""
    try:
        # 0 is this function, 1 is wrap(), 2 is its caller.
        namespace = sys._getframe(2).f_globals
        path = namespace.get("__file__")
    except Exception:
        return None, None
    return (path if isinstance(path, str) and path else None), namespace


def _mtime(path: Optional[str]) -> Optional[str]:
    """Modification time of ``path``, taken once at wrap(): the code this copy loaded, even
    after the file is replaced."""
    if path is None:
        return None
    moment = datetime.fromtimestamp(os.stat(path).st_mtime, timezone.utc)
    return moment.isoformat(timespec="microseconds")


# -- the code version, found once at wrap() ------------------------------------------------
# Which code this copy runs, without the user's help where a deploy left it somewhere: a fleet
# compares these across its backends (script modification times differ from host to host).
# Each source is read once, when wrap() runs, never per request, and nothing here may raise.

# Variables that deploy tools and platforms set for the running application, in the order
# they are believed: ours first, then the platforms' (Heroku buildpacks export SOURCE_VERSION,
# Heroku's dyno metadata HEROKU_BUILD_COMMIT / HEROKU_SLUG_COMMIT, Render RENDER_GIT_COMMIT,
# Railway RAILWAY_GIT_COMMIT_SHA, Dokku GIT_REV), then the usual hand-set names.
CODE_VERSION_VARIABLES = (
    "WSGI_PROBE_CODE_VERSION", "SOURCE_VERSION", "HEROKU_BUILD_COMMIT", "HEROKU_SLUG_COMMIT",
    "RENDER_GIT_COMMIT", "RAILWAY_GIT_COMMIT_SHA", "GIT_REV", "GIT_COMMIT", "SENTRY_RELEASE",
)
# Files a deploy writes beside the code (Capistrano writes REVISION into each release).
CODE_VERSION_FILES = ("REVISION", "VERSION")
_VERSION_TEXT = re.compile(r"[\x21-\x7e][\x20-\x7e]{0,199}\Z")
_GIT_OBJECT = re.compile(r"(?:[0-9a-f]{40}|[0-9a-f]{64})\Z")
_SMALL_FILE = 64 * 1024
_PACKED_REFS_LIMIT = 16 * 1024 * 1024


def _version_text(value: object) -> Optional[str]:
    """The first line of ``value`` when it is a short printable version; else None."""
    if not isinstance(value, str):
        return None
    lines = value.strip().splitlines()
    first = lines[0].strip() if lines else ""
    return first if _VERSION_TEXT.match(first) else None


def _linked_by(path: Union[str, os.PathLike[str]], owners: frozenset[int]) -> bool:
    """Whether only ``owners`` can have made the name ``path`` of a file with several: its
    directory is theirs and no group or other user may write in it.

    Where the kernel allows it (fs.protected_hardlinks 0), anyone who may create a file in a
    directory (a 1777 one above the script) can hard-link a file root owns there, which the
    owner check then believes. git makes no hard links of HEAD, refs, packed-refs or a
    ``.git`` file (``clone --local`` links objects only), but a deploy may (rsync
    --link-dest, ``cp -al``): those, in the owners' own directories, are believed.
    """
    try:
        directory = os.stat(os.path.dirname(os.path.realpath(path)))
    except (OSError, ValueError):
        return False
    return (directory.st_uid in owners
            and not directory.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _read_small(path: str, owners: frozenset[int], limit: int = _SMALL_FILE) -> Optional[str]:
    try:
        data = _token_bytes(path, limit, owners)
    except (OSError, ValueError):
        return None
    return data.decode("utf-8", "replace")


def _owners(script: str) -> frozenset[int]:
    """Who may have written a version this copy believes: root and the script's owner.

    As git does since CVE-2022-24765 (a repository someone else owns is not used): else
    anyone who can create a ``.git`` in a directory above the script (a 1777 one such as
    /tmp) sets ``code.version``, or plants a FIFO there.
    """
    try:
        owner = os.stat(script).st_uid
    except OSError:  # a script gone since it was loaded: its directory's owner could replace it
        owner = os.stat(os.path.dirname(os.path.abspath(script))).st_uid
    return frozenset((0, owner))


def _trusted(path: str, owners: frozenset[int]) -> bool:
    # lstat: a symbolic link another user planted is theirs, whatever it points to; stat: so
    # is what it points to.
    try:
        return os.lstat(path).st_uid in owners and os.stat(path).st_uid in owners
    except OSError:
        return False


def _git_dirs(dot_git: str, owners: frozenset[int]) -> Optional[tuple[str, str]]:
    """(this checkout's git directory, the common one) for a ``.git`` directory or file.

    A worktree's (or submodule's) ``.git`` is a file ``gitdir: PATH``; its git directory has
    its own HEAD and names the shared one, where the branches are, in ``commondir``.
    """
    if os.path.isdir(dot_git):
        git_dir = dot_git
    else:
        text = _read_small(dot_git, owners) or ""
        if not text.startswith("gitdir:"):
            return None
        git_dir = os.path.join(os.path.dirname(dot_git), text[len("gitdir:"):].strip())
        if not _trusted(git_dir, owners):  # git checks the directory a .git file names too
            return None
    common = (_read_small(os.path.join(git_dir, "commondir"), owners) or "").strip()
    return git_dir, os.path.normpath(os.path.join(git_dir, common)) if common else git_dir


def _packed_ref(common: str, ref: str, owners: frozenset[int]) -> Optional[str]:
    text = _read_small(os.path.join(common, "packed-refs"), owners, _PACKED_REFS_LIMIT) or ""
    for line in text.splitlines():
        sha, _, name = line.partition(" ")
        if name.strip() == ref and _GIT_OBJECT.match(sha):
            return sha
    return None


def _git_commit(dot_git: str, owners: frozenset[int]) -> Optional[str]:
    """The commit HEAD names, read from the files (HEAD, its branch, packed-refs): no git run."""
    dirs = _git_dirs(dot_git, owners)
    if dirs is None:
        return None
    git_dir, common = dirs
    head = (_read_small(os.path.join(git_dir, "HEAD"), owners) or "").strip()
    for _ in range(5):  # a symbolic ref may name another; a loop ends here
        if _GIT_OBJECT.match(head):
            return head  # a detached HEAD, or the branch's commit
        if not head.startswith("ref:"):
            return None
        ref = head[len("ref:"):].strip()
        if not ref.startswith("refs/") or ".." in ref:
            return None
        loose = (_read_small(os.path.join(git_dir, ref), owners)
                 or _read_small(os.path.join(common, ref), owners))
        if loose is None:
            return _packed_ref(common, ref, owners)
        head = loose.strip()
    return None


def _version_beside(script: Optional[str]) -> Optional[tuple[str, str]]:
    """(version, source) from the nearest directory above ``script`` that has a REVISION or
    VERSION file or a ``.git``, as git itself looks upwards for its repository.

    Git's rule for ownership: the first marker found ends the search, and gives nothing when
    it, or the directory it is in, belongs to someone other than ``_owners``. Every file is
    read without waiting and only when regular and small (``_token_bytes``).
    """
    if not script:
        return None
    owners = _owners(script)
    here = os.path.dirname(os.path.abspath(script))
    while True:
        for name in CODE_VERSION_FILES:
            path = os.path.join(here, name)
            if os.path.isfile(path):
                if not (_trusted(here, owners) and _trusted(path, owners)):
                    return None
                found = _version_text(_read_small(path, owners))
                return (found, "file:" + path) if found else None
        dot_git = os.path.join(here, ".git")
        if os.path.exists(dot_git):
            if not (_trusted(here, owners) and _trusted(dot_git, owners)):
                return None
            commit = _git_commit(dot_git, owners)
            return (commit, "git:" + dot_git) if commit else None
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _code_version(explicit: Optional[str], script: Optional[str]) -> tuple[object, object]:
    """(code version, where it came from): wrap()'s argument, a variable, a file, or git."""
    if explicit is not None:
        return explicit, "wrap"
    for name in CODE_VERSION_VARIABLES:
        found = _version_text(os.environ.get(name))
        if found:
            return found, "env:" + name
    return _safe(lambda: _version_beside(script)) or (None, None)


def _time_zone() -> Dict[str, Any]:
    """The TZ this interpreter asked for and the zone the process really uses.

    TZ and tzset() are process-wide: another sub interpreter's Django can change the zone in
    effect without touching this interpreter's os.environ.
    """
    now = time.localtime()
    return {
        "environ": _text(os.environ.get("TZ")),
        "name": _text(getattr(now, "tm_zone", None)),
        "utc_offset_s": getattr(now, "tm_gmtoff", None),
    }


# How many times wrap() ran for each WSGI script in this interpreter, kept on ``sys``: mod_wsgi's
# embedded mode re-runs a changed script in the same process (and this file with it, which the
# installed block loads anew each time), while ``sys`` and every module the first run imported
# stay as they were. One itertools.count per script: next() on it is one step under the GIL.
_SCRIPT_LOADS = "_wsgi_probe_script_loads"


_RUN_MARK = "__wsgi_probe_run__"
"""Set in the calling script's namespace: its run's number, so a second wrap() in the same run
(two applications wrapped in one script, a factory called twice) is no second run."""


def _script_load(script: Optional[str], now: str,
                 run: Optional[Dict[str, Any]]) -> Optional[tuple[int, str]]:
    """The number of the run of ``script`` that called this wrap() among its runs in this
    interpreter (1: the first), and when the first of them was (``now`` for the first); None
    where no script file is known (wrap() calls from nowhere named are no runs of a script)."""
    if not script:
        return None
    loads = sys.__dict__.setdefault(_SCRIPT_LOADS, {})
    counter, first = loads.setdefault(script, (itertools.count(1), now))
    number = run.get(_RUN_MARK) if run is not None else None
    if not isinstance(number, int):
        number = int(next(counter))
        if run is not None:
            run[_RUN_MARK] = number
    return number, str(first)


def _process_started() -> Optional[str]:
    """When this process started, ISO 8601 UTC; None where the system does not say (not Linux).

    Linux: /proc/self/stat's field 22 (starttime, clock ticks after boot, SC_CLK_TCK a second)
    after the boot time, the clock less /proc/uptime (/proc/stat's btime is whole seconds only).
    Read at wrap() and again in a process forked after it, never per request.
    """
    with open("/proc/self/stat", "rb") as stat_file:
        fields = stat_file.read().rsplit(b")", 1)[1].split()  # the name may hold ') '
    with open("/proc/uptime", "rb") as uptime_file:
        uptime = float(uptime_file.read().split()[0])
    boot = time.time() - uptime
    started = boot + int(fields[22 - 3]) / os.sysconf("SC_CLK_TCK")  # field 3 is fields[0]
    return datetime.fromtimestamp(started, timezone.utc).isoformat(timespec="milliseconds")


class _Copy:
    """State of one wrap() call: one loaded copy of the application."""

    def __init__(self, label: Optional[str], version: Optional[str],
                 script: Optional[str], run: Optional[Dict[str, Any]] = None) -> None:
        self.label = label
        found, source = _code_version(version, script)
        self.started_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        # 2 or more: this script ran before in this process, and the modules it imported then
        # are the ones still in use.
        loads, first = _safe(lambda: _script_load(script, self.started_at, run)) or (None, None)
        self.code = {"version": found, "version_source": source,
                     "script_mtime": _safe(lambda: _mtime(script)),
                     "script_loads": loads, "first_loaded_at": first}
        self.process_started_at = _safe(_process_started)
        # The WSGI script where the server names none (every server but mod_wsgi): relative
        # only where sys.path was, so made absolute against the directory the import used.
        self.script_file = _safe(lambda: script if not script or os.path.isabs(script)
                                 else os.path.abspath(script))
        # Names the machine behind a balancer (with ppid: which server a process belongs to).
        self.hostname = _safe(lambda: socket.gethostname() or None)
        self.lock = threading.Lock()
        self.instance_id = secrets.token_hex(16)
        self.pid = _safe(os.getpid)
        # Never reset: a process forked after wrap() (gunicorn --preload, uWSGI without
        # lazy-apps) runs the copy this pid loaded, and says so.
        self.loaded_pid = self.pid
        self.hits = 0
        self.started_monotonic = time.monotonic()
        self.python = _static_python()

    def count(self) -> tuple[str, int, Optional[str]]:
        """Count one answer; return (instance_id, hits, process_started_at) consistently."""
        pid = _safe(os.getpid)
        with self.lock:
            if pid is not None and pid != self.pid:
                # Forked after wrap() (gunicorn --preload, uWSGI without
                # lazy-apps): the child is another copy, so it gets its own
                # identity and counter instead of sharing the parent's.
                self.pid = pid
                self.instance_id = secrets.token_hex(16)
                self.hits = 0
                self.process_started_at = _safe(_process_started)
            self.hits += 1
            return self.instance_id, self.hits, self.process_started_at


def _nonce(environ: WSGIEnvironment) -> Optional[str]:
    value = environ.get(_NONCE_HEADER)
    return value if isinstance(value, str) and _NONCE.match(value) else None


def _signature(key: object, nonce: Optional[str], instance_id: str) -> Optional[str]:
    """HMAC-SHA256 of ``nonce + "\\n" + instance_id`` keyed with the token (see
    docs/endpoint-protocol.md)."""
    if not isinstance(key, bytes) or nonce is None:
        return None
    message = (nonce + "\n" + instance_id).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _address(name: object) -> Optional[str]:
    if isinstance(name, tuple) and len(name) >= 2:
        host = str(name[0])
        return "%s:%s" % ("[%s]" % host if ":" in host else host, name[1])
    if isinstance(name, bytes):
        name = name.decode("utf-8", "replace")
    return "unix:%s" % name if isinstance(name, str) and name else None


_EVERY_ADDRESS = ("0.0.0.0", "::", "")  # noqa: S104 - compared with a bound socket's, never bound


def _waitress_bound(environ: WSGIEnvironment) -> Optional[str]:
    """The address waitress's listening socket is bound to (``127.0.0.1:8001``; ``*:8001``
    bound to every address; ``unix:/run/a.sock``), read through the channel its
    ``waitress.client_disconnected`` callable belongs to (waitress 2.0+): SERVER_PORT alone
    says nothing of the host it is bound to. Null where that path is not there."""
    channel = getattr(environ.get("waitress.client_disconnected"), "__self__", None)
    listening = getattr(getattr(channel, "server", None), "socket", None)
    if listening is None:
        return None
    name = listening.getsockname()
    if isinstance(name, tuple) and len(name) >= 2 and str(name[0]) in _EVERY_ADDRESS:
        return "*:%s" % name[1]
    return _address(name)


def _listen(environ: WSGIEnvironment) -> Optional[str]:
    """Where the application server listens, so a sweep behind a proxy can name the upstream
    that answered: gunicorn's socket, uWSGI's socket this request came in on
    (:func:`_uwsgi_listen`), waitress's listening socket (else its own SERVER_PORT as
    ``*:PORT``: it takes the port from its socket, not from the Host, unless it trusts proxy
    headers). Null in mod_wsgi (the front is the server) and where no server says."""
    if environ.get("mod_wsgi.version") is not None:
        return None
    sock = environ.get("gunicorn.socket")
    if sock is not None:
        return _address(sock.getsockname())
    module = _uwsgi(environ)
    if module is not None:
        return _uwsgi_listen(environ, module)
    software = environ.get("SERVER_SOFTWARE")
    port = environ.get("SERVER_PORT")
    if isinstance(software, str) and software.startswith("waitress"):
        bound = _safe(lambda: _waitress_bound(environ))
        if isinstance(bound, str):
            return bound
    if isinstance(software, str) and software.startswith("waitress") and port:
        # waitress trusting proxy headers puts the forwarded port there (80 for an
        # X-Forwarded-Proto of http): a port those headers name is not known to be its own.
        if str(port) in _forwarded_ports(environ):
            return None
        return "*:%s" % port
    return None


# uWSGI's options that open a socket of their own; a router ("http", "https") listens in
# its own process and hands requests to the workers' sockets.
_UWSGI_SOCKETS = ("http-socket", "socket", "uwsgi-socket", "https-socket", "fastcgi-socket",
                  "scgi-socket", "suwsgi-socket", "shared-socket", "raw-socket")
_UWSGI_ROUTERS = ("http", "https")


def _fd_name(fd: object) -> Any:
    """The local address of the socket on ``fd``, read on a duplicate closed at once: uWSGI's
    own descriptor is never closed, read from or changed. None if ``fd`` is no socket."""
    if type(fd) is not int or fd < 0:
        return None
    copy = os.dup(fd)
    try:
        is_socket = stat.S_ISSOCK(os.fstat(copy).st_mode)
        sock = socket.socket(fileno=copy) if is_socket else None
    except BaseException:
        os.close(copy)
        raise
    if sock is None:
        os.close(copy)
        return None
    try:
        return sock.getsockname()
    finally:
        sock.close()


def _socket_address(name: object) -> Optional[str]:
    """A listening socket's address as the answer says it: ``*:PORT`` bound to every
    address, ``unix:@NAME`` for an abstract unix socket."""
    if isinstance(name, tuple) and len(name) >= 2 and str(name[0]) in _EVERY_ADDRESS:
        return "*:%s" % name[1]
    if isinstance(name, bytes):
        name = name.decode("utf-8", "replace")
    if isinstance(name, str) and name.startswith("\0"):
        return "unix:@%s" % name[1:]
    return _address(name)


def _uwsgi_sockets(module: Any) -> List[Any]:
    """The local address (as getsockname gives it) of every socket in ``uwsgi.sockets``, in
    uWSGI's order; those it cannot read are left out."""
    fds = getattr(module, "sockets", None)
    names = []
    for fd in fds if isinstance(fds, list) else []:
        name = _safe(functools.partial(_fd_name, fd))
        if name is not None and name not in names:
            names.append(name)
    return names


def _uwsgi_listens(environ: WSGIEnvironment) -> Optional[List[str]]:
    """Every address uWSGI listens on: its sockets (``uwsgi.sockets``: uwsgi.opt keeps one
    value of an option given twice, the last, in 2.0.31), then its HTTP router's. Null
    outside uWSGI."""
    module = _uwsgi(environ)
    if module is None:
        return None
    found = [a for a in map(_socket_address, _uwsgi_sockets(module)) if a]
    options = getattr(module, "opt", None) or {}
    for value in _uwsgi_options(options, *_UWSGI_ROUTERS):
        router = value.split(",")[0]
        if router and router not in found:
            found.append(router)
    return found


def _same_socket(listening: Any, local: Any) -> bool:
    """Whether a connection's local address ``local`` was accepted on ``listening``."""
    if isinstance(listening, tuple) and isinstance(local, tuple):
        if len(listening) < 2 or len(local) < 2 or listening[1] != local[1]:
            return False
        return listening[0] == local[0] or str(listening[0]) in _EVERY_ADDRESS
    return not isinstance(listening, tuple) and listening == local


def _uwsgi_listen(environ: WSGIEnvironment, module: Any) -> Optional[str]:
    """The socket this request came in on: the one its connection (``uwsgi.connection_fd``)
    was accepted on; else, where every socket is an --http-socket (uWSGI sets SERVER_PORT
    from the socket's port, 80 on a unix one), the one TCP socket on SERVER_PORT. With one
    socket, that one; with several and none of these, null: not the first or last option
    (which says nothing of this request). Behind the HTTP router (``--http`` alone: its
    workers' sockets are uWSGI's own), the router's address."""
    options = getattr(module, "opt", None) or {}
    routers = _uwsgi_options(options, *_UWSGI_ROUTERS)
    given = [key for key in _UWSGI_SOCKETS if key in options]
    if routers and not given:
        return routers[0].split(",")[0]
    names = _uwsgi_sockets(module)
    if not names:
        # uwsgi.sockets unreadable: the option as given, as endpoints before server.listens
        for key in _UWSGI_SOCKETS[:3]:
            found = _uwsgi_options(options, key)
            if found:
                return found[0] if ":" in found[0] else "unix:%s" % found[0]
        return None
    connection = getattr(module, "connection_fd", None)
    local = _safe(lambda: _fd_name(connection())) if callable(connection) else None
    chosen = [n for n in names if local is not None and _same_socket(n, local)]
    if not chosen and given == ["http-socket"]:
        port = str(environ.get("SERVER_PORT"))
        chosen = [n for n in names if isinstance(n, tuple) and len(n) >= 2
                  and str(n[1]) == port]
    if len(chosen) != 1 and len(names) == 1:
        chosen = names
    return _socket_address(chosen[0]) if len(chosen) == 1 else None


def _forwarded_ports(environ: WSGIEnvironment) -> Set[str]:
    """The ports a request's proxy headers name (as waitress derives SERVER_PORT from them)."""
    ports: Set[str] = set()
    for key in ("HTTP_X_FORWARDED_PROTO", "HTTP_FORWARDED"):
        value = environ.get(key)
        if isinstance(value, str):
            lowered = value.lower()
            if "https" in lowered:
                ports.add("443")
            if "http" in lowered.replace("https", ""):
                ports.add("80")
    for key in ("HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_HOST", "HTTP_FORWARDED"):
        value = environ.get(key)
        if isinstance(value, str):
            ports.update(re.findall(r"(\d+)", value) if key == "HTTP_X_FORWARDED_PORT"
                         else re.findall(r":(\d+)", value))
    return ports


def _host_allowed(environ: WSGIEnvironment) -> Optional[bool]:
    """Whether Django would accept this request's host (its own validate_host against
    ALLOWED_HOSTS, X-Forwarded-Host where USE_X_FORWARDED_HOST): a rejected name gets 400 on
    every real page. Null where Django is not already imported and configured."""
    conf = sys.modules.get("django.conf")
    request_module = sys.modules.get("django.http.request")
    settings = getattr(conf, "settings", None)
    if request_module is None or settings is None or not getattr(settings, "configured", False):
        return None
    validate = getattr(request_module, "validate_host", None)
    split = getattr(request_module, "split_domain_port", None)
    if validate is None or split is None:
        return None
    host = environ.get("HTTP_HOST") or ""
    if getattr(settings, "USE_X_FORWARDED_HOST", False) and environ.get("HTTP_X_FORWARDED_HOST"):
        # The whole header, as Django's _get_raw_host takes it: a list of two proxies' names
        # ("a.test, a.test") is no host to it, and every page answers 400 (DisallowedHost).
        host = environ["HTTP_X_FORWARDED_HOST"]
    allowed = list(getattr(settings, "ALLOWED_HOSTS", []) or [])
    if getattr(settings, "DEBUG", False) and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]  # what Django allows then
    domain, _port = split(host)
    return bool(domain) and bool(validate(domain, allowed))


def _is_secure(environ: WSGIEnvironment) -> Optional[bool]:
    """Django's request.is_secure() for this request: SECURE_PROXY_SSL_HEADER's header (its
    first value) equal to the value named, else the server's wsgi.url_scheme. Null where
    Django is not already imported and configured."""
    conf = sys.modules.get("django.conf")
    settings = getattr(conf, "settings", None)
    if settings is None or not getattr(settings, "configured", False):
        return None
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        header, secure_value = proxy_header
        value = environ.get(header)
        if isinstance(value, str):
            return bool(value.split(",", 1)[0].strip() == secure_value)
    return environ.get("wsgi.url_scheme") == "https"


def _force_script_name() -> Optional[str]:
    """Django's FORCE_SCRIPT_NAME: the mount its links and redirects use, whatever the
    environ's SCRIPT_NAME says. Null where Django is not already imported and configured."""
    settings = getattr(sys.modules.get("django.conf"), "settings", None)
    if settings is None or not getattr(settings, "configured", False):
        return None
    return _text(getattr(settings, "FORCE_SCRIPT_NAME", None))


def _document(copy: _Copy, environ: WSGIEnvironment, key: object = None) -> Dict[str, Any]:
    instance_id, hits, process_started_at = copy.count()
    # The environ is a dict (PEP 3333) and _text cannot fail: its fields need no _safe,
    # whose closure and try per field were a third of an answer's time.
    get = environ.get
    nonce = _safe(lambda: _nonce(environ))
    return {
        "schema": SCHEMA,
        "label": copy.label,
        "instance_id": instance_id,
        "pid": _safe(os.getpid),
        "ppid": _safe(os.getppid),
        "process_group": _text(get("mod_wsgi.process_group")),
        "application_group": _text(get("mod_wsgi.application_group")),
        "settings_module": {
            "environ": _safe(lambda: _text(os.environ.get("DJANGO_SETTINGS_MODULE"))),
            "loaded": _safe(_loaded_settings_module),
            # added later: sys.modules[loaded].__file__, which project's settings file it is
            "file": _safe(_settings_file),
        },
        "request": {
            "host": _text(get("HTTP_HOST")),
            "server_name": _text(get("SERVER_NAME")),
            "server_port": _text(get("SERVER_PORT")),
            "scheme": _text(get("wsgi.url_scheme")),
            # PEP 3333 lets a server omit these two when they are empty.
            "script_name": _text(get("SCRIPT_NAME", "")),
            "path_info": _text(get("PATH_INFO", "")),
            # What the front saw before mapping: the URL as sent, and mod_rewrite's
            # SCRIPT_URL (null where no mod_rewrite ran).
            "request_uri": _text(get("REQUEST_URI")),
            "script_url": _text(get("SCRIPT_URL")),
            # Set by a front proxy; a Host that differs from it was rewritten on the way.
            "forwarded_host": _text(get("HTTP_X_FORWARDED_HOST")),
            # Would Django accept this host (ALLOWED_HOSTS)? null outside configured Django
            "host_allowed": _safe(lambda: _host_allowed(environ)),
            # What may tell the application a mount its SCRIPT_NAME does not show: the
            # header a proxy sets, and Django's setting (null outside configured Django).
            "forwarded_prefix": _text(get("HTTP_X_FORWARDED_PREFIX")),
            "force_script_name": _safe(_force_script_name),
            # Whether the application knows the request came over TLS ended in front: the
            # header a proxy sets, and Django's request.is_secure() (null outside Django).
            "forwarded_proto": _text(get("HTTP_X_FORWARDED_PROTO")),
            "is_secure": _safe(lambda: _is_secure(environ)),
        },
        # mod_wsgi.script_name is the mount point, not the file.
        "script_file": _safe(lambda: _script_file(environ, copy.script_file)),
        "server": {
            "software": _safe(lambda: _server_software(environ)),
            "mod_wsgi_version": _safe(lambda: _mod_wsgi_version(get("mod_wsgi.version"))),
            "multithread": _safe(lambda: _flag(get("wsgi.multithread"))),
            "multiprocess": _safe(lambda: _flag(get("wsgi.multiprocess"))),
            # added to the first answer's fields: uWSGI's worker number (1, 2, ...), null elsewhere
            "worker_id": _safe(lambda: _worker_id(environ)),
            # added later: uWSGI's own account of itself and its reload, null elsewhere
            "uwsgi": _safe(lambda: _uwsgi_server(environ)),
            # where the application server listens ("127.0.0.1:8001", "unix:/run/a.sock")
            "listen": _safe(lambda: _listen(environ)),
            # added later: every address uWSGI listens on (null elsewhere); listen is the one
            # this request came in on, null where that cannot be told
            "listens": _safe(lambda: _uwsgi_listens(environ)),
            # the machine's name, taken at wrap(): which backend answered behind a balancer
            "hostname": copy.hostname,
        },
        "python": dict(copy.python, django_version=_safe(_django_version)),
        "code": dict(copy.code),
        "time_zone": _safe(_time_zone),
        "started_at": copy.started_at,
        # added later: the process's own start, before started_at where the script ran again
        "process_started_at": process_started_at,
        # added later: the process that ran wrap(), whose loaded copy this one runs
        "loaded_pid": copy.loaded_pid,
        "uptime_s": _safe(lambda: round(time.monotonic() - copy.started_monotonic, 3)),
        "hits": hits,
        "nonce": nonce,
        "signature": _safe(lambda: _signature(key, nonce, instance_id)),
    }


# The characters RFC 3986 allows in a path segment, less '%' (PATH_INFO is decoded).
_SEGMENT = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]{1,200}\Z")


def _segment_problem(segment: object) -> Optional[str]:
    """Why ``segment`` cannot select the endpoint, or None."""
    if not isinstance(segment, str):
        return "of type %s, not str" % type(segment).__name__
    if not _SEGMENT.match(segment) or not segment.strip("."):
        # PATH_INFO never ends in " x", "." or ".." as a last segment a client can ask for.
        return ("not one path segment (letters, digits and -._~!$&'()*+,;=:@ only, "
                "not '.' or '..')")
    return None


def _direct_only() -> bool:
    """$WSGI_PROBE_DIRECT_ONLY=1: the operator says no proxy forwards to this application."""
    value = os.environ.get("WSGI_PROBE_DIRECT_ONLY")
    if value is None or value.strip() == "":
        return False
    if value.strip() == "1":
        return True
    _warn("$WSGI_PROBE_DIRECT_ONLY is %r, not 1; ignored" % value)
    return False


def _hides_proxy_headers(environ: WSGIEnvironment) -> bool:
    """Whether the server is waitress, which removes X-Forwarded-For, X-Forwarded-Host,
    -Proto, -Port, -By and Forwarded from the request of every peer it does not trust
    before the application runs (``clear_untrusted_proxy_headers``, on by default;
    waitress/proxy_headers.py), so that _proxied cannot see a proxy that added them.
    Known by its SERVER_SOFTWARE (``--ident`` may change it), the callable it puts in every
    environ (2.0+), or its file wrapper class: none of these can come from a client."""
    software = environ.get("SERVER_SOFTWARE")
    if isinstance(software, str) and software.startswith("waitress"):
        return True
    if "waitress.client_disconnected" in environ:
        return True
    module = getattr(environ.get("wsgi.file_wrapper"), "__module__", None)
    return isinstance(module, str) and module.startswith("waitress")


_BLIND_UNDER_WAITRESS = (
    "the server is waitress, which removes X-Forwarded-For, X-Forwarded-Host/-Proto/-Port/-By"
    " and Forwarded from the requests of every peer it does not trust before the application"
    " runs (clear_untrusted_proxy_headers, on by default), so a request a proxy on this"
    " machine forwards cannot be told from a local one: without a token the probe endpoint"
    " answers nobody here. Configure a token (wrap(token_file=...) or $WSGI_PROBE_TOKEN_FILE;"
    " 'probe endpoint --install' does by default), or, where no proxy on this machine"
    " forwards to this application, set WSGI_PROBE_DIRECT_ONLY=1 in its environment"
)


def wrap(
    application: WSGIApplication,
    *,
    label: Optional[str] = None,
    segment: str = "__probe__",
    token: Optional[Union[str, bytes]] = None,
    token_file: Optional[Union[str, os.PathLike[str]]] = None,
    version: Optional[str] = None,
    code_version: Optional[str] = None,
    **unknown: object,
) -> WSGIApplication:
    """Return ``application`` with the probe endpoint in front of it.

    ``label`` names this instance in the answer. ``code_version`` (``version`` is its older
    name) says which code it runs (e.g. a release tag or commit), reported as
    ``code.version``; without it the version is looked for once, now: in the variables
    ``CODE_VERSION_VARIABLES``, else in the nearest ``REVISION`` or ``VERSION`` file or git
    checkout above the calling script (``code.version_source`` says which). ``segment`` is
    the last path segment that selects the endpoint. ``token``/``token_file`` configure
    authorisation (see the module docstring); both are read now, not per request.

    A bad setting never raises (``application = wrap(application, ...)`` would take the site
    down): one line on stderr says which and why, and the endpoint answers nobody.
    """
    # Here, not in _wrap: _caller counts the frames up to wrap()'s caller.
    script, run = _caller()
    try:
        if unknown:
            # A misspelt token_file= may have meant a token: answering loopback would not do.
            _warn("wrap() has no setting %s; the probe endpoint answers nobody"
                  % ", ".join(sorted(unknown)))
            return application
        problem = _segment_problem(segment)
        if problem is not None:
            _warn("wrap(segment=%r) is %s; the probe endpoint answers nobody"
                  % (segment, problem))
            return application
        return _wrap(application, label, segment, token, token_file,
                     code_version if code_version is not None else version, script, run)
    except _CONTAINED as exc:
        _warn("wrap() failed (%s); the probe endpoint answers nobody" % exc.__class__.__name__)
        return application


def _wrap(application: WSGIApplication, label: object, segment: str, token: object,
          token_file: object, declared: object, script: Optional[str],
          run: Optional[Dict[str, Any]] = None) -> WSGIApplication:
    copy = _Copy(None if label is None else str(label),
                 None if declared is None else str(declared), script, run)
    expected = _resolve_token(token, token_file)
    direct_only = expected is None and _direct_only()
    blind_said = threading.Lock()  # held for good once the waitress line is written
    # "private" and Vary: a front cache told to ignore Cache-Control (nginx's micro-cache
    # recipe, proxy_ignore_headers Cache-Control) still keys what it stores on the token
    # header, so a request without the token misses; nginx 1.22 measured
    # (tests/integration/test_token_cache_leak.py).
    answer_headers = [("Content-Type", "application/json"),
                      ("Cache-Control", "no-store, private")]
    if isinstance(expected, bytes):
        answer_headers.append(("Vary", "X-Probe-Token"))
    seg_len = len(segment)

    def is_probe(environ: WSGIEnvironment) -> bool:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return False
        path = environ.get("PATH_INFO")
        if not isinstance(path, str):
            return False
        path = path.rstrip("/")
        # Last non-empty segment only: the application that really received
        # the request answers, wherever it is mounted.
        return path.endswith(segment) and (len(path) == seg_len or path[-seg_len - 1] == "/")

    def authorised(environ: WSGIEnvironment) -> bool:
        if expected is _DENY_ALL:
            return False
        if isinstance(expected, bytes):
            given = environ.get(_AUTH_HEADER)
            if not isinstance(given, str):
                return False
            try:
                # WSGI header values are latin-1 "native strings": this
                # recovers the bytes that were on the wire.
                given_bytes = given.encode("latin-1")
            except UnicodeEncodeError:
                return False
            return hmac.compare_digest(given_bytes, expected)
        # Loopback alone proves nothing behind a proxy on this machine: it connects from
        # loopback on behalf of anyone.
        if not _is_loopback(environ.get("REMOTE_ADDR")) or _proxied(environ):
            return False
        if direct_only or not _hides_proxy_headers(environ):
            return True
        if blind_said.acquire(blocking=False):  # once per wrap(), not per request
            _warn(_BLIND_UNDER_WAITRESS)
        return False

    def probe_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body: Optional[bytes] = None
        try:
            if is_probe(environ) and authorised(environ):
                body = json.dumps(_document(copy, environ, expected)).encode("ascii")
        except _CONTAINED:
            # Never raise into the server; an endpoint that cannot answer
            # behaves as if it were not there.
            body = None
        if body is None:
            # Return the application's own iterable and start_response, so
            # streaming, exc_info, close() and wsgi.file_wrapper are untouched.
            return application(environ, start_response)
        start_response("200 OK", [*answer_headers, ("Content-Length", str(len(body)))])
        # HEAD: the same headers, including the length a GET would have.
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    return probe_app
