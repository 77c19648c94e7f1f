"""``alias_shadows_mount`` against real Apache 2.4 + mod_wsgi: the URLs lint says an Alias
takes from a WSGIScriptAlias get another answer than the application's, and where lint
says nothing the application answers its mount's URL (mod_alias runs before mod_wsgi,
whatever the order of the lines)."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.lint import lint_paths

from .apache import ApacheServer
from .conftest import ApacheFactory

pytestmark = pytest.mark.apache

APP = """\
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"APP " + environ["SCRIPT_NAME"].encode()]
"""
FILES = {"shadow/app.wsgi": APP, "shadow/static/index.html": "ALIAS\n",
         "shadow/static/a.css": "ALIAS\n"}

CONFIG = """\
LoadModule alias_module /usr/lib/apache2/modules/mod_alias.so
Alias /mainonly @SITES@/shadow/static
<VirtualHost *:@PORT@>
    ServerName order.example
    WSGIScriptAlias /app @SITES@/shadow/app.wsgi
    Alias /app @SITES@/shadow/static
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName slash.example
    Alias /app/ @SITES@/shadow/static/
    WSGIScriptAlias /app @SITES@/shadow/app.wsgi
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName script.example
    ScriptAlias /app/ @SITES@/shadow/static/
    WSGIScriptAlias /app @SITES@/shadow/app.wsgi
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName location.example
    <Location /app>
        Alias @SITES@/shadow/static
    </Location>
    WSGIScriptAlias /app @SITES@/shadow/app.wsgi
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName inherited.example
    WSGIScriptAlias /mainonly @SITES@/shadow/app.wsgi
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName index.example
    WSGIScriptAlias / @SITES@/shadow/app.wsgi
    AliasMatch ^/$ @SITES@/shadow/static/index.html
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName below.example
    WSGIScriptAlias / @SITES@/shadow/app.wsgi
    Alias /static @SITES@/shadow/static
    AliasMatch ^/(.*\\.css)$ @SITES@/shadow/static/$1
    Alias /apps @SITES@/shadow/static
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName elsewhere.example
    WSGIScriptAlias /app/api @SITES@/shadow/app.wsgi
    AliasMatch ^/app/?$ @SITES@/shadow/static/index.html
</VirtualHost>
"""

# host -> (its mount's own URLs, the URLs the application answers, those something else
# answers)
SERVED: dict[str, tuple[tuple[str, ...], list[str], list[str]]] = {
    "order.example": (("/app", "/app/"), [], ["/app", "/app/", "/app/x"]),
    "slash.example": (("/app", "/app/"), ["/app"], ["/app/", "/app/x"]),
    "script.example": (("/app", "/app/"), ["/app"], ["/app/", "/app/x"]),
    "location.example": (("/app", "/app/"), [], ["/app", "/app/x"]),
    "inherited.example": (("/mainonly", "/mainonly/"), [], ["/mainonly", "/mainonly/x"]),
    "index.example": (("/",), ["/x"], ["/"]),
    "below.example": (("/",), ["/", "/x", "/app", "/apps2"], ["/static/index.html", "/a.css"]),
    "elsewhere.example": (("/app/api", "/app/api/"), ["/app/api", "/app/api/", "/app/api/x"],
                          ["/app/"]),
}


def _answered_by_app(server: ApacheServer, host: str, path: str) -> bool:
    return server.get(path, host).text.startswith("APP ")


def _host_of_line(conf: Path) -> dict[int, str]:
    """The ServerName of the VirtualHost each line of ``conf`` is in."""
    found: dict[int, str] = {}
    host = ""
    lines = conf.read_text().splitlines()
    for number, line in enumerate(lines, start=1):
        if line.strip().startswith("<VirtualHost"):
            host = lines[number].split()[1]  # ServerName is the next line
        found[number] = host
    return found


def test_lint_names_exactly_the_mounts_an_alias_takes(apache: ApacheFactory) -> None:
    server = apache(CONFIG, files=FILES)
    for host, (_own, app, other) in SERVED.items():
        assert [p for p in app if not _answered_by_app(server, host, p)] == [], host
        assert [p for p in other if _answered_by_app(server, host, p)] == [], host

    result = lint_paths([server.conf_path])
    where = _host_of_line(server.conf_path)
    findings = {where[f.line]: f for f in result.findings if f.code == "alias_shadows_mount"}
    # a finding exactly where the mount's own URL (with or without its slash) is not the
    # application's: every other host's mount answers there
    taken = {host for host, (own, _app, other) in SERVED.items() if set(own) & set(other)}
    assert taken == {"order.example", "slash.example", "script.example", "location.example",
                     "inherited.example", "index.example"}
    assert set(findings) == taken
    assert findings["index.example"].severity.value == "warning"
    assert "only /app itself reaches the application" in findings["slash.example"].message
    main_alias = next(n for n, line in enumerate(server.conf_path.read_text().splitlines(), 1)
                      if line.startswith("Alias /mainonly "))
    assert f"{server.conf_path}:{main_alias}" in findings["inherited.example"].message
