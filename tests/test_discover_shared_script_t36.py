"""One wsgi.py mounted twice, in daemon mode on wsgi.test and embedded (``WSGIProcessGroup
%{GLOBAL}``) on wsgi-emb.test, its script calling ``wrap(app, label='wsgiapp')`` (tester
T36's apache-unix-h2 httpd.conf:92-105). Discover wrote ``label = "mysite"`` for the embedded
mount and told to install ``--label mysite`` in that same file, which would relabel wsgi.test
too: the embedded mount declared no ``process_group = ""``, so the two looked alike. A label
is never proposed for a script another instance serves without saying so."""

from __future__ import annotations

import tomllib
from pathlib import Path

from probe.discover import discover_paths

HTTPD_CONF = """\
Listen 127.0.0.1:18361
ServerName localhost
WSGIPythonPath "{root}"
WSGIDaemonProcess wsgiapp python-path={root} processes=2 threads=5
<VirtualHost 127.0.0.1:18361>
    ServerName default.invalid
</VirtualHost>
<VirtualHost 127.0.0.1:18361>
    ServerName wsgi.test
    WSGIProcessGroup wsgiapp
    WSGIApplicationGroup %{{GLOBAL}}
    WSGIScriptAlias / {root}/mysite/wsgi.py
</VirtualHost>
<VirtualHost 127.0.0.1:18361>
    ServerName wsgi-emb.test
    WSGIProcessGroup {emb_group}
    WSGIApplicationGroup %{{GLOBAL}}
    WSGIScriptAlias / {root}/mysite/wsgi.py
</VirtualHost>
"""
WSGI_PY = """\
import os
import wsgi_endpoint
from django.core.wsgi import get_wsgi_application
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
application = wsgi_endpoint.wrap(get_wsgi_application(), label='wsgiapp')
"""


def _discover(tmp_path: Path, emb_group: str) -> str:
    root = tmp_path / "wsgiapp"
    (root / "mysite").mkdir(parents=True)
    (root / "mysite" / "wsgi.py").write_text(WSGI_PY)
    conf = tmp_path / "httpd.conf"
    conf.write_text(HTTPD_CONF.format(root=root, emb_group=emb_group))
    return discover_paths([conf])


def test_the_embedded_mount_keeps_the_scripts_label_and_declares_embedded_mode(
        tmp_path: Path) -> None:
    text = _discover(tmp_path, "%{GLOBAL}")
    instances = tomllib.loads(text)["instances"]
    emb = next(i for i in instances.values() if "http://wsgi-emb.test:18361/" in i["urls"])
    daemon = next(i for i in instances.values() if "http://wsgi.test:18361/" in i["urls"])
    assert emb["label"] == "wsgiapp", text
    assert emb["process_group"] == "", text  # docs/manifest.md: "" is embedded mode
    assert daemon["label"] == "wsgiapp" and daemon["process_group"] == "wsgiapp", text
    assert "--label" not in text, text
    assert f"# WSGIProcessGroup at {tmp_path}/httpd.conf:16\n" in text, text


def test_a_label_is_not_installed_in_a_script_another_mount_serves(tmp_path: Path) -> None:
    # %{ENV:...}: the group is decided per request, so nothing but the label tells the two
    # apart; the label proposed needs a script of the mount's own.
    text = _discover(tmp_path, "%{ENV:GROUP}")
    said = " ".join(text.split())
    assert "probe endpoint --install" not in said, text
    assert ("serves that same script: a label installed in it with --label would be its "
            "too. Give this mount (") in said, text
    assert f"a WSGI script of its own, a copy of {tmp_path}/wsgiapp/mysite/wsgi.py" in said, text
