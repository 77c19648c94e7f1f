"""server.listen under waitress: the address its listening socket is bound to, read through
the channel behind ``waitress.client_disconnected`` (waitress 2.0+), not ``*:SERVER_PORT``:
a tester's ``waitress-serve --listen=127.0.0.1:57919`` was reported as ``*:57919``. The real
waitress is in tests/integration/test_wsgi_servers.py; here, what is not loopback-safe to
start (a server bound to every address) and what must never break the answer."""

from __future__ import annotations

import json
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from tests.contrib.test_wsgi_endpoint import Inner, call, environ_for, load_endpoint

TOKEN = "waitress-listen-token-0123456789"


@pytest.fixture
def we() -> ModuleType:
    return load_endpoint("wsgi_endpoint_waitress_listen")


class Channel:
    """waitress's HTTPChannel as far as the endpoint reaches: ``server.socket``."""

    def __init__(self, name: object) -> None:
        self.server = SimpleNamespace(socket=SimpleNamespace(getsockname=lambda: name))

    def check_client_disconnected(self) -> bool:
        return False


def listen(we: ModuleType, **extra: Any) -> object:
    # Under waitress a token-less endpoint answers nobody (test_endpoint_waitress_proxy.py).
    environ = environ_for(SERVER_SOFTWARE="waitress", SERVER_PORT="57919",
                          HTTP_X_PROBE_TOKEN=TOKEN, extra=extra)
    response = call(we.wrap(Inner(), token=TOKEN), environ)
    assert response.status == "200 OK", response.body
    return json.loads(response.body)["server"]["listen"]


@pytest.mark.parametrize(("bound", "said"), [
    (("127.0.0.1", 57919), "127.0.0.1:57919"),
    (("0.0.0.0", 57919), "*:57919"),
    (("::", 57919, 0, 0), "*:57919"),
    (("::1", 57919, 0, 0), "[::1]:57919"),
    ("/run/pyr.sock", "unix:/run/pyr.sock"),
])
def test_the_bound_address_is_said(we: ModuleType, bound: object, said: str) -> None:
    channel = Channel(bound)
    assert listen(we, **{"waitress.client_disconnected":
                         channel.check_client_disconnected}) == said


def test_a_trusted_forwarded_port_does_not_matter_once_the_socket_is_read(
        we: ModuleType) -> None:
    # (a proxied request is answered only with the token: the field is read directly)
    channel = Channel(("127.0.0.1", 57919))
    environ = environ_for(SERVER_SOFTWARE="waitress", SERVER_PORT="443",
                          HTTP_X_FORWARDED_PROTO="https",
                          extra={"waitress.client_disconnected": channel.check_client_disconnected})
    assert we._listen(environ) == "127.0.0.1:57919"


class Hostile:
    @property
    def server(self) -> object:
        raise RuntimeError("not a channel")

    def check_client_disconnected(self) -> bool:
        return False


@pytest.mark.parametrize("callable_", [None, "text", len, Hostile().check_client_disconnected])
def test_no_channel_to_read_falls_back_to_the_port(we: ModuleType, callable_: object) -> None:
    """An older waitress, or anything else under that key: SERVER_PORT as before, the answer
    still made."""
    extra = {} if callable_ is None else {"waitress.client_disconnected": callable_}
    assert listen(we, **extra) == "*:57919"
