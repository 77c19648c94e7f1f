"""``probe discover`` on a configuration that takes ServerRoot and Listen from the
environment httpd starts with: cfgov's httpd.conf (cfpb/consumerfinance.gov
cfgov/apache/conf/httpd.conf, ``PassEnv APACHE_SERVER_ROOT APACHE_PORT``; tester t-disc21,
lint-corpus/cfgov.toml). Discover wrote ``connect = "127.0.0.1:0"``, which the manifest
parser refuses, and dropped conf.d/wsgi.conf's application without a word."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from probe.cli import main
from probe.discover import discover_paths
from probe.manifest import parse

# cfgov's lines that matter, in order (httpd.conf :5 :11 :15 :16 :57; conf.d/wsgi.conf :7-8)
HTTPD_CONF = """\
PassEnv APACHE_SERVER_ROOT
PassEnv APACHE_PORT
ServerRoot "${APACHE_SERVER_ROOT}"
Listen ${APACHE_PORT}
IncludeOptional conf.d/*.conf
"""
WSGI_CONF = """\
ServerName https://www.consumerfinance.gov
WSGIDaemonProcess django
WSGIProcessGroup django
WSGIScriptAlias / /srv/cfgov/cfgov/wsgi.py
"""


def cfgov(tmp_path: Path) -> Path:
    conf = tmp_path / "conf" / "httpd.conf"
    conf.parent.mkdir()
    conf.write_text(HTTPD_CONF)
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "wsgi.conf").write_text(WSGI_CONF)
    return conf


def test_an_undefined_listen_variable_writes_no_connect_and_says_why(tmp_path: Path) -> None:
    conf = cfgov(tmp_path)
    text = discover_paths([conf], environ={"APACHE_SERVER_ROOT": str(tmp_path)})
    assert "\nconnect =" not in text
    assert (f"# Listen ${{APACHE_PORT}} at {conf}:4: ${{APACHE_PORT}} is not defined here"
            in text)
    assert "give APACHE_PORT to probe discover as httpd gets it" in text
    assert f"the main server answers on the port of Listen ${{APACHE_PORT}} at {conf}:4" in text
    assert ":0/" not in text


def test_an_include_after_an_undefined_server_root_is_said_not_dropped(tmp_path: Path) -> None:
    conf = cfgov(tmp_path)
    result = CliRunner().invoke(main, ["discover", str(conf)], env={"APACHE_PORT": "8000"})
    assert result.exit_code == 0, result.output
    said = (f"IncludeOptional conf.d/*.conf at {conf}:5 was not read: relative to the "
            f"ServerRoot at {conf}:3, whose ${{APACHE_SERVER_ROOT}} is not defined here")
    assert said in result.stderr
    assert "give APACHE_SERVER_ROOT to probe discover as httpd gets it" in result.stderr
    assert said in " ".join(result.stdout.split())  # the comment, joined across its lines


def test_with_both_variables_given_the_application_is_found(tmp_path: Path) -> None:
    conf = cfgov(tmp_path)
    text = discover_paths([conf], environ={"APACHE_SERVER_ROOT": str(tmp_path),
                                           "APACHE_PORT": "8000"})
    manifest = parse(text, "discovered")
    assert list(manifest.instances["django"].urls) == ["http://www.consumerfinance.gov:8000/"]
    assert "was not read" not in text


def test_a_scheme_in_server_name_is_not_what_the_port_speaks(tmp_path: Path) -> None:
    """cfgov's conf.d/wsgi.conf:1 ``ServerName https://www.consumerfinance.gov`` with
    ``Listen 8000`` and no SSLEngine: httpd speaks plain HTTP there (the scheme only goes
    into the URLs it writes about itself), so the URL is http, with a comment saying why."""
    conf = cfgov(tmp_path)
    text = discover_paths([conf], environ={"APACHE_SERVER_ROOT": str(tmp_path),
                                           "APACHE_PORT": "8000"})
    assert "https://www.consumerfinance.gov" not in text.replace("writes https://", "")
    said = " ".join(line.lstrip("# ") for line in text.splitlines() if "ServerName at" in line)
    assert f"ServerName at {tmp_path}/conf.d/wsgi.conf:1 writes https://" in said
    assert "the main server speaks http (no SSLEngine on, not port 443)" in said


def _joined(text: str) -> str:
    # a comment wraps at no fixed column: read it as one line
    return " ".join(line.lstrip("# ") for line in text.splitlines() if line.startswith("#"))


def test_one_site_per_address_is_said_of_the_files_read_when_an_include_was_not(
        tmp_path: Path) -> None:
    """cfgov with conf.d unread (tester R21): the VirtualHosts conf.d could hold are not
    known, so 'no address has several VirtualHosts' holds only for the files read."""
    conf = cfgov(tmp_path)
    text = _joined(discover_paths([conf], environ={"APACHE_PORT": "8000"}))
    assert ("No [refuse]: in the files read, no address has several VirtualHosts" in text)
    assert (f"IncludeOptional conf.d/*.conf at {conf}:5 was not read and could hold "
            f"VirtualHosts that change this (the running Apache's own command line with '-S' "
            f"in place of its '-k start' ('ps -ww -o pid=,args= -C apache2,httpd' shows it; "
            f"its binary and -f, -d and -D options kept: 'apache2 -f FILE -S'; 'apachectl -S' "
            f"where it shows no -f, since apachectl reads the system's configuration) lists "
            f"every VirtualHost httpd reads)." in text)  # a file outside /etc: maybe its -f
    read = _joined(discover_paths([conf], environ={"APACHE_SERVER_ROOT": str(tmp_path),
                                                   "APACHE_PORT": "8000"}))
    assert "No [refuse]: no address has several VirtualHosts" in read
    assert "in the files read" not in read


def test_refuse_lines_are_said_of_the_files_read_when_an_include_was_not(
        tmp_path: Path) -> None:
    conf = tmp_path / "httpd.conf"
    (tmp_path / "a").mkdir()
    conf.write_text("Listen 8000\n"
                    "<VirtualHost *:8000>\n  ServerName a.example\n"
                    f"  WSGIScriptAlias / {tmp_path}/a/wsgi.py\n</VirtualHost>\n"
                    "<VirtualHost *:8000>\n  ServerName b.example\n</VirtualHost>\n"
                    "IncludeOptional ${SITES}/*.conf\n")
    text = _joined(discover_paths([conf], environ={}))
    assert (f"What is said of unknown host names holds for the files read: IncludeOptional "
            f"${{SITES}}/*.conf at {conf}:9 was not read and could hold VirtualHosts" in text)


def test_the_system_configuration_keeps_the_bare_apachectl_dump() -> None:
    """'apachectl -S' reads /etc/apache2 (/etc/httpd): right for a file there, and only there."""
    from probe.discover.discovery import Discovery
    from probe.discover.manifest_text import _vhost_dump

    def said(config: str) -> str:
        return _vhost_dump(Discovery([config], None, "", [], [], config=config))

    assert said("/etc/apache2/apache2.conf") == "'apachectl -S' on the server"
    assert said("/etc/httpd") == "'apachectl -S' on the server"
    assert said("/etc/apache2-other/apache2.conf").startswith("the running Apache's own")
