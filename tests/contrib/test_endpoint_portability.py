"""contrib/wsgi_endpoint.py on every Python 3.9+ this machine has, and outside mod_wsgi.

The endpoint is copied onto servers running whatever Python they run: it must import without
raising (warnings as errors, too: today's deprecation is tomorrow's error) and answer on each
interpreter found here: the dev venv's, Debian's /usr/bin/python3 and pyenv's 3.9 to 3.14.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest

ENDPOINT = Path(__file__).resolve().parents[2] / "contrib" / "wsgi_endpoint.py"
SUPPORTED = re.compile(r"^3\.(9|1[0-4])\.")


def interpreters() -> dict[str, str]:
    """version -> interpreter, one per minor version (3.9 to 3.14) found on this machine."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [sys.executable, "/usr/bin/python3"]
    candidates += [str(p / "bin" / "python") for p in sorted(root.glob("3.*"))]
    found: dict[str, str] = {}
    for candidate in candidates:
        if not os.access(candidate, os.X_OK) or not Path(candidate).is_file():
            continue
        code = "import platform; print(platform.python_version())"
        done = subprocess.run([candidate, "-c", code], capture_output=True, text=True,
                              timeout=60, check=False)
        version = done.stdout.strip()
        minor = ".".join(version.split(".")[:2])
        if done.returncode == 0 and SUPPORTED.match(version + "."):
            found.setdefault(minor, candidate)
    return found


PYTHONS = interpreters()

RUN = textwrap.dedent("""
    import importlib.util, json, sys
    from wsgiref.util import setup_testing_defaults

    spec = importlib.util.spec_from_file_location("wsgi_endpoint", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def inner(environ, start_response):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"inner"]

    out = {}
    for name, app, headers in (
            ("loopback", module.wrap(inner, label="x"), {}),
            ("token", module.wrap(inner, label="x", token="t0ken"),
             {"HTTP_X_PROBE_TOKEN": "t0ken"}),
            ("no-token", module.wrap(inner, token="t0ken"), {})):
        environ = {"PATH_INFO": "/__probe__", "REMOTE_ADDR": "127.0.0.1", **headers}
        setup_testing_defaults(environ)
        status = []
        body = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
        out[name] = [status[0], body.decode()]
    print(json.dumps(out))
""")


def test_at_least_the_dev_python_is_found() -> None:
    assert ".".join(map(str, sys.version_info[:2])) in PYTHONS


@pytest.mark.parametrize("python", PYTHONS.values(), ids=PYTHONS.keys())
def test_the_endpoint_imports_and_answers_on(python: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "WSGI_PROBE"))}
    done = subprocess.run([python, "-W", "error", "-X", "dev", "-I", "-c", RUN, str(ENDPOINT)],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = json.loads(done.stdout)
    for name in ("loopback", "token"):
        status, body = out[name]
        assert status == "200 OK"
        answer = json.loads(body)
        assert answer["label"] == "x"
        assert answer["python"]["executable"]
        assert answer["server"]["worker_id"] is None
    assert out["no-token"] == ["404 Not Found", "inner"]


@pytest.mark.parametrize("version", [(3, 9), (3, 10), (3, 11), (3, 12), (3, 13)])
def test_the_source_parses_with_each_grammar(version: tuple[int, int]) -> None:
    ast.parse(ENDPOINT.read_text(encoding="utf-8"), feature_version=version)


# -- outside mod_wsgi: which server, and uWSGI's worker ------------------------------------------


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("wsgi_endpoint_portability", ENDPOINT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answer(module: ModuleType, **environ: Any) -> dict[str, Any]:
    def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise AssertionError("the endpoint should have answered")

    request: dict[str, Any] = {"PATH_INFO": "/__probe__", "REMOTE_ADDR": "127.0.0.1", **environ}
    setup_testing_defaults(request)
    body = b"".join(module.wrap(inner)(request, lambda *a: None))
    result: dict[str, Any] = json.loads(body)
    return result


# What uWSGI 2.0.31 puts in each request's environ (it sets no SERVER_SOFTWARE).
UNDER_UWSGI = {"uwsgi.version": b"2.0.31"}


def fake_uwsgi(worker: object) -> ModuleType:
    module = ModuleType("uwsgi")
    module.version = b"2.0.28"  # type: ignore[attr-defined]
    module.worker_id = lambda: worker  # type: ignore[attr-defined]
    return module


def test_server_software_is_what_the_server_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "uwsgi", raising=False)
    doc = answer(load(), SERVER_SOFTWARE="gunicorn/23.0.0")
    assert doc["server"]["software"] == "gunicorn/23.0.0"
    assert doc["server"]["worker_id"] is None


def test_under_uwsgi_software_and_worker_come_from_its_module(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uwsgi", fake_uwsgi(3))
    request = {"SERVER_SOFTWARE": "", **UNDER_UWSGI}
    doc = answer(load(), **request)
    assert doc["server"]["software"] == "uWSGI/2.0.28"
    assert doc["server"]["worker_id"] == 3


def test_a_broken_uwsgi_module_gives_nulls(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom() -> int:
        raise RuntimeError("not in a worker")

    module = fake_uwsgi(0)
    module.worker_id = boom  # type: ignore[attr-defined]
    module.version = 42  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "uwsgi", module)
    doc = answer(load(), **UNDER_UWSGI)
    assert doc["server"]["worker_id"] is None
    assert doc["server"]["software"] == "uWSGI/42"
    monkeypatch.setitem(sys.modules, "uwsgi", fake_uwsgi("one"))
    assert answer(load(), **UNDER_UWSGI)["server"]["worker_id"] is None


def test_script_file_under_a_handler_script_is_the_file_that_wrapped(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # mod_wsgi-express: WSGIHandlerScript, SCRIPT_FILENAME is the document root's file, never
    # the script; the file whose module called wrap() (here, answer()'s: this file) is.
    monkeypatch.delitem(sys.modules, "uwsgi", raising=False)
    express = answer(load(), SCRIPT_FILENAME="/srv/express/htdocs/__probe__",
                     **{"mod_wsgi.handler_script": "/srv/express/handler.wsgi"})
    assert express["script_file"] == __file__
    plain = answer(load(), SCRIPT_FILENAME="/srv/project-1/wsgi.py")
    assert plain["script_file"] == "/srv/project-1/wsgi.py"


def test_behind_mod_proxy_uwsgi_uwsgi_says_itself_beside_the_fronts_software(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Apache's mod_proxy_uwsgi passes its own SERVER_SOFTWARE in the uwsgi variables:
    server.software keeps what the environ says, server.uwsgi says the server is uWSGI and
    how it was started to reload (uwsgi.opt as uWSGI 2.0.31 gives it: bytes, True, lists)."""
    module = fake_uwsgi(1)
    module.masterpid = lambda: 8465  # type: ignore[attr-defined]
    module.opt = {"master": True, "socket": b"127.0.0.1:41815",  # type: ignore[attr-defined]
                  "pidfile": b"/run/shop2.pid", "touch-reload": [b"/srv/a.ini", b"/srv/b"],
                  "master-fifo": b"/run/shop2.fifo"}
    monkeypatch.setitem(sys.modules, "uwsgi", module)
    doc = answer(load(), SERVER_SOFTWARE="Apache/2.4.71 (Debian)", **UNDER_UWSGI)
    assert doc["server"]["software"] == "Apache/2.4.71 (Debian)"
    assert doc["server"]["worker_id"] == 1 and doc["server"]["listen"] == "127.0.0.1:41815"
    assert doc["server"]["uwsgi"] == {"version": "2.0.28", "master_pid": 8465,
                                      "pidfile": ["/run/shop2.pid"],
                                      "touch_reload": ["/srv/a.ini", "/srv/b"],
                                      "master_fifo": ["/run/shop2.fifo"]}


def test_uwsgi_without_a_master_or_its_options_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    module = fake_uwsgi(1)
    module.masterpid = lambda: 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "uwsgi", module)  # no opt at all
    doc = answer(load(), **UNDER_UWSGI)
    assert doc["server"]["uwsgi"] == {"version": "2.0.28", "master_pid": 0, "pidfile": [],
                                      "touch_reload": [], "master_fifo": []}


def test_a_broken_uwsgi_module_never_breaks_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom() -> int:
        raise RuntimeError("no master here")

    module = fake_uwsgi(2)
    module.masterpid = boom  # type: ignore[attr-defined]
    module.opt = {"pidfile": 7, "touch-reload": [None, b"/ok"]}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "uwsgi", module)
    doc = answer(load(), **UNDER_UWSGI)
    assert doc["server"]["uwsgi"]["master_pid"] is None
    assert doc["server"]["uwsgi"]["pidfile"] == [] and \
        doc["server"]["uwsgi"]["touch_reload"] == ["/ok"]
    module.opt = "not a mapping"  # type: ignore[attr-defined]
    assert answer(load(), **UNDER_UWSGI)["server"]["uwsgi"] is None
    monkeypatch.delitem(sys.modules, "uwsgi")
    assert answer(load(), **UNDER_UWSGI)["server"]["uwsgi"] is None
