"""Slow and idle HTTP clients, as their own process: ``python -m tests.hostile_clients PORT``.

Opens SLOW slowloris connections (a request line, then a header line every half
second, never the blank line that ends the head) and IDLE connections that send
nothing, to 127.0.0.1:PORT; each connection the server answers or closes is opened
again at once, so the pressure stays until stdin is closed. Prints ``ready`` once every
connection was opened the first time, and at the end one JSON line of counts. Its own
process, so that the attacker's work never competes with the scraper's for a GIL.
"""

from __future__ import annotations

import json
import socket
import sys
import threading

SLOW, IDLE = 400, 100


def still_held(sock: socket.socket, slow: bool) -> bool:
    """False once the server answered (408) or closed the connection; drips a header line."""
    try:
        sock.setblocking(False)
        sock.recv(1, socket.MSG_PEEK)  # data (an answer) or b"" (closed)
        return False
    except BlockingIOError:
        pass
    except OSError:
        return False
    try:
        sock.setblocking(True)
        if slow:
            sock.sendall(b"X-a: b\r\n")
    except OSError:
        return False
    return True


class Attack:
    def __init__(self, port: int) -> None:
        self.port = port
        self.opened = self.cut = self.refused = 0
        self.socks: list[tuple[socket.socket, bool]] = []

    def open(self, slow: bool) -> tuple[socket.socket, bool] | None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            if slow:
                sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        except OSError:
            self.refused += 1
            return None
        self.opened += 1
        return sock, slow

    def run(self, stop: threading.Event) -> None:
        for slow in [True] * SLOW + [False] * IDLE:
            held = self.open(slow)
            if held:
                self.socks.append(held)
        print("ready", flush=True)
        while not stop.wait(0.5):
            for i, (sock, slow) in enumerate(list(self.socks)):
                if still_held(sock, slow):
                    continue
                sock.close()
                self.cut += 1
                held = self.open(slow)
                if held:
                    self.socks[i] = held
        for sock, _ in self.socks:
            sock.close()


def main() -> None:
    attack = Attack(int(sys.argv[1]))
    stop = threading.Event()
    thread = threading.Thread(target=attack.run, args=(stop,))
    thread.start()
    sys.stdin.read()  # until the test closes it
    stop.set()
    thread.join()
    print(json.dumps({"opened": attack.opened, "reopened": attack.cut,
                      "refused_at_connect": attack.refused}), flush=True)


if __name__ == "__main__":
    main()
