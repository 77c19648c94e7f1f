"""mod_macro in the reader: each ``Use`` of a ``<Macro>`` read before it is read as the
macro's body with the values put in, at the body's lines and naming the ``Use``; a ``Use``
mod_macro refuses stays in the tree with why (httpd will not start)."""

from __future__ import annotations

from probe.apache.config import Directive, parse_text
from probe.apache.macros import substitute
from probe.apache.site_build import build_site
from probe.lint.rules import run_rules

SITE = """\
<Macro Site $name $root>
<VirtualHost *:80>
    ServerName $name.example
    WSGIScriptAlias / $root/wsgi.py
</VirtualHost>
</Macro>
Use Site a /srv/a
Use Site b /srv/b
"""


def _vhosts(directives: tuple[Directive, ...]) -> list[Directive]:
    return [d for d in directives if d.key == "virtualhost"]


def test_substitution_is_mod_macros() -> None:
    assert substitute("ServerName $name.example", ["$name"], ["a"]) == "ServerName a.example"
    # @ parameters are put in double quotes, with " and \ escaped
    assert substitute("Header set X @v", ["@v"], ['a "b" \\c']) == 'Header set X "a \\"b\\" \\\\c"'
    # the longest name where two start at one place; a value put in is not searched again
    assert substitute("$ab $a", ["$a", "$ab"], ["1", "2"]) == "2 1"
    assert substitute("$a", ["$a"], ["$a$a"]) == "$a$a"


def test_each_use_makes_its_virtualhost_at_the_macros_lines() -> None:
    config = parse_text(SITE, "site.conf")
    a, b = _vhosts(config.directives)
    assert [d.args for d in a.body()] == [("a.example",), ("/", "/srv/a/wsgi.py")]
    assert [d.args for d in b.body()] == [("b.example",), ("/", "/srv/b/wsgi.py")]
    alias = b.body()[1]
    assert (alias.file, alias.line) == ("site.conf", 4)
    assert alias.where == "site.conf:4 (macro Site used at site.conf:8)"
    assert b.where == "site.conf:2 (macro Site used at site.conf:8)"
    assert not any(d.key == "use" for d in config.directives)
    assert not [n for n in config.notes if n.fatal]


def test_a_use_inside_a_virtualhost_adds_to_it() -> None:
    config = parse_text("""\
<Macro Wsgi $mount $script>
    WSGIScriptAlias $mount $script
</Macro>
<VirtualHost *:80>
    ServerName a.example
    Use Wsgi /api /srv/api.wsgi
</VirtualHost>
""", "site.conf")
    [vhost] = _vhosts(config.directives)
    assert [(d.name, d.args, d.line) for d in vhost.body()] == [
        ("ServerName", ("a.example",), 5), ("WSGIScriptAlias", ("/api", "/srv/api.wsgi"), 2)]


def test_a_use_mod_macro_refuses_is_kept_and_said() -> None:
    config = parse_text(SITE + "Use Site c\nUse Nope x\nUndefMacro site\nUse Site d /d\n"
                        "<Macro Loop $x>\nUse Loop $x\n</Macro>\nUse Loop 1\n", "site.conf")
    assert len(_vhosts(config.directives)) == 2
    uses = [(d.line, d.unread) for d in config.directives if d.key == "use"]
    assert uses == [
        (9, "macro 'site' (defined at site.conf:1) used with 1 arguments instead of 2"),
        (10, "macro 'nope' undefined (no <Macro Nope> read before this line)"),
        (12, "macro 'site' undefined (no <Macro Site> read before this line)"),
        (14, "recursive use of macro 'loop' is invalid")]
    assert all(n.fatal and n.message.startswith("httpd will not start: ")
               for n in config.notes)


def test_a_macro_or_use_in_a_section_that_does_not_hold_is_not_read() -> None:
    config = parse_text("<IfDefine NOPE>\n" + SITE + "</IfDefine>\n<IfDefine NOPE>\n"
                        "Use Site c /c\n</IfDefine>\n", "site.conf")
    assert _vhosts(config.directives) == []
    assert config.notes == ()


def test_lint_reports_a_fault_in_a_macro_naming_the_use() -> None:
    config = parse_text(SITE.replace(
        "    WSGIScriptAlias / $root/wsgi.py\n",
        "    WSGIScriptAlias / $root/wsgi.py\n    WSGIScriptAlias /api $root/api.wsgi\n"),
        "site.conf")
    findings = [f for f in run_rules(build_site(config, read_scripts=False))
                if f.code == "alias_order"]
    # one line to change, however many Use lines read it
    assert [(f.file, f.line) for f in findings] == [("site.conf", 5)]
    assert "site.conf:4 (macro Site used at site.conf:8)" in findings[0].message
