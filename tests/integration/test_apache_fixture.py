"""The Apache fixture itself: what the other integration tests silently rely on."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests import reaper

from . import apache as apache_mod
from . import conftest
from .apache import ApacheError, ApacheServer, cleanup, render, start_apache
from .conftest import ApacheFactory

SITE = """
<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py
</VirtualHost>
"""


# ---- no Apache needed ------------------------------------------------------------------------


def test_render_fills_placeholders_and_rejects_unknown_ones() -> None:
    assert render("Listen @PORT@ # mail@example.com", {"PORT": "8080"}) == (
        "Listen 8080 # mail@example.com")
    with pytest.raises(KeyError, match="@SITES@"):
        render("WSGIScriptAlias / @SITES@/wsgi.py", {"PORT": "1"})


def test_every_scenario_has_a_template_and_a_manifest() -> None:
    names = apache_mod.scenario_names()
    assert names == ["dupname", "envleak", "fallback", "frontproxy", "globalgroup", "groupscope",
                     "healthy", "mixedcode", "ordering", "rewritept", "sectionorder",
                     "sslembedded", "tlssni", "tzleak", "wildcard", "wrongpython"]
    # Some scenarios of issue 11 take values from their test (test_cause_scenarios.py).
    extra = {"BACKEND_PORT": "2", "OTHER_VENV": "/v", "APACHE_SITE_PACKAGES": "/p",
             "TLS_PORT": "3", "SERVER_ROOT": "/r"}
    for name in names:
        assert apache_mod.scenario_manifest(name).is_file()
        text = render(apache_mod.scenario_template(name), {"PORT": "1", "SITES": "/s", **extra})
        assert "<VirtualHost *:1>" in text


@pytest.mark.parametrize("env", [{"CI": "true"}, {"WSGI_PROBE_REQUIRE_APACHE": "1"}])
def test_missing_apache_fails_in_ci(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("WSGI_PROBE_REQUIRE_APACHE", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(pytest.fail.Exception, match="missing apache2 binary"):
        conftest.unavailable("missing apache2 binary")


def test_missing_apache_skips_with_the_reason_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("WSGI_PROBE_REQUIRE_APACHE", "0")
    with pytest.raises(pytest.skip.Exception, match="missing apxs"):
        conftest.unavailable("missing apxs (Debian package apache2-dev)")


def test_missing_pieces_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(apache_mod, "apache_binary", lambda: None)
    monkeypatch.setattr(apache_mod, "apxs_binary", lambda: None)
    monkeypatch.setattr(apache_mod, "MODULES_DIR", tmp_path)
    missing = apache_mod.missing_for_server()
    assert "apache2 binary (Debian package apache2)" in missing
    assert f"{tmp_path}/mod_mpm_event.so (Debian package apache2)" in missing
    assert "apxs (Debian package apache2-dev)" in apache_mod.missing_for_venv_build()
    with pytest.raises(apache_mod.ApacheUnavailable, match="apxs"):
        apache_mod.ensure_venv(tmp_path / "no-venv")


# ---- real Apache -----------------------------------------------------------------------------


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.apache
def test_server_answers_at_once_and_stops_completely(apache_venv: Path) -> None:
    server = start_apache(SITE, venv=apache_venv)
    try:
        response = server.get("/whoami/", "site-1.example.com")
        assert response.status_code == 200
        pids = [server.pid, *(p.pid for p in server.processes())]
        assert len(pids) >= 2
        assert server.pid == int((server.server_root / "httpd.pid").read_text())
    finally:
        cleanup(server)
    assert not any(apache_mod._alive(pid) for pid in pids)
    assert not _port_open(server.port)
    assert not server.server_root.exists()


@pytest.mark.apache
def test_an_apache_left_by_a_killed_run_is_reaped_by_the_next(
        apache_venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reaper, "RECORDS", tmp_path / "pids")
    server = start_apache(SITE, venv=apache_venv)
    try:
        pids = [server.pid, *(p.pid for p in server.processes())]
        (record_file,) = (tmp_path / "pids").glob("*.json")
        record = json.loads(record_file.read_text())
        assert record["pgid"] == server.pid  # -k start made its own process group
        dead_run = subprocess.Popen([sys.executable, "-c", "pass"])
        dead_run.wait()
        record["owner"] = dead_run.pid  # as if the run that started it had been killed
        record_file.write_text(json.dumps(record))

        assert [r.pgid for r in reaper.reap_orphans()] == [server.pid]
        assert not any(apache_mod._alive(pid) for pid in pids)
        assert not _port_open(server.port)
    finally:
        cleanup(server)


@pytest.mark.apache
@pytest.mark.skipif(os.geteuid() != 0, reason="privilege drop only happens when run as root")
def test_children_run_unprivileged_and_can_read_the_sites(apache: ApacheFactory) -> None:
    server = apache(SITE)
    assert server.get("/whoami/", "site-1.example.com").json()["pid"] != server.pid
    assert psutil.Process(server.pid).username() == "root"
    users = {p.username() for p in server.processes()}
    assert users == {apache_mod.RUN_USER}
    for path in (server.server_root, server.sites, server.sites / "project-1" / "wsgi.py"):
        assert path.stat().st_mode & stat.S_IROTH


@pytest.mark.apache
def test_a_broken_config_fails_with_apaches_own_words(apache_venv: Path) -> None:
    with pytest.raises(ApacheError, match="Invalid command 'NoSuchDirective'"):
        start_apache(SITE + "\nNoSuchDirective on\n", venv=apache_venv)


@pytest.mark.apache
def test_an_app_that_fails_to_load_shows_in_the_error_log(apache: ApacheFactory) -> None:
    server: ApacheServer = apache(SITE, files={"project-1/wsgi.py": "raise RuntimeError('boom')\n"})
    assert server.get("/", "site-1.example.com").status_code == 500
    assert "RuntimeError: boom" in server.error_log()
