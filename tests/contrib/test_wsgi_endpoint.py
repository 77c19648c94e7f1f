"""contrib/wsgi_endpoint.py, called as a WSGI server would call it (docs/endpoint-protocol.md)."""

from __future__ import annotations

import ast
import importlib.util
import io
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from wsgiref.handlers import SimpleHandler
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.util import FileWrapper, setup_testing_defaults

import pytest
import requests

from probe.install_block import render_block

ENDPOINT = Path(__file__).resolve().parents[2] / "contrib" / "wsgi_endpoint.py"

TOP_KEYS = {
    "schema", "label", "instance_id", "pid", "ppid", "process_group", "application_group",
    "settings_module", "request", "script_file", "server", "python", "started_at", "uptime_s",
    "hits", "nonce", "signature", "code", "time_zone", "process_started_at",
    "loaded_pid",
}
REQUEST_KEYS = {"host", "server_name", "server_port", "scheme", "script_name", "path_info",
                "forwarded_host", "request_uri", "script_url", "host_allowed",
                "forwarded_prefix", "force_script_name", "forwarded_proto", "is_secure"}
INNER_BODY = b"inner application"


def load_endpoint(name: str = "wsgi_endpoint_under_test") -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ENDPOINT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def we() -> ModuleType:
    return load_endpoint()


@pytest.fixture(autouse=True)
def _no_ambient_token(monkeypatch: pytest.MonkeyPatch) -> None:
    # The token is also read from the environment: a developer's shell must not
    # change what these tests see.
    for name in ("WSGI_PROBE_TOKEN", "WSGI_PROBE_TOKEN_FILE", "DJANGO_SETTINGS_MODULE",
                 *load_endpoint().CODE_VERSION_VARIABLES):
        monkeypatch.delenv(name, raising=False)


class Inner:
    """The wrapped application: records that it ran, answers 404."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        self.calls += 1
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [INNER_BODY]


class Response:
    def __init__(self) -> None:
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.body = b""

    @property
    def json(self) -> dict[str, Any]:
        assert self.status == "200 OK", self.status
        result: dict[str, Any] = json.loads(self.body)
        return result

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def environ_for(path: str = "/__probe__", *, method: str = "GET",
                remote: str | None = "127.0.0.1", extra: dict[str, Any] | None = None,
                **cgi: Any) -> dict[str, Any]:
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": ""}
    if remote is not None:
        environ["REMOTE_ADDR"] = remote
    environ.update(cgi)
    environ.update(extra or {})
    setup_testing_defaults(environ)
    return environ


def call(app: Callable[..., Any], environ: dict[str, Any]) -> Response:
    response = Response()

    def start_response(status: str, headers: list[tuple[str, str]],
                       exc_info: Any = None) -> Callable[[bytes], None]:
        response.status, response.headers = status, headers
        return lambda data: None

    result = app(environ, start_response)
    try:
        response.body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return response


def answered(response: Response) -> bool:
    if response.status == "200 OK":
        assert response.body, "a GET answer has a body"
        return True
    assert (response.status, response.body) == ("404 Not Found", INNER_BODY)
    return False


def script_mtime(path: str) -> str:
    return datetime.fromtimestamp(os.stat(path).st_mtime, UTC).isoformat(timespec="microseconds")


# -- which requests are answered --------------------------------------------------------------

@pytest.mark.parametrize("path", ["/__probe__", "/suburl/__probe__", "/a/b/__probe__",
                                  "/a/b/__probe__/", "/a/__probe__//", "__probe__"])
def test_last_non_empty_segment_selects_the_endpoint(we: ModuleType, path: str) -> None:
    inner = Inner()
    response = call(we.wrap(inner), environ_for(path))
    assert answered(response)
    assert response.json["request"]["path_info"] == path
    assert inner.calls == 0


@pytest.mark.parametrize("path", ["/", "", "/__probe__/more", "/__probe__x", "/x__probe__",
                                  "/__PROBE__", "/a/__probe__.json", "/__probe"])
def test_other_paths_are_passed_through(we: ModuleType, path: str) -> None:
    inner = Inner()
    assert not answered(call(we.wrap(inner), environ_for(path)))
    assert inner.calls == 1


def test_custom_segment(we: ModuleType) -> None:
    app = we.wrap(Inner(), segment="health-x")
    assert answered(call(app, environ_for("/app/health-x")))
    assert not answered(call(app, environ_for("/app/__probe__")))


# A segment wrap() cannot use: tests/contrib/test_endpoint_settings.py (never raises).


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS", "PATCH", "get"])
def test_other_methods_are_passed_through(we: ModuleType, method: str) -> None:
    inner = Inner()
    assert not answered(call(we.wrap(inner), environ_for("/__probe__", method=method)))
    assert inner.calls == 1


def test_sub_url_reports_what_this_application_received(we: ModuleType) -> None:
    app = we.wrap(Inner())
    mounted = call(app, environ_for("/__probe__", SCRIPT_NAME="/suburl")).json["request"]
    assert (mounted["script_name"], mounted["path_info"]) == ("/suburl", "/__probe__")
    at_root = call(app, environ_for("/suburl/__probe__", SCRIPT_NAME="")).json["request"]
    assert (at_root["script_name"], at_root["path_info"]) == ("", "/suburl/__probe__")


def test_missing_script_name_and_path_info_mean_empty(we: ModuleType) -> None:
    # PEP 3333 lets a server omit them when empty; the root path then has no segment.
    environ = environ_for()
    del environ["SCRIPT_NAME"], environ["PATH_INFO"]
    inner = Inner()
    assert not answered(call(we.wrap(inner), environ))
    assert inner.calls == 1


# -- the answer ---------------------------------------------------------------------------------

def test_answer_headers_and_exact_fields(we: ModuleType) -> None:
    response = call(we.wrap(Inner(), label="project-2"),
                    environ_for(HTTP_HOST="site-1.example.com", SERVER_NAME="site-1.example.com",
                                SERVER_PORT="8080", SERVER_SOFTWARE="Apache/2.4.62 (Debian)"))
    assert response.status == "200 OK"
    assert response.header("Content-Type") == "application/json"
    assert response.header("Cache-Control") == "no-store, private"
    assert response.header("Vary") is None  # no token: nothing to vary on
    assert response.header("Content-Length") == str(len(response.body))
    doc = response.json
    assert set(doc) == TOP_KEYS
    assert set(doc["request"]) == REQUEST_KEYS
    assert set(doc["settings_module"]) == {"environ", "loaded", "file"}
    assert set(doc["server"]) == {"software", "mod_wsgi_version", "multithread", "multiprocess",
                                  "worker_id", "uwsgi", "listen", "listens", "hostname"}
    assert set(doc["python"]) == {"version", "implementation", "executable", "prefix",
                                  "django_version"}
    assert doc["schema"] == 1
    assert doc["label"] == "project-2"
    assert doc["pid"] == os.getpid() and doc["ppid"] == os.getppid()
    assert doc["request"] == {"host": "site-1.example.com", "server_name": "site-1.example.com",
                              "server_port": "8080", "scheme": "http", "script_name": "",
                              "path_info": "/__probe__", "forwarded_host": None,
                              "request_uri": None, "script_url": None,
                              "host_allowed": None, "forwarded_prefix": None,
                              "force_script_name": None, "forwarded_proto": None,
                              "is_secure": None}
    assert doc["server"] == {"software": "Apache/2.4.62 (Debian)", "mod_wsgi_version": None,
                             "multithread": False, "multiprocess": False, "worker_id": None,
                             "uwsgi": None, "listen": None, "listens": None,
                             "hostname": socket.gethostname()}
    assert doc["python"] == {"version": sys.version.split()[0],
                             "implementation": sys.implementation.name,
                             "executable": sys.executable, "prefix": sys.prefix,
                             "django_version": getattr(sys.modules.get("django"), "__version__",
                                                       None)}
    # In the project's git checkout, this test file's code version is its HEAD (git says which).
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ENDPOINT.parent, text=True,
                          capture_output=True, check=False).stdout.strip() or None
    assert doc["code"] == {"version": head, "version_source": doc["code"]["version_source"],
                           "script_mtime": script_mtime(__file__),
                           "script_loads": doc["code"]["script_loads"],
                           "first_loaded_at": doc["code"]["first_loaded_at"]}
    assert (doc["code"]["version_source"] or "git:").startswith("git:")
    # Outside mod_wsgi these are null, not "" (which means embedded mode).
    assert doc["process_group"] is None and doc["application_group"] is None
    # No SCRIPT_FILENAME (gunicorn, uWSGI, waitress): the file whose module called wrap().
    assert doc["script_file"] == __file__
    assert doc["hits"] == 1


def test_mod_wsgi_fields(we: ModuleType) -> None:
    doc = call(we.wrap(Inner()), environ_for(extra={
        "mod_wsgi.process_group": "",
        "mod_wsgi.application_group": "site-1.example.com|/suburl",
        "mod_wsgi.version": (4, 9, 4),
        "mod_wsgi.script_name": "/suburl",
        "SCRIPT_FILENAME": "/srv/project-2/mysite/wsgi.py",
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
    })).json
    assert doc["process_group"] == ""
    assert doc["application_group"] == "site-1.example.com|/suburl"
    assert doc["server"]["mod_wsgi_version"] == "4.9.4"
    assert doc["script_file"] == "/srv/project-2/mysite/wsgi.py"
    assert doc["server"]["multithread"] is True and doc["server"]["multiprocess"] is True


def test_label_defaults_to_null(we: ModuleType) -> None:
    assert call(we.wrap(Inner()), environ_for()).json["label"] is None


def test_head_has_the_headers_and_no_body(we: ModuleType,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # Frozen clock: two fresh copies then produce documents of the same length.
    monkeypatch.setattr(we.time, "monotonic", lambda: 1000.0)
    get = call(we.wrap(Inner()), environ_for())
    head = call(we.wrap(Inner()), environ_for(method="HEAD"))
    assert head.status == "200 OK"
    assert head.body == b""
    assert head.headers == [("Content-Type", "application/json"),
                            ("Cache-Control", "no-store, private"),
                            ("Content-Length", str(len(get.body)))]
    assert get.headers == head.headers


def test_environment_secrets_and_headers_never_appear(we: ModuleType,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = ["dj-secret-4f1c9a", "aws-secret-77e2b0", "cookie-secret-91aa", "auth-secret-5d3e",
               "other-header-c0ffee", "query-secret-123"]
    monkeypatch.setenv("SECRET_KEY", secrets[0])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secrets[1])
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "mysite.settings_two")
    environ = environ_for(HTTP_COOKIE=f"sessionid={secrets[2]}",
                          HTTP_AUTHORIZATION=f"Bearer {secrets[3]}",
                          HTTP_X_OTHER=secrets[4], QUERY_STRING=f"k={secrets[5]}")
    body = call(we.wrap(Inner()), environ).body
    for secret in secrets:
        assert secret.encode() not in body
    # The one environment variable that is reported, read at request time.
    assert json.loads(body)["settings_module"]["environ"] == "mysite.settings_two"


def test_instance_id_is_per_wrap_and_stable(we: ModuleType) -> None:
    first, second = we.wrap(Inner()), we.wrap(Inner())
    ids = [call(first, environ_for()).json["instance_id"] for _ in range(3)]
    other = call(second, environ_for()).json["instance_id"]
    assert len(set(ids)) == 1
    assert other != ids[0]
    assert all(len(i) >= 16 and int(i, 16) >= 0 for i in [*ids, other])


def test_started_at_and_uptime(we: ModuleType) -> None:
    before = datetime.now(UTC)
    app = we.wrap(Inner())
    first = call(app, environ_for()).json
    time.sleep(0.02)
    second = call(app, environ_for()).json
    started = datetime.fromisoformat(first["started_at"])
    assert started.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= started <= datetime.now(UTC)
    assert first["started_at"] == second["started_at"]
    assert isinstance(first["uptime_s"], float) and first["uptime_s"] >= 0
    assert second["uptime_s"] >= first["uptime_s"] + 0.015
    assert round(second["uptime_s"], 3) == second["uptime_s"]


def test_hits_are_exact_under_threads(we: ModuleType) -> None:
    app = we.wrap(Inner())
    threads, per_thread = 16, 200
    seen: list[int] = []
    seen_lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def worker() -> None:
        barrier.wait()
        mine = [call(app, environ_for()).json["hits"] for _ in range(per_thread)]
        with seen_lock:
            seen.extend(mine)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # make a lost update likely if the counter were unlocked
    try:
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    finally:
        sys.setswitchinterval(old)
    # Every answer saw its own count: none lost, none repeated.
    assert sorted(seen) == list(range(1, threads * per_thread + 1))
    assert call(app, environ_for()).json["hits"] == threads * per_thread + 1


def test_head_and_get_both_count_as_hits(we: ModuleType) -> None:
    app = we.wrap(Inner())
    call(app, environ_for(method="HEAD"))
    call(app, environ_for("/not-a-probe"))
    assert call(app, environ_for()).json["hits"] == 2


def test_a_field_that_fails_is_null(we: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> int:
        raise OSError("no parent")

    monkeypatch.setattr(we.os, "getppid", broken)
    environ = environ_for(HTTP_HOST=b"bytes, not str", extra={"mod_wsgi.version": object()})
    doc = call(we.wrap(Inner()), environ).json
    assert doc["ppid"] is None
    assert doc["request"]["host"] is None
    assert doc["server"]["mod_wsgi_version"] is None
    assert doc["pid"] == os.getpid()


# -- what code and runtime this copy has (issue 11) ------------------------------------------


def test_code_version_and_the_script_mtime_taken_at_wrap(tmp_path: Path) -> None:
    script = tmp_path / "wsgi.py"
    script.write_text(
        f"import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('we_code', {str(ENDPOINT)!r})\n"
        f"we = importlib.util.module_from_spec(spec)\n"
        f"spec.loader.exec_module(we)\n"
        f"application = we.wrap(lambda e, s: [], version='2026.11.30-1')\n", encoding="utf-8")
    os.utime(script, (1_700_000_000.25, 1_700_000_000.25))
    namespace: dict[str, Any] = {"__file__": str(script), "__name__": "wsgi_under_test"}
    exec(compile(script.read_text(encoding="utf-8"), str(script), "exec"), namespace)  # noqa: S102 - runs the WSGI script as mod_wsgi does
    os.utime(script, (1_800_000_000.0, 1_800_000_000.0))  # a deploy replaced the file
    doc = call(namespace["application"], environ_for()).json
    # The code this copy loaded, not what is on disk now.
    assert doc["code"] == {"version": "2026.11.30-1", "version_source": "wrap",
                           "script_mtime": "2023-11-14T22:13:20.250000+00:00",
                           "script_loads": 1, "first_loaded_at": doc["started_at"]}


def _install_in_package(top: Path) -> Path:
    """``top/mysite/wsgi.py`` with the block ``probe endpoint --install`` writes, the endpoint
    beside it: a stock project as gunicorn imports it (``mysite.wsgi``, found on sys.path)."""
    package = top / "mysite"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "wsgi_endpoint.py").write_bytes(ENDPOINT.read_bytes())
    script = package / "wsgi.py"
    script.write_bytes(b"def application(environ, start_response):\n    return []\n\n\n"
                       + render_block("project-1"))
    return script


def _import_wsgi(entry: str, name: str) -> Any:
    sys.path.insert(0, entry)
    try:
        return importlib.import_module(f"{name}.wsgi").application
    finally:
        sys.path.remove(entry)
        for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[loaded]


def test_script_file_without_script_filename_is_the_module_that_wrapped(tmp_path: Path) -> None:
    """gunicorn, uWSGI and waitress set no SCRIPT_FILENAME: the installed block's module
    (mysite/wsgi.py as imported by name) is the WSGI script; mod_wsgi's own value still wins."""
    script = _install_in_package(tmp_path / "p1")
    application = _import_wsgi(str(tmp_path / "p1"), "mysite")
    assert call(application, environ_for()).json["script_file"] == str(script)
    mod_wsgi = environ_for(extra={"SCRIPT_FILENAME": "/srv/project-2/wsgi.py"})
    assert call(application, mod_wsgi).json["script_file"] == "/srv/project-2/wsgi.py"


def test_script_file_relative_is_made_absolute_and_unknown_is_null(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install_in_package(tmp_path / "p2")
    monkeypatch.chdir(tmp_path)
    relative = _import_wsgi("p2", "mysite")  # a relative sys.path entry: a relative __file__
    assert call(relative, environ_for()).json["script_file"] == str(tmp_path / "p2/mysite/wsgi.py")
    namespace: dict[str, Any] = {"__name__": "no_file", "load": load_endpoint}
    exec("application = load('we_no_file').wrap(lambda e, s: [])", namespace)  # noqa: S102 - a module with no __file__
    assert call(namespace["application"], environ_for()).json["script_file"] is None


class _HostileName(str):
    """A module's ``__file__`` no path function can read."""

    __slots__ = ()

    def startswith(self, *args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("not a path")

    def __fspath__(self) -> str:
        raise RuntimeError("not a path")


def test_script_file_that_cannot_be_read_is_null_and_the_site_runs() -> None:
    namespace: dict[str, Any] = {"__name__": "hostile", "__file__": _HostileName("x/wsgi.py"),
                                 "load": load_endpoint}
    exec("application = load('we_hostile').wrap(Inner(), label='p')",  # noqa: S102 - a module whose __file__ breaks
         {**namespace, "Inner": Inner}, namespace)
    doc = call(namespace["application"], environ_for()).json
    assert doc["script_file"] is None and doc["label"] == "p"
    assert not answered(call(namespace["application"], environ_for("/other")))


def test_django_version_only_when_django_is_already_imported(
        we: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    app = we.wrap(Inner())
    monkeypatch.delitem(sys.modules, "django", raising=False)
    assert call(app, environ_for()).json["python"]["django_version"] is None
    assert "django" not in sys.modules
    fake = ModuleType("django")
    setattr(fake, "__version__", "4.2.16")  # noqa: B010 - a module type has no such attribute
    monkeypatch.setitem(sys.modules, "django", fake)
    assert call(app, environ_for()).json["python"]["django_version"] == "4.2.16"


@pytest.fixture
def restore_tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("restore_tz")
def test_time_zone_asked_for_and_in_effect(we: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    doc = call(we.wrap(Inner()), environ_for()).json
    assert doc["time_zone"] == {"environ": "Asia/Tokyo", "name": "JST", "utc_offset_s": 32400}
    monkeypatch.delenv("TZ")
    assert call(we.wrap(Inner()), environ_for()).json["time_zone"]["environ"] is None


def test_forwarded_host_is_the_only_other_header(we: ModuleType) -> None:
    # A proxy header: loopback is not enough, the token is (test_endpoint_proxies.py).
    doc = call(we.wrap(Inner(), token="t0ken"),
               environ_for(HTTP_HOST="127.0.0.1:8080", HTTP_X_PROBE_TOKEN="t0ken",
                           HTTP_X_FORWARDED_HOST="site-2.example.com")).json
    assert doc["request"]["host"] == "127.0.0.1:8080"
    assert doc["request"]["forwarded_host"] == "site-2.example.com"


def test_the_url_before_mapping_is_reported(we: ModuleType) -> None:
    # REQUEST_URI as the client sent it, SCRIPT_URL as mod_rewrite set it: a sub-URL the
    # front rewrote shows both next to the SCRIPT_NAME the application got.
    doc = call(we.wrap(Inner()), environ_for(REQUEST_URI="/suburl/__probe__",
                                             SCRIPT_URL="/suburl/__probe__")).json
    assert doc["request"]["request_uri"] == "/suburl/__probe__"
    assert doc["request"]["script_url"] == "/suburl/__probe__"


def test_a_broken_clock_makes_time_zone_null(we: ModuleType,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> time.struct_time:
        raise OverflowError("no clock")

    monkeypatch.setattr(we.time, "localtime", broken)
    assert call(we.wrap(Inner()), environ_for()).json["time_zone"] is None


def test_an_answer_that_cannot_be_built_falls_back_to_the_application(
        we: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(we.json, "dumps", broken)
    inner = Inner()
    assert not answered(call(we.wrap(inner), environ_for()))
    assert inner.calls == 1


def test_a_fork_after_wrap_is_another_copy(we: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    app = we.wrap(Inner())
    parent = call(app, environ_for()).json
    call(app, environ_for())
    real_pid = os.getpid()
    monkeypatch.setattr(we.os, "getpid", lambda: real_pid + 1)
    child = call(app, environ_for()).json
    assert child["pid"] == real_pid + 1
    assert child["instance_id"] != parent["instance_id"]
    assert child["hits"] == 1
    assert child["started_at"] == parent["started_at"]
    # The child runs the copy the parent loaded, and says which process loaded it.
    assert parent["loaded_pid"] == real_pid
    assert child["loaded_pid"] == real_pid


# -- pass-through is transparent ------------------------------------------------------------------

def test_streamed_body_passes_chunk_by_chunk(we: ModuleType) -> None:
    produced: list[bytes] = []

    def streaming(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        for chunk in (b"one", b"two", b"three"):
            produced.append(chunk)
            yield chunk

    generators: list[Iterator[bytes]] = []

    def inner(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        generator = streaming(environ, start_response)
        generators.append(generator)
        return generator

    result = we.wrap(inner)(environ_for("/stream"), lambda *a: None)
    assert result is generators[0]
    iterator = iter(result)
    assert next(iterator) == b"one"
    assert produced == [b"one"]  # nothing read ahead or buffered
    assert next(iterator) == b"two"
    assert produced == [b"one", b"two"]


def test_start_response_and_exc_info_reach_the_server_unchanged(we: ModuleType) -> None:
    received: list[Any] = []
    seen_start_response: list[Any] = []

    def server_start_response(status: str, headers: list[tuple[str, str]],
                              exc_info: Any = None) -> Callable[[bytes], None]:
        received.append((status, headers, exc_info))
        return lambda data: None

    headers = [("Content-Type", "text/plain"), ("X-Custom", "kept")]

    def failing(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        seen_start_response.append(start_response)
        try:
            raise ValueError("inner failure")
        except ValueError:
            start_response("500 Internal Server Error", headers, sys.exc_info())
            received.append(sys.exc_info())
        return [b"error page"]

    we.wrap(failing)(environ_for("/boom"), server_start_response)
    assert seen_start_response == [server_start_response]
    status, got_headers, exc_info = received[0]
    assert status == "500 Internal Server Error"
    assert got_headers is headers
    assert exc_info == received[1] and isinstance(exc_info[1], ValueError)


def test_inner_iterable_close_is_called_by_the_server(we: ModuleType) -> None:
    class Closing:
        def __init__(self) -> None:
            self.closed = 0

        def __iter__(self) -> Iterator[bytes]:
            yield b"body"

        def close(self) -> None:
            self.closed += 1

    bodies: list[Closing] = []

    def inner(environ: dict[str, Any], start_response: Callable[..., Any]) -> Closing:
        start_response("200 OK", [("Content-Type", "text/plain")])
        bodies.append(Closing())
        return bodies[-1]

    app = we.wrap(inner)
    assert app(environ_for("/x"), lambda *a: None) is bodies[0]
    # And through a real WSGI server loop, which must be the one calling close().
    out = io.BytesIO()
    handler = SimpleHandler(io.BytesIO(), out, io.StringIO(), environ_for("/x"))
    handler.run(app)
    assert bodies[1].closed == 1
    assert out.getvalue().endswith(b"body")


def test_file_wrapper_is_returned_as_is(we: ModuleType) -> None:
    wrappers: list[Any] = []

    def inner(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        wrappers.append(environ["wsgi.file_wrapper"](io.BytesIO(b"file data"), 4))
        return wrappers[-1]

    environ = environ_for("/download", extra={"wsgi.file_wrapper": FileWrapper})
    result = we.wrap(inner)(environ, lambda *a: None)
    assert result is wrappers[0]
    assert type(result) is FileWrapper


# -- authorisation --------------------------------------------------------------------------------

@pytest.mark.parametrize("remote", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_no_token_loopback_is_answered(we: ModuleType, remote: str) -> None:
    assert answered(call(we.wrap(Inner()), environ_for(remote=remote)))


@pytest.mark.parametrize("remote", ["203.0.113.9", "10.0.0.1", "::ffff:10.0.0.1", "2001:db8::1",
                                    "0.0.0.0", "", "localhost", "not an address", None])
def test_no_token_non_loopback_is_passed_through(we: ModuleType, remote: str | None) -> None:
    inner = Inner()
    assert not answered(call(we.wrap(inner), environ_for(remote=remote)))
    assert inner.calls == 1


@pytest.mark.parametrize("remote", ["203.0.113.9", "127.0.0.1"])
def test_right_token_is_answered_from_any_address(we: ModuleType, remote: str) -> None:
    app = we.wrap(Inner(), token="s3cret-token")
    assert answered(call(app, environ_for(remote=remote, HTTP_X_PROBE_TOKEN="s3cret-token")))


def test_a_token_protected_answer_tells_caches_to_keep_it_from_others(we: ModuleType) -> None:
    """Tester T37: an nginx micro-cache ignoring Cache-Control gave the answer stored for the
    sweep's request to anyone; Vary keys it on the token (nginx 1.22 measured:
    tests/integration/test_token_cache_leak.py), private keeps shared caches from it."""
    app = we.wrap(Inner(), token="s3cret-token")
    response = call(app, environ_for(remote="203.0.113.9", HTTP_X_PROBE_TOKEN="s3cret-token"))
    assert answered(response)
    assert response.header("Cache-Control") == "no-store, private"
    assert response.header("Vary") == "X-Probe-Token"


@pytest.mark.parametrize("given", [None, "", "wrong", "s3cret-token ", "S3CRET-TOKEN",
                                   "s3cret-tokenX"])
@pytest.mark.parametrize("remote", ["203.0.113.9", "127.0.0.1"])
def test_wrong_or_missing_token_is_passed_through(we: ModuleType, given: str | None,
                                                  remote: str) -> None:
    # With a token configured, loopback is no longer enough.
    inner = Inner()
    extra = {} if given is None else {"HTTP_X_PROBE_TOKEN": given}
    app = we.wrap(inner, token="s3cret-token")
    assert not answered(call(app, environ_for(remote=remote, extra=extra)))
    assert inner.calls == 1


def test_comparison_is_hmac_compare_digest(we: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, Any]] = []
    real = we.hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return bool(real(a, b))

    monkeypatch.setattr(we.hmac, "compare_digest", spy)
    app = we.wrap(Inner(), token="s3cret-token")
    assert not answered(call(app, environ_for(HTTP_X_PROBE_TOKEN="guess")))
    assert answered(call(app, environ_for(HTTP_X_PROBE_TOKEN="s3cret-token")))
    assert calls == [(b"guess", b"s3cret-token"), (b"s3cret-token", b"s3cret-token")]


def test_token_from_token_file(we: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("  file-token\n", encoding="utf-8")
    app = we.wrap(Inner(), token_file=path)
    assert answered(call(app, environ_for(remote="203.0.113.9", HTTP_X_PROBE_TOKEN="file-token")))
    assert not answered(call(app, environ_for(remote="127.0.0.1")))


def test_token_from_environment(we: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WSGI_PROBE_TOKEN", " env-token\n")
    app = we.wrap(Inner())
    monkeypatch.setenv("WSGI_PROBE_TOKEN", "changed-later")  # read at wrap() time only
    assert answered(call(app, environ_for(remote="203.0.113.9", HTTP_X_PROBE_TOKEN="env-token")))
    assert not answered(call(app, environ_for(remote="203.0.113.9",
                                              HTTP_X_PROBE_TOKEN="changed-later")))
    assert not answered(call(app, environ_for(remote="127.0.0.1")))


def test_token_from_environment_file(we: ModuleType, monkeypatch: pytest.MonkeyPatch,
                                     tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("env-file-token\n", encoding="utf-8")
    monkeypatch.setenv("WSGI_PROBE_TOKEN_FILE", str(path))
    app = we.wrap(Inner())
    assert answered(call(app, environ_for(remote="203.0.113.9",
                                          HTTP_X_PROBE_TOKEN="env-file-token")))
    assert not answered(call(app, environ_for(remote="127.0.0.1")))


def test_token_sources_precedence(we: ModuleType, monkeypatch: pytest.MonkeyPatch,
                                  tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("from-file", encoding="utf-8")
    monkeypatch.setenv("WSGI_PROBE_TOKEN", "from-env")

    def accepts(app: Callable[..., Any], token: str) -> bool:
        return answered(call(app, environ_for(remote="203.0.113.9", HTTP_X_PROBE_TOKEN=token)))

    explicit = we.wrap(Inner(), token="explicit", token_file=path)
    assert accepts(explicit, "explicit") and not accepts(explicit, "from-file")
    from_file = we.wrap(Inner(), token_file=path)
    assert accepts(from_file, "from-file") and not accepts(from_file, "from-env")


@pytest.mark.parametrize("problem", ["missing", "directory", "empty", "not-utf8", "fifo",
                                     "huge", "lines", "control", "long"])
def test_unreadable_token_file_authorises_nobody(we: ModuleType, tmp_path: Path, problem: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # A FIFO blocked the application's import at open() (nothing writes it): the wrap must
    # return at once. A file past 64 KiB is no token (a device such as /dev/zero never ends).
    path = tmp_path / "token"
    if problem == "directory":
        path.mkdir()
    elif problem == "empty":
        path.write_text(" \n", encoding="utf-8")
    elif problem == "not-utf8":
        path.write_bytes(b"\xff\xfe\xfa")
    elif problem == "fifo":
        os.mkfifo(path)
    elif problem == "huge":
        path.write_bytes(b"t" * (64 * 1024 + 1))
    elif problem == "lines":  # a file given by mistake (tester T25: /etc/shadow): not a token
        path.write_bytes(b"root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n")
    elif problem == "control":
        path.write_bytes(b"t0k\x1b[2Jen\n")
    elif problem == "long":  # the probe's rule (probe.credentials.MAX_TOKEN_CHARS)
        path.write_bytes(b"t" * 1025 + b"\n")
    inner = Inner()
    made: list[Any] = []
    wrapping = threading.Thread(target=lambda: made.append(we.wrap(inner, token_file=path)),
                                daemon=True)  # must not raise, nor block
    wrapping.start()
    wrapping.join(10)
    blocked = wrapping.is_alive()
    if blocked:  # let the blocked open() return before failing
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        wrapping.join(10)
    assert not blocked, "wrap() blocked reading the token file"
    app = made[0]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "wsgi_endpoint" in err and str(path) in err
    assert "root:" not in err and "\x1b" not in err  # what the file holds is never said
    if problem in ("lines", "control", "long"):  # said so, not only as readable by all
        assert {"lines": "holds 2 lines", "control": "holds a control character",
                "long": "holds 1025 characters"}[problem] + ", not one token" in err, err
    for remote, header in [("127.0.0.1", None), ("::1", ""), ("203.0.113.9", "")]:
        extra: dict[str, Any] = {} if header is None else {"HTTP_X_PROBE_TOKEN": header}
        assert not answered(call(app, environ_for(remote=remote, extra=extra)))
    assert inner.calls == 3


def test_unreadable_token_file_from_environment_authorises_nobody(
        we: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WSGI_PROBE_TOKEN_FILE", str(tmp_path / "absent"))
    app = we.wrap(Inner())
    assert capsys.readouterr().err.count("\n") == 1
    assert not answered(call(app, environ_for(remote="127.0.0.1")))


def test_empty_explicit_token_authorises_nobody(we: ModuleType,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    app = we.wrap(Inner(), token="  ")
    assert capsys.readouterr().err.count("\n") == 1
    assert not answered(call(app, environ_for(remote="127.0.0.1", HTTP_X_PROBE_TOKEN="")))
    assert not answered(call(app, environ_for(remote="127.0.0.1")))


def test_configuring_a_token_prints_nothing(we: ModuleType, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "token").write_text("t", encoding="utf-8")
    (tmp_path / "token").chmod(0o640)
    we.wrap(Inner(), token_file=tmp_path / "token")
    we.wrap(Inner())
    assert capsys.readouterr().err == ""


def test_a_token_file_every_user_may_read_is_used_with_a_warning(
        we: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "token"
    path.write_text("t0ken", encoding="utf-8")
    path.chmod(0o644)
    app = we.wrap(Inner(), token_file=path)
    monkeypatch.setenv("WSGI_PROBE_TOKEN_FILE", str(path))
    we.wrap(Inner())
    assert capsys.readouterr().err == "".join(
        f"wsgi_endpoint: the probe token file {path} ({origin}) is readable by every user "
        "(mode 0644); 'chmod o-r' it\n"
        for origin in ("wrap(token_file=...)", "$WSGI_PROBE_TOKEN_FILE"))
    assert answered(call(app, environ_for(remote="203.0.113.9", HTTP_X_PROBE_TOKEN="t0ken")))


# -- the file itself ----------------------------------------------------------------------------

def test_source_is_python39_and_stdlib_only() -> None:
    source = ENDPOINT.read_text(encoding="utf-8")
    tree = ast.parse(source, feature_version=(3, 9))
    type_checking_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            type_checking_only.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in type_checking_only:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            assert top == "__future__" or top in sys.stdlib_module_names, name
    docstring = ast.get_docstring(tree) or ""
    for needle in ("probe endpoint >", "import wsgi_endpoint", "wsgi_endpoint.wrap(application",
                   "X-Probe-Token", "WSGI_PROBE_TOKEN", "loopback", "SetEnv", "os.environ"):
        assert needle in docstring, needle


# -- Django: read, never imported or configured (own process: settings are process-global) --------

DJANGO_SCRIPT = textwrap.dedent("""
    import importlib.util, json, os, sys
    from wsgiref.util import setup_testing_defaults

    spec = importlib.util.spec_from_file_location("wsgi_endpoint", sys.argv[1])
    endpoint = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(endpoint)
    mode = sys.argv[2]
    if mode == "configured":
        import django
        django.setup()
        os.environ["DJANGO_SETTINGS_MODULE"] = "leaked.from.elsewhere"
    elif mode == "imported":
        import django.conf

    app = endpoint.wrap(lambda environ, start_response: [])
    environ = {"PATH_INFO": "/__probe__", "REMOTE_ADDR": "127.0.0.1",
               **json.loads(os.environ.get("PROBE_TEST_ENVIRON", "{}"))}
    setup_testing_defaults(environ)
    body = b"".join(app(dict(environ), lambda *args: None))
    conf = sys.modules.get("django.conf")
    secure = host_allowed = None
    if mode == "configured":
        from django.core.exceptions import DisallowedHost
        from django.core.handlers.wsgi import WSGIRequest
        import io
        request = WSGIRequest(dict(environ, **{"wsgi.input": io.BytesIO()}))
        secure = request.is_secure()
        try:
            request.get_host()
            host_allowed = True
        except DisallowedHost:
            host_allowed = False
    print(json.dumps({
        "doc": json.loads(body),
        "django_imported": "django" in sys.modules,
        "configured": None if conf is None else conf.settings.configured,
        "django_is_secure": secure,
        "django_host_allowed": host_allowed,
    }))
""")


def run_django_case(mode: str, tmp_path: Path, settings: str = "",
                    environ: dict[str, str] | None = None) -> dict[str, Any]:
    (tmp_path / "probe_test_settings.py").write_text(
        "SECRET_KEY = 'not-reported'\nINSTALLED_APPS = []\nUSE_TZ = True\n" + settings,
        encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "WSGI_PROBE_TOKEN", "WSGI_PROBE_TOKEN_FILE"}}
    env["PYTHONPATH"] = str(tmp_path)
    env["DJANGO_SETTINGS_MODULE"] = "probe_test_settings"
    env["PROBE_TEST_ENVIRON"] = json.dumps(environ or {})
    if environ and "HTTP_X_PROBE_TOKEN" in environ:  # a proxied request needs the token
        env["WSGI_PROBE_TOKEN"] = environ["HTTP_X_PROBE_TOKEN"]
    done = subprocess.run([sys.executable, "-c", DJANGO_SCRIPT, str(ENDPOINT), mode],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_settings_loaded_is_null_without_django_and_django_stays_unimported(
        tmp_path: Path) -> None:
    result = run_django_case("plain", tmp_path)
    assert result["doc"]["settings_module"] == {"environ": "probe_test_settings", "loaded": None,
                                                "file": None}
    assert result["django_imported"] is False


def test_imported_but_unconfigured_django_is_not_configured_by_the_endpoint(
        tmp_path: Path) -> None:
    result = run_django_case("imported", tmp_path)
    assert result["doc"]["settings_module"] == {"environ": "probe_test_settings", "loaded": None,
                                                "file": None}
    assert result["configured"] is False


def test_force_script_name_comes_from_configured_django_only(tmp_path: Path) -> None:
    """FORCE_SCRIPT_NAME tells Django its mount without changing SCRIPT_NAME: reported where
    Django is configured, null where it is not (never configured by the endpoint)."""
    forced = "FORCE_SCRIPT_NAME = '/g'\n"
    assert run_django_case("configured", tmp_path, forced)["doc"]["request"][
        "force_script_name"] == "/g"
    assert run_django_case("configured", tmp_path)["doc"]["request"]["force_script_name"] is None
    for mode in ("plain", "imported"):
        result = run_django_case(mode, tmp_path, forced)
        assert result["doc"]["request"]["force_script_name"] is None, mode
        assert result["configured"] in (None, False)


def test_forwarded_prefix_is_the_header_a_proxy_sent(we: ModuleType) -> None:
    # a proxy header: the token is needed (loopback is not enough), as with X-Forwarded-Host
    app = we.wrap(Inner(), token="t0ken")
    sent = call(app, environ_for(HTTP_X_PROBE_TOKEN="t0ken",
                                 HTTP_X_FORWARDED_PREFIX="/g")).json["request"]
    assert sent["forwarded_prefix"] == "/g" and sent["script_name"] == ""
    assert call(app, environ_for(HTTP_X_PROBE_TOKEN="t0ken")).json["request"][
        "forwarded_prefix"] is None


def test_host_allowed_is_djangos_own_answer_for_a_forwarded_host_list(tmp_path: Path) -> None:
    """Re-tester R32's chain: two proxies each put the URL's name in X-Forwarded-Host
    ('a.test, a.test'). Django reads the whole header with USE_X_FORWARDED_HOST and refuses
    it (DisallowedHost, whatever ALLOWED_HOSTS holds); the endpoint said true (its last value)."""
    settings = "USE_X_FORWARDED_HOST = True\nALLOWED_HOSTS = ['*']\n"
    for forwarded in ("a.test, a.test", "a.test"):
        result = run_django_case("configured", tmp_path, settings, environ={
            "HTTP_X_FORWARDED_HOST": forwarded, "HTTP_X_PROBE_TOKEN": "t0ken"})
        assert result["doc"]["request"]["host_allowed"] is result["django_host_allowed"], \
            (forwarded, result)
    assert result["django_host_allowed"] is True  # the single name: accepted by both


def test_settings_loaded_comes_from_configured_django(tmp_path: Path) -> None:
    result = run_django_case("configured", tmp_path)
    # environ is read per request (here changed after setup); loaded is what Django uses.
    # file: the settings module's own file, where sys.path found it (two projects both
    # named mysite load whichever mysite/settings.py comes first).
    assert result["doc"]["settings_module"] == {
        "environ": "leaked.from.elsewhere", "loaded": "probe_test_settings",
        "file": str(tmp_path / "probe_test_settings.py")}
    assert b"not-reported" not in json.dumps(result["doc"]).encode()


def test_settings_file_is_null_where_sys_modules_holds_no_module(tmp_path: Path) -> None:
    """A settings entry in sys.modules replaced by another object (or gone) gives null, never
    an error, and nothing of the object runs: the answer keeps its other fields."""
    script = ("import sys\nclass Odd:\n    def __getattr__(self, name):\n"
              "        raise SystemExit('ran')\nodd = Odd()\nodd.__file__ = '/not/a/module.py'\n"
              "sys.modules['probe_test_settings'] = odd\n")
    result = run_django_case("configured", tmp_path, settings=script)
    assert result["doc"]["settings_module"]["loaded"] == "probe_test_settings"
    assert result["doc"]["settings_module"]["file"] is None


# -- over real HTTP --------------------------------------------------------------------------------

class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serving(app: Callable[..., Any]) -> Iterator[str]:
    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def http() -> Iterator[requests.Session]:
    session = requests.Session()
    session.trust_env = False  # a proxy from the environment would change REMOTE_ADDR
    yield session
    session.close()


def test_real_server_loopback_is_authorised(we: ModuleType, http: requests.Session) -> None:
    with serving(we.wrap(Inner(), label="real")) as base:
        port = base.rsplit(":", 1)[1]
        answer = http.get(f"{base}/suburl/__probe__", timeout=10)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "application/json"
        assert answer.headers["Cache-Control"] == "no-store, private"
        doc = answer.json()
        assert doc["label"] == "real"
        assert doc["request"]["host"] == f"127.0.0.1:{port}"
        assert doc["request"]["server_port"] == port
        assert doc["request"]["path_info"] == "/suburl/__probe__"
        head = http.head(f"{base}/__probe__", timeout=10)
        assert head.status_code == 200 and head.content == b""
        assert int(head.headers["Content-Length"]) > 0
        other = http.get(f"{base}/page", timeout=10)
        assert (other.status_code, other.content) == (404, INNER_BODY)


def test_real_server_honours_the_token_header(we: ModuleType, http: requests.Session) -> None:
    with serving(we.wrap(Inner(), token="real-token")) as base:
        bare = http.get(f"{base}/__probe__", timeout=10)
        assert (bare.status_code, bare.content) == (404, INNER_BODY)
        wrong = http.get(f"{base}/__probe__", headers={"X-Probe-Token": "nope"}, timeout=10)
        assert (wrong.status_code, wrong.content) == (404, INNER_BODY)
        right = http.get(f"{base}/__probe__", headers={"X-Probe-Token": "real-token"}, timeout=10)
        assert right.status_code == 200
        assert right.json()["hits"] == 1


# -- proof of liveness: X-Probe-Nonce echoed, signed with the token (docs/endpoint-protocol.md) -

NONCE = "n0nce_-" + "x" * 25


def expected_signature(token: str, nonce: str, instance_id: str) -> str:
    import hashlib
    import hmac

    return hmac.new(token.encode("utf-8"), f"{nonce}\n{instance_id}".encode(),
                    hashlib.sha256).hexdigest()


def test_nonce_is_echoed_and_unsigned_without_a_token(we: ModuleType) -> None:
    doc = call(we.wrap(Inner()), environ_for(HTTP_X_PROBE_NONCE=NONCE)).json
    assert (doc["nonce"], doc["signature"]) == (NONCE, None)


def test_no_nonce_means_null_fields(we: ModuleType) -> None:
    doc = call(we.wrap(Inner(), token="t0ken-long-enough"),
               environ_for(HTTP_X_PROBE_TOKEN="t0ken-long-enough")).json
    assert (doc["nonce"], doc["signature"]) == (None, None)


@pytest.mark.parametrize("token", ["s3cret", "s3cr3t-tökén", "秘密のトークン"])
def test_signature_is_hmac_sha256_of_nonce_and_instance_id(we: ModuleType, token: str) -> None:
    app = we.wrap(Inner(), token=token)
    # WSGI hands header values over as latin-1 "native strings" of the wire's bytes.
    wire = token.encode("utf-8").decode("latin-1")
    doc = call(app, environ_for(remote="203.0.113.9", HTTP_X_PROBE_TOKEN=wire,
                                HTTP_X_PROBE_NONCE=NONCE)).json
    assert doc["nonce"] == NONCE
    assert doc["signature"] == expected_signature(token, NONCE, doc["instance_id"])
    assert len(doc["signature"]) == 64 and doc["signature"] == doc["signature"].lower()


@pytest.mark.parametrize("nonce", ["short", "x" * 15, "x" * 129, "a b" * 8, "x" * 20 + "\n",
                                   "x" * 20 + "é", "x" * 20 + '"', "x" * 20 + "/"])
def test_a_nonce_out_of_form_is_ignored(we: ModuleType, nonce: str) -> None:
    doc = call(we.wrap(Inner(), token="s3cret"),
               environ_for(HTTP_X_PROBE_TOKEN="s3cret", HTTP_X_PROBE_NONCE=nonce)).json
    assert (doc["nonce"], doc["signature"]) == (None, None)


@pytest.mark.parametrize("nonce", ["x" * 16, "A-z_09" * 21 + "xx"])
def test_nonce_length_bounds(we: ModuleType, nonce: str) -> None:
    assert len(nonce) in (16, 128)
    assert call(we.wrap(Inner()), environ_for(HTTP_X_PROBE_NONCE=nonce)).json["nonce"] == nonce


PROXY_SSL = "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\n"


@pytest.mark.parametrize(("setting", "environ"), [
    ("", {}),
    ("", {"wsgi.url_scheme": "https"}),
    ("", {"HTTP_X_FORWARDED_PROTO": "https"}),
    (PROXY_SSL, {"HTTP_X_FORWARDED_PROTO": "https"}),
    (PROXY_SSL, {"HTTP_X_FORWARDED_PROTO": "http"}),
    (PROXY_SSL, {"HTTP_X_FORWARDED_PROTO": "https, http"}),
    (PROXY_SSL, {}),
    (PROXY_SSL, {"wsgi.url_scheme": "https"}),
])
def test_is_secure_is_djangos_own(tmp_path: Path, setting: str,
                                  environ: dict[str, str]) -> None:
    """request.is_secure is what Django's request.is_secure() says for the same request (the
    https redirect loop behind a front that ends TLS); null where Django is not configured."""
    environ = {**environ, "HTTP_X_PROBE_TOKEN": "is-secure-token-0123456789abcdef"}
    result = run_django_case("configured", tmp_path, setting, environ)
    assert result["doc"]["request"]["is_secure"] is result["django_is_secure"]
    assert result["doc"]["request"]["forwarded_proto"] == environ.get("HTTP_X_FORWARDED_PROTO")
    assert run_django_case("plain", tmp_path, setting, environ)["doc"]["request"][
        "is_secure"] is None
