"""A few whole checks before the resident checker's first fork (``probe check --serve``).

Importing what a check needs is not all a first check sets up: the interpreter specialises
the byte-code it runs, libcurl and OpenSSL initialise on their first handle, first use
fills caches. Done in a forked child, all of that is done again in every child and thrown
away with it (measured: a child's first check of 20 URLs cost 22 ms of CPU against 13 ms for
a second one in the same child). So the server runs checks end to end -- the command line,
the manifest, the sweep over libcurl, the diagnosis, the judgement, the output -- before it
forks anything, and each child starts where they left off (what is left of a child's first
check is the copy-on-write of the pages it writes).

They check a loopback answer of the server's own: the real endpoint
(contrib/wsgi_endpoint.py, wrapping an application that has nothing else) served on
127.0.0.1 by a thread that is joined before the server forks. The manifests name an
instance the endpoint answers for, a host name it refuses and, for the paths of problems,
an instance it does not answer for (a misroute, CRITICAL) and an HTTPS URL (TLS and its CA
bundle; the loopback closes the handshake). A warm-up never stops the server: one that
fails or hangs only leaves the children less warm.
"""

from __future__ import annotations

import contextlib
import io
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

LABEL = "warm-up"
REFUSED = "refused.invalid"
TIMEOUT = 10.0
"""Seconds a warm-up check may take (-t): the loopback answers in milliseconds."""

Check = Callable[[list[str], Callable[[float, str], None]], int]
""":func:`probe.check.server.check`: a command line and the alarm's action -> exit status."""


@dataclass(frozen=True)
class WarmUp:
    """What a warm-up check answered (the tests read it; the server does not)."""

    code: int
    output: str


class _Abort(BaseException):
    """The alarm at -t during a warm-up check: end the warm-up, not the server."""


def _abort(timeout: float, stage: str) -> None:
    raise _Abort(f"warm-up check timed out after {timeout:g} s while {stage}")


def _nothing(environ: dict[str, object], start_response: Callable[..., object],
             ) -> Iterable[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "0")])
    return []


def _as_django(body: bytes) -> bytes:
    """The endpoint's document with what a Django process names: its time zone (TIME_ZONE, UTC
    in a new project) and its settings module and file (beside its WSGI script, as a new
    project's): the server's own process names neither, and the paths of diagnosis that read
    them (zoneinfo's, the settings file's) would be left for the children."""
    import json
    import posixpath

    if not body.startswith(b"{"):
        return body
    document = json.loads(body)
    document["time_zone"] = {"environ": "UTC", "name": "UTC", "utc_offset_s": 0}
    script = document.get("script_file")
    if not isinstance(script, str) or not script.startswith("/"):
        script = document["script_file"] = "/srv/warm-up/wsgi.py"  # as mod_wsgi names it
    document["settings_module"] = {
        "environ": "warmup.settings", "loaded": "warmup.settings",
        "file": posixpath.join(posixpath.dirname(script), "warmup", "settings.py")}
    return json.dumps(document).encode("ascii")


class _Loopback:
    """The endpoint on 127.0.0.1:PORT, one connection at a time, each closed after its
    answer: libcurl then opens one per request, and the thread ends when asked."""

    def __init__(self) -> None:
        from probe.endpoint_source import load_module

        self.app = load_module("wsgi_probe_warmup_endpoint").wrap(
            _nothing, label=LABEL, code_version=LABEL)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = int(self.sock.getsockname()[1])
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="probe-warm-up", daemon=True)

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, peer = self.sock.accept()
            except TimeoutError:
                continue
            # One request's trouble (OSError, a ValueError of a line that is not HTTP): the
            # check sees one failed URL, no more.
            with conn, contextlib.suppress(OSError, ValueError):
                conn.settimeout(2.0)
                self._answer(conn, str(peer[0]))

    def _answer(self, conn: socket.socket, peer: str) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(8192)
            if not chunk or (not data and not chunk[:1].isalpha()) or len(data) > 65536:
                return  # closed, a TLS handshake (the HTTPS URL), or no HTTP: close
            data += chunk
        lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        parts = urlsplit(target)
        environ: dict[str, object] = {
            "REQUEST_METHOD": method, "PATH_INFO": unquote(parts.path), "SCRIPT_NAME": "",
            "QUERY_STRING": parts.query, "REQUEST_URI": target, "SERVER_PROTOCOL": "HTTP/1.1",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": str(self.port), "REMOTE_ADDR": peer,
            "wsgi.url_scheme": "http", "wsgi.multithread": True, "wsgi.multiprocess": True,
            # As mod_wsgi's daemon mode says: the paths of answers that name their process.
            "mod_wsgi.process_group": LABEL, "mod_wsgi.application_group": "warm-up.invalid|"}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            environ["HTTP_" + name.strip().upper().replace("-", "_")] = value.strip()
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(status: str, headers: list[tuple[str, str]],
                           exc_info: object = None) -> None:
            started.append((status, headers))

        # The name the manifest says must be refused is, as a catch-all VirtualHost would.
        app = _nothing if environ.get("HTTP_HOST") == REFUSED else self.app
        body = _as_django(b"".join(app(environ, start_response)))
        status, headers = started[0]
        head = "".join(f"{name}: {value}\r\n" for name, value in headers
                       if name.lower() != "content-length")
        conn.sendall(f"HTTP/1.1 {status}\r\n{head}Content-Length: {len(body)}\r\n"
                     f"Connection: close\r\n\r\n".encode("latin-1") + body)

    def __enter__(self) -> _Loopback:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join()
        self.sock.close()


PROBLEMS = ('[instances.elsewhere]\nlabel = "elsewhere"\n'
            'urls = ["http://elsewhere.invalid/", "https://elsewhere.invalid/tls/"]\n')
"""An instance the endpoint does not answer for (a misroute) and an HTTPS URL the loopback
refuses (TLS fails): the problem paths."""

CHECKS: tuple[tuple[bool, tuple[str, ...]], ...] = (
    (True, ()),  # the command line Nagios's examples give
    (True, ("-v", "--perfdata-urls")),  # an HTTPS URL's label: the hashed kind
    # All OK, parsed by argparse (-vv is one word), --connect on the command line.
    (False, ("-vv", "--perfdata-urls", "-w", "1", "-c", "2", "--connect", "127.0.0.1:{port}")),
)
"""The warm-up checks: with problems or not, and their options ({port}: the loopback's)."""


def manifest_text(port: int, problems: bool) -> str:
    # Two samples: a URL's answers are grouped (probe.diagnose.answer_names) only when it has
    # more than one, as checks with the default three do.
    return (f'# The resident checker\'s warm-up\n[probe]\nconnect = "127.0.0.1:{port}"\n'
            f'samples = 2\n\n[instances.warm-up]\nlabel = "{LABEL}"\n'
            'urls = ["http://warm-up.invalid/", "http://warm-up.invalid/a/"]\n\n'
            + (PROBLEMS if problems else "") + f'[refuse]\nurls = ["http://{REFUSED}/"]\n')


def run(check: Check) -> list[WarmUp] | None:
    """The :data:`CHECKS` against the loopback endpoint, their output kept from the server's
    streams and the log settings they made undone; None when they could not run."""
    saved = sys.stdout, sys.stderr
    restore_logs = _log_settings()
    done: list[WarmUp] = []
    try:
        with tempfile.TemporaryDirectory(prefix="wsgi-probe-warm-up-") as tmp, \
                _Loopback() as loopback:
            for problems, options in CHECKS:
                manifest = Path(tmp) / f"warm-up-{len(done)}.toml"
                manifest.write_text(manifest_text(loopback.port, problems), encoding="utf-8")
                out = io.StringIO()
                sys.stdout, sys.stderr = out, io.StringIO()
                code = check(["-m", str(manifest), "-t", f"{TIMEOUT:g}",
                              *(o.format(port=loopback.port) for o in options)], _abort)
                done.append(WarmUp(code, out.getvalue()))
    except (Exception, _Abort):
        return None
    finally:
        sys.stdout, sys.stderr = saved
        restore_logs()
    return done


def _log_settings() -> Callable[[], None]:
    """What undoes the check's log settings: a child configures its own as a standalone
    plugin does (from nothing), and one that inherited 'silent' would keep the standard
    logging module disabled at -vvv."""
    from probe import logs

    logging = sys.modules.get("logging")
    disabled = logging.root.manager.disable if logging is not None else 0
    structlog = sys.modules.get("structlog")
    configured = structlog is not None and structlog.is_configured()

    def restore() -> None:
        logs.reset()
        if "logging" in sys.modules:
            sys.modules["logging"].disable(disabled)
        if "structlog" in sys.modules and not configured:
            sys.modules["structlog"].reset_defaults()

    return restore
