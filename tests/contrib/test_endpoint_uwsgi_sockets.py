"""server.listen and server.listens under uWSGI with several sockets (T34 e-split: uWSGI
2.0.31 with ``--http-socket 127.0.0.1:18402 --http-socket run/blog.sock`` said
``unix:.../blog.sock`` for requests nginx sent to 127.0.0.1:18402).

What uWSGI 2.0.31 gives, read on the real server (tests/integration/test_uwsgi_two_sockets.py
runs it): ``uwsgi.opt`` is a dict holding one value of an option given twice, the last
(``{"http-socket": b"run/blog.sock"}``); ``uwsgi.sockets`` is the list of its listening
descriptors in the order given; ``uwsgi.connection_fd()`` the request's connection. Here
those are real loopback sockets of this test, in a stand-in module.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.contrib.test_wsgi_endpoint import Inner, call, environ_for, load_endpoint

TOKEN = "uwsgi-sockets-token-0123456789"
UNDER_UWSGI = {"uwsgi.version": b"2.0.31"}


class Sockets:
    """A TCP and a unix listening socket, and one connection accepted on each."""

    def __init__(self, tmp_path: Path) -> None:
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.path = str(tmp_path / "blog.sock")
        self.unix = socket.socket(socket.AF_UNIX)
        self.unix.bind(self.path)
        self.unix.listen()
        self.port = self.tcp.getsockname()[1]
        self.clients = [socket.create_connection(("127.0.0.1", self.port))]
        self.on_tcp, _ = self.tcp.accept()
        client = socket.socket(socket.AF_UNIX)
        client.connect(self.path)
        self.clients.append(client)
        self.on_unix, _ = self.unix.accept()

    def close(self) -> None:
        for each in (self.tcp, self.unix, self.on_tcp, self.on_unix, *self.clients):
            each.close()


@pytest.fixture
def sockets(tmp_path: Path) -> Iterator[Sockets]:
    found = Sockets(tmp_path)
    yield found
    found.close()


def uwsgi_module(sockets: Sockets, connection: int | None) -> ModuleType:
    module = ModuleType("uwsgi")
    module.version = b"2.0.31"  # type: ignore[attr-defined]
    module.worker_id = lambda: 1  # type: ignore[attr-defined]
    module.opt = {"master": True, "http-socket": sockets.path.encode()}  # type: ignore[attr-defined]
    module.sockets = [sockets.tcp.fileno(), sockets.unix.fileno()]  # type: ignore[attr-defined]
    module.connection_fd = lambda: connection  # type: ignore[attr-defined]
    return module


def server(module: ModuleType, monkeypatch: pytest.MonkeyPatch, **cgi: Any) -> dict[str, Any]:
    monkeypatch.setitem(sys.modules, "uwsgi", module)
    environ = environ_for(HTTP_X_PROBE_TOKEN=TOKEN, extra=dict(UNDER_UWSGI), **cgi)
    response = call(load_endpoint("wsgi_endpoint_uwsgi_sockets").wrap(Inner(), token=TOKEN),
                    environ)
    assert response.status == "200 OK", response.body
    found: dict[str, Any] = json.loads(response.body)["server"]
    return found


def test_every_socket_is_listed_and_listen_is_the_requests_own(
        sockets: Sockets, monkeypatch: pytest.MonkeyPatch) -> None:
    every = [f"127.0.0.1:{sockets.port}", f"unix:{sockets.path}"]
    tcp = server(uwsgi_module(sockets, sockets.on_tcp.fileno()), monkeypatch,
                 SERVER_PORT=str(sockets.port))
    assert tcp["listens"] == every and tcp["listen"] == f"127.0.0.1:{sockets.port}"
    unix = server(uwsgi_module(sockets, sockets.on_unix.fileno()), monkeypatch,
                  SERVER_PORT="80")
    assert unix["listens"] == every and unix["listen"] == f"unix:{sockets.path}"
    # the descriptors uWSGI owns are read on copies: still open, still listening
    for each in (sockets.tcp, sockets.unix, sockets.on_tcp, sockets.on_unix):
        os.fstat(each.fileno())
    assert sockets.tcp.getsockname()[1] == sockets.port


def test_without_the_connection_server_port_tells_an_http_socket(
        sockets: Sockets, monkeypatch: pytest.MonkeyPatch) -> None:
    # uWSGI's --http-socket sets SERVER_PORT from its socket's port (80 on a unix one)
    found = server(uwsgi_module(sockets, None), monkeypatch, SERVER_PORT=str(sockets.port))
    assert found["listen"] == f"127.0.0.1:{sockets.port}"
    # on a port no TCP socket has, several sockets and nothing to tell: null, never the
    # option uwsgi.opt kept (the last given)
    assert server(uwsgi_module(sockets, None), monkeypatch, SERVER_PORT="80")["listen"] is None
    module = uwsgi_module(sockets, None)
    module.opt["socket"] = b"127.0.0.1:1"
    # a uwsgi-protocol socket's SERVER_PORT is the front's: not read
    assert server(module, monkeypatch, SERVER_PORT=str(sockets.port))["listen"] is None


def test_one_socket_is_listen_and_the_router_keeps_its_address(
        sockets: Sockets, monkeypatch: pytest.MonkeyPatch) -> None:
    module = uwsgi_module(sockets, None)
    module.sockets = [sockets.tcp.fileno()]  # type: ignore[attr-defined]
    module.opt = {"socket": f"127.0.0.1:{sockets.port}".encode()}  # type: ignore[attr-defined]
    assert server(module, monkeypatch)["listen"] == f"127.0.0.1:{sockets.port}"
    # --http :9090 alone: the workers' socket is uWSGI's own, the router's is the address
    module.opt = {"http": b":9090"}  # type: ignore[attr-defined]
    found = server(module, monkeypatch)
    assert found["listen"] == ":9090"
    assert found["listens"] == [f"127.0.0.1:{sockets.port}", ":9090"]


def test_what_is_not_a_socket_never_breaks_the_answer(
        sockets: Sockets, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = (tmp_path / "file").open("w")
    module = uwsgi_module(sockets, plain.fileno())
    module.sockets = [plain.fileno(), -1, "3", 10**6]  # type: ignore[attr-defined]
    found = server(module, monkeypatch)
    assert found["listens"] == [] and found["listen"] == f"unix:{sockets.path}"
    plain.write("still open")  # the copy was closed, not the file
    plain.close()
    module.sockets = "not a list"  # type: ignore[attr-defined]
    assert server(module, monkeypatch)["listens"] == []
    del module.worker_id  # a module of that name that is not uWSGI's: null
    assert server(module, monkeypatch)["listens"] is None
