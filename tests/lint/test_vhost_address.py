"""``vhost_address``: a ``<VirtualHost>`` address httpd drops or refuses (the lint tester
t-lint20's openstack-helm keystone wsgi-keystone.conf renders ``<VirtualHost *:>``, an empty
port: httpd logs AH00547 "Could not resolve host name *: -- ignoring!" and serves port 5000
from the main server, no application). Each form is also put to real ``apache2 -t``/``-S``
where it is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from probe.lint import Severity
from probe.lint.vhost_address_rules import Fate, fate
from tests.lint.test_rules import codes, lint

# keystone's lines that matter (wsgi-keystone.conf :15-16, :21-24, :37-40), paths changed
KEYSTONE = """\
Listen 0.0.0.0:5000
Listen 0.0.0.0:35357
<VirtualHost {address}>
    WSGIDaemonProcess keystone-public processes=1 threads=4
    WSGIProcessGroup keystone-public
    WSGIScriptAlias / @ROOT@/main.wsgi
</VirtualHost>
<VirtualHost *:35357>
    WSGIDaemonProcess keystone-admin processes=1 threads=4
    WSGIProcessGroup keystone-admin
    WSGIScriptAlias / @ROOT@/admin.wsgi
</VirtualHost>
"""
SCRIPTS = {"main.wsgi": "application = None\n", "admin.wsgi": "application = None\n"}


def test_an_empty_port_drops_the_virtualhost_and_its_mount(tmp_path: Path) -> None:
    [found] = codes(lint(tmp_path, KEYSTONE.format(address="*:"), SCRIPTS), "vhost_address")
    conf = tmp_path / "httpd.conf"
    assert (found.severity, found.line) == (Severity.ERROR, 3)
    assert "AH00547: Could not resolve host name *: -- ignoring!" in found.message
    assert "not served at all" in found.message
    assert f"WSGIScriptAlias / at {conf}:6" in found.message, found.message
    assert found.fix == (f"write the port: <VirtualHost *:5000> (Listen 0.0.0.0:5000 at "
                         f"{conf}:1, a port no other VirtualHost takes)")


def test_a_written_port_is_left_alone(tmp_path: Path) -> None:
    assert not codes(lint(tmp_path, KEYSTONE.format(address="*:5000"), SCRIPTS),
                     "vhost_address")


def test_a_dropped_address_beside_a_kept_one_is_a_warning(tmp_path: Path) -> None:
    [found] = codes(lint(tmp_path, KEYSTONE.format(address="*: *:5000"), SCRIPTS),
                    "vhost_address")
    assert found.severity is Severity.WARNING and "answers only at *:5000" in found.message


def test_a_refused_address_stops_httpd(tmp_path: Path) -> None:
    [found] = codes(lint(tmp_path, KEYSTONE.format(address=":5000"), SCRIPTS),
                    "vhost_address")
    assert found.severity is Severity.ERROR
    assert found.message.startswith("httpd will not start") and "invalid" in found.message


FORMS = [("*:", Fate.DROPPED), ("*:abc", Fate.DROPPED), ("*:80abc", Fate.DROPPED),
         ("localhost:", Fate.DROPPED), ("127.0.0.1:", Fate.DROPPED), (":", Fate.DROPPED),
         ("_default_:", Fate.DROPPED), (":80", Fate.REFUSED), ("*:0", Fate.REFUSED),
         ("*:65536", Fate.REFUSED), ("[::1]:", Fate.REFUSED), ("[::1]:abc", Fate.REFUSED),
         ("*:80", None), ("*", None), ("*:*", None), ("[::1]:8080", None), ("[::1]", None),
         ("*:65535", None), ("_default_:*", None)]


@pytest.mark.parametrize(("word", "expected"), FORMS)
def test_each_form_as_httpd_judges_it(word: str, expected: Fate | None,
                                      tmp_path: Path) -> None:
    assert fate(word) is expected
    if shutil.which("apache2") is None:
        return
    conf = tmp_path / "t.conf"
    conf.write_text("\n".join([
        f"ServerRoot {tmp_path}", f"PidFile {tmp_path}/pid", f"ErrorLog {tmp_path}/error.log",
        "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so",
        "Listen 127.0.0.1:18933", "ServerName main.example",
        f"<VirtualHost {word}>", "ServerName vh.example", "</VirtualHost>", ""]))
    done = subprocess.run(["apache2", "-S", "-f", str(conf)], capture_output=True, text=True,
                          timeout=30, check=False, env={"PATH": "/usr/sbin:/usr/bin:/bin"})
    said = done.stdout + done.stderr
    if expected is Fate.REFUSED:
        assert done.returncode != 0 and "The address or port is invalid" in said, said
    else:
        assert done.returncode == 0, said
        assert ("AH00547" in said and "vh.example" not in said) == (expected is Fate.DROPPED)
