"""Lint's map and regular expression rules on tester T34's real configurations (re-tester
R34 item 7: lint said "clean" for each), and the configurations beside them that must give
no finding."""

from __future__ import annotations

from pathlib import Path

from probe.lint import lint_nginx
from probe.lint.findings import ConfigFinding

CORPUS = Path(__file__).parents[1] / "lint" / "corpus"


def _found(tmp_path: Path, entry: str, *edits: tuple[str, str]) -> list[ConfigFinding]:
    text = (CORPUS / f"nginx-t34-{entry}.conf").read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    # nginx_client_not_forwarded: a note on every proxy_pass here (tests/lint/test_client_unseen)
    return [f for f in lint_nginx(str(conf)).findings
            if f.code not in ("nginx_no_refusing_default", "nginx_client_not_forwarded")]


def test_a_map_value_naming_no_upstream_names_the_near_one(tmp_path: Path) -> None:
    found = _found(tmp_path, "map-value")
    assert [(f.code, f.line) for f in found] == [("nginx_map_value_unresolved", 18)], found
    assert "'no resolver defined to resolve blgo_app'" in found[0].message
    assert (found[0].fix or "").startswith(
        "write 'blog.example.test blog_app;' in place of 'blog.example.test blgo_app;': "
        "upstream blog_app ("), found[0].fix


def test_a_map_value_that_resolves_or_is_an_address_is_no_finding(tmp_path: Path) -> None:
    assert _found(tmp_path, "map-value", ("    map $host", "    resolver 127.0.0.53;\n"
                                                         "    map $host")) == []
    assert _found(tmp_path, "map-value", ("blgo_app;", "127.0.0.1:18402;")) == []
    assert _found(tmp_path, "map-value", ("blgo_app;", "blog_app;")) == []


def test_a_map_key_one_edit_from_a_served_name_is_the_likely_typo(tmp_path: Path) -> None:
    found = _found(tmp_path, "map-key")
    assert [(f.code, f.line) for f in found] == [("nginx_map_key_unserved", 18)], found
    assert "one edit from blog.example.test (two neighbouring letters swapped), which " \
           "server_name .example.test at" in found[0].message, found[0].message
    assert found[0].fix == "write the key blog.example.test in place of blog.exmaple.test, " \
                           "its value as it is"


def test_a_map_key_far_from_or_served_by_a_block_is_no_finding(tmp_path: Path) -> None:
    assert _found(tmp_path, "map-key", ("blog.exmaple.test", "blog.other.test")) == []
    # the name served by the block's own server_name: the key is right
    assert _found(tmp_path, "map-key", ("server_name .example.test;",
                                        "server_name .example.test blog.exmaple.test;")) == []


def test_a_regex_server_name_an_earlier_one_takes_is_shadowed(tmp_path: Path) -> None:
    found = _found(tmp_path, "regex-order")
    assert [(f.code, f.line) for f in found] == [("nginx_regex_server_shadowed", 24)], found
    assert "matches www.example.test, and so does the earlier server_name " \
           "~^(?<site>[^.]+)\\.example\\.test$ at" in found[0].message, found[0].message
    assert "write 'server_name ~^(?!www\\d*\\.example\\.test$)(?<site>[^.]+)\\.example\\.test$;'" \
        in (found[0].fix or ""), found[0].fix


def test_the_lookahead_fix_or_the_other_order_is_no_finding(tmp_path: Path) -> None:
    assert _found(tmp_path, "regex-order", (
        "server_name ~^(?<site>", "server_name ~^(?!www\\d*\\.example\\.test$)(?<site>")) == []
    # the later expression on another address: nginx never compares the two
    assert _found(tmp_path, "regex-order", ("listen 127.0.0.1:18382;\n        server_name ~^www",
                                            "listen 127.0.0.1:18392;\n        server_name ~^www"
                                            )) == []


def test_a_regex_location_matching_a_prefix_path_takes_it(tmp_path: Path) -> None:
    found = _found(tmp_path, "regex-location")
    assert [(f.code, f.line) for f in found] == [("nginx_regex_takes_prefix", 24)], found
    assert (found[0].fix or "").startswith(
        "write 'location ^~ /shop-admin/' in place of 'location /shop-admin/' at"), found[0].fix


def test_a_prefix_written_with_its_modifier_or_unmatched_is_no_finding(tmp_path: Path) -> None:
    assert _found(tmp_path, "regex-location",
                  ("location /shop-admin/ {", "location ^~ /shop-admin/ {")) == []
    assert _found(tmp_path, "regex-location",
                  ("location ~ ^/(?<app>shop|blog) {", "location ~ ^/(?<app>shop|blog)/ {")) == []
