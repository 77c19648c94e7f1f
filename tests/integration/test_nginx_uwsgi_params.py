"""A mount mistake at a ``uwsgi_pass`` location, with real nginx in front of real uWSGI over
its own protocol (``--socket``): ``location /two/`` passes ``include uwsgi_params;`` (a copy
of Debian's file, read through the include) and no SCRIPT_NAME, so the application receives
the whole path with SCRIPT_NAME ''. The sweep with --config cites the ``uwsgi_param`` lines in
force with their file:line; its fix, written into the configuration as given, passes
``nginx -t`` and makes the URL ok, and the admin redirects inside /two/."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from .test_nginx_fix_apply import _nginx_t
from .test_nginx_routes import uwsgi_sockets as uwsgi_sockets  # re-exported: the fixture
from .test_nginx_scenarios import Apps, correct
from .test_nginx_scenarios import apps as apps  # re-exported: pytest finds the fixture here
from .test_nginx_scenarios import run_nginx as run_nginx  # re-exported, as apps
from .wsgi_servers import WsgiServer

TWO = "http://site-2.example.com/two/"
# Debian's uwsgi_params as nginx 1.22 ships it (the HTTP_HOST line of its security update
# included): PATH_INFO $document_uri, no SCRIPT_NAME
PARAMS = """
uwsgi_param  QUERY_STRING       $query_string;
uwsgi_param  REQUEST_METHOD     $request_method;
uwsgi_param  CONTENT_TYPE       $content_type;
uwsgi_param  CONTENT_LENGTH     $content_length;

uwsgi_param  REQUEST_URI        $request_uri;
uwsgi_param  PATH_INFO          $document_uri;
uwsgi_param  DOCUMENT_ROOT      $document_root;
uwsgi_param  SERVER_PROTOCOL    $server_protocol;
uwsgi_param  REQUEST_SCHEME     $scheme;
uwsgi_param  HTTPS              $https if_not_empty;

uwsgi_param  REMOTE_ADDR        $remote_addr;
uwsgi_param  REMOTE_PORT        $remote_port;
uwsgi_param  SERVER_PORT        $server_port;
uwsgi_param  SERVER_NAME        $server_name;
uwsgi_param  HTTP_HOST          $host;
"""


def _body(apps: Apps, params: Path, port: int, extra: str = "") -> str:
    location = (f"location /two/ {{\n            include {params};\n{extra}"
                f"            uwsgi_pass 127.0.0.1:{port};\n        }}\n        ")
    return correct(apps).replace("location /blog/ {", location + "location /blog/ {", 1)


def _only_two(manifest: Path) -> None:
    text = manifest.read_text()
    assert 'urls = ["http://site-2.example.com/"]' in text
    # script_name declared: a whole path with SCRIPT_NAME '' is otherwise undecided
    # (mount_undecided: the probe cannot see the URL patterns; the real page's 404 does)
    manifest.write_text(text.replace('urls = ["http://site-2.example.com/"]',
                                     f'script_name = "/two"\nurls = ["{TWO}"]'))


def _mount_findings(conf: Path) -> list[dict[str, object]]:
    done = subprocess.run([sys.executable, "-m", "probe", "lint", "--format", "json", str(conf)],
                          capture_output=True, text=True, timeout=60, check=False)
    return [f for f in json.loads(done.stdout)["findings"] if f["code"] == "nginx_mount_not_told"]


def _line(conf: Path, needle: str) -> int:
    return next(n for n, text in enumerate(conf.read_text().splitlines(), 1) if needle in text)


def test_a_uwsgi_pass_mount_is_explained_from_uwsgi_params_and_fixed(
        apps: Apps, run_nginx: Any, uwsgi_sockets: dict[str, WsgiServer],
        tmp_path: Path) -> None:
    params = tmp_path / "uwsgi_params"
    params.write_text(PARAMS)
    port = uwsgi_sockets["two"].port
    run = run_nginx(_body(apps, params, port))
    _only_two(run.manifest)
    conf = run.nginx.conf
    found = run.by_url("--config", str(conf))[TWO]
    assert found["verdict"] == "mount_mismatch", found
    assert found["observed"]["request"]["path_info"] == "/two/__probe__", found["observed"]
    location, handed = _line(conf, "location /two/"), _line(conf, f"uwsgi_pass 127.0.0.1:{port}")
    assert (f"'uwsgi_param PATH_INFO $document_uri' at {params}:8 passes PATH_INFO "
            f"/two/; no uwsgi_param SCRIPT_NAME in force") in found["explanation"], (
        found["explanation"])
    assert f"the block at {conf}:{location}" in found["explanation"], found["explanation"]
    assert {"kind": "configured", "claim": found["explanation"].split(
        "The configuration given: ")[1].rsplit(f" ({params}:8)", 1)[0],
        "source": f"{params}:8"} in found["evidence"], found["evidence"]
    fix = found["fix"]
    assert "proxy_set_header" not in fix and "gunicorn" not in fix, fix
    assert fix.startswith(
        f"Tell the application its mount: in the nginx 'location /two/' ({conf}:{location}) "
        f"beside 'uwsgi_pass 127.0.0.1:{port};' ({conf}:{handed}), add 'uwsgi_param "
        f"SCRIPT_NAME /two;' and add 'rewrite ^/two/(.*)$ /$1 break;', so that PATH_INFO "
        f"('uwsgi_param PATH_INFO $document_uri' at {params}:8) passes the rest of the path."), fix
    assert "Or run uWSGI (server.uwsgi.version) with '--mount /two=<its WSGI file>'" in fix, fix
    [finding] = _mount_findings(conf)
    assert finding["line"] == handed and "uwsgi_param SCRIPT_NAME /two;" in str(finding["fix"])
    # the truth before: Django resolves /two/admin/ against its patterns: 404
    assert run.page("site-2.example.com", "/two/admin/").status_code == 404
    lines = re.findall(r"'((?:uwsgi_param SCRIPT_NAME|rewrite) [^']+;)'", fix)
    assert len(lines) == 2, fix
    fixed = run_nginx(_body(apps, params, port, "".join(f"            {x}\n" for x in lines)))
    _only_two(fixed.manifest)
    _nginx_t(fixed.nginx.conf)
    assert _mount_findings(fixed.nginx.conf) == []
    after = fixed.by_url("--config", str(fixed.nginx.conf))[TWO]
    assert after["verdict"] == "ok", (after["explanation"], after["observed"])
    page = fixed.page("site-2.example.com", "/two/admin/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/two/admin/"), (
        page.status_code, page.headers)


def _lint_codes(conf: Path, code: str) -> list[dict[str, object]]:
    done = subprocess.run([sys.executable, "-m", "probe", "lint", "--format", "json", str(conf)],
                          capture_output=True, text=True, timeout=60, check=False)
    return [f for f in json.loads(done.stdout)["findings"] if f["code"] == code]


def test_a_uwsgi_pass_without_uwsgi_params_is_named_for_its_502_and_fixed(
        apps: Apps, run_nginx: Any, uwsgi_sockets: dict[str, WsgiServer],
        tmp_path: Path) -> None:
    """The truth first (nginx 1.22, uWSGI 2.0 --socket, Django): no uwsgi_param in force,
    uWSGI logs KeyError: 'REQUEST_METHOD', nginx logs "upstream prematurely closed
    connection" and answers 502. The sweep with --config names the location and the missing
    lines; lint warns; its fix, written in, makes the URL ok."""
    server = uwsgi_sockets["two"]
    run = run_nginx(_body(apps, tmp_path / "unused", server.port).replace(
        f"include {tmp_path / 'unused'};\n", ""))
    _only_two(run.manifest)
    conf = run.nginx.conf
    assert run.page("site-2.example.com", "/two/").status_code == 502
    assert "upstream prematurely closed connection" in run.nginx.error_log()
    assert "KeyError: 'REQUEST_METHOD'" in server.log()
    found = run.by_url("--config", str(conf))[TWO]
    location, handed = _line(conf, "location /two/"), _line(conf, f"uwsgi_pass 127.0.0.1:"
                                                                  f"{server.port}")
    assert found["verdict"] == "http_error" and found["cause"] == "upstream_down", found
    assert (f"location /two/ at {conf}:{location} passes with uwsgi_pass 127.0.0.1:"
            f"{server.port} at {conf}:{handed} and no uwsgi_param line in force") in \
        found["explanation"], found["explanation"]
    assert found["fix"].startswith(
        f"In the location at {conf}:{location}, add 'include uwsgi_params;' before 'uwsgi_pass "
        f"127.0.0.1:{server.port};' ({conf}:{handed})"), found["fix"]
    assert "proxy_pass" not in found["fix"], found["fix"]
    assert {e["source"] for e in found["evidence"] if e["kind"] == "configured"} == {
        f"{conf}:{location}", f"{conf}:{handed}"}, found["evidence"]
    [finding] = _lint_codes(conf, "nginx_uwsgi_params_missing")
    assert finding["line"] == handed and "include uwsgi_params;" in str(finding["fix"])
    # the fix as written: the include (nginx's file, a copy of Debian's beside nginx.conf)
    params = tmp_path / "uwsgi_params"
    params.write_text(PARAMS)
    fixed = run_nginx(_body(apps, params, server.port))
    _only_two(fixed.manifest)
    _nginx_t(fixed.nginx.conf)
    assert _lint_codes(fixed.nginx.conf, "nginx_uwsgi_params_missing") == []
    after = fixed.by_url("--config", str(fixed.nginx.conf))[TWO]
    assert after["verdict"] != "http_error", after


def test_a_proxy_pass_to_uwsgis_socket_is_fixed_with_uwsgi_pass_and_its_params(
        apps: Apps, run_nginx: Any, uwsgi_sockets: dict[str, WsgiServer],
        tmp_path: Path) -> None:
    """HTTP to uWSGI's --socket: uWSGI logs "invalid request block size", nginx 502. The
    fix proposing uwsgi_pass says include uwsgi_params with it: without, the 502 again."""
    server = uwsgi_sockets["two"]
    location = (f"location /two/ {{\n            proxy_pass http://127.0.0.1:{server.port};\n"
                f"        }}\n        ")
    run = run_nginx(correct(apps).replace("location /blog/ {", location + "location /blog/ {",
                                          1))
    _only_two(run.manifest)
    assert run.page("site-2.example.com", "/two/").status_code == 502
    assert "invalid request block size" in server.log()
    found = run.by_url("--config", str(run.nginx.conf))[TWO]
    assert found["cause"] == "upstream_down", found
    assert "'invalid request block size'" in found["fix"], found["fix"]
    assert "pass with uwsgi_pass, with 'include uwsgi_params;' before it" in found["fix"], \
        found["fix"]
