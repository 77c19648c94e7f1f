"""A name whose VirtualHost is on another port or address than the request went to, on real
Apache + mod_wsgi with ``--config``: the fix must send the request there (or put the site on
this address), never graft the name onto a site of the address probed ("Add 'ServerAlias
p.example.org' inside <VirtualHost *:PORT> (another site)" was said), nor tell the IP-based
VirtualHost that answers every name on its address to "stop claiming" a name it never
claims."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .apache import free_port
from .apache_blocks import daemons
from .conftest import ApacheFactory
from .test_evidence_scenarios import line_of, sweep, target
from .test_scenarios import probe_command

pytestmark = pytest.mark.apache

CONFIG = """\
Listen 127.0.0.1:@OTHER@
Listen 127.0.0.2:@IP@
""" + daemons("project-1", "project-2") + """
<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>

<VirtualHost *:@OTHER@>
    ServerName site-2.example.com
    WSGIScriptAlias / @SITES@/project-2/wsgi.py process-group=project-2
</VirtualHost>

<VirtualHost 127.0.0.2:@IP@>
    ServerName ip.example.org
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>

<VirtualHost *:@IP@>
    ServerName site-3.example.com
    WSGIScriptAlias / @SITES@/project-2/wsgi.py process-group=project-2
</VirtualHost>
"""


def test_a_site_on_another_port_or_address_is_named_there(apache: ApacheFactory,
                                                         tmp_path: Path) -> None:
    other, ip = free_port(), free_port()
    server = apache(CONFIG, extra={"OTHER": str(other), "IP": str(ip)})
    conf = server.conf_path
    manifest = tmp_path / "m.toml"
    manifest.write_text(
        '[instances.project-1]\nlabel = "project-1"\nurls = ["http://site-1.example.com/"]\n\n'
        '[instances.project-2]\nlabel = "project-2"\n'
        'urls = ["http://site-2.example.com/"]\n', encoding="utf-8")
    report = sweep(server, manifest, "--config", str(conf))
    moved = target(report, "http://site-2.example.com/")
    assert (moved["verdict"], moved["cause"]) == ("wrong_instance", "vhost_fallback"), \
        json.dumps(moved, indent=1)
    assert "is on another address" in moved["explanation"], moved
    assert line_of(conf, "ServerName site-2.example.com") in moved["explanation"]
    assert "Add 'ServerAlias" not in moved["fix"], moved["fix"]
    assert f"Send site-2.example.com's requests where <VirtualHost *:{other}>" in moved["fix"]
    assert "address '*'" not in moved["fix"]  # it is a '*' VirtualHost already

    # The IP-based VirtualHost answers every name sent to its address.
    ip_manifest = tmp_path / "ip.toml"
    ip_manifest.write_text(
        '[probe]\nconnect = "127.0.0.2:' + str(ip) + '"\n\n'
        '[instances.project-2]\nlabel = "project-2"\n'
        'urls = ["http://site-3.example.com/"]\n', encoding="utf-8")
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(ip_manifest), "--format", "json",
         "--config", str(conf)],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    found = json.loads(done.stdout)["targets"][0]
    assert (found["verdict"], found["cause"]) == ("wrong_instance", "vhost_fallback"), found
    assert "stop claiming" not in found["fix"], found["fix"]
    only = line_of(conf, "<VirtualHost 127.0.0.2:")
    assert found["fix"].startswith(f"At {only}, make that VirtualHost's address '*' "
                                   f"(<VirtualHost *:{ip}>)"), found["fix"]
    assert line_of(conf, "ServerName site-3.example.com") in found["explanation"], found
