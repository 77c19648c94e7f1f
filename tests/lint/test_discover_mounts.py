"""``probe discover`` lists every mount kind the model knows with the URL a person would
type: WSGIScriptAliasMatch by a literal URL its pattern matches, ScriptAlias + AddHandler,
a server-scope Alias + SetHandler in every VirtualHost, handler URLs without a slash."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.discover import discover_paths
from probe.discover.apache import match_url
from probe.manifest import parse


@pytest.mark.parametrize("regex, url", [
    ("^/manager(/.*)?$", "/manager"),
    ("^/auth(/([^~].*)?)$", "/auth/"),  # needs the slash after the literal part
    ("^/$", "/"),
    ("^/trac/([^/]+)", None),  # a name must follow: no literal URL matches
    ("^/[0-9]+/log$", None),
    ("/api", None),  # unanchored: where it matches is not a URL to type
    ("^/bad(", None),  # not a regular expression Python reads
])
def test_match_url(regex: str, url: str | None) -> None:
    assert match_url(regex) == url


def urls(tmp_path: Path, config: str) -> list[str]:
    (tmp_path / "app").mkdir(exist_ok=True)
    for name in ("app.wsgi", "run.wsgi"):
        (tmp_path / "app" / name).write_text("def application(e, s):\n    return []\n")
    conf = tmp_path / "site.conf"
    conf.write_text(config.replace("@ROOT@", str(tmp_path)))
    text = discover_paths([conf])
    return sorted(u for i in parse(text).instances.values() for u in i.urls)


def test_scriptalias_with_addhandler_is_a_mount(tmp_path: Path) -> None:
    config = """\
<VirtualHost *:80>
    ServerName tools.example.com
    ScriptAlias /run @ROOT@/app/run.wsgi
    <Directory @ROOT@/app>
        AddHandler wsgi-script .wsgi
    </Directory>
</VirtualHost>
"""
    assert urls(tmp_path, config) == ["http://tools.example.com/run"]


def test_server_scope_alias_handler_reaches_a_virtualhost_with_a_root_alias(
        tmp_path: Path) -> None:
    config = """\
<VirtualHost *:80>
    ServerName id.example.com
    WSGIScriptAlias / @ROOT@/app/app.wsgi
</VirtualHost>
Alias /identity @ROOT@/app/run.wsgi
<Location /identity>
    SetHandler wsgi-script
</Location>
"""
    assert urls(tmp_path, config) == ["http://id.example.com/",
                                      "http://id.example.com/identity"]


def test_a_literal_regex_mount_is_listed(tmp_path: Path) -> None:
    config = ("<VirtualHost *:80>\n    ServerName r.example.com\n"
              "    WSGIScriptAliasMatch ^/stats$ @ROOT@/app/app.wsgi\n</VirtualHost>\n")
    assert urls(tmp_path, config) == ["http://r.example.com/stats"]
