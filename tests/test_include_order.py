"""The first VirtualHost of an address where a wildcard Include decides it (a tester's
puppet sites-enabled/05-shop.conf sorted before 15-default.conf): the catch-all's words name
the Include line and the order of the file names, and the catch-all is written with the
``${VAR}`` the configuration writes its address with (``*:${PORT}``), not the value."""

from __future__ import annotations

from pathlib import Path

from probe.apache.config import parse_paths
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site

MAIN = """\
Define PORT 8080
Listen ${PORT}
IncludeOptional @DIR@/sites-enabled/*.conf
"""
SITE = """\
<VirtualHost *:${PORT}>
    ServerName @NAME@
    WSGIScriptAlias / /srv/@NAME@/wsgi.py
</VirtualHost>
"""


def _routes(tmp_path: Path, files: dict[str, str]) -> tuple[ApacheRoutes, Path]:
    main = tmp_path / "apache2.conf"
    main.write_text(MAIN.replace("@DIR@", str(tmp_path)), encoding="utf-8")
    (tmp_path / "sites-enabled").mkdir()
    for name, server in files.items():
        (tmp_path / "sites-enabled" / name).write_text(SITE.replace("@NAME@", server),
                                                       encoding="utf-8")
    return ApacheRoutes(build_site(parse_paths([main]), read_scripts=False)), main


def test_the_first_site_by_file_name_is_said_with_the_include_and_the_order(
        tmp_path: Path) -> None:
    routes, main = _routes(tmp_path, {"15-default.conf": "default.example.com",
                                      "05-shop.conf": "shop.example.com"})
    route = routes.route("http://unknown.invalid/__probe__", "127.0.0.1:8080")
    why = routes.refuse_why(route)
    shop = tmp_path / "sites-enabled" / "05-shop.conf"
    assert (f"<VirtualHost *:8080> (shop.example.com) at {shop}:1 is the first for this address "
            f"because the Include at {main}:3 reads the files it matches in the sorted order "
            f"of their names (05-shop.conf, 15-default.conf), and 05-shop.conf sorts before "
            f"the files of the other VirtualHosts of this address; the catch-all may also go "
            f"in a file of its own that sorts first, such as "
            f"{tmp_path}/sites-enabled/00-catch-all.conf") in why, why


def test_the_catch_all_keeps_the_variable_the_address_is_written_with(
        tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {"15-default.conf": "default.example.com",
                                   "05-shop.conf": "shop.example.com"})
    block = routes.refuse_block(routes.route("http://unknown.invalid/__probe__",
                                             "127.0.0.1:8080"))
    assert block is not None and block.startswith("<VirtualHost *:${PORT}>\n"), block


def test_one_file_says_nothing_of_order(tmp_path: Path) -> None:
    routes, _ = _routes(tmp_path, {"05-shop.conf": "shop.example.com"})
    route = routes.route("http://unknown.invalid/__probe__", "127.0.0.1:8080")
    assert "sorted order" not in routes.refuse_why(route)
