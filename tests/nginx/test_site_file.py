"""A site file read alone (``server`` and ``upstream`` blocks at its top, as in
``sites-available/`` or ``conf.d/``): read as the body of an http block, its relative includes
resolved from nginx's prefix directory, and an include that cannot be read a note, with the
header rules silent wherever that include's ``proxy_set_header`` may apply."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from probe.cli import main
from probe.discover import discover_nginx
from probe.lint import lint_nginx
from probe.nginx import load_nginx

SITE = """upstream shop { server 127.0.0.1:8101; }
server {
    listen 127.0.0.1:18090;
    server_name shop.example.org;
    location / {
        include shop-headers.conf;
        proxy_pass http://shop;
    }
}
"""


def _tree(tmp_path: Path) -> Path:
    """/etc/nginx as Debian lays it out: nginx.conf, the include beside it, the site in
    sites-enabled/."""
    (tmp_path / "nginx.conf").write_text("events {}\nhttp { include sites-enabled/*; }\n")
    (tmp_path / "shop-headers.conf").write_text("proxy_set_header Host $host;\n")
    (tmp_path / "sites-enabled").mkdir()
    site = tmp_path / "sites-enabled" / "shop"
    site.write_text(SITE)
    return site


def test_site_file_is_read_as_the_body_of_http(tmp_path: Path) -> None:
    site = _tree(tmp_path)
    config = load_nginx(str(site))
    assert config.model.text.fragment
    assert [s.where for s in config.model.servers] == [f"{site}:2"]
    assert list(config.model.upstreams) == ["shop"]
    # the include is read from the prefix directory (where nginx.conf is), not sites-enabled/
    assert config.files == (str(site), str(tmp_path / "shop-headers.conf"))
    assert config.model.text.unread == ()
    result = lint_nginx(str(site))
    # the note on a proxy_pass naming no proxy header (tests/lint/test_client_unseen.py) only
    assert [f.code for f in result.findings] == ["nginx_client_not_forwarded"]
    assert result.exit_status == 0
    found = discover_nginx(str(site))
    assert [(i.name, [u.url for u in i.urls]) for i in found.instances] == [
        ("shop", ["http://shop.example.org:18090/"])]


def test_site_file_without_its_tree_reads_includes_from_its_directory(tmp_path: Path) -> None:
    site = tmp_path / "shop.conf"
    site.write_text(SITE)
    (tmp_path / "shop-headers.conf").write_text("proxy_set_header Host $host;\n")
    assert [f.code for f in lint_nginx(str(site)).findings] == ["nginx_client_not_forwarded"]


def test_unread_include_is_a_note_and_silences_the_header_rules(tmp_path: Path) -> None:
    site = tmp_path / "shop.conf"
    site.write_text(SITE.replace("    location / {", """    location /known/ {
        proxy_set_header X-Real-IP $remote_addr;
        proxy_pass http://127.0.0.1:8102/;
    }
    location /blog/ {
        include shop-headers.conf;
        proxy_pass http://127.0.0.1:8103/;
    }
    location / {"""))
    result = lint_nginx(str(site))
    # /blog/ strips its prefix too, but the unread include may tell the application its mount
    assert [(f.code, f.line) for f in result.findings] == [
        ("nginx_host_not_forwarded", 7), ("nginx_mount_not_told", 7),
        ("nginx_include_unread", 10), ("nginx_include_unread", 14)]
    note = result.findings[2]
    assert note.severity.value == "note" and "read alone" in note.message
    assert str(tmp_path / "shop-headers.conf") in note.message
    for word in ("VirtualHost", "ServerName", "WSGIDaemonProcess", "Apache"):
        assert word not in note.message + (note.fix or "")
    # location / holds the unread include: what Host it sends is not known here
    route = load_nginx(str(site)).route("http://shop.example.org/", "127.0.0.1:18090")
    host = route.step("host")
    assert host is not None and host.decision == "(not known)" and route.host_sent is None
    assert host.source is not None and host.source.line == 14


def test_headers_inherited_from_a_level_holding_an_unread_include(tmp_path: Path) -> None:
    site = tmp_path / "shop.conf"
    site.write_text("""include shared/headers.conf;
server {
    listen 18091;
    server_name a.example.org;
    location / { proxy_pass http://127.0.0.1:8103; }
    location /own/ { proxy_set_header X-Real-IP $remote_addr; proxy_pass http://127.0.0.1:8104; }
}
""")
    result = lint_nginx(str(site))
    # location / inherits from the top level, which holds the unread include; /own/ replaces
    # whatever it sets with lines of its own, none of them Host
    assert [(f.code, f.line) for f in result.findings] == [
        ("nginx_include_unread", 1), ("nginx_host_not_forwarded", 6)]
    assert result.exit_status == 1


def test_cli_lints_a_site_file_whose_include_is_missing(tmp_path: Path) -> None:
    site = tmp_path / "shop.conf"
    site.write_text(SITE)
    result = CliRunner().invoke(main, ["lint", str(site)])
    assert result.exit_code == 0, result.output
    assert "nginx_include_unread" in result.output
    discovered = CliRunner().invoke(main, ["discover", str(site)])
    assert discovered.exit_code == 0 and "[instances.shop]" in discovered.output


TWO_SITES = """server {
    listen 127.0.0.1:18091;
    server_name a.example.org;
    INCLUDE
    location / { proxy_pass http://127.0.0.1:8104; }
}
server {
    listen 127.0.0.1:18091;
    server_name b.example.org;
    location / { proxy_pass http://127.0.0.1:8105; }
}
"""


def test_an_unread_include_in_a_server_block_silences_the_default_server_rule(
        tmp_path: Path) -> None:
    """The include may hold `listen ... default_server` or a `return`: which block answers
    unknown names is not known, so nothing is said of it."""
    site = tmp_path / "two.conf"
    site.write_text(TWO_SITES.replace("INCLUDE", ""))
    assert "nginx_no_refusing_default" in [f.code for f in lint_nginx(str(site)).findings]
    site.write_text(TWO_SITES.replace("INCLUDE", "include defaults.conf;"))
    codes = [f.code for f in lint_nginx(str(site)).findings]
    assert "nginx_no_refusing_default" not in codes and "nginx_include_unread" in codes


NAMED_BY_INCLUDE = """server { listen 127.0.0.1:18091; server_name site.test;
    location / { proxy_pass http://127.0.0.1:8104; proxy_set_header Host $host; } }
server { listen 127.0.0.1:18091;
    include snippets/blog-name.conf;
    location / { proxy_pass http://127.0.0.1:8104; proxy_set_header Host $host; } }
server { server_name dup.test;
    location / { proxy_pass http://127.0.0.1:8105; proxy_set_header Host $host; } }
server { include snippets/listen.conf; server_name dup.test;
    location / { proxy_pass http://127.0.0.1:8105; proxy_set_header Host $host; } }
"""


def test_a_route_an_unread_include_may_change_is_undecided(tmp_path: Path) -> None:
    """The include may hold `server_name blog.test;` (it does, in the tree a tester's nginx
    ran: blog.test went to the second block): "no server_name matches" is not known. An
    exact name claimed before any block with an unread include stays decided."""
    site = tmp_path / "site"
    site.write_text(NAMED_BY_INCLUDE)
    config = load_nginx(str(site))
    route = config.route("http://blog.test/", "127.0.0.1:18091")
    assert route.undecided is not None and f"{site}:4 was not read" in route.undecided
    assert "include snippets/blog-name.conf" in route.undecided
    assert config.route("http://site.test/", "127.0.0.1:18091").undecided is None
    # read with its include, the route is decided
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "blog-name.conf").write_text("server_name blog.test;\n")
    (tmp_path / "snippets" / "listen.conf").write_text("listen 127.0.0.1:18092;\n")
    route = load_nginx(str(site)).route("http://blog.test/", "127.0.0.1:18091")
    assert route.undecided is None and route.step("site") is not None


def test_a_location_holding_an_unread_include_leaves_its_route_undecided(
        tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.write_text("""server { listen 127.0.0.1:18091; server_name a.test;
    location / { include snippets/locations.conf; proxy_pass http://127.0.0.1:8104; } }
""")
    route = load_nginx(str(site)).route("http://a.test/x", "127.0.0.1:18091")
    assert route.undecided is not None and f"{site}:2 was not read" in route.undecided


def test_the_sweep_does_not_blame_a_line_an_unread_include_may_change(tmp_path: Path) -> None:
    from probe.diagnose import ConfigJoin, diagnose
    from probe.manifest import parse
    from tests.nginx.test_fix_words import _obs

    site = tmp_path / "site"
    site.write_text(NAMED_BY_INCLUDE)
    manifest = parse('[instances.blog]\nlabel = "blog"\nurls = ["http://blog.test/"]\n')
    wrong = _obs("http://blog.test/", "blog", "wiki", "127.0.0.1:8104")
    target = diagnose(manifest, [wrong], config=ConfigJoin(load_nginx(str(site)))).targets[0]
    assert target.verdict.value == "wrong_instance" and target.cause is None, target
    assert f"{site}:4 was not read" in target.explanation
    assert "The configuration given says why" not in target.explanation
    # 'wiki' is no instance's label: the manifest's label for blog is a reading too
    # (probe.diagnose.label_unmatched), checked by comparing labels, not by the configuration
    assert {c.cause.value for c in target.candidates} == {"manifest_label", "default_server",
                                                          "wrong_upstream"}
    assert all("whole configuration" in c.check for c in target.candidates
               if c.cause.value != "manifest_label")


def test_lint_says_where_an_unread_include_may_change_a_conclusion(tmp_path: Path) -> None:
    """The second dup.test block's include holds a listen elsewhere (nginx -t: no conflict
    in the tree); read alone, the clash is said with the include it depends on."""
    site = tmp_path / "site"
    site.write_text(NAMED_BY_INCLUDE)
    found = [f for f in lint_nginx(str(site)).findings
             if f.code == "nginx_duplicate_server_name"]
    assert len(found) == 1
    assert found[0].message.endswith(
        f"unless what is not read changes it: include snippets/listen.conf at {site}:8 was "
        f"not read (a site file read alone): it may hold listen, server_name, location or "
        f"return lines that change this"), found[0].message
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "blog-name.conf").write_text("server_name blog.test;\n")
    (tmp_path / "snippets" / "listen.conf").write_text("listen 127.0.0.1:18092;\n")
    # read with its includes: the blocks are on two addresses, no clash
    assert "nginx_duplicate_server_name" not in [f.code for f in lint_nginx(str(site)).findings]


def test_an_unread_include_at_the_top_silences_the_default_server_rule(
        tmp_path: Path) -> None:
    site = tmp_path / "two.conf"
    site.write_text("include shared/servers.conf;\n" + TWO_SITES.replace("INCLUDE", ""))
    codes = [f.code for f in lint_nginx(str(site)).findings]
    assert "nginx_no_refusing_default" not in codes and "nginx_include_unread" in codes
