"""Lint's nginx_duplicate_server_name fix APPLIED to a real nginx (tester T34's c-include:
blog-old.conf and blog.conf both ``server_name blog.example.test``; the edit "remove the name"
applied literally left ``server_name ;``, which ``nginx -t`` refused). Each of the two edits
the fix prints is written into the file as printed; ``nginx -t`` accepts it and, reloaded,
the block whose name stayed answers blog.example.test. Each block tells itself by its
``return`` code. Two cases of nginx -t and a reload: a few seconds."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from probe.lint import lint_nginx

from .apache import ApacheUnavailable, free_port
from .conftest import unavailable
from .nginx import NGINX, Nginx, start_nginx

SITE = "server {{\n    listen 127.0.0.1:{port};\n    server_name {name};\n    return {code};\n}}\n"
EDITS = re.compile(r"write '(server_name [^']*;)' in place of the server_name at (\S+):(\d+)"
                   r"|remove \S+ from the server_name at (\S+):(\d+) \(leaving '([^']*)'\)")


@pytest.fixture
def running() -> Iterator[list[Nginx]]:
    started: list[Nginx] = []
    yield started
    for server in started:
        server.stop()


def _edits(fix: str) -> list[tuple[Path, int, str]]:
    return [(Path(m.group(2)), int(m.group(3)), m.group(1)) if m.group(1) else
            (Path(m.group(4)), int(m.group(5)), m.group(6)) for m in EDITS.finditer(fix)]


@pytest.mark.parametrize(("edit", "answers"), [(0, 201), (1, 202)])
def test_either_printed_edit_passes_nginx_t_and_leaves_the_name_to_the_other_block(
        tmp_path: Path, running: list[Nginx], edit: int, answers: int) -> None:
    port = free_port()
    workdir = tmp_path / "nginx"
    files = {"sites-enabled/blog-old.conf": SITE.format(port=port, name="blog.example.test",
                                                        code=201),
             "sites-enabled/blog.conf": SITE.format(port=port, name="blog.example.test",
                                                    code=202),
             "sites-enabled/shop.conf": SITE.format(port=port, name="shop.example.test",
                                                    code=203)}
    try:
        server = start_nginx(f"    include {workdir}/sites-enabled/*;", [port],
                             workdir=workdir, files=files)
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    running.append(server)
    blog = {"Host": "blog.example.test"}
    assert requests.get(f"http://127.0.0.1:{port}/", headers=blog, timeout=10).status_code \
        == 201  # blog-old.conf sorts first
    fix = next(f.fix for f in lint_nginx(str(server.conf)).findings
               if f.code == "nginx_duplicate_server_name")
    edits = _edits(fix or "")
    assert len(edits) == 2, fix  # this block's line, or the first block's
    path, line, written = edits[edit]
    lines = path.read_text().splitlines()
    lines[line - 1] = "    " + written
    path.write_text("\n".join(lines) + "\n")
    checked = subprocess.run([NGINX, "-t", "-p", str(server.prefix), "-c", str(server.conf),
                              "-g", f"pid {server.prefix}/nginx.pid;"],
                             capture_output=True, text=True, timeout=30, check=False)
    assert checked.returncode == 0, checked.stderr
    assert "conflicting server name" not in checked.stderr, checked.stderr
    server.reload()
    assert requests.get(f"http://127.0.0.1:{port}/", headers=blog, timeout=10).status_code \
        == answers
    assert requests.get(f"http://127.0.0.1:{port}/", headers={"Host": "shop.example.test"},
                        timeout=10).status_code == 203


PASSING = ("server {{\n    listen 127.0.0.1:{port};\n    server_name {name};\n"
           "    location / {{ proxy_pass http://127.0.0.1:{backend}; }}\n}}\n")
REMOVE = re.compile(r"remove the server block whose server_name is at (\S+):(\d+) ")
REFUSING = re.compile(r"add a block that refuses unknown names: (server \{[^}]*\})")


def test_with_a_refusing_block_to_come_the_only_name_removes_the_block(
        tmp_path: Path, running: list[Nginx]) -> None:
    """Re-tester R34's c-include: blocks that pass requests on, so lint also adds a refusing
    default server, which has the empty name (no server_name line); the old 'server_name "";'
    in blog-old.conf beside it made nginx -t warn 'conflicting server name "" on ...,
    ignored'. The fix now removes the block: both printed fixes applied, nginx -t is silent."""
    port, backends = free_port(), [free_port() for _ in range(3)]
    workdir = tmp_path / "nginx"
    files = {f"sites-enabled/{name}.conf": PASSING.format(port=port, name=host, backend=back)
             for name, host, back in (("blog-old", "blog.example.test", backends[0]),
                                      ("blog", "blog.example.test", backends[1]),
                                      ("shop", "shop.example.test", backends[2]))}
    # each backend tells itself by its status
    answering = "\n".join(f"    server {{ listen 127.0.0.1:{b}; return {201 + n}; }}"
                          for n, b in enumerate(backends))
    try:
        server = start_nginx(f"    include {workdir}/sites-enabled/*;\n{answering}",
                             [port, *backends], workdir=workdir, files=files)
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    running.append(server)
    findings = {f.code: f.fix or "" for f in lint_nginx(str(server.conf)).findings}
    old = workdir / "sites-enabled" / "blog-old.conf"
    removal = [m for m in REMOVE.finditer(findings["nginx_duplicate_server_name"])
               if Path(m.group(1)) == old]
    assert removal and "write 'server_name \"\";'" not in findings[
        "nginx_duplicate_server_name"], findings
    refusing = REFUSING.search(findings["nginx_no_refusing_default"])
    assert refusing is not None, findings
    (workdir / "sites-enabled" / "000-refuse.conf").write_text(refusing.group(1) + "\n")

    def checked() -> str:
        done = subprocess.run([NGINX, "-t", "-p", str(server.prefix), "-c", str(server.conf),
                               "-g", f"pid {server.prefix}/nginx.pid;"],
                              capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 0, done.stderr
        return done.stderr

    # the former fix beside the refusing block: the warning the tool did not predict
    text = old.read_text()
    old.write_text(text.replace("server_name blog.example.test;", 'server_name "";'))
    assert 'conflicting server name ""' in checked()
    old.unlink()  # the printed fix: that block removed (its file held only it)
    assert "conflicting server name" not in checked()
    server.reload()

    def get(host: str) -> requests.Response:
        return requests.get(f"http://127.0.0.1:{port}/", headers={"Host": host}, timeout=10)

    assert get("blog.example.test").status_code == 202
    assert get("shop.example.test").status_code == 203
    with pytest.raises(requests.ConnectionError):
        get("unknown.invalid")  # return 444 closes the connection
