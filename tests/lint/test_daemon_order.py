"""``daemon_order``: a process group mod_wsgi looks up while httpd reads the line
(``process-group=`` with ``application-group=`` on ``WSGIScriptAlias``, and on
``WSGIImportScript``) before its ``WSGIDaemonProcess``: httpd refuses to start, "WSGI process
group not yet configured" (mod_wsgi's wsgi_config.c). Each case is also run through real
``apache2 -t`` where it is installed, so the expectation is httpd's answer."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from probe.lint import lint_paths
from tests.lint.corpus_tools import HTTPD_ENV, MOD_WSGI
from tests.lint.test_httpd_refusals import HTTPD, main_config

ALIAS = "WSGIScriptAlias / {d}/app.wsgi process-group=shop application-group=%{{GLOBAL}}\n"
DAEMON = "WSGIDaemonProcess shop\n"
VHOST = "<VirtualHost *:{port}>\n    ServerName shop.example.com\n{body}</VirtualHost>\n"

# name: (site.conf, later.conf (included after site.conf), daemon_order lines in site.conf)
CASES: dict[str, tuple[str, str, list[int]]] = {
    "alias before its daemon": (VHOST.format(port=80, body=ALIAS + DAEMON), "", [3]),
    "daemon first": (VHOST.format(port=80, body=DAEMON + ALIAS), "", []),
    # without application-group= mod_wsgi looks the group up per request: httpd starts
    "process-group= alone": ("WSGIScriptAlias / {d}/app.wsgi process-group=shop\n" + DAEMON,
                             "", []),
    "%{GLOBAL} process group": (
        "WSGIScriptAlias / {d}/app.wsgi process-group=%{{GLOBAL}} "
        "application-group=%{{GLOBAL}}\n", "", []),
    "WSGIProcessGroup before": ("WSGIProcessGroup shop\n" + DAEMON, "", []),
    "import script before": (
        "WSGIImportScript {d}/app.wsgi process-group=shop application-group=%{{GLOBAL}}\n"
        + DAEMON, "", [1]),
    # the daemon in a file an Include reads after this one: include order is reading order
    "daemon in a later include": (ALIAS, DAEMON, [1]),
    "daemon in an earlier include": (f"Include {{d}}/later.conf\n{ALIAS}", DAEMON, []),
    # one list for the whole server: defined in an earlier VirtualHost of the same name
    "daemon in an earlier VirtualHost": (
        VHOST.format(port=80, body=DAEMON) + VHOST.format(port=8080, body=ALIAS), "", []),
    "never defined": (ALIAS, "", [1]),
}


def _write(tmp_path: Path, site: str, later: str) -> Path:
    d = str(tmp_path)
    (tmp_path / "app.wsgi").write_text("def application(environ, start_response): pass\n")
    (tmp_path / "site.conf").write_text(site.format(d=d))
    (tmp_path / "later.conf").write_text(later)
    include_later = "" if "later.conf" in site else f"Include {d}/later.conf\n"
    return main_config(tmp_path, f"Listen 8080\nInclude {d}/site.conf\n{include_later}",
                       wsgi=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_group_looked_up_before_it_is_defined(name: str, tmp_path: Path) -> None:
    site, later, lines = CASES[name]
    conf = _write(tmp_path, site, later)
    found = [f for f in lint_paths([conf]).findings if f.code == "daemon_order"]
    assert [(f.file, f.line) for f in found] == [(str(tmp_path / "site.conf"), n)
                                                 for n in lines], found
    for f in found:
        assert f.severity.value == "error"
        assert f.message.endswith("httpd will not start: WSGI process group not yet configured")
    if HTTPD and MOD_WSGI:
        done = subprocess.run(["apache2", "-t", "-f", str(conf)], capture_output=True,
                              text=True, timeout=60, check=False, env=HTTPD_ENV)
        assert ("WSGI process group not yet configured" in done.stderr) == bool(lines), \
            done.stderr
        assert (done.returncode == 0) == (not lines), done.stderr


def test_the_fix_moves_the_daemon_above_the_line(tmp_path: Path) -> None:
    conf = _write(tmp_path, *CASES["alias before its daemon"][:2])
    [found] = [f for f in lint_paths([conf]).findings if f.code == "daemon_order"]
    site = tmp_path / "site.conf"
    assert found.message.startswith(
        f"WSGIScriptAlias names process-group=shop, which mod_wsgi looks up when httpd reads "
        f"this line, and WSGIDaemonProcess shop comes only later ({site}:4)"), found.message
    assert found.fix == f"move WSGIDaemonProcess shop ({site}:4) above line 3"
    later = _write(tmp_path, *CASES["daemon in a later include"][:2])
    [found] = [f for f in lint_paths([later]).findings if f.code == "daemon_order"]
    assert found.fix == (f"move WSGIDaemonProcess shop ({tmp_path / 'later.conf'}:1) "
                         f"above {site}:1")
    never = _write(tmp_path, *CASES["never defined"][:2])
    result = lint_paths([never])
    [found] = [f for f in result.findings if f.code == "daemon_order"]
    assert found.fix == f"add WSGIDaemonProcess shop above {site}:1"
    # not also "mod_wsgi answers 500": httpd does not start
    assert not [f for f in result.findings if f.code == "undefined_daemon"], result.findings


# A group defined in a VirtualHost, looked up when read from another server: mod_wsgi
# compares the ServerNames httpd has read so far (wsgi_config.c).
SHOP = "<VirtualHost *:80>\n    ServerName shop.example.com\n    WSGIDaemonProcess shop\n" \
       "</VirtualHost>\n"
NAMELESS = "<VirtualHost *:80>\n    WSGIDaemonProcess shop\n</VirtualHost>\n"


def _other(name: str | None, line: str = ALIAS, *, name_after: bool = False) -> str:
    server = f"    ServerName {name}\n" if name else ""
    body = f"    {line}{server}" if name_after else f"{server}    {line}"
    return f"<VirtualHost *:8080>\n{body}</VirtualHost>\n"


# name: (site.conf, [(line, httpd's words)] where lint says httpd will not start)
REACH: dict[str, tuple[str, list[tuple[int, str]]]] = {
    "other ServerName": (SHOP + _other("blog.example.com"), [(7, "not accessible")]),
    "case differs": (SHOP + _other("Shop.example.com"), [(7, "not accessible")]),
    "same ServerName, another port": (SHOP + _other("shop.example.com"), []),
    "same ServerName with scheme and port": (SHOP + _other("http://shop.example.com:8080"),
                                             []),
    "no ServerName here": (SHOP + _other(None), [(6, "not matchable")]),
    "ServerName after the alias": (SHOP + _other("shop.example.com", name_after=True),
                                   [(6, "not matchable")]),
    "no ServerName at the daemon": (NAMELESS + _other("blog.example.com"),
                                    [(6, "not matchable")]),
    "no ServerName on either side": (NAMELESS + _other(None), []),
    "main server without ServerName": (SHOP + ALIAS, [(5, "not matchable")]),
    "main server with another ServerName": ("ServerName blog.example.com\n" + SHOP + ALIAS,
                                            [(6, "not accessible")]),
    "main server with the same ServerName": ("ServerName shop.example.com\n" + SHOP + ALIAS,
                                             []),
    "import script": (SHOP + _other("blog.example.com", "WSGIImportScript {d}/app.wsgi "
                                    "process-group=shop application-group=%{{GLOBAL}}\n"),
                      [(7, "not accessible")]),
    # looked up per request: httpd starts, mod_wsgi answers 500 (undefined_daemon says so)
    "WSGIProcessGroup": (SHOP + _other("blog.example.com", "WSGIProcessGroup shop\n"), []),
}


@pytest.mark.parametrize("name", sorted(REACH))
def test_a_group_of_another_virtual_host_looked_up_when_read(name: str, tmp_path: Path) -> None:
    site, expected = REACH[name]
    conf = _write(tmp_path, site, "")
    found = [f for f in lint_paths([conf]).findings if f.code == "undefined_daemon"
             and "httpd will not start" in f.message]
    assert [(f.file, f.line, f.message.rsplit(": ", 1)[-1]) for f in found] == [
        (str(tmp_path / "site.conf"), n, f"WSGI process group {words}")
        for n, words in expected], found
    for f in found:
        assert f.severity.value == "error"
        assert f"WSGIDaemonProcess shop ({tmp_path / 'site.conf'}:" in f.message, f.message
    if HTTPD and MOD_WSGI:
        done = subprocess.run(["apache2", "-t", "-f", str(conf)], capture_output=True,
                              text=True, timeout=60, check=False, env=HTTPD_ENV)
        said = [f"WSGI process group {words}" for _, words in expected]
        assert all(s in done.stderr for s in said), done.stderr
        assert (done.returncode == 0) == (not expected), done.stderr


def test_the_message_names_both_servers_and_the_fix_the_server_name(tmp_path: Path) -> None:
    site = tmp_path / "site.conf"
    conf = _write(tmp_path, SHOP + _other("blog.example.com"), "")
    [found] = [f for f in lint_paths([conf]).findings if f.code == "undefined_daemon"]
    assert found.message == (
        f"WSGIScriptAlias names process-group=shop, which mod_wsgi looks up when httpd reads "
        f"this line: WSGIDaemonProcess shop ({site}:3) is inside <VirtualHost> at {site}:1 "
        f"with ServerName shop.example.com ({site}:2), and <VirtualHost> at {site}:5 has "
        f"ServerName blog.example.com ({site}:6): httpd will not start: WSGI process group "
        f"not accessible")
    assert "move WSGIDaemonProcess shop" in (found.fix or ""), found.fix
    conf = _write(tmp_path, SHOP + _other("shop.example.com", name_after=True), "")
    [found] = [f for f in lint_paths([conf]).findings if f.code == "undefined_daemon"]
    assert found.fix == f"move ServerName shop.example.com ({site}:7) above line 6"
