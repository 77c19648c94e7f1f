"""Every comment ``probe discover`` writes names a file and line (tester t-disc21,
bitnami-djangostack m-a2.toml): the label's ``wrap(...)`` line, the line that fixes the
application group, the main server's ServerName line a VirtualHost inherits; a file
Included twice (Bitnami's httpd-app.conf, from the default VirtualHost's prefix file and
again from an app VirtualHost) gives its alias line once, with the two Include lines; and the
closing words where no address needs a [refuse] URL say why."""

from __future__ import annotations

from pathlib import Path

from probe.discover import discover_paths

# bitnami.conf's default VirtualHost and the a2 app VirtualHost, both including the
# project's httpd-app.conf (WSGIScriptAlias + WSGIApplicationGroup %{GLOBAL}), trimmed
HTTPD_CONF = """\
Listen 127.0.0.1:51863
ServerName localhost
WSGIDaemonProcess wsgi-djangostack
<VirtualHost _default_:51863>
  Include "{apps}/httpd-app.conf"
</VirtualHost>
<VirtualHost *:51863>
  ServerName wiki.example.com
  Include "{apps}/httpd-app.conf"
</VirtualHost>
"""
APP_CONF = """\
WSGIScriptAlias /polls {apps}/wsgi.py
<Directory "{apps}">
  WSGIProcessGroup wsgi-djangostack
  WSGIApplicationGroup %{{GLOBAL}}
</Directory>
"""
WSGI_PY = """\
import wsgi_endpoint
from django.core.wsgi import get_wsgi_application
application = wsgi_endpoint.wrap(get_wsgi_application(), label="polls")
"""


def bitnami(tmp_path: Path) -> tuple[Path, Path, str]:
    apps = tmp_path / "apps"
    apps.mkdir()
    (apps / "httpd-app.conf").write_text(APP_CONF.format(apps=apps))
    (apps / "wsgi.py").write_text(WSGI_PY)
    conf = tmp_path / "httpd.conf"
    conf.write_text(HTTPD_CONF.format(apps=apps))
    return conf, apps, discover_paths([conf])


def test_each_comment_names_its_line(tmp_path: Path) -> None:
    conf, apps, text = bitnami(tmp_path)
    assert f"# wsgi_endpoint.wrap(label=...) at {apps}/wsgi.py:3\n" in text
    assert (f"# %{{GLOBAL}}: the application group fixed by WSGIApplicationGroup at "
            f"{apps}/httpd-app.conf:4\n") in text
    assert f"main server's ServerName at {conf}:2, inherited by the VirtualHost at {conf}:4" \
        in text


def test_a_file_included_twice_gives_its_line_once_with_both_includes(tmp_path: Path) -> None:
    conf, apps, text = bitnami(tmp_path)
    alias = f"# WSGIScriptAlias /polls {apps}/wsgi.py at {apps}/httpd-app.conf:1\n"
    assert text.count(alias) == 1, text
    joined = " ".join(text.split())
    assert (f"{apps}/httpd-app.conf is read 2 times (Include at {conf}:5 and {conf}:9)"
            in joined), text


def test_no_refuse_says_why_where_the_only_site_is_the_main_server(tmp_path: Path) -> None:
    conf = tmp_path / "httpd.conf"
    conf.write_text("Listen 8000\nServerName www.example.com\n"
                    "WSGIScriptAlias / /srv/app/wsgi.py\n")
    text = discover_paths([conf])
    assert "no address has several sites or a catch-all" not in text
    assert "# No [refuse]: no address has several VirtualHosts: the one site of each (or " \
        "the main server" in text


# puppet-vhosts' 25-shop.example.com.conf (tester R21), trimmed: the name lines are not the
# <VirtualHost> line, and ServerAlias comes many lines after ServerName
SHOP_CONF = """\
<VirtualHost *:59435>
  ServerName shop.example.com
  DocumentRoot {root}
  WSGIScriptAlias / {root}/wsgi.py
  ServerAlias www.shop.example.com
</VirtualHost>
"""


def test_each_host_name_cites_its_own_line_not_the_virtualhost_line(tmp_path: Path) -> None:
    (tmp_path / "wsgi.py").write_text(WSGI_PY)
    shop = tmp_path / "25-shop.example.com.conf"
    shop.write_text(SHOP_CONF.format(root=tmp_path))
    conf = tmp_path / "httpd.conf"
    conf.write_text(f"Listen 127.0.0.1:59435\nServerName localhost\nInclude {shop}\n")
    text = discover_paths([conf])
    assert (f"# ServerName at {shop}:2 of the VirtualHost at {shop}:1; WSGIScriptAlias at "
            f"{shop}:4\n    \"http://shop.example.com:59435/\"") in text
    assert (f"# ServerAlias at {shop}:5 of the VirtualHost at {shop}:1; WSGIScriptAlias at "
            f"{shop}:4\n    \"http://www.shop.example.com:59435/\"") in text
