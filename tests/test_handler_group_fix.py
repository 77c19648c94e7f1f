"""The own-daemon-group fix for an application mounted by a handler (re-tester R33, case b:
``AddHandler wsgi-script .wsgi`` under ``VirtualDocumentRoot``): there is no WSGIScriptAlias to
put process-group= on, so the fix names WSGIProcessGroup in a <Directory> of the script's
directory (seen choosing the group on real Apache 2.4.71 + mod_wsgi 6.1.1 for one mass host's
directory); an alias mount keeps process-group= on its WSGIScriptAlias."""

from __future__ import annotations

from pathlib import Path

from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose.own_group import configured

CONF = """\
<VirtualHost *:8080>
    ServerName mass.test
    ServerAlias *.mass.test
    VirtualDocumentRoot "{vhosts}/%0"
    WSGIApplicationGroup %{{GLOBAL}}
    <Directory "{vhosts}">
        Options +ExecCGI
        AddHandler wsgi-script .wsgi
        DirectoryIndex app.wsgi
    </Directory>
</VirtualHost>
<VirtualHost *:8080>
    ServerName site.test
    WSGIScriptAlias / /srv/site/wsgi.py
</VirtualHost>
"""


def _front(tmp_path: Path) -> ApacheRoutes:
    vhosts = tmp_path / "vhosts"
    for host in ("alpha.mass.test", "beta.mass.test"):
        (vhosts / host).mkdir(parents=True)
        (vhosts / host / "app.wsgi").write_text("application = None\n")
    text = CONF.format(vhosts=vhosts)
    return ApacheRoutes(build_site(parse_text(text, "t.conf"), read_scripts=False))


def test_r33_a_handler_mounted_script_gets_wsgiprocessgroup_in_its_directory(
        tmp_path: Path) -> None:
    front = _front(tmp_path)
    route = front.route("http://beta.mass.test/app.wsgi/", "127.0.0.1:8080")
    said = configured(front, route, "mass-beta")
    assert "on its WSGIScriptAlias" not in said, said
    assert (f"then 'WSGIProcessGroup mass-beta' in a <Directory "
            f"\"{tmp_path}/vhosts/beta.mass.test\"> section outside any VirtualHost") in said
    assert "its mount is AddHandler wsgi-script .wsgi at t.conf:8" in said


def test_an_alias_mount_keeps_process_group_on_its_wsgiscriptalias(tmp_path: Path) -> None:
    front = _front(tmp_path)
    route = front.route("http://site.test/", "127.0.0.1:8080")
    said = configured(front, route, "site")
    assert "then process-group=site on its WSGIScriptAlias (t.conf:14)" in said, said


def test_each_and_inconsistent_fixes_of_a_handler_mount_name_wsgiprocessgroup(
        tmp_path: Path) -> None:
    # hb2 left the environ leak's "its own WSGIScriptAlias lines" and the inconsistent fix's
    # "(WSGIDaemonProcess + process-group=)" worded for an alias mount (R33 case b)
    from probe.diagnose.config_join import ConfigJoin
    from probe.diagnose.embedded_settings import OWN_GROUP
    from probe.diagnose.join_sharing import inconsistent_own
    from probe.diagnose.own_group import answers_words, with_configured
    from probe.diagnose.wording import Diagnosis
    from probe.model import Verdict

    front = _front(tmp_path)
    route = front.route("http://beta.mass.test/app.wsgi/", "127.0.0.1:8080")
    leak = Diagnosis(Verdict.SETTINGS_MISMATCH, None, explanation="",
                     fix=f"Run it in its own group ({answers_words('')}).")
    said = with_configured(leak, front, route, "mass-beta", "", each=True).fix or ""
    assert "WSGIScriptAlias lines" not in said, said
    assert "its own WSGIProcessGroup in a <Directory> of its script's directory" in said
    found = Diagnosis(Verdict.INCONSISTENT, None, explanation="",
                      fix=f"Run each instance in its own daemon process group {OWN_GROUP}.")
    fix = inconsistent_own(found, route, ConfigJoin(front)).fix or ""
    assert "process-group=" not in fix, fix
    assert "'WSGIProcessGroup NAME' in a <Directory> section of each script's directory: " \
           "the mount is AddHandler wsgi-script .wsgi at t.conf:8" in fix
    alias = front.route("http://site.test/", "127.0.0.1:8080")
    assert inconsistent_own(found, alias, ConfigJoin(front)) is found
