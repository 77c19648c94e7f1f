"""The token-less endpoint under a real waitress, directly and behind a real nginx.

waitress removes X-Forwarded-For, X-Forwarded-Host/-Proto/-Port/-By and Forwarded from the
request of every peer it does not trust before the application runs
(``clear_untrusted_proxy_headers``, on by default): a tester's nginx in front of waitress
added X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host, the endpoint installed with
``--no-token`` saw none of them, and every client through nginx got its answer; so did a
client sending ``X-Forwarded-For`` straight to waitress (gunicorn passes it on, and the
endpoint refuses it: test_endpoint_nginx.py). Now, under waitress, without a token:

* nobody is answered, through nginx or directly, forged header or not, and waitress's log
  has one line saying why and what to do;
* with ``WSGI_PROBE_DIRECT_ONLY=1`` (the operator says nothing forwards to it) a direct
  loopback request is answered, and so is nginx's: the opt-in is as true as that statement.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from .apache import ApacheError, ApacheUnavailable, free_port
from .conftest import unavailable
from .nginx import Nginx, start_kept
from .test_endpoint_nginx import APP, HOST, is_endpoint, probe_cli
from .wsgi_servers import WsgiServer, _start, ensure_servers_venv

pytestmark = pytest.mark.apache

# The reverse-proxy header set of the Django and waitress deployment guides (no X-Real-IP,
# which waitress would pass on and the endpoint would refuse).
NGINX_HTTP = """\
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{backend};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
        }}
    }}
"""
BLIND = ("wsgi_endpoint: the server is waitress, which removes X-Forwarded-For, "
         "X-Forwarded-Host/-Proto/-Port/-By and Forwarded")


@pytest.fixture
def workdir() -> Iterator[Path]:
    top = Path(tempfile.mkdtemp(prefix="wsgi-probe-waitress-nginx-", dir="/tmp"))
    try:
        yield top
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture
def running() -> Iterator[list[Nginx]]:
    started: list[Nginx] = []
    try:
        yield started
    finally:
        for server in started:
            server.stop()


def get(port: int, headers: dict[str, str] | None = None) -> requests.Response:
    with requests.Session() as session:
        session.trust_env = False
        return session.get(f"http://127.0.0.1:{port}/__probe__", timeout=30,
                           headers={"Host": HOST, **(headers or {})})


def waitress_behind_nginx(workdir: Path, running: list[Nginx],
                          env: dict[str, str]) -> Iterator[tuple[WsgiServer, int]]:
    """waitress (default settings, ``env`` added) serving a site installed ``--no-token``,
    and the port of an nginx in front of it."""
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    package = workdir / "app" / "mysite"
    package.mkdir(parents=True)
    (package / "__init__.py").write_bytes(b"")
    (package / "wsgi.py").write_bytes(APP)
    done = probe_cli("endpoint", "--install", str(package / "wsgi.py"), "--label", "blog",
                     "--no-token")
    assert done.returncode == 0, done.stderr
    port = free_port()
    try:
        server = _start("waitress", [str(venv / "bin" / "waitress-serve"),
                                     f"--listen=127.0.0.1:{port}", "mysite.wsgi:application"],
                        cwd=workdir / "app", port=port, log_path=workdir / "waitress.log",
                        env=env)
    except ApacheError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        front = free_port()
        start_kept(NGINX_HTTP.format(port=front, backend=port), front, running, workdir)
        yield server, front
    finally:
        server.stop()


@pytest.fixture
def closed(workdir: Path, running: list[Nginx]) -> Iterator[tuple[WsgiServer, int]]:
    yield from waitress_behind_nginx(workdir, running, {})


@pytest.fixture
def opted_in(workdir: Path, running: list[Nginx]) -> Iterator[tuple[WsgiServer, int]]:
    yield from waitress_behind_nginx(workdir, running, {"WSGI_PROBE_DIRECT_ONLY": "1"})


def test_without_a_token_waitress_answers_nobody_through_nginx_or_directly(
        closed: tuple[WsgiServer, int]) -> None:
    waitress, front = closed
    assert not is_endpoint(get(front))
    assert not is_endpoint(get(front, {"X-Forwarded-For": "203.0.113.7"}))
    assert not is_endpoint(get(waitress.port, {"X-Forwarded-For": "203.0.113.7"}))
    assert not is_endpoint(get(waitress.port, {"Forwarded": "for=203.0.113.7"}))
    assert not is_endpoint(get(waitress.port))
    said = [line for line in waitress.log().splitlines() if line.startswith("wsgi_endpoint:")]
    assert len(said) == 1 and said[0].startswith(BLIND), waitress.log()
    assert "Configure a token" in said[0] and "WSGI_PROBE_DIRECT_ONLY=1" in said[0]


def test_direct_only_answers_loopback_and_whatever_forwards_to_it(
        opted_in: tuple[WsgiServer, int]) -> None:
    waitress, front = opted_in
    assert is_endpoint(get(waitress.port))
    assert not is_endpoint(get(waitress.port, {"X-Real-IP": "203.0.113.7"}))  # passed on
    # The limit of the opt-in: waitress took nginx's X-Forwarded-* away, as before.
    assert is_endpoint(get(front))
    assert not [line for line in waitress.log().splitlines()
                if line.startswith("wsgi_endpoint:")], waitress.log()
