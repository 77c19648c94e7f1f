"""A name taken out of a ``server_name`` line must leave a line nginx takes (tester T34's
c-include: "Remove blog.example.test from the server_name at blog-old.conf:3" applied
literally left ``server_name ;``, and ``nginx -t`` said "invalid number of arguments").
The fix, applied as printed to the configuration, is parsed with crossplane, the parser the
model reads it with (its argument check is nginx's: ``server_name`` takes one or more)."""

from __future__ import annotations

import re
from pathlib import Path

import crossplane  # type: ignore[import-untyped]  # crossplane ships no type information

from probe.diagnose import ConfigJoin, diagnose
from probe.lint import lint_nginx
from probe.manifest import parse
from probe.model import Cause
from probe.nginx import load_nginx
from probe.nginx_snippets import name_removed
from tests.nginx.test_route_fixes import _answer

SITE = """server {{
    listen 127.0.0.1:18080;
    server_name {names};
    location / {{
        proxy_set_header Host $host;
        proxy_pass http://127.0.0.1:{port};
    }}
}}
"""
MANIFEST = """
[instances.shop]
label = "shop"
urls = ["http://shop.example.test/"]

[instances.blog]
label = "blog"
urls = ["http://blog.example.test/"]
"""


# a refusing default server named "_": the empty name stays free for a 'server_name "";'
REFUSING = "server { listen 127.0.0.1:18080 default_server; server_name _; return 444; }\n"


def _tree(tmp_path: Path, refusing: bool = True) -> Path:
    enabled = tmp_path / "sites-enabled"
    enabled.mkdir()
    if refusing:
        (enabled / "000-default.conf").write_text(REFUSING)
    for name, names, port in (("blog-old.conf", "blog.example.test", 18401),
                              ("blog.conf", "blog.example.test", 18402),
                              ("shop.conf", "shop.example.test", 18401)):
        (enabled / name).write_text(SITE.format(names=names, port=port))
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"events {{ }}\nhttp {{\n    include {enabled}/*;\n}}\n")
    return conf


def apply_name_edit(fix: str) -> tuple[Path, int, str]:
    """The first server_name edit a fix prints, as (file, line, the line to write)."""
    found = re.search(r"write '(server_name [^']*;)' in place of the server_name at "
                      r"(\S+):(\d+)|remove \S+ from the server_name at (\S+):(\d+) \(leaving "
                      r"'(server_name [^']*;)'\)", fix, re.IGNORECASE)
    assert found is not None, fix
    if found.group(1):
        return Path(found.group(2)), int(found.group(3)), found.group(1)
    return Path(found.group(4)), int(found.group(5)), found.group(6)


def _errors_after(conf: Path, fix: str) -> list[str]:
    path, line, written = apply_name_edit(fix)
    lines = path.read_text().splitlines()
    lines[line - 1] = "    " + written
    path.write_text("\n".join(lines) + "\n")
    return [e["error"] for e in crossplane.parse(str(conf))["errors"]]


def test_the_only_name_of_a_line_is_replaced_by_the_empty_name(tmp_path: Path) -> None:
    conf = _tree(tmp_path)
    answers = [_answer("http://shop.example.test/", "shop", "shop", "127.0.0.1:18401"),
               _answer("http://blog.example.test/", "blog", "shop", "127.0.0.1:18401")]
    found = next(t for t in diagnose(parse(MANIFEST), answers,
                                     config=ConfigJoin(load_nginx(str(conf)))).targets
                 if t.url == "http://blog.example.test/")
    assert found.cause is Cause.VHOST_SHADOWED, found
    old = tmp_path / "sites-enabled" / "blog-old.conf"
    assert f"write 'server_name \"\";' in place of the server_name at {old}:3" in found.fix, \
        found.fix
    assert _errors_after(conf, found.fix or "") == []
    # the edit as T34 applied it: nginx's parser refuses it
    old.write_text(old.read_text().replace('server_name "";', "server_name ;"))
    assert any("invalid number of arguments" in e
               for e in (x["error"] for x in crossplane.parse(str(conf))["errors"]))


def test_lint_names_a_line_that_nginx_takes(tmp_path: Path) -> None:
    conf = _tree(tmp_path)
    finding = next(f for f in lint_nginx(str(conf)).findings
                   if f.code == "nginx_duplicate_server_name")
    assert "server_name \"\";" in (finding.fix or ""), finding.fix
    assert _errors_after(conf, finding.fix or "") == []


def test_beside_a_block_with_the_empty_name_to_come_the_block_is_removed(
        tmp_path: Path) -> None:
    """Re-tester R34's c-include: no refusing block yet, so the fix for unknown names adds one
    (no server_name line: the empty name); 'server_name "";' beside it made nginx -t warn
    'conflicting server name "" on 127.0.0.1:18383, ignored'."""
    conf = _tree(tmp_path, refusing=False)
    old = tmp_path / "sites-enabled" / "blog-old.conf"
    finding = next(f for f in lint_nginx(str(conf)).findings
                   if f.code == "nginx_duplicate_server_name")
    fix = finding.fix or ""
    assert "write 'server_name \"\";'" not in fix, fix
    assert (f"remove the server block whose server_name is at {old}:3 (blog.example.test is "
            f"its only name, so nothing else reaches it; 'server_name \"\";' in its place, or "
            f"no server_name line, would give it the empty name, and so has the default server "
            f"that refuses unknown names, which the fix for them adds on 127.0.0.1:18080") in fix
    answers = [_answer("http://shop.example.test/", "shop", "shop", "127.0.0.1:18401"),
               _answer("http://blog.example.test/", "blog", "shop", "127.0.0.1:18401")]
    found = next(t for t in diagnose(parse(MANIFEST), answers,
                                     config=ConfigJoin(load_nginx(str(conf)))).targets
                 if t.url == "http://blog.example.test/")
    assert f"remove the server block whose server_name is at {old}:3" in found.fix, found.fix
    assert "write 'server_name \"\";'" not in found.fix, found.fix


def test_a_line_with_other_names_keeps_them() -> None:
    assert name_removed("dup.test", "f:3", ["alpha.test", "dup.test"]) == (
        "remove dup.test from the server_name at f:3 (leaving 'server_name alpha.test;')")


REFUSE = MANIFEST + """
[refuse]
urls = ["http://unknown.invalid/"]
"""


def test_a_url_to_refuse_named_alone_on_its_line_keeps_a_line_nginx_takes(
        tmp_path: Path) -> None:
    """The [refuse] URL's host is the only name of old.conf's server_name: the fix once
    read "Remove unknown.invalid from the server_name that claims it", which leaves
    ``server_name ;``."""
    conf = _tree(tmp_path)
    old = tmp_path / "sites-enabled" / "blog-old.conf"
    old.write_text(SITE.format(names="unknown.invalid", port=18401))
    answers = [_answer("http://shop.example.test/", "shop", "shop", "127.0.0.1:18401"),
               _answer("http://blog.example.test/", "blog", "blog", "127.0.0.1:18402"),
               _answer("http://unknown.invalid/", None, "shop", "127.0.0.1:18401")]  # type: ignore[arg-type]  # a [refuse] URL expects no instance
    found = next(t for t in diagnose(parse(REFUSE), answers,
                                     config=ConfigJoin(load_nginx(str(conf)))).targets
                 if t.url == "http://unknown.invalid/")
    assert found.fix is not None and "server_name ;" not in found.fix, found.fix
    assert found.fix.startswith(f"Write 'server_name \"\";' in place of the server_name at "
                                f"{old}:3"), found.fix
    assert _errors_after(conf, found.fix) == []


def test_the_duplicate_hint_says_what_an_only_name_leaves() -> None:
    """Without the configuration no line is known: the hint says what to write where the
    name is the line's only one."""
    from probe.diagnose.nginx_unread import duplicate_hint

    hint = duplicate_hint("blog.example.test")
    assert "write 'server_name \"\";' in place of the line" in hint, hint
