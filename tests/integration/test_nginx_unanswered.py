"""A real nginx 1.22 in front of real application servers (the fixtures of
test_nginx_scenarios.py), configured as a tester's real-world projects were:

* a ``return 444`` (the default server's, or an ``if ($host !~* ...)`` that forgot www.) was
  called a server that is not running, with or without ``--config``;
* ``no_endpoint`` advised installing the endpoint where nginx answered itself: a prefix
  location without its slash (``location /media`` takes ``/mediakit/``), a server block
  redirecting www.;
* an https server block whose waitress does not trust X-Forwarded-Proto, in front of Django
  with SECURE_SSL_REDIRECT, answered every page with a 301 to itself while the sweep said
  ``ok`` and nothing else.

Each truth is checked with real requests.
"""

from __future__ import annotations

import shutil
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from .apache import free_port
from .test_nginx_scenarios import HEADERS, Apps, Run, apps, correct, run_nginx
from .wsgi_servers import WsgiServer, _start, ensure_servers_venv

__all__ = ["apps", "run_nginx"]  # the fixtures, shared with test_nginx_scenarios.py

TOKEN = "nginx-scenario-token-0123456789abcdef"
RUNNING = "Check that the server is running"
WWW = "http://www.site-1.example.com/"


def _manifest(run: Run, urls: dict[str, list[str]], extra: str = "") -> None:
    text = f'[probe]\nconnect = "127.0.0.1:{run.port}"\ntoken_env = "WSGI_PROBE_TOKEN"\n{extra}'
    for name, listed in urls.items():
        text += f'\n[instances.{name}]\nlabel = "{name}"\nurls = {listed!r}\n'.replace("'", '"')
    run.manifest.write_text(text)


def _closed(run: Run, host: str) -> bool:
    try:
        run.page(host, "/")
    except requests.ConnectionError:
        return True
    return False


def test_a_default_servers_444_is_said_as_a_closed_connection(apps: Apps,
                                                               run_nginx: Any) -> None:
    run = run_nginx(correct(apps).replace("server_name site-1.example.com "
                                          "www.site-1.example.com;",
                                          "server_name site-1.example.com;"))
    _manifest(run, {"one": ["http://site-1.example.com/", WWW]})
    assert _closed(run, "www.site-1.example.com")  # the truth: "Empty reply from server"
    alone = run.by_url()[WWW]
    assert alone["verdict"] == "unreachable" and RUNNING not in alone["fix"], alone
    assert "closed it without an HTTP answer" in alone["explanation"]
    assert "answered http://site-1.example.com/ with HTTP 200 (Server: nginx/" in \
        alone["explanation"]
    configured = run.by_url("--config", str(run.nginx.conf))[WWW]
    conf = str(run.nginx.conf)
    assert configured["cause"] == "default_server", configured
    assert f"return 444 at {conf}:" in configured["explanation"]
    assert configured["fix"].startswith(f"Add www.site-1.example.com to the server_name of "
                                        f"server block at {conf}:")


def test_an_if_that_returns_444_is_named(apps: Apps, run_nginx: Any) -> None:
    guard = "if ($host !~* ^(site-1.example.com|localhost)$) { return 444; }"
    run = run_nginx(correct(apps).replace(
        "server_name site-1.example.com www.site-1.example.com;",
        f"server_name site-1.example.com www.site-1.example.com;\n        {guard}"))
    _manifest(run, {"one": ["http://site-1.example.com/", WWW]})
    assert _closed(run, "www.site-1.example.com")
    found = run.by_url("--config", str(run.nginx.conf))[WWW]
    assert found["verdict"] == "unreachable" and RUNNING not in found["fix"], found
    line = next(n for n, text in enumerate(run.nginx.conf.read_text().splitlines(), 1)
                if text.strip().startswith("if ($host"))
    assert f"{run.nginx.conf}:{line}" in found["explanation"], found
    assert found["fix"].startswith(f"At {run.nginx.conf}:{line}, let www.site-1.example.com "
                                   f"through"), found


def test_no_endpoint_names_the_step_nginx_answered_at(apps: Apps, run_nginx: Any) -> None:
    # a root nginx's worker finds nothing under (as the tester's: nginx's own 404)
    body = correct(apps).replace(
        "server_name site-2.example.com;",
        "server_name site-2.example.com;\n        location /media { root /nonexistent; }\n"
        f"        location /down/ {{ proxy_pass http://127.0.0.1:{free_port()}; }}\n"
        "        error_page 500 502 503 504 /50x.html;\n"
        "        location = /50x.html { root /nonexistent; }") + (
        "    server { listen 127.0.0.1:@P@; server_name www.site-2.example.com;\n"
        "        return 301 http://site-2.example.com$request_uri; }\n")
    run = run_nginx(body)
    mediakit, www = "http://site-2.example.com/mediakit/", "http://www.site-2.example.com/"
    down = "http://site-2.example.com/down/"
    _manifest(run, {"two": ["http://site-2.example.com/", mediakit, www, down]})
    kit = run.page("site-2.example.com", "/mediakit/")
    assert kit.status_code == 404 and kit.headers["Server"].startswith("nginx")  # the truth
    assert run.page("www.site-2.example.com", "/").status_code == 301
    # nothing listens behind /down/: error_page turns nginx's 502 into the missing
    # /50x.html's 404
    assert run.page("site-2.example.com", "/down/").status_code == 404
    assert "connect() failed" in run.nginx.error_log()
    alone = run.by_url()
    assert alone[mediakit]["verdict"] == "no_endpoint"
    found = run.by_url("--config", str(run.nginx.conf))
    conf = str(run.nginx.conf)
    assert found[mediakit]["cause"] == "url_mapping", found[mediakit]
    assert "Install the endpoint" not in found[mediakit]["fix"]
    assert found[mediakit]["fix"].startswith(f"At {conf}:") and \
        "('location /media/')" in found[mediakit]["fix"]
    assert found[www]["cause"] == "url_mapping", found[www]
    assert "Install the endpoint" not in found[www]["fix"]
    assert "the server block answers 301 itself" in found[www]["fix"]
    assert found[down]["verdict"] == "no_endpoint"
    assert f"'error_page 500 502 503 504 /50x.html' at {conf}:" in found[down]["explanation"]
    assert found[down]["fix"].startswith("First read nginx's error log line for this request")


def _tls_get(port: int, ca_file: Path) -> tuple[str, str]:
    """The status and Location nginx answers for site-2's /admin/ over TLS (SNI and Host)."""
    context = ssl.create_default_context(cafile=str(ca_file))
    name = "site-2.example.com"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname=name) as tls:
        tls.sendall(f"GET /admin/ HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n"
                    .encode())
        head = b""
        while b"\r\n\r\n" not in head and (chunk := tls.recv(4096)):
            head += chunk
    lines = head.decode("latin-1").split("\r\n")
    location = next((line.split(":", 1)[1].strip() for line in lines
                     if line.lower().startswith("location:")), "")
    return lines[0].split()[1], location


@pytest.fixture
def redirecting(apps: Apps) -> Iterator[tuple[WsgiServer, WsgiServer]]:
    """blog's project with SECURE_SSL_REDIRECT under waitress: as installed, and trusting
    the front's X-Forwarded-Proto."""
    project = apps.workdir / "blog-secure"
    if not project.exists():
        shutil.copytree(apps.workdir / "blog" / "mysite", project)
        settings = project / "mysite" / "settings.py"
        settings.write_text(settings.read_text() + "\nSECURE_SSL_REDIRECT = True\n")
    venv = ensure_servers_venv()
    started = []
    for name, extra in (("plain", []), ("trusting", ["--trusted-proxy=127.0.0.1",
                                                     "--trusted-proxy-headers=x-forwarded-proto"])):
        port = free_port()
        started.append(_start(f"waitress-secure-{name}", [
            str(venv / "bin/waitress-serve"), f"--listen=127.0.0.1:{port}", *extra,
            "mysite.wsgi:application"], cwd=project, port=port,
            log_path=apps.workdir / f"waitress-secure-{name}.log",
            env={"WSGI_PROBE_TOKEN": TOKEN}))
    yield started[0], started[1]
    for server in started:
        server.stop()


def test_an_https_redirect_loop_is_not_silent(apps: Apps, run_nginx: Any, tmp_path: Path,
                                              redirecting: tuple[WsgiServer, WsgiServer]
                                              ) -> None:
    import trustme

    ca = trustme.CA()
    ca_file, pem = tmp_path / "ca.pem", tmp_path / "site.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    ca.issue_cert("site-2.example.com").private_key_and_cert_chain_pem.write_to_path(str(pem))
    plain, trusting = redirecting
    block = ("    server { listen 127.0.0.1:@P@ ssl; server_name site-2.example.com;\n"
             f"        ssl_certificate {pem}; ssl_certificate_key {pem};\n"
             f"        location / {{ proxy_pass http://127.0.0.1:@UP@; {HEADERS} }} }}\n")
    # the tester's case: no X-Forwarded-Proto sent, every page answers a 301 to itself
    unsent = HEADERS.replace("proxy_set_header X-Forwarded-Proto $scheme;", "")
    run = run_nginx(block.replace("@UP@", str(plain.port)).replace(HEADERS, unsent))
    url = "https://site-2.example.com/"
    _manifest(run, {"blog": [url]}, f'ca_file = "{ca_file}"\n')
    assert _tls_get(run.port, ca_file) == ("301", "https://site-2.example.com/admin/")
    alone = [f for f in run.sweep()["findings"] if f["code"] == "scheme_not_passed"]
    # The endpoint reports Django's own request.is_secure(): the answers alone decide.
    assert [f["severity"] for f in alone] == ["warning"], alone
    assert "request.is_secure() is false for them (request.is_secure; no X-Forwarded-Proto " \
        "arrived" in alone[0]["explanation"], alone
    report = run.sweep("--config", str(run.nginx.conf))
    assert [t["verdict"] for t in report["targets"]] == ["ok"]
    [finding] = [f for f in report["findings"] if f["code"] == "scheme_not_passed"]
    assert finding["severity"] == "warning" and "request.scheme 'http'" in \
        finding["explanation"], finding
    assert report["summary"]["status"] == "warning"
    assert "request.is_secure() is false" in finding["explanation"]
    assert (f"Add 'proxy_set_header X-Forwarded-Proto $scheme;' beside the proxy_set_header "
            f"lines in force there, at {run.nginx.conf}:") in finding["explanation"], finding
    assert "(waitress" in finding["explanation"] and \
        "--trusted-proxy-headers=x-forwarded-proto" in finding["explanation"], finding
    # the header sent, waitress not trusting it (waitress removes it), Django not reading it:
    # still the loop; the endpoint says Django believes it insecure and the header never
    # reached the application: a warning that names the line that sends it
    sent = run_nginx(block.replace("@UP@", str(plain.port)))
    _manifest(sent, {"blog": [url]}, f'ca_file = "{ca_file}"\n')
    assert _tls_get(sent.port, ca_file) == ("301", "https://site-2.example.com/admin/")
    [note] = [f for f in sent.sweep("--config", str(sent.nginx.conf))["findings"]
              if f["code"] == "scheme_not_passed"]
    assert note["severity"] == "warning"
    assert "it did not reach the application (request.forwarded_proto null): something in " \
        "between removed it (waitress, server.software, removes proxy headers it does not " \
        "trust)" in note["explanation"], note["explanation"]
    assert f"'proxy_set_header X-Forwarded-Proto $scheme' ({sent.nginx.conf}:" in \
        note["explanation"]
    # the fix applied: waitress trusting the header sees https, no loop, no finding
    fixed = run_nginx(block.replace("@UP@", str(trusting.port)))
    _manifest(fixed, {"blog": [url]}, f'ca_file = "{ca_file}"\n')
    status, location = _tls_get(fixed.port, ca_file)
    assert status == "302" and "/admin/login/" in location
    after = fixed.sweep("--config", str(fixed.nginx.conf))
    assert not [f for f in after["findings"] if f["code"] == "scheme_not_passed"], after
