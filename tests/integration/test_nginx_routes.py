"""Routes the configuration decides beyond a plain proxy_pass, with real nginx in front of
stock Django projects (the applications of test_nginx_scenarios.py): a proxy_pass through a
``map``, a regular expression location that takes a prefix's URL, ``uwsgi_pass`` to uWSGI's
own protocol. Each fix the sweep gives is applied as written, checked with ``nginx -t``,
reloaded and swept again (a tester's findings with nginx 1.22)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from probe.diagnose.config_reload import nginx_reload
from tests import reaper

from .apache import ApacheUnavailable, free_port
from .conftest import unavailable
from .nginx import NGINX
from .test_nginx_scenarios import HEADERS, TOKEN, Apps, Run, correct
from .test_nginx_scenarios import apps as apps  # re-exported: pytest finds the fixture here
from .test_nginx_scenarios import run_nginx as run_nginx  # re-exported, as apps
from .wsgi_servers import WsgiServer, ensure_servers_venv

TWO_URLS = """[probe]
connect = "127.0.0.1:{port}"
token_env = "WSGI_PROBE_TOKEN"
samples = 2

[instances.one]
label = "one"
urls = ["http://site-1.example.com/"]

[instances.two]
label = "two"
urls = {two}
"""


def _manifest(run: Run, two: list[str]) -> None:
    run.manifest.write_text(TWO_URLS.format(port=run.port, two=str(two).replace("'", '"')))


def _apply(run: Run, old: str, new: str) -> None:
    """The fix, written into the running configuration: nginx -t, then a reload."""
    text = run.nginx.conf.read_text()
    assert text.count(old) == 1, (old, text)
    run.nginx.conf.write_text(text.replace(old, new))
    done = subprocess.run([NGINX, "-t", "-p", str(run.nginx.prefix), "-c", str(run.nginx.conf)],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    run.nginx.reload()  # the new workers take over; the old ones finish


def _line(run: Run, needle: str) -> int:
    lines = run.nginx.conf.read_text().splitlines()
    return next(n for n, text in enumerate(lines, 1) if needle in text)


def test_a_map_sends_a_name_elsewhere(apps: Apps, run_nginx: Any) -> None:
    one, two = apps.one.port, apps.two.port
    body = correct(apps).replace(
        "server_name site-2.example.com;\n        location / {\n            proxy_pass "
        "http://site_two;",
        "server_name site-2.example.com two.test;\n        location / {\n            "
        "proxy_pass http://$backend;").replace(
        "upstream site_one", f"map $host $backend {{\n        default 127.0.0.1:{two};\n"
        f"        site-2.example.com 127.0.0.1:{one};\n    }}\n    upstream site_one")
    run = run_nginx(body)
    _manifest(run, ["http://site-2.example.com/", "http://two.test/"])
    conf = run.nginx.conf
    site2 = "http://site-2.example.com/"
    found = run.by_url("--config", str(conf))[site2]
    assert found["verdict"] == "wrong_instance" and found["cause"] == "wrong_upstream", found
    assert found["candidates"] == []
    assert "not running this configuration" not in found["explanation"], found
    entry = _line(run, f"site-2.example.com 127.0.0.1:{one};")
    assert found["fix"] == (
        f"At {conf}:{entry}, 'site-2.example.com 127.0.0.1:{one};' in map $host $backend "
        f"({conf}:{entry - 2}) sends site-2.example.com to one: give it two's address "
        f"(127.0.0.1:{two}, where two answers its own URL http://two.test/). "
        f"{nginx_reload(str(conf))}"), found["fix"]
    _apply(run, f"site-2.example.com 127.0.0.1:{one};", f"site-2.example.com 127.0.0.1:{two};")
    assert run.by_url("--config", str(conf))[site2]["verdict"] == "ok"


def test_a_regex_location_takes_a_prefixs_url(apps: Apps, run_nginx: Any) -> None:
    body = correct(apps).replace(
        "        location /blog/ {",
        f"        location ~ /api/ {{\n            proxy_pass http://site_one;\n"
        f"            {HEADERS}\n        }}\n        location /api/v2/ {{\n"
        f"            proxy_pass http://site_two;\n            {HEADERS}\n        }}\n"
        f"        location /blog/ {{")
    run = run_nginx(body)
    api = "http://site-2.example.com/api/v2/"
    _manifest(run, ["http://site-2.example.com/", api])
    conf = run.nginx.conf
    found = run.by_url("--config", str(conf))[api]
    # the prefix passes to two's own address: the regular expression took the path
    assert found["verdict"] == "wrong_instance" and found["cause"] == "url_mapping", found
    regex, prefix = _line(run, "location ~ /api/"), _line(run, "location /api/v2/")
    assert found["fix"] == (
        f"Write 'location ^~ /api/v2/' in place of 'location /api/v2/' at {conf}:{prefix}: a ^~ "
        f"longest prefix stops nginx's search of the regular expressions, so location ~ /api/ "
        f"at {conf}:{regex} no longer takes it. {nginx_reload(str(conf))}"), found["fix"]
    # lint says it before any request: its printed edit is the one applied
    from probe.lint import lint_nginx

    taken = [f for f in lint_nginx(str(conf)).findings if f.code == "nginx_regex_takes_prefix"]
    assert [f.line for f in taken] == [prefix], taken
    edit = re.match(r"write '(location \^~ [^']+)' in place of '(location [^']+)' at",
                    taken[0].fix or "")
    assert edit is not None, taken[0].fix
    _apply(run, f"{edit.group(2)} {{", f"{edit.group(1)} {{")
    assert not [f for f in lint_nginx(str(conf)).findings
                if f.code == "nginx_regex_takes_prefix"]
    after = run.by_url("--config", str(conf))[api]
    assert after["observed"]["label"] == "two", after  # mounted at / : its mount is another matter
    assert after["verdict"] != "wrong_instance"


@pytest.fixture
def uwsgi_sockets(apps: Apps) -> Iterator[dict[str, WsgiServer]]:
    """uWSGI with --socket (its own protocol, no HTTP) for projects one and two."""
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    started: dict[str, WsgiServer] = {}
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("PYTHON", "WSGI_PROBE", "VIRTUAL_ENV", "DJANGO"))}
    try:
        for name in ("one", "two"):
            project, port = apps.workdir / name / "mysite", free_port()
            log = apps.workdir / f"uwsgi-socket-{name}.log"
            with log.open("ab") as out:
                process = subprocess.Popen(
                    [str(venv / "bin/uwsgi"), "--socket", f"127.0.0.1:{port}", "--master",
                     "--processes", "1", "--virtualenv", str(venv), "--wsgi-file",
                     str(project / "mysite/wsgi.py"), "--chdir", str(project), "--need-app",
                     "--die-on-term", "--disable-logging"], cwd=project, stdout=out,
                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                    env={**clean, "LANG": "C.UTF-8", "WSGI_PROBE_TOKEN": TOKEN})
            reaper.remember(process.pid, f"uwsgi --socket on 127.0.0.1:{port}")
            started[name] = WsgiServer("uwsgi-socket", port, process.pid, log, process,
                                       signal.SIGINT)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and process.poll() is None:
                with contextlib.suppress(OSError), socket.create_connection(
                        ("127.0.0.1", port), 1):
                    break
                time.sleep(0.1)
            else:
                raise AssertionError(f"uwsgi --socket did not listen: {log.read_text()}")
            time.sleep(1.0)  # the app is loaded before the master accepts (--need-app)
        yield started
    finally:
        for server in started.values():
            server.stop()


# what Debian's uwsgi_params holds, written in place (run_nginx writes nginx.conf alone)
UWSGI_PARAMS = " ".join(f"uwsgi_param {name} ${value};" for name, value in (
    ("QUERY_STRING", "query_string"), ("REQUEST_METHOD", "request_method"),
    ("CONTENT_TYPE", "content_type"), ("CONTENT_LENGTH", "content_length"),
    ("REQUEST_URI", "request_uri"), ("PATH_INFO", "document_uri"),
    ("SERVER_PROTOCOL", "server_protocol"), ("REQUEST_SCHEME", "scheme"),
    ("REMOTE_ADDR", "remote_addr"), ("REMOTE_PORT", "remote_port"),
    ("SERVER_PORT", "server_port"), ("SERVER_NAME", "server_name"), ("HTTP_HOST", "host")))


def test_a_uwsgi_pass_to_another_applications_socket(apps: Apps, run_nginx: Any,
                                                     uwsgi_sockets: dict[str, WsgiServer]
                                                     ) -> None:
    one, two = uwsgi_sockets["one"].port, uwsgi_sockets["two"].port
    body = correct(apps).replace(
        "server_name site-2.example.com;\n        location / {\n            proxy_pass "
        "http://site_two;",
        f"server_name site-2.example.com;\n        location / {{\n            include "
        f"uwsgi_params;\n            uwsgi_pass 127.0.0.1:{one};") + (
        f"    server {{\n        listen 127.0.0.1:@P@;\n        server_name two.test;\n"
        f"        location / {{\n            include uwsgi_params;\n            uwsgi_pass "
        f"127.0.0.1:{two};\n        }}\n    }}\n")
    run = run_nginx(body.replace("include uwsgi_params;", UWSGI_PARAMS))
    _manifest(run, ["http://site-2.example.com/", "http://two.test/"])
    conf = run.nginx.conf
    site2 = "http://site-2.example.com/"
    found = run.by_url("--config", str(conf))[site2]
    # one's uWSGI at that socket runs one, whose own URL answers from another server, and no
    # route of one's URLs passes there: docs/verdicts.md's wrong_module, the re-point to two's
    # own upstream said as the other reading
    assert found["verdict"] == "wrong_instance" and found["cause"] == "wrong_module", found
    wrong, right = _line(run, f"uwsgi_pass 127.0.0.1:{one};"), _line(run, f"127.0.0.1:{two};")
    assert f"uwsgi_pass 127.0.0.1:{one} ({conf}:{wrong})" in found["explanation"], found
    assert "None" not in found["explanation"] and "proxy_pass" not in found["fix"], found
    assert found["fix"].startswith(f"Make the application server listening on 127.0.0.1:{one}")
    assert (f"If 127.0.0.1:{one} is not meant for two at all, the hand-over is what is wrong: "
            f"at {conf}:{wrong}, pass to two's upstream: 'uwsgi_pass 127.0.0.1:{two};' as at "
            f"{conf}:{right}, which passes two's own URL http://two.test/ and reached it"
            ) in found["fix"], found["fix"]
    written = re.search(r"'(uwsgi_pass [^']+);'", found["fix"])
    assert written is not None
    _apply(run, f"uwsgi_pass 127.0.0.1:{one};", written.group(1) + ";")
    assert run.by_url("--config", str(conf))[site2]["verdict"] == "ok"


def test_without_the_configuration_a_uwsgi_socket_is_given_uwsgi_pass(
        apps: Apps, run_nginx: Any, uwsgi_sockets: dict[str, WsgiServer]) -> None:
    """Tester T30: site3.test, passed to another vassal's socket, was told 'proxy_pass
    http://unix:/.../site3.sock:;' without --config; applied, nginx answered 502 (uWSGI's
    socket= speaks its own protocol). The answers say uWSGI: the line offered is uwsgi_pass,
    and applied as printed the sweep is ok."""
    one, two = uwsgi_sockets["one"].port, uwsgi_sockets["two"].port

    def block(names: str, pass_line: str) -> str:
        return (f"    server {{\n        listen 127.0.0.1:@P@;\n        server_name {names};\n"
                f"        location / {{\n            {UWSGI_PARAMS}\n            {pass_line}\n"
                f"        }}\n    }}\n")
    copied = f"uwsgi_pass 127.0.0.1:{one};  # block copied from site-1"
    run = run_nginx("    server { listen 127.0.0.1:@P@ default_server; return 444; }\n"
                    + block("site-1.example.com", f"uwsgi_pass 127.0.0.1:{one};")
                    + block("site-2.example.com", copied)
                    + block("two.test", f"uwsgi_pass 127.0.0.1:{two};"))
    _manifest(run, ["http://site-2.example.com/", "http://two.test/"])
    site2 = "http://site-2.example.com/"
    found = run.by_url()[site2]
    assert found["verdict"] == "wrong_instance" and found["cause"] == "wrong_upstream", found
    written = re.search(r"point its pass at '(uwsgi_pass [^']+;)', with 'include "
                        r"uwsgi_params;' before it", found["fix"])
    assert written is not None and written.group(1) == f"uwsgi_pass 127.0.0.1:{two};", found
    assert f"write 'proxy_pass http://127.0.0.1:{two};' instead" in found["fix"], found["fix"]
    _apply(run, copied, written.group(1))
    assert run.by_url()[site2]["verdict"] == "ok"
