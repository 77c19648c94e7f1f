"""Applications mounted by handler (SetHandler/AddHandler wsgi-script, WSGIHandlerScript)
are seen by lint and discover, mod_wsgi-express's own configuration included."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from probe.discover import discover_paths
from probe.lint import Httpd, lint_paths, load_site

EXPRESS = Path("/var/tmp/wsgi-probe-apache-venv/bin/mod_wsgi-express")


def write(tmp_path: Path, config: str, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    conf = tmp_path / "httpd.conf"
    conf.write_text(config.replace("@ROOT@", str(tmp_path)))
    return conf


IDENTITY = """\
WSGIDaemonProcess keystone
<VirtualHost *:80>
    ServerName id.example.com
    Alias /identity @ROOT@/keystone/keystone-wsgi-public
    <Location /identity>
        SetHandler {handler}
        Options +ExecCGI
        WSGIProcessGroup keystone
    </Location>
</VirtualHost>
"""


def test_alias_with_sethandler_wsgi_script_is_an_application(tmp_path: Path) -> None:
    conf = write(tmp_path, IDENTITY.format(handler="wsgi-script"),
                 {"keystone/keystone-wsgi-public": ""})
    [app] = load_site([conf]).apps
    assert (app.mount, app.target, app.process_group) == (
        "/identity", str(tmp_path / "keystone/keystone-wsgi-public"), "keystone")
    assert lint_paths([conf]).findings == ()  # keystone is used: no unused_daemon
    assert '"http://id.example.com/identity"' in discover_paths([conf])


def test_another_handler_is_not_an_application(tmp_path: Path) -> None:
    conf = write(tmp_path, IDENTITY.format(handler="server-status"),
                 {"keystone/keystone-wsgi-public": ""})
    assert load_site([conf]).apps == ()


def test_addhandler_in_a_directory_mounts_each_script(tmp_path: Path) -> None:
    conf = write(tmp_path, """\
<VirtualHost *:80>
    ServerName apps.example.com
    Alias /apps @ROOT@/apps
    <Directory @ROOT@/apps>
        AddHandler wsgi-script .wsgi
        Options +ExecCGI
    </Directory>
</VirtualHost>
""", {"apps/one.wsgi": "", "apps/two.wsgi": "", "apps/readme.txt": ""})
    mounts = sorted((a.mount, Path(a.target).name) for a in load_site([conf]).apps)
    assert mounts == [("/apps/one.wsgi", "one.wsgi"), ("/apps/two.wsgi", "two.wsgi")]


def test_wsgihandlerscript_in_a_location(tmp_path: Path) -> None:
    conf = write(tmp_path, """\
WSGIDaemonProcess shop
WSGIHandlerScript shop-handler @ROOT@/shop/handler.wsgi process-group=shop
<Location /shop>
    SetHandler shop-handler
</Location>
""", {"shop/handler.wsgi": ""})
    [app] = load_site([conf]).apps
    assert (app.mount, app.process_group) == ("/shop", "shop")
    assert lint_paths([conf]).findings == ()


def test_mod_wsgi_express_configuration(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "wsgi.py").write_text(
        "def application(environ, start_response):\n"
        "    start_response('200 OK', [])\n    return [b'ok']\n")
    root = tmp_path / "root"
    subprocess.run([str(EXPRESS), "setup-server", str(tmp_path / "app" / "wsgi.py"),
                    "--server-root", str(root), "--port", "8123"],
                   check=True, capture_output=True, timeout=120)
    conf = root / "httpd.conf"
    # as its apachectl starts httpd (HTTPD_ARGS), and without any -D
    for defines in (("MOD_WSGI_MPM_ENABLE_EVENT_MODULE", "MOD_WSGI_IMPORT_HANDLER_SCRIPT"), ()):
        result = lint_paths([conf], httpd=Httpd(defines=defines))
        assert [f.code for f in result.findings if f.code != "config"] == []
        assert result.exit_status == 0
    manifest = discover_paths([conf])
    assert 'process_group = "localhost:8123"' in manifest
    assert '"http://localhost:8123/"' in manifest


@pytest.mark.parametrize("used", [True, False])
def test_a_handler_script_naming_the_daemon_counts_as_its_use(tmp_path: Path,
                                                              used: bool) -> None:
    config = ("WSGIDaemonProcess shop\n"
              "WSGIScriptAlias / @ROOT@/shop.wsgi\n"
              + ("WSGIHandlerScript h @ROOT@/shop.wsgi process-group=shop\n" if used else ""))
    conf = write(tmp_path, config, {"shop.wsgi": ""})
    codes = [f.code for f in lint_paths([conf]).findings]
    assert codes == ([] if used else ["unused_daemon"])
