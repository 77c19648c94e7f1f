"""WSGIScriptAlias targets that are more than a script file, swept with --config on real
Apache + mod_wsgi: a path after the script (``.../wsgi.py/extra``), a directory of scripts,
and a ``WSGIScriptAliasMatch`` whose target is filled from the match (``$1``).

Before :mod:`probe.apache.alias_target`, the model predicted SCRIPT_NAME '/a/b' where httpd
gives '/a' (``ap_find_path_info``), '/dir' for a directory's script (it is '/dir/wsgi.py'),
and the script ``.../$1/wsgi.py``: each answer was called "not this configuration as read"
and its cause left undetermined. Each project runs in its daemon group, chosen by a
``<Directory>`` of its scripts: the group follows the script the target names."""

from __future__ import annotations

from pathlib import Path

import pytest

from .apache_blocks import CATCH_ALL, daemons
from .conftest import ApacheFactory
from .test_evidence_scenarios import line_of, sources, sweep, target

pytestmark = pytest.mark.apache

CONFIG = daemons("project-1", "project-2") + """
<Directory @SITES@/project-1>
    WSGIProcessGroup project-1
</Directory>
<Directory @SITES@/project-2>
    WSGIProcessGroup project-2
</Directory>
""" + CATCH_ALL + """
<VirtualHost *:@PORT@>
    ServerName extra.example
    WSGIScriptAlias /app @SITES@/project-1/wsgi.py/extra
    WSGIScriptAlias /app/x @SITES@/project-2/wsgi.py
    WSGIScriptAlias /a/b @SITES@/project-1/wsgi.py/x/b
    WSGIScriptAlias /reviews @SITES@/project-1/wsgi.py/reviews
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName dir.example
    WSGIScriptAlias /dir/ @SITES@/project-2/
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName match.example
    WSGIScriptAliasMatch ^/m/(project-[12]) @SITES@/$1/wsgi.py
</VirtualHost>
"""

# URL -> (its instance, the SCRIPT_NAME httpd gives it)
RIGHT = {
    "http://extra.example/app/": ("project-1", "/app"),
    "http://extra.example/a/b/": ("project-1", "/a"),
    "http://extra.example/reviews/": ("project-1", ""),
    "http://dir.example/dir/wsgi.py/": ("project-2", "/dir/wsgi.py"),
    "http://match.example/m/project-1/": ("project-1", "/m/project-1"),
    "http://match.example/m/project-2/": ("project-2", "/m/project-2"),
}
SHADOWED = "http://extra.example/app/x/"  # /app, with a path after its script, takes it


def _manifest(path: Path) -> Path:
    text = ""
    for instance in ("project-1", "project-2"):
        urls = [u for u, (i, _) in RIGHT.items() if i == instance]
        urls += [SHADOWED] if instance == "project-2" else []
        text += (f'[instances.{instance}]\nlabel = "{instance}"\n'
                 f'process_group = "{instance}"\n'
                 f'urls = [{", ".join(repr(u).replace(chr(39), chr(34)) for u in urls)}]\n\n')
    path.write_text(text, encoding="utf-8")
    return path


def test_targets_beyond_a_script_file_are_predicted_as_httpd_runs_them(
        apache: ApacheFactory, tmp_path: Path) -> None:
    server = apache(CONFIG)
    conf = server.conf_path
    report = sweep(server, _manifest(tmp_path / "m.toml"), "--config", str(conf))

    for url, (instance, script_name) in RIGHT.items():
        found = target(report, url)
        assert (found["verdict"], found["cause"]) == ("ok", None), (url, found)
        assert found["observed"]["label"] == instance, url
        assert found["observed"]["process_group"] == instance, url
        assert found["observed"]["request"]["script_name"] == script_name, url
        # the route predicted from the configuration is the one the answer shows
        assert "does not match the answer" not in found["explanation"], (url, found)

    shadowed = target(report, SHADOWED)
    assert (shadowed["verdict"], shadowed["cause"]) == ("wrong_instance", "alias_order")
    first = line_of(conf, "WSGIScriptAlias /app " + f"{server.sites}/project-1/wsgi.py/extra")
    meant = line_of(conf, "WSGIScriptAlias /app/x ")
    assert first in sources(shadowed) and meant in sources(shadowed), shadowed["evidence"]
    assert f"Move the line at {meant} above the one at {first}" in shadowed["fix"]
    assert "does not match the answer" not in shadowed["explanation"]
