"""Tester T30's socket takeover (tests/t30_settings_answers.py): a vassal site2unix.ini
bound site1's unix socket path while site1's own vassal kept running on the removed file. The
fix leads with the check for two servers configured with one path and with giving the newer
one its own socket; what it loads comes after, for one server configured there (applied
literally, T30 switched site2unix to site1's code, every URL answered ok, and site1's vassal
ran on, unreachable)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import parse
from probe.model import Cause, Observation, TargetResult, Verdict
from probe.nginx import load_nginx
from tests.t30_settings_answers import CASE, INTRUDER, SITE1_SOCK, SITE2_OWN, manifest
from tests.test_diagnose import thrice

PATH = SITE1_SOCK.removeprefix("unix:")


def _nginx(tmp_path: Path, site1_pass: str = SITE1_SOCK) -> ConfigJoin:
    """nginx/nginx.conf of the case, the blocks of site1 and site2 (their lines 19-34)."""
    (tmp_path / "uwsgi_params").write_text("uwsgi_param QUERY_STRING $query_string;\n")
    path = tmp_path / "nginx.conf"
    path.write_text(
        "events {}\nhttp {\n"
        "    server { listen 127.0.0.1:18480 default_server; server_name _; return 404; }\n"
        "    server {\n        listen 127.0.0.1:18480;\n"
        "        server_name site1.test www.site1.test;\n"
        f"        location / {{ include uwsgi_params; uwsgi_pass {site1_pass}; }}\n    }}\n"
        "    server {\n        listen 127.0.0.1:18480;\n"
        "        server_name site2.test www.site2.test;\n"
        "        location / { include uwsgi_params; uwsgi_pass 127.0.0.1:18402; }\n    }\n}\n")
    return ConfigJoin(load_nginx(str(path)))


def _seen(url: str, expected: str, data: dict[str, Any]) -> Observation:
    host = url.split("/")[2]
    data = {**data, "request": {"host": host, "server_name": host, "server_port": "18480",
                                "scheme": "http", "script_name": "", "path_info": "/__probe__",
                                "host_allowed": True}}
    observed = thrice(url, expected, data)
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:18480")
        for s in observed.samples))


def _site1(tmp_path: Path, *site1_answers: dict[str, Any]) -> TargetResult:
    observations = [_seen("http://site1.test/", "site1", INTRUDER),
                    *(_seen("http://www.site1.test/", "site1", a) for a in site1_answers),
                    _seen("http://site2.test/", "site2", SITE2_OWN[0]),
                    _seen("http://www.site2.test/", "site2", SITE2_OWN[1])]
    report = diagnose(parse(manifest(), "m.toml"), observations, config=_nginx(tmp_path))
    return next(t for t in report.targets if t.url == "http://site1.test/")


def test_two_servers_on_one_path_are_checked_first(tmp_path: Path) -> None:
    found = _site1(tmp_path, INTRUDER)
    assert (found.verdict, found.cause) == (Verdict.WRONG_INSTANCE, Cause.WRONG_MODULE), found
    fix = found.fix
    assert fix.startswith(f"First check whether two servers are configured with {PATH}: "), fix
    assert f"'grep -rn \"socket *= *{PATH}\" DIR'" in fix
    assert ("'ps -ww -o args= -p $(ps -o ppid= -p 16557)' the Emperor's directory "
            "(--emperor DIR)") in fix
    assert (f"'ss -xlp | grep {PATH}' lists each server listening on a socket bound to that "
            f"path, one line each with its pids: the line with pid 16559 (this answer's, "
            f"server.listen {SITE1_SOCK}) holds the path now") in fix
    assert ("Where two are configured: give the uWSGI whose master is pid 16557 (it runs "
            "site2's application) a socket path of its own") in fix
    assert "then stop and start the other one, which binds the path again" in fix
    # what it loads is the fix for one server only, after the check
    assert fix.index("Where two are configured") < fix.index(
        f"Where one alone is: make the application server listening on {SITE1_SOCK} "
        f"(pid 16559) load site1's application")
    assert f"{CASE}/run/site1.sock" in fix


def test_a_tcp_socket_has_no_takeover(tmp_path: Path) -> None:
    """A TCP port is refused to a second server (EADDRINUSE): no path to take over."""
    tcp = {**INTRUDER, "server": {**INTRUDER["server"], "listen": "127.0.0.1:18409"}}
    observations = [_seen("http://site1.test/", "site1", tcp),
                    _seen("http://site2.test/", "site2", SITE2_OWN[0])]
    (tmp_path / "uwsgi_params").write_text("")
    report = diagnose(parse(manifest(), "m.toml"), observations,
                      config=_nginx(tmp_path, "127.0.0.1:18409"))
    found = next(t for t in report.targets if t.url == "http://site1.test/")
    assert found.cause is Cause.WRONG_MODULE, found
    assert found.fix.startswith("Make the application server listening on 127.0.0.1:18409")
    assert "ss -xlp" not in found.fix
