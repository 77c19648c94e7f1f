"""The error log an explanation names as the check is the one httpd writes the request's
line to: the ErrorLog of the URL's VirtualHost (a tester's graphite.conf had its own,
logs/graphite_error.log, where WSGI0152 was), else the server's, relative to ServerRoot;
without a configuration that decides it, the words say which log it would be. And the
VirtualHost is cited by its <VirtualHost> line, never the ServerName that chose it."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from probe import manifest
from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import diagnose
from probe.diagnose.join_mount_needs import access_words
from probe.diagnose.server_errors import APACHE_LOG
from probe.front_config import load_front
from probe.manifest import Target
from probe.model import Cause, Observation, TargetResult

from .test_diagnose import status

AT = "127.0.0.1:8080"
URL = "http://graphite.example.org/weblate/"


def _named(text: str, url: str = URL) -> str | None:
    routes = ApacheRoutes(build_site(parse_text(textwrap.dedent(text), "t.conf",
                                                server_root="/etc/httpd"),
                                     read_scripts=False))
    found = routes.error_log(routes.route(url, AT))
    return None if found is None else found.named()


@pytest.mark.parametrize(("text", "said"), [
    # the VirtualHost's own, relative to the ServerRoot read, wherever the line stands
    ("ServerRoot /srv/httpd\nErrorLog logs/error.log\n<VirtualHost *:8080>\n"
     "ServerName graphite.example.org\nErrorLog logs/a.log\nErrorLog logs/graphite.log\n"
     "</VirtualHost>\n",
     "the ErrorLog of this URL's VirtualHost, /srv/httpd/logs/graphite.log (t.conf:6; "
     "ServerRoot at t.conf:1)"),
    # the main server's, written after the VirtualHost: httpd opens logs once all is read
    ("<VirtualHost *:8080>\nServerName graphite.example.org\n</VirtualHost>\n"
     "ErrorLog /var/log/httpd/error.log\n",
     "the server's ErrorLog, /var/log/httpd/error.log (t.conf:4; this URL's VirtualHost "
     "sets none)"),
    # relative without a ServerRoot line: the root is an assumption, and the check named
    ("<VirtualHost *:8080>\nServerName graphite.example.org\nErrorLog logs/g.log\n"
     "</VirtualHost>\n",
     "the ErrorLog of this URL's VirtualHost, /etc/httpd/logs/g.log (t.conf:3; relative to "
     "the ServerRoot assumed, /etc/httpd: 'apachectl -V' shows httpd's HTTPD_ROOT)"),
    ("ErrorLog syslog:local7\n<VirtualHost *:8080>\nServerName graphite.example.org\n"
     "</VirtualHost>\n",
     "syslog, where the server's ErrorLog sends it ('syslog:local7' at t.conf:1; this URL's "
     "VirtualHost sets none)"),
    ("<VirtualHost *:8080>\nServerName graphite.example.org\n"
     "ErrorLog \"|/usr/bin/rotatelogs /x 86400\"\n</VirtualHost>\n",
     "the piped logger of the ErrorLog of this URL's VirtualHost ('|/usr/bin/rotatelogs /x "
     "86400' at t.conf:3)"),
    ("<VirtualHost *:8080>\nServerName graphite.example.org\n</VirtualHost>\n",
     "httpd's compiled-in error log (no ErrorLog in the configuration read: 'apachectl -V' "
     "shows DEFAULT_ERRORLOG)"),
    # an Include not read could set the VirtualHost's own: not decided here
    ("ErrorLog /var/log/error.log\n<VirtualHost *:8080>\nServerName graphite.example.org\n"
     "Include /nonexistent/*.conf.missing/x.conf\n</VirtualHost>\n", None),
])
def test_the_error_log_of_the_urls_virtualhost(text: str, said: str | None) -> None:
    assert _named(text) == said


SITE = """\
ServerRoot @ROOT@
ErrorLog logs/error.log
<VirtualHost *:8080>
    ServerName default.invalid
</VirtualHost>
<VirtualHost *:8080>
    ServerName graphite.example.org
    ErrorLog logs/graphite_error.log
    WSGIDaemonProcess graphite
    WSGIProcessGroup graphite
    WSGIScriptAlias /weblate /srv/weblate/wsgi.py process-group=weblate
    WSGIScriptAlias / /srv/graphite/wsgi.py
</VirtualHost>
<VirtualHost *:8080>
    ServerName weblate.example.org
    WSGIDaemonProcess weblate
    WSGIScriptAlias /weblate /srv/weblate/wsgi.py process-group=weblate
</VirtualHost>
"""
MANIFEST = """\
[probe]
connect = "127.0.0.1:8080"
[instances.weblate]
label = "weblate"
process_group = "weblate"
urls = ["http://graphite.example.org/weblate/"]
"""
APACHE = "Apache/2.4.71 (Debian) mod_wsgi/6.1.1"


def _swept(tmp_path: Path, code: int, text: str = SITE, *,
           configured: bool = True) -> tuple[Path, TargetResult]:
    conf = tmp_path / "httpd.conf"
    conf.write_text(text.replace("@ROOT@", str(tmp_path)), encoding="utf-8")
    sample = dataclasses.replace(status(code), server=APACHE)
    observed = Observation(Target(URL, "weblate", AT), (sample,))
    config = load_front(str(conf), {}) if configured else None
    report = diagnose(manifest.parse(MANIFEST, "m.toml"), [observed], config=config)
    return conf, report.targets[0]


def test_wsgi0152_is_named_in_the_virtualhosts_own_error_log(tmp_path: Path) -> None:
    conf, found = _swept(tmp_path, 500)
    assert found.cause is Cause.UNDEFINED_DAEMON, found
    assert ("mod_wsgi writes 'WSGI0152: Daemon process called 'weblate' cannot be accessed by "
            f"this WSGI application' for it to the ErrorLog of this URL's VirtualHost, "
            f"{tmp_path}/logs/graphite_error.log ({conf}:8; ServerRoot at {conf}:1), not a "
            f"traceback.") in found.explanation, found.explanation
    assert "Apache error log" not in found.explanation, found.explanation


def test_wsgi0152_without_an_own_errorlog_is_the_servers(tmp_path: Path) -> None:
    conf, found = _swept(tmp_path, 500, SITE.replace(
        "    ErrorLog logs/graphite_error.log\n", ""))
    assert (f"WSGI application' for it to the server's ErrorLog, {tmp_path}/logs/error.log "
            f"({conf}:2; this URL's VirtualHost sets none; ServerRoot at {conf}:1), not a "
            f"traceback.") in found.explanation, found.explanation


def test_without_config_the_log_is_said_as_the_virtualhosts(tmp_path: Path) -> None:
    _, found = _swept(tmp_path, 500, configured=False)
    assert f"Read {APACHE_LOG} at the time of this request" in (found.fix or ""), found.fix


def test_a_500_the_configuration_does_not_explain_names_the_log_to_read(
        tmp_path: Path) -> None:
    # the group is the VirtualHost's own: no configuration cause, the log is the check
    text = SITE.replace("WSGIScriptAlias /weblate /srv/weblate/wsgi.py process-group=weblate\n"
                        "    WSGIScriptAlias / /srv/graphite/wsgi.py",
                        "WSGIScriptAlias /weblate /srv/weblate/wsgi.py process-group=graphite")
    conf, found = _swept(tmp_path, 500, text)
    assert found.cause is None, found
    assert (f"Read the ErrorLog of this URL's VirtualHost, {tmp_path}/logs/graphite_error.log "
            f"({conf}:8; ServerRoot at {conf}:1) at the time of this request") \
        in (found.fix or ""), found.fix


DENIED = """\
ServerRoot @ROOT@
<Directory />
    Require all denied
</Directory>
<VirtualHost *:8080>
    ServerName graphite.example.org
    ErrorLog logs/graphite_error.log
    WSGIDaemonProcess graphite
    WSGIProcessGroup graphite
    WSGIScriptAlias /weblate /srv/weblate/wsgi.py
    WSGIScriptAlias / /srv/graphite/wsgi.py
</VirtualHost>
<VirtualHost *:8080>
    ServerName weblate.example.org
    WSGIScriptAlias /weblate /srv/weblate/wsgi.py
    <Directory /srv/weblate/>
        Require all granted
    </Directory>
</VirtualHost>
"""


def test_ah01630_is_named_in_the_virtualhosts_own_error_log(tmp_path: Path) -> None:
    conf = tmp_path / "httpd.conf"
    conf.write_text(DENIED.replace("@ROOT@", str(tmp_path)), encoding="utf-8")
    routes = load_front(str(conf), {}).front
    assert isinstance(routes, ApacheRoutes)
    route = routes.route(URL, AT)
    said = access_words(routes, route, "/srv/weblate/wsgi.py", moved=False)
    assert (f"for this URL's VirtualHost ({conf}:5) <Directory /> ({conf}:2; Require all "
            f"denied at {conf}:3) is in force, so httpd answers 403 (AH01630 ('client denied "
            f"by server configuration') in the ErrorLog of this URL's VirtualHost, "
            f"{tmp_path}/logs/graphite_error.log ({conf}:7; ServerRoot at {conf}:1) names the "
            f"file httpd refused)") in said, said
    assert said.endswith(f"into this URL's VirtualHost ({conf}:5)."), said


def test_a_gateway_status_names_the_virtualhosts_error_log(tmp_path: Path) -> None:
    text = ("ServerRoot @ROOT@\nErrorLog /var/log/main.log\n<VirtualHost *:8080>\n"
            "    ServerName graphite.example.org\n    ErrorLog logs/graphite_error.log\n"
            "    ProxyPass /weblate/ http://127.0.0.1:9/\n</VirtualHost>\n")
    conf, found = _swept(tmp_path, 503, text)
    assert (f"The ErrorLog of this URL's VirtualHost, {tmp_path}/logs/graphite_error.log "
            f"({conf}:5; ServerRoot at {conf}:1) at the time of these requests tells why: "
            f"AH00957") in (found.fix or ""), found.fix
