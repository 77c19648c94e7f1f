"""A 500 under ``sweep --config`` whose route runs the script embedded while the manifest
declares a daemon process group: the line naming the group and why it does not apply are
said (tests/integration/test_embedded_500_apache.py does it on real Apache)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe.diagnose import diagnose
from probe.front_config import load_front
from probe.manifest import parse
from probe.model import Cause, TargetResult, Verdict
from tests.test_diagnose import answered, ep, obs, status

SITE = """\
WSGIDaemonProcess horizon python-path=@ROOT@/lib
<VirtualHost *:80>
    ServerName horizon.example.org
    WSGIScriptAlias / @ROOT@/app/wsgi.py
{group}
</VirtualHost>
"""
URL = "http://horizon.example.org/"


def _swept(tmp_path: Path, group: str, declared: str = 'process_group = "horizon"'
           ) -> TargetResult:
    (tmp_path / "app").mkdir(exist_ok=True)
    (tmp_path / "app" / "wsgi.py").write_text("")
    conf = tmp_path / "httpd.conf"
    conf.write_text(SITE.format(group=group).replace("@ROOT@", str(tmp_path)))
    manifest = parse(f'[instances.horizon]\nlabel = "horizon"\n{declared}\nurls = ["{URL}"]\n')
    error = dataclasses.replace(status(500), server="Apache/2.4.71 (Debian)")
    observed = obs(URL, "horizon", error, error, error)
    return diagnose(manifest, [observed], config=load_front(str(conf), {})).targets[0]


def test_a_group_in_a_directory_of_a_relative_path_is_named(tmp_path: Path) -> None:
    target = _swept(tmp_path, "    <Directory app>\n        WSGIProcessGroup horizon\n"
                              "    </Directory>")
    conf = tmp_path / "httpd.conf"
    assert (target.verdict, target.cause) == (Verdict.HTTP_ERROR, Cause.DAEMON_GROUP_UNUSED)
    assert f"runs {tmp_path}/app/wsgi.py (WSGIScriptAlias / is the first" in target.explanation
    assert "no WSGIProcessGroup or process-group= applies to it, while the manifest " \
           "declares process_group 'horizon' for horizon" in target.explanation
    assert f"WSGIProcessGroup horizon at {conf}:6 is inside <Directory app> ({conf}:5), " \
           f"which does not hold {tmp_path}/app/wsgi.py (its path is not absolute)" \
        in target.explanation
    assert "probe lint reports unused_daemon at that line" in target.explanation
    assert f"without WSGIDaemonProcess horizon ({conf}:1) and its python-path=" \
        in target.explanation
    assert target.fix.startswith(f"Move WSGIProcessGroup horizon ({conf}:6) into <Directory "
                                 f"{tmp_path}/app>")
    assert "Sweep with --config" not in target.fix
    claims = {(e.claim.split()[0], e.source) for e in target.evidence if e.kind.value ==
              "configured"}
    assert {("WSGIProcessGroup", f"{conf}:6"), ("WSGIDaemonProcess", f"{conf}:1"),
            ("WSGIScriptAlias", f"{conf}:4")} <= claims


def test_a_group_hidden_in_a_section_httpd_never_reads_is_named(tmp_path: Path) -> None:
    target = _swept(tmp_path, "    <IfDefine WITH_DAEMON>\n        WSGIProcessGroup horizon\n"
                              "    </IfDefine>")
    assert target.cause is Cause.DAEMON_GROUP_UNUSED
    assert "so httpd never reads the WSGIProcessGroup horizon written in it" \
        in target.explanation
    assert target.fix.startswith(f"At {tmp_path / 'httpd.conf'}:5, make the section hold")


def test_with_no_group_written_the_mount_gets_process_group(tmp_path: Path) -> None:
    target = _swept(tmp_path, "")
    assert target.cause is Cause.DAEMON_GROUP_UNUSED
    assert target.fix.startswith(f"Add process-group=horizon to the line at "
                                 f"{tmp_path / 'httpd.conf'}:4.")


def test_embedded_declared_or_no_group_declared_says_nothing_more(tmp_path: Path) -> None:
    for declared in ('process_group = ""', ""):
        target = _swept(tmp_path, "", declared)
        assert (target.verdict, target.cause) == (Verdict.HTTP_ERROR, None)
        assert "embedded" not in target.explanation


MAIN = """\
WSGIDaemonProcess fas python-path=@ROOT@/lib
WSGIScriptAlias /accounts @ROOT@/app/wsgi.py
<Location {location}>
    WSGIProcessGroup fas
</Location>
"""
FAS = "http://admin.example.com/accounts/"


def _main_server(tmp_path: Path, location: str) -> TargetResult:
    """fedora-infra's fas.conf shape: a conf.d snippet in the main server, no VirtualHost."""
    (tmp_path / "app").mkdir(exist_ok=True)
    (tmp_path / "app" / "wsgi.py").write_text("")
    conf = tmp_path / "httpd.conf"
    conf.write_text(MAIN.format(location=location).replace("@ROOT@", str(tmp_path)))
    manifest = parse(f'[instances.fas]\nlabel = "fas"\nprocess_group = "fas"\n'
                     f'urls = ["{FAS}"]\n')
    error = dataclasses.replace(status(500), server="Apache/2.4.71 (Debian)")
    observed = obs(FAS, "fas", error, error, error)
    return diagnose(manifest, [observed], config=load_front(str(conf), {})).targets[0]


def test_a_location_one_edit_from_the_mount_is_the_likely_typo(tmp_path: Path) -> None:
    target = _main_server(tmp_path, "/acounts")
    conf = tmp_path / "httpd.conf"
    assert target.cause is Cause.DAEMON_GROUP_UNUSED
    assert f"<Location /acounts> ({conf}:3) is one edit from /accounts, the mount of this " \
           f"script (WSGIScriptAlias /accounts, {conf}:2)" in target.explanation
    assert target.fix.startswith(f"If /acounts is a typo, write <Location /accounts> at "
                                 f"{conf}:3; or move WSGIProcessGroup fas ({conf}:4) into "
                                 f"<Directory {tmp_path}/app>")
    # No VirtualHost holds these lines: the scope to name is the main server.
    assert "the main server, or add process-group=fas" in target.fix
    assert "VirtualHost" not in target.fix


def test_a_location_far_from_the_mount_is_no_typo(tmp_path: Path) -> None:
    target = _main_server(tmp_path, "/admin")
    assert target.cause is Cause.DAEMON_GROUP_UNUSED
    assert "typo" not in target.fix and "edit" not in target.explanation
    assert target.fix.startswith("Move WSGIProcessGroup fas")


def test_an_answer_run_embedded_is_told_the_location_typo_first(tmp_path: Path) -> None:
    """The same snippet when the script answers embedded (no python-path= needed): the
    configuration join, not the 500's, words it, and the same typo leads."""
    (tmp_path / "app").mkdir(exist_ok=True)
    script = tmp_path / "app" / "wsgi.py"
    script.write_text("")
    conf = tmp_path / "httpd.conf"
    conf.write_text(MAIN.format(location="/acounts").replace("@ROOT@", str(tmp_path)))
    manifest = parse(f'[instances.fas]\nlabel = "fas"\nprocess_group = "fas"\n'
                     f'urls = ["{FAS}"]\n')
    body = ep("fas", host="admin.example.com", mount="/accounts", process_group="",
              application_group="localhost|/accounts")
    body["script_file"] = str(script)
    observed = obs(FAS, "fas", answered(body))
    target = diagnose(manifest, [observed], config=load_front(str(conf), {})).targets[0]
    assert target.cause is Cause.DAEMON_GROUP_UNUSED, target.explanation
    assert f"<Location /acounts> ({conf}:3) is one edit from /accounts" in target.explanation
    assert target.fix.startswith(f"If /acounts is a typo, write <Location /accounts> at "
                                 f"{conf}:3; or move WSGIProcessGroup fas ({conf}:4)"), \
        target.fix
    assert "or the main server, or add process-group=fas" in target.fix, target.fix
