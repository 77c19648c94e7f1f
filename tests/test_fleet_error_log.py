"""In a fleet swept with one configuration (``--connect`` per server, ``--config`` one
server's file), the error log to read is on the server the failing answer came from: a
tester's fix named srv-a's error.log for a 500 at srv-b's address. The words name that
server by its address, the path as what the configuration given sets, and, where that
configuration listens elsewhere, that the server's own may set another file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe import manifest
from probe.diagnose import diagnose
from probe.front_config import load_front
from probe.manifest import Target
from probe.model import Cause, Observation, TargetResult

from .test_diagnose import status

A, B = "127.0.0.1:8080", "127.0.0.2:8080"
URL = "http://admin.example.com/accounts/"
SITE = """\
ServerRoot @ROOT@
Listen 127.0.0.1:8080
ErrorLog logs/error.log
WSGIDaemonProcess fas
WSGIScriptAlias /accounts /srv/fas/wsgi.py
<Location /accounts>
    WSGIProcessGroup fas
</Location>
"""
MANIFEST = """\
[probe]
connect = [@CONNECT@]
[instances.fas]
label = "fas"
process_group = "fas"
urls = ["http://admin.example.com/accounts/"]
"""
APACHE = "Apache/2.4.71 (Debian) mod_wsgi/6.1.1"


def _swept(tmp_path: Path, at: str, connect: tuple[str, ...] = (A, B),
           text: str = SITE) -> tuple[Path, TargetResult]:
    conf = tmp_path / "httpd.conf"
    conf.write_text(text.replace("@ROOT@", str(tmp_path)), encoding="utf-8")
    sample = dataclasses.replace(status(500), server=APACHE, address=at)
    observed = Observation(Target(URL, "fas", at), (sample,))
    given = MANIFEST.replace("@CONNECT@", ", ".join(f'"{c}"' for c in connect))
    report = diagnose(manifest.parse(given, "m.toml"), [observed],
                      config=load_front(str(conf), {}))
    return conf, report.targets[0]


def test_a_500_at_another_server_names_the_log_on_that_server(tmp_path: Path) -> None:
    conf, found = _swept(tmp_path, B)
    assert (f"Read the ErrorLog on the server at {B} (configured as {tmp_path}/logs/error.log "
            f"in the configuration given: {conf}:3; ServerRoot at {conf}:1; it listens at "
            f"127.0.0.1:8080 ({conf}:2), not at {B}: that server's own configuration may set "
            f"another file) at the time of this request") in found.fix, found.fix
    assert "the server's ErrorLog" not in found.fix, found.fix


def test_a_500_at_the_configurations_own_server_names_it_without_doubt(
        tmp_path: Path) -> None:
    conf, found = _swept(tmp_path, A)
    assert (f"Read the ErrorLog on the server at {A} (configured as {tmp_path}/logs/error.log "
            f"in the configuration given: {conf}:3; ServerRoot at {conf}:1) at the time of "
            f"this request") in found.fix, found.fix


def test_one_server_keeps_the_servers_error_log(tmp_path: Path) -> None:
    conf, found = _swept(tmp_path, A, connect=(A,))
    assert (f"Read the server's ErrorLog, {tmp_path}/logs/error.log ({conf}:3; ServerRoot at "
            f"{conf}:1) at the time of this request") in found.fix, found.fix


def test_wsgi0152_in_a_fleet_is_in_the_log_of_the_server_that_answered(
        tmp_path: Path) -> None:
    # the group is defined in another VirtualHost: mod_wsgi refuses, its message is logged
    text = SITE.replace("WSGIDaemonProcess fas\n", "<VirtualHost *:8080>\n"
                        "    ServerName other.example.com\n    WSGIDaemonProcess fas\n"
                        "</VirtualHost>\n<VirtualHost *:8080>\n"
                        "    ServerName admin.example.com\n") + "</VirtualHost>\n"
    conf, found = _swept(tmp_path, B, text=text)
    assert found.cause is Cause.UNDEFINED_DAEMON, found
    assert f"for it to the ErrorLog on the server at {B} (configured as " \
        f"{tmp_path}/logs/error.log in the configuration given: {conf}:3;" \
        in found.explanation, found.explanation
