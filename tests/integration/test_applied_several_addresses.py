"""Tester T24's mistakes with several ports on a real Apache + mod_wsgi, swept with
``--config``, the printed fix applied, swept again: every URL ok.

* m1: the site's VirtualHost written for one port, the URL on another whose only
  VirtualHost is a ``_default_`` that claims no name. The fix printed before wrote the
  site's ``WSGIScriptAlias`` into that catch-all (httpd refused it, or project-1 answered
  every unknown name of the port); now the port goes on the site's own line.
* m5: site-2's file not enabled, and site-1's ``ServerName`` one edit from site-2's name.
  The fix printed before was that ServerName (applied: site-1 broke) or a ServerAlias
  there (project-1 answered site-2); now the file not read is named, with its Include.

The unit tests of the same configurations: tests/test_apache_several_addresses.py.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .apache import ApacheServer, cleanup, free_port
from .apache_blocks import daemons
from .applied_fix import instance, url_verdicts, write_manifest
from .conftest import ApacheFactory
from .test_evidence_scenarios import line_of, target
from .test_scenarios import probe_command

pytestmark = pytest.mark.apache

M1 = daemons("project-1") + """\
Listen 127.0.0.1:@OTHER@
<VirtualHost *:@PORT@>
    ServerAdmin webmaster@localhost
</VirtualHost>
<VirtualHost _default_:@OTHER@>
    ServerAdmin webmaster@localhost
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>
"""


def _sweep(server: ApacheServer, manifest: Path) -> dict[str, Any]:
    """``probe sweep --config``, each URL sent to 127.0.0.1 at its own port (the
    manifest's ``connect``), not all to the server's first port."""
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(manifest), "--format", "json", "--timeout",
         "30", "--config", str(server.conf_path)],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    assert done.stdout.startswith("{"), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _m1_manifest(tmp_path: Path, port: int, other: int, name: str) -> Path:
    return write_manifest(tmp_path, '[probe]\nconnect = "127.0.0.1"\n' + instance(
        1, f"http://site-1.example.com:{port}/", f"http://site-1.example.com:{other}/") +
        f'[refuse]\nurls = ["http://unknown.invalid:{other}/"]\n', name)


def test_the_port_goes_on_the_site_s_line_and_the_sweep_is_ok(apache: ApacheFactory,
                                                               tmp_path: Path) -> None:
    other = free_port()
    server = apache(M1, extra={"OTHER": str(other)})
    url = f"http://site-1.example.com:{other}/"
    found = target(_sweep(server, _m1_manifest(tmp_path, server.port, other, "m.toml")), url)
    assert found["verdict"] == "no_endpoint", found
    fix = found["fix"]
    assert "WSGIScriptAlias" not in fix and "twin" not in fix, fix
    opening = line_of(server.conf_path, "ServerName site-1.example.com")
    opening = f"{server.conf_path}:{int(opening.rpartition(':')[2]) - 1}"
    applied = re.search(rf"At {re.escape(opening)}, write (<VirtualHost [^>]+>) instead of "
                        rf"(<VirtualHost \*:{server.port}>)", fix)
    assert applied is not None, fix
    written = applied.group(1).replace(str(server.port), "@PORT@").replace(str(other),
                                                                           "@OTHER@")
    assert written == "<VirtualHost *:@PORT@ *:@OTHER@>", written
    cleanup(server)  # its OTHER port is the next one's
    apache.servers.remove(server)
    fixed = apache(M1.replace("<VirtualHost *:@PORT@>\n    ServerName",
                              f"{written}\n    ServerName"), extra={"OTHER": str(other)})
    again = _sweep(fixed, _m1_manifest(tmp_path, fixed.port, other, "fixed.toml"))
    assert [v for _, v in url_verdicts(again)] == ["ok", "ok", "ok"], again


M5 = daemons("project-1") + """\
Define T24_SITES @SITES@
Define T24_PORT @PORT@
IncludeOptional @SITES@/sites-enabled/*.conf
<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>
"""

DEFAULT = """\
<VirtualHost *:${T24_PORT}>
    ServerAdmin webmaster@localhost
</VirtualHost>
"""

SITE_2 = """\
<VirtualHost *:${T24_PORT}>
    ServerName site-2.example.com
    WSGIDaemonProcess project-2 processes=1 threads=2 python-path=${T24_SITES}
    WSGIProcessGroup project-2
    WSGIScriptAlias / ${T24_SITES}/project-2/wsgi.py
</VirtualHost>
"""

M5_MANIFEST = (instance(1, "http://site-1.example.com/") +
               instance(2, "http://site-2.example.com/") +
               '[refuse]\nurls = ["http://unknown.invalid/"]\n')


def test_a_near_name_of_another_instance_is_no_typo_and_enabling_the_site_is_ok(
        apache: ApacheFactory, tmp_path: Path) -> None:
    server = apache(M5, files={"sites-enabled/000-default.conf": DEFAULT,
                               "sites-available/site-2.conf": SITE_2})
    manifest = write_manifest(tmp_path, M5_MANIFEST)
    report = _sweep_connect(server, manifest)
    found = target(report, "http://site-2.example.com/")
    assert found["verdict"] == "no_endpoint", found
    fix = found["fix"]
    assert "if that is a typo" not in fix and "add 'ServerAlias" not in fix, fix
    assert "runs project-1" in fix and "not a typo of site-2.example.com" in fix, fix
    include = line_of(server.conf_path, "IncludeOptional")
    assert f"read by the Include at {include} (000-default.conf)" in fix, fix
    # re-tester R31: this Apache runs with -f, which a bare 'apachectl -S' does not read; the
    # check printed (its own command line by project-1's answer's ppid, -S in place of -k) is
    # run as printed and lists what httpd loaded: site-1's VirtualHost, no site-2
    printed = re.search(r"Check which VirtualHosts httpd loaded with '(\$\(ps -ww -o args= -p "
                        r"\d+ \| sed [^']*\) -S)' \(the command line of the Apache pid \d+, "
                        r"the answers' ppid", fix)
    assert printed is not None, fix
    dump = subprocess.run(["sh", "-c", printed.group(1)], capture_output=True, text=True,
                          timeout=60, check=False, stdin=subprocess.DEVNULL)
    assert "namevhost site-1.example.com" in dump.stdout + dump.stderr, (dump.stdout,
                                                                         dump.stderr)
    assert "site-2.example.com" not in dump.stdout + dump.stderr, dump.stdout
    # Applied: the site's file enabled, as a2ensite would.
    fixed = apache(M5, files={"sites-enabled/000-default.conf": DEFAULT,
                              "sites-enabled/site-2.conf": SITE_2})
    again = _sweep_connect(fixed, manifest)
    assert [v for _, v in url_verdicts(again)] == ["ok", "ok", "ok"], again


def _sweep_connect(server: ApacheServer, manifest: Path) -> dict[str, Any]:
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(manifest), "--connect", server.connect,
         "--format", "json", "--timeout", "30", "--config", str(server.conf_path)],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    assert done.stdout.startswith("{"), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


M2 = daemons("project-1", "project-2") + """\
Listen 127.0.0.1:@OTHER@
<VirtualHost _default_:@OTHER@>
    ServerAdmin webmaster@localhost
</VirtualHost>
<VirtualHost *:@PORT@ *:@OTHER@>
    ServerName site-1.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>
<VirtualHost 127.0.0.1:@OTHER@>
    ServerName site-2.example.com
    WSGIScriptAlias / @SITES@/project-2/wsgi.py process-group=project-2
</VirtualHost>
"""


def _m2_manifest(tmp_path: Path, port: int, other: int, name: str) -> Path:
    return write_manifest(tmp_path, '[probe]\nconnect = "127.0.0.1"\n' + instance(
        1, f"http://site-1.example.com:{port}/") + instance(
        2, f"http://site-2.example.com:{other}/") +
        f'[refuse]\nurls = ["http://unknown.invalid:{other}/"]\n', name)


def test_an_ip_vhost_that_took_a_refuse_url_gets_its_address_and_the_sweep_is_ok(
        apache: ApacheFactory, tmp_path: Path) -> None:
    """m2: an IP-based VirtualHost (meant for another address) beside the ``*:OTHER`` ones
    answered the URL to refuse; "cause undetermined ... no step of its route shows where it
    leaves the intended one" was said. Now its line and address are the fix."""
    other = free_port()
    server = apache(M2, extra={"OTHER": str(other)})
    url = f"http://unknown.invalid:{other}/"
    found = target(_sweep(server, _m2_manifest(tmp_path, server.port, other, "m.toml")), url)
    assert found["verdict"] == "served_unmapped", found
    assert found["cause"] == "vhost_fallback" and not found["candidates"], found
    opening = line_of(server.conf_path, "ServerName site-2.example.com")
    opening = f"{server.conf_path}:{int(opening.rpartition(':')[2]) - 1}"
    assert found["fix"].startswith(
        f"At {opening}, make that VirtualHost's address '*' (<VirtualHost *:{other}>)"), found
    cleanup(server)  # its OTHER port is the next one's
    apache.servers.remove(server)
    fixed = apache(M2.replace("<VirtualHost 127.0.0.1:@OTHER@>", "<VirtualHost *:@OTHER@>"),
                   extra={"OTHER": str(other)})
    again = _sweep(fixed, _m2_manifest(tmp_path, fixed.port, other, "fixed.toml"))
    assert [v for _, v in url_verdicts(again)] == ["ok", "ok", "ok"], again
