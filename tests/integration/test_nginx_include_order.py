"""nginx reads the files ``include sites-enabled/*;`` matches in the sorted order of their
names, whatever order they were written in: with no ``default_server``, the block whose file
sorts first answers a name no block claims, and the route predicts it and says why (the
include line, the names in that order: tester t-real19's ``include-order``, zz-catchall after
django-project.com). A real nginx on a loopback port; each block tells itself by its
``return`` code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from probe.nginx import load_nginx

from .apache import ApacheUnavailable, free_port
from .conftest import unavailable
from .nginx import Nginx, start_nginx

SITE = "server {{ listen 127.0.0.1:{port}; server_name {name}; return {code}; }}\n"


@pytest.fixture
def running() -> Iterator[list[Nginx]]:
    started: list[Nginx] = []
    yield started
    for server in started:
        server.stop()


def test_the_file_that_sorts_first_answers_unknown_names(tmp_path: Path,
                                                         running: list[Nginx]) -> None:
    port = free_port()
    workdir = tmp_path / "nginx"
    # written in the opposite order to the sorted one: the directory's order decides nothing
    files = {"sites-enabled/zz-catchall": SITE.format(port=port, name="_", code=203),
             "sites-enabled/shop-project.com": SITE.format(port=port, name="shop-project.com",
                                                           code=202),
             "sites-enabled/django-project.com": SITE.format(
                 port=port, name="django-project.com", code=201)}
    try:
        server = start_nginx(f"    include {workdir}/sites-enabled/*;", [port],
                             workdir=workdir, files=files)
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    running.append(server)
    answer = requests.get(f"http://127.0.0.1:{port}/", headers={"Host": "kalodev.site"},
                          timeout=10)
    assert answer.status_code == 201, answer.status_code  # django-project.com's block
    site = load_nginx(str(server.conf)).route("http://kalodev.site/",
                                              f"127.0.0.1:{port}").step("site")
    first = workdir / "sites-enabled" / "django-project.com"
    assert site is not None and site.decision.startswith(f"server block at {first}:1"), site
    line = next(n for n, text in enumerate(server.conf.read_text().splitlines(), 1)
                if "include" in text)
    assert site.rule.endswith(
        f"the first block listening there answered, first because the include at "
        f"{server.conf}:{line} reads the files it matches in the sorted order of their names "
        f"(django-project.com, shop-project.com, zz-catchall) and this block's file, "
        f"django-project.com, sorts before those of the other blocks listening there"), site
