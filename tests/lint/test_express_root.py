"""Lint and discover on a mod_wsgi-express server root as operators have one (tester T31's
wiki: ``start-server ... --server-name wiki.example.test``), and lint of the nginx front
before it: the generated ``httpd.conf`` is read with what its ``apachectl`` starts it with,
never as if ``${MOD_WSGI_USER}`` were undefined or the one VirtualHost answered every name.

The files are the real ones (``tests/lint/express_t31/``, README there)."""

from __future__ import annotations

from pathlib import Path

from probe.apache import Httpd
from probe.apache.express_start import express_start
from probe.discover import discover_site, render
from probe.lint import lint_nginx, lint_paths
from probe.lint.findings import ConfigFinding

HERE = Path(__file__).parent / "express_t31"


def server_root(tmp_path: Path, *, apachectl: bool = True) -> Path:
    """A copy of the server root at a path like express's own (a ':' in its name)."""
    root = tmp_path / "mod_wsgi-127.0.0.1:18103:0"
    root.mkdir()
    for name in ("httpd.conf", "apachectl") if apachectl else ("httpd.conf",):
        text = (HERE / name).read_text(encoding="utf-8").replace("@ROOT@", str(root))
        (root / name).write_text(text, encoding="utf-8")
    (root / "rewrite.conf").write_text("", encoding="utf-8")
    (root / "envvars").write_text("", encoding="utf-8")
    return root


def notes(root: Path) -> list[ConfigFinding]:
    return list(lint_paths([root / "httpd.conf"], environ={}).findings)


def test_lint_reads_what_the_server_roots_apachectl_exports(tmp_path: Path) -> None:
    """T31: "${MOD_WSGI_USER} is not defined (httpd keeps it as written)" of a file whose
    apachectl exports it (MOD_WSGI_USER="${MOD_WSGI_USER:-${WSGI_RUN_USER}}", line 37-40)."""
    root = server_root(tmp_path)
    found = notes(root)
    assert not any("is not defined" in f.message for f in found), found
    [started] = [f for f in found if f.file == str(root / "apachectl")]
    assert started.line == 6 and started.severity.value == "note"
    assert "-DMOD_WSGI_VIRTUAL_HOST" in started.message
    assert "MOD_WSGI_USER=www-data (export at line 40)" in started.message
    assert "MOD_WSGI_GROUP=www-data (export at line 41)" in started.message


def test_a_copy_without_its_apachectl_names_the_check_not_undefined(tmp_path: Path) -> None:
    root = server_root(tmp_path, apachectl=False)
    found = notes(root)
    [user] = [f for f in found if f.line == 12]
    assert "is not defined" not in user.message
    assert user.message.startswith("${MOD_WSGI_USER} is mod_wsgi-express's: the apachectl it "
                                   "writes in its server root exports MOD_WSGI_USER")
    assert "The check: that apachectl's HTTPD_ARGS and export lines" in user.message


def test_an_apachectl_that_starts_another_file_is_not_taken(tmp_path: Path) -> None:
    root = server_root(tmp_path)
    script = root / "apachectl"
    script.write_text(script.read_text().replace(f"-f {root}/httpd.conf", "-f /elsewhere.conf"))
    assert express_start([root / "httpd.conf"]) is None
    assert express_start([root]) is None


def test_discover_reads_the_defines_the_apachectl_passes(tmp_path: Path) -> None:
    """T31: discover wrote "<VirtualHost _default_:18103> ... is the only site and answers
    every host name", no [refuse], URL http://127.0.0.1:18103/ (all three false: express ran
    with -DMOD_WSGI_VIRTUAL_HOST and answered 403 to other names); with the define given by
    hand it listed the deny-all http://_wsgi_:18103/."""
    root = server_root(tmp_path)
    found = discover_site([root / "httpd.conf"], environ={})
    assert [u.url for i in found.instances for u in i.urls] == [
        "http://wiki.example.test:18103/"]
    assert [u.url for u in found.refuse] == ["http://unknown.invalid:18103/"]
    assert found.connect == "127.0.0.1:18103"
    text = render(found)
    assert f"{root}/apachectl:6, its HTTPD_ARGS line" in text
    assert "_wsgi_:18103/\"" not in text and "answers every host name" not in text
    assert f"the VirtualHost at {root}/httpd.conf:479 refuses every request" in text
    assert not any("read without" in w for w in found.warnings), found.warnings


def test_discover_of_a_copy_says_it_was_read_without_the_define(tmp_path: Path) -> None:
    root = server_root(tmp_path, apachectl=False)
    found = discover_site([root / "httpd.conf"], environ={})
    [said] = [w for w in found.warnings if "read without" in w]
    assert said.startswith("This is mod_wsgi-express's configuration (<IfDefine "
                           f"MOD_WSGI_VIRTUAL_HOST> at {root}/httpd.conf:477), read without "
                           "-DMOD_WSGI_VIRTUAL_HOST")
    assert "the HTTPD_ARGS line of the apachectl in its server root" in said
    assert said in " ".join(render(found).split())
    given = discover_site([root / "httpd.conf"], environ={},
                          httpd=Httpd(defines=("MOD_WSGI_VIRTUAL_HOST",)))
    assert not any("read without" in w for w in given.warnings), given.warnings
    assert [u.url for i in given.instances for u in i.urls] == [
        "http://wiki.example.test:18103/"]


def test_nginx_host_words_are_what_lint_can_know() -> None:
    """T31: "Django answers 400 (DisallowedHost) unless 127.0.0.1:18103 is in ALLOWED_HOSTS"
    (express answered 403 before Django ran; Django compares the host without its port)."""
    found = lint_nginx(str(HERE / "nginx.conf")).findings
    [host] = [f for f in found if f.code == "nginx_host_not_forwarded"]
    assert "unless 127.0.0.1 is in ALLOWED_HOSTS" in host.message, host.message
    assert "127.0.0.1:18103 is in" not in host.message
    assert "(mod_wsgi-express started with --server-name, a name-based virtual host) may " \
        "refuse that Host before the application runs (403" in host.message
    assert host.fix is not None
    assert "the name the client asked for (wiki2.example.test), not 127.0.0.1:18103" in host.fix
    assert "mod_wsgi-express's --server-name or --server-alias" in host.fix
    [mount] = [f for f in found if f.code == "nginx_mount_not_told"]
    assert mount.fix is not None and "mod_wsgi-express its option --mount-point /app;" in mount.fix


def _joined(text: str) -> str:
    # a comment wraps at no fixed column: read it as one line
    return " ".join(line.lstrip("# ") for line in text.splitlines() if line.startswith("#"))


def test_an_include_not_read_names_the_server_roots_own_apachectl_dump(tmp_path: Path) -> None:
    """Re-tester R31: the check for VirtualHosts an include not read could hold is what the
    server root's apachectl prints with -S (T31 ran it: express-apachectl-S.txt), never a bare
    'apachectl -S', which reads the system's /etc/apache2 (T31's literal-apachectl-S.txt)."""
    root = server_root(tmp_path)
    (root / "rewrite.conf").unlink()  # express's Include of it, not read
    text = _joined(render(discover_site([root / "httpd.conf"], environ={})))
    assert f"was not read and could hold VirtualHosts that change this ('{root}/apachectl -S' " \
           f"(mod_wsgi-express's apachectl, which starts httpd with this file) lists every " \
           f"VirtualHost httpd reads)" in text, text
    assert "apachectl -S on the server" not in text, text
    (tmp_path / "copy").mkdir()
    alone = server_root(tmp_path / "copy", apachectl=False)
    (alone / "rewrite.conf").unlink()
    text = _joined(render(discover_site([alone / "httpd.conf"], environ={})))
    assert "could hold VirtualHosts that change this (the running Apache's own command line " \
           "with '-S' in place of its '-k start' ('ps -ww -o pid=,args= -C apache2,httpd' " \
           "shows it" in text, text
