"""The nginx lines lint and the sweep propose, APPLIED to a real nginx 1.22 in front of real
application servers (the fixtures of test_nginx_scenarios.py): ``nginx -t`` accepts them and
the request that was wrong comes right. A tester found four that nginx refused or that left
the URL wrong:

* a mount fix in a location given by a regular expression proposed a URI part in
  proxy_pass ("cannot have URI part in location given by regular expression");
* a prefix stripped and told with FORCE_SCRIPT_NAME stayed ``mount_mismatch`` (the endpoint
  showed SCRIPT_NAME only, which that setting never changes);
* the fixes gave gunicorn's SCRIPT_NAME header to waitress and uWSGI;
* the refusing default server on a TLS address had no certificate ("no ssl_certificate").
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .apache import free_port
from .nginx import NGINX
from .test_nginx_scenarios import HEADERS, Apps, apps, correct, run_nginx
from .wsgi_servers import WsgiServer, _start, ensure_servers_venv

__all__ = ["apps", "run_nginx"]  # the fixtures, shared with test_nginx_scenarios.py

BLOG = "http://site-2.example.com/blog/"
TOKEN = "nginx-scenario-token-0123456789abcdef"


def _server(apps: Apps, name: str, command: list[str], cwd: Path, port: int) -> WsgiServer:
    return _start(name, command, cwd=cwd, port=port, log_path=apps.workdir / f"{name}.log",
                  env={"WSGI_PROBE_TOKEN": TOKEN})


@pytest.fixture(scope="module")
def forced(apps: Apps) -> Iterator[WsgiServer]:
    """blog's project with FORCE_SCRIPT_NAME = "/blog", under waitress without a prefix."""
    project = apps.workdir / "blog-forced"
    if not project.exists():
        shutil.copytree(apps.workdir / "blog" / "mysite", project)
        settings = project / "mysite" / "settings.py"
        settings.write_text(settings.read_text() + '\nFORCE_SCRIPT_NAME = "/blog"\n')
    port = free_port()
    venv = ensure_servers_venv()
    server = _server(apps, "waitress-forced", [str(venv / "bin/waitress-serve"),
                                               f"--listen=127.0.0.1:{port}",
                                               "mysite.wsgi:application"], project, port)
    yield server
    server.stop()


def _blog_at(apps: Apps, location: str) -> str:
    """The correct configuration with blog's location replaced by ``location``."""
    old = (f"location /blog/ {{\n            proxy_pass http://127.0.0.1:{apps.blog.port};\n"
           f"            {HEADERS}\n        }}")
    body = correct(apps)
    assert old in body
    return body.replace(old, location)


def _nginx_t(conf: Path) -> None:
    done = subprocess.run([NGINX, "-t", "-p", str(conf.parent), "-c", str(conf), "-g",
                           f"pid {conf.parent}/t.pid;"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_a_prefix_told_with_force_script_name_is_ok(apps: Apps, forced: WsgiServer,
                                                    run_nginx: Any) -> None:
    """The tester's set-up: the prefix stripped, X-Forwarded-Prefix sent and Django's
    FORCE_SCRIPT_NAME the mount. Real pages stay inside /blog/: ok, with and without the
    configuration. Without FORCE_SCRIPT_NAME the header alone is said not to be read."""
    told = (f"location /blog/ {{ proxy_set_header X-Forwarded-Prefix /blog; {HEADERS}\n"
            f"            proxy_pass http://127.0.0.1:{forced.port}/; }}")
    run = run_nginx(_blog_at(apps, told))
    for extra in ((), ("--config", str(run.nginx.conf))):
        blog = run.by_url(*extra)[BLOG]
        assert blog["verdict"] == "ok", blog
        assert blog["observed"]["request"]["force_script_name"] == "/blog"
    page = run.page("site-2.example.com", "/blog/admin/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/blog/admin/login/")
    plain = run_nginx(_blog_at(apps, told.replace(str(forced.port), str(apps.plain_blog.port))))
    blog = plain.by_url("--config", str(plain.nginx.conf))[BLOG]
    assert blog["verdict"] == "mount_mismatch", blog
    assert "X-Forwarded-Prefix /blog arrives (request.forwarded_prefix = '/blog')" \
        in blog["explanation"], blog["explanation"]
    assert "The answer cannot tell whether nothing reads that header or a middleware inside " \
           "the probe endpoint's wrap" in blog["explanation"], blog["explanation"]
    assert "without telling" not in blog["explanation"]
    page = plain.page("site-2.example.com", "/blog/admin/")
    assert page.headers["Location"].startswith("/admin/login/")  # the header alone: outside


def test_the_mount_fix_of_a_regex_location_passes_nginx_t_and_works(
        apps: Apps, forced: WsgiServer, run_nginx: Any) -> None:
    """location ~ ^/blog/ passes the whole path: the fix strips it with rewrite (a URI part
    there fails nginx -t), worded for waitress (server.software), not gunicorn. Django's
    FORCE_SCRIPT_NAME is already the mount (request.force_script_name): left as it is, and no
    X-Forwarded-Prefix asked for (R28). Applied: nginx -t passes, the sweep says ok, the admin
    redirects inside /blog/."""
    regex = (f"location ~ ^/blog/ {{ {HEADERS}\n"
             f"            proxy_pass http://127.0.0.1:{forced.port}; }}")
    run = run_nginx(_blog_at(apps, regex))
    blog = run.by_url("--config", str(run.nginx.conf))[BLOG]
    assert blog["verdict"] == "mount_mismatch", blog
    fix = blog["fix"]
    assert "URI part such as" not in fix and "With gunicorn" not in fix, fix
    assert "'--url-prefix=/blog'" in fix and "With waitress (server.software)" in fix, fix
    rewrite = re.search(r"'(rewrite \S+ \S+ break;)'", fix)
    assert rewrite is not None, fix
    assert "X-Forwarded-Prefix /blog;" not in fix and "set FORCE_SCRIPT_NAME" not in fix, fix
    assert "(request.force_script_name = '/blog')" in fix, fix
    fixed = run_nginx(_blog_at(apps, regex.replace(
        "proxy_pass", f"{rewrite.group(1)}\n            proxy_pass")))
    _nginx_t(fixed.nginx.conf)
    assert fixed.by_url("--config", str(fixed.nginx.conf))[BLOG]["verdict"] == "ok"
    page = fixed.page("site-2.example.com", "/blog/admin/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/blog/admin/login/")


def test_the_mount_fix_speaks_of_the_server_that_answered(apps: Apps, run_nginx: Any) -> None:
    """/two/ stripped before uWSGI, /one/ before gunicorn (each instance's only URL): each
    fix names its own server's way. uWSGI's, applied (the whole path passed, --mount with
    --manage-script-name), is ok."""
    body = correct(apps).replace("location /blog/ {", (
        f"location /two/ {{ proxy_pass http://site_two/; {HEADERS} }}\n"
        f"        location /blog/ {{"), 1).replace("location / {\n            proxy_pass "
                                                   "http://site_one;", (
        f"location /one/ {{ proxy_pass http://site_one/; {HEADERS} }}\n"
        f"        location / {{\n            proxy_pass http://site_one;"), 1)
    run = run_nginx(body)
    def only_sub_paths(manifest: Path) -> None:
        manifest.write_text(manifest.read_text().replace(
            'urls = ["http://site-2.example.com/"]', 'urls = ["http://site-2.example.com/two/"]'
        ).replace('urls = ["http://site-1.example.com/", "http://www.site-1.example.com/"]',
                  'urls = ["http://site-1.example.com/one/"]'))

    only_sub_paths(run.manifest)
    found = run.by_url("--config", str(run.nginx.conf))
    two, one = found["http://site-2.example.com/two/"], found["http://site-1.example.com/one/"]
    assert two["verdict"] == one["verdict"] == "mount_mismatch", (
        two["verdict"], two["explanation"], one["verdict"], one["explanation"])
    assert "With gunicorn" not in two["fix"], two["fix"]
    # uWSGI is told by the endpoint's server.uwsgi (its version), not by server.software
    assert "With uWSGI (server.uwsgi.version) '--mount /two=<its WSGI file>' and " \
           "'--manage-script-name'" in two["fix"], two["fix"]
    assert "With gunicorn (server.software) 'proxy_set_header SCRIPT_NAME /one;'" \
        in one["fix"] and "uWSGI" not in one["fix"], one["fix"]
    venv = ensure_servers_venv()
    project = apps.workdir / "two" / "mysite"
    port = free_port()
    mounted = _server(apps, "uwsgi-mounted", [
        str(venv / "bin/uwsgi"), "--http-socket", f"127.0.0.1:{port}", "--master",
        "--processes", "1", "--virtualenv", str(venv), "--chdir", str(project),
        "--mount", f"/two={project / 'mysite/wsgi.py'}", "--manage-script-name",
        "--need-app", "--die-on-term", "--disable-logging"], project, port)
    try:
        fixed = run_nginx(body.replace("proxy_pass http://site_two/;",
                                       f"proxy_pass http://127.0.0.1:{port};"))
        only_sub_paths(fixed.manifest)
        _nginx_t(fixed.nginx.conf)
        found = fixed.by_url("--config", str(fixed.nginx.conf))["http://site-2.example.com/two/"]
        assert found["verdict"] == "ok", (found["explanation"], found["observed"])
        page = fixed.page("site-2.example.com", "/two/admin/")
        assert page.status_code == 302 and page.headers["Location"].startswith("/two/admin/")
    finally:
        mounted.stop()


def test_a_lint_finding_is_pasted_once_into_a_sweep_fix(apps: Apps, run_nginx: Any) -> None:
    """site-2's block names site one's upstream: lint's finding at that proxy_pass line is
    quoted once in the sweep's fix (the route passes the line twice: upstream, mount)."""
    run = run_nginx(correct(apps).replace("proxy_pass http://site_two;",
                                          "proxy_pass http://site_one;"))
    found = run.by_url("--config", str(run.nginx.conf))["http://site-2.example.com/"]
    assert found["cause"] == "wrong_upstream", found
    assert found["fix"].count("probe lint says") == 1, found["fix"]
    assert "nginx_shared_upstream" in found["fix"]


def _lint_fix(conf: Path, code: str) -> str:
    done = subprocess.run([sys.executable, "-m", "probe", "lint", "--format", "json",
                           str(conf)], capture_output=True, text=True, timeout=60, check=False)
    findings = [f for f in json.loads(done.stdout)["findings"] if f["code"] == code]
    assert len(findings) == 1, done.stdout
    return str(findings[0]["fix"])


def test_the_refusing_block_on_a_tls_address_passes_nginx_t_and_refuses(
        apps: Apps, run_nginx: Any, tmp_path: Path) -> None:
    """Two TLS blocks with their own certificates and no default: lint's and the sweep's
    refusing block is ssl_reject_handshake (no certificate needed). Applied: nginx -t
    passes, a name no block claims gets its handshake refused, site one still answers."""
    import trustme

    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    files = {}
    # site one's certificate also names www., which no server_name claims: the sweep's
    # [refuse] URL reaches the first block with a certificate that holds its name
    for name, also in (("site-1.example.com", "www.site-1.example.com"),
                       ("site-2.example.com", "site-2.example.com")):
        ca.issue_cert(name, also).private_key_and_cert_chain_pem.write_to_path(
            str(tmp_path / f"{name}.pem"))
        files[name] = str(tmp_path / f"{name}.pem")
    body = "".join(
        f"    server {{ listen 127.0.0.1:@P@ ssl; server_name {name};\n"
        f"        ssl_certificate {path}; ssl_certificate_key {path};\n"
        f"        location / {{ proxy_pass http://{up}; {HEADERS} }} }}\n"
        for (name, path), up in zip(files.items(), ("site_one", "site_two"), strict=True))
    upstreams = (f"    upstream site_one {{ server 127.0.0.1:{apps.one.port}; }}\n"
                 f"    upstream site_two {{ server 127.0.0.1:{apps.two.port}; }}\n")
    run = run_nginx(upstreams + body)
    fix = _lint_fix(run.nginx.conf, "nginx_no_refusing_default")
    block = re.search(r"(server \{ .*? \})", fix)
    assert block is not None and "ssl_reject_handshake on;" in block.group(1), fix
    run.manifest.write_text(
        f'[probe]\nconnect = "127.0.0.1:{run.port}"\ntoken_env = "WSGI_PROBE_TOKEN"\n'
        f'ca_file = "{ca_file}"\n\n[instances.one]\nlabel = "one"\n'
        f'urls = ["https://site-1.example.com/"]\n\n[refuse]\n'
        f'urls = ["https://www.site-1.example.com/"]\n')
    swept = run.by_url("--config", str(run.nginx.conf))["https://www.site-1.example.com/"]
    assert "ssl_reject_handshake on;" in (swept["fix"] or ""), swept
    # the block as lint wrote it, on the next nginx's port
    fixed = run_nginx(block.group(1).replace(f":{run.port} ", ":@P@ ") + "\n" + upstreams + body)
    _nginx_t(fixed.nginx.conf)
    with pytest.raises(OSError):  # refused: an alert, or the connection reset
        _status_by_name(fixed.port, "unknown.invalid", ca_file)
    assert _status_by_name(fixed.port, "site-1.example.com", ca_file).startswith("HTTP/1.1 ")
    fixed.manifest.write_text(run.manifest.read_text().replace(str(run.port), str(fixed.port)))
    after = fixed.by_url("--config", str(fixed.nginx.conf))
    assert after["https://www.site-1.example.com/"]["verdict"] == "ok", after
    assert after["https://site-1.example.com/"]["verdict"] == "ok", after


def _status_by_name(port: int, name: str, ca_file: Path) -> str:
    """The status line nginx answers for ``name`` (its SNI and Host) on loopback."""
    context = ssl.create_default_context(cafile=str(ca_file))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname=name) as tls:
        tls.sendall(f"GET / HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
        return tls.recv(200).decode("latin-1").split("\r\n", 1)[0]
