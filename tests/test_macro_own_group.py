"""The own-daemon-group fix for an application mounted from a <Macro> body (re-tester R33 #8,
case b-mass-macro swept with discover's manifest, real Apache 2.4.71 + mod_wsgi 6.1.1):
gamma.macro.test ran in WSGIDaemonProcess beta because gamma.conf has no Define GROUP of its
own, and the fix for discover's instance beta-2 carried beta's python-path=.../sites/beta and
put process-group= on 00-macro.conf:4, the body every Use reads (T33's failed fix). The
configuration below is the case's own, its lines kept."""

from __future__ import annotations

from pathlib import Path

from probe.apache.config import parse_paths
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose.own_group import configured


def _front(tmp_path: Path) -> ApacheRoutes:
    for name in ("alpha", "beta", "gamma"):
        package = tmp_path / "sites" / name / name
        package.mkdir(parents=True)
        (package / "wsgi.py").write_text(
            f'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "{name}.settings")\n')
    enabled = tmp_path / "sites-enabled"
    enabled.mkdir()
    (enabled / "00-macro.conf").write_text(
        "<Macro DjangoSite $host $project $group>\n<VirtualHost *:18634>\n"
        "    ServerName $host\n    WSGIScriptAlias / ${SITES}/$project/$project/wsgi.py "
        "process-group=$group application-group=%{GLOBAL}\n</VirtualHost>\n</Macro>\n")
    (enabled / "alpha.conf").write_text("Define GROUP alpha\n"
                                        "Use DjangoSite alpha.macro.test alpha ${GROUP}\n")
    (enabled / "beta.conf").write_text("Define GROUP beta\n"
                                       "Use DjangoSite beta.macro.test beta ${GROUP}\n")
    (enabled / "gamma.conf").write_text(
        "# BROKEN: copied from beta.conf, the Define line dropped: ${GROUP} is still beta's\n"
        "Use DjangoSite gamma.macro.test gamma ${GROUP}\n")
    conf = tmp_path / "httpd.conf"
    conf.write_text(f"""\
Listen 127.0.0.1:18634
Define SITES {tmp_path}/sites
WSGIDaemonProcess alpha processes=1 threads=2 python-path=${{SITES}}/alpha
WSGIDaemonProcess beta  processes=1 threads=2 python-path=${{SITES}}/beta
WSGIDaemonProcess gamma processes=1 threads=2 python-path=${{SITES}}/gamma
IncludeOptional "{enabled}/*.conf"
""")
    return ApacheRoutes(build_site(parse_paths([conf]), read_scripts=False))


def test_r33_8_macro_mount_own_group_names_the_use_and_its_own_tree(tmp_path: Path) -> None:
    front = _front(tmp_path)
    route = front.route("http://gamma.macro.test/", "127.0.0.1:18634")
    assert route.process_group == "beta"
    said = configured(front, route, "beta-2")
    sites = tmp_path / "sites"
    # python-path= from the script's own tree, never WSGIDaemonProcess beta's
    assert f"'WSGIDaemonProcess beta-2 python-path={sites}/gamma' outside" in said, said
    assert f"python-path={sites}/beta'" not in said
    assert f"not python-path={sites}/beta of WSGIDaemonProcess beta at {tmp_path}/httpd.conf:4, " \
        f"another application's tree" in said
    # the Use line, its parameter and the Define its ${GROUP} reads; never the body
    assert f"at its Use of macro DjangoSite, {tmp_path}/sites-enabled/gamma.conf:2, whose " \
           f"$group is ${{GROUP}}, which takes 'beta' from Define GROUP at " \
           f"{tmp_path}/sites-enabled/beta.conf:1: add 'Define GROUP beta-2'" in said
    assert "00-macro.conf:4, the body of macro DjangoSite, read for every Use of it" in said


def test_a_group_whose_path_holds_the_script_keeps_its_python_path(tmp_path: Path) -> None:
    front = _front(tmp_path)
    route = front.route("http://beta.macro.test/", "127.0.0.1:18634")
    said = configured(front, route, "beta-own")
    assert f"python-path={tmp_path}/sites/beta' outside" in said
    assert f"python-path= from WSGIDaemonProcess beta at {tmp_path}/httpd.conf:4" in said
