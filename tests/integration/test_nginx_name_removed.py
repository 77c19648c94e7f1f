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
