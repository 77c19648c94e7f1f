"""Each variant of the own-daemon-group fix (:mod:`probe.diagnose.own_group`), applied to a
running real Apache as printed and Apache restarted by the printed line (re-tester R26's cases
a-global, a-daemon, b-order, rebuilt here).

Two Django projects share one process: embedded with ``WSGIApplicationGroup %{GLOBAL}``
(``shared_interpreter``), in one daemon group, or embedded in their own sub interpreters
(``environ_leak``: ``os.environ.setdefault`` keeps the first one's settings). The sweep with
``--config`` prints the new group's ``WSGIDaemonProcess`` line with the import path the
application ran with (``python-path=`` from ``WSGIPythonPath`` or the old group's line),
and the ``file:line`` of each ``WSGIScriptAlias`` to take ``process-group=``. The test writes
exactly that (the line at the end of the file, outside any VirtualHost; ``process-group=`` at
each line named), runs the restart line the fix prints with ``sh``, and sweeps: every URL ok.
The test sites' scripts import by the configured path alone, as ``startproject``'s do.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from .apache import ApacheServer
from .apache_blocks import CATCH_ALL, ONE_CHILD, SUBURL_PAIR, daemons
from .applied_fix import instance
from .conftest import ApacheFactory
from .test_evidence_scenarios import target
from .test_own_group_path import _manifest, _scripts
from .test_scenarios import sweep

pytestmark = pytest.mark.apache

_SITES = CATCH_ALL + "\n" + SUBURL_PAIR
CASES = {
    # a-global: one interpreter for both, embedded; the path from WSGIPythonPath
    "embedded-global": ("shared_interpreter", "WSGIPythonPath @SITES@\n"
                                              "WSGIApplicationGroup %{GLOBAL}\n"),
    # a-daemon: both in one daemon group, a sub interpreter each; the path from its line
    "daemon-group": ("environ_leak",
                     "WSGIDaemonProcess django processes=1 threads=4 python-path=@SITES@\n"
                     "WSGIProcessGroup django\n"),
    # b-order's environ leak: embedded, a sub interpreter each, in one Apache child
    "embedded-own-interpreters": ("environ_leak", "WSGIPythonPath @SITES@\n"),
}
SITE1, SUBURL, SITE2 = ("http://site-1.example.com/", "http://site-1.example.com/suburl/",
                        "http://site-2.example.com/")
_DAEMON = re.compile(r"'(WSGIDaemonProcess project-2(?: [^']*)?)' outside any VirtualHost")
_MOUNTS = re.compile(r"then process-group=project-2 on its WSGIScriptAlias \(([^)]*)\)")
_RESTART = re.compile(r"in one line: '(.+?)'; where it shows no -f")


def apply_own_group(fix: str, conf: Path) -> str:
    """The fix as an operator writes it: process-group=project-2 at the end of each line it
    names, the printed WSGIDaemonProcess line at the end of the file (outside any
    VirtualHost); returns the line."""
    daemon, mounts = _DAEMON.search(fix), _MOUNTS.search(fix)
    assert daemon is not None and mounts is not None, fix
    lines = conf.read_text(encoding="utf-8").splitlines()
    for where in mounts.group(1).split(", "):
        file, _, number = where.rpartition(":")
        assert file == str(conf), (where, fix)
        assert lines[int(number) - 1].lstrip().startswith("WSGIScriptAlias "), (where, lines)
        lines[int(number) - 1] += " process-group=project-2"
    conf.write_text("\n".join([*lines, daemon.group(1), ""]), encoding="utf-8")
    return daemon.group(1)


def restart_as_printed(fix: str, server: ApacheServer) -> None:
    line = _RESTART.search(fix)
    assert line is not None, fix
    done = subprocess.run(["sh", "-c", line.group(1)], capture_output=True, text=True,
                          timeout=30, check=False, env={"LANG": "C", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, (line.group(1), done.stdout, done.stderr)
    assert psutil.pid_exists(server.pid), server.error_log()[-3000:]  # restarted, not stopped


def settled(server: ApacheServer, manifest: Path) -> tuple[dict[str, Any], str]:
    """A sweep once the graceful restart is done (its old children may answer a moment)."""
    deadline = time.monotonic() + 30
    while True:
        _, report, context = sweep(server, manifest)
        verdicts = {t["verdict"] for t in report["targets"]}
        if verdicts == {"ok"} or time.monotonic() > deadline:
            return report, context
        time.sleep(1)


@pytest.mark.parametrize("case", list(CASES))
def test_the_printed_own_group_applied_and_restarted_as_printed_is_ok(
        apache: ApacheFactory, tmp_path: Path, case: str) -> None:
    cause, top = CASES[case]
    manifest = _manifest(tmp_path)
    server = apache(ONE_CHILD + "\n" + top + "\n" + _SITES, files=_scripts())
    # project-1 loads first: its settings are the ones project-2 is given (setdefault)
    assert server.get("/", "site-1.example.com").status_code == 404
    _, report, context = sweep(server, manifest, "--config", str(server.conf_path))
    found = target(report, SITE2)
    assert (found["verdict"], found["cause"]) == ("settings_mismatch", cause), context
    fix = found["fix"]

    line = apply_own_group(fix, server.conf_path)
    assert f"python-path={server.sites}" in line.split(), fix  # the path it imported from
    restart_as_printed(fix, server)
    report, context = settled(server, manifest)
    assert [(t["url"], t["verdict"]) for t in report["targets"]] == [
        (SITE1, "ok"), (SUBURL, "ok"), (SITE2, "ok")], context
    answered = target(report, SITE2)["observed"]
    assert answered["process_group"] == "project-2", answered


# R26's c1-groupname: site-2's WSGIProcessGroup names project-1's group (a copy-paste slip);
# the fix (:mod:`probe.diagnose.join_group_fix`) renames it, or puts process-group= on the
# mount.
GROUPNAME = daemons("project-1", "project-2") + "\n" + CATCH_ALL + """
<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    WSGIScriptAlias /suburl @SITES@/project-2/wsgi.py process-group=project-2
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName site-2.example.com
    WSGIProcessGroup project-1
    WSGIScriptAlias / @SITES@/project-2/wsgi.py
</VirtualHost>
"""
_RENAME = re.compile(r"At (\S+):(\d+), name the group meant for project-2: "
                     r"(WSGIProcessGroup project-2) \(")
_ON_MOUNT = re.compile(r"Or put (process-group=project-2) on the mount of project-2 "
                       r"\((\S+):(\d+)\)")


@pytest.mark.parametrize("way", ["rename", "on-mount"])
def test_the_printed_group_name_fix_applied_to_a_running_apache_is_ok(
        apache: ApacheFactory, tmp_path: Path, way: str) -> None:
    manifest = tmp_path / "groupname.toml"
    manifest.write_text(instance(1, SITE1) + "\n" + instance(2, SUBURL, SITE2), encoding="utf-8")
    server = apache(GROUPNAME, files=_scripts())
    _, report, context = sweep(server, manifest, "--config", str(server.conf_path))
    found = target(report, SITE2)
    assert (found["verdict"], found["cause"]) == ("wrong_instance", "process_group_scope"), \
        context
    fix, conf = found["fix"], server.conf_path
    lines = conf.read_text(encoding="utf-8").splitlines()
    if way == "rename":  # the line named, its directive replaced by the one printed
        said = _RENAME.search(fix)
        assert said is not None and said.group(1) == str(conf), fix
        number = int(said.group(2))
        assert lines[number - 1].strip() == "WSGIProcessGroup project-1", lines[number - 1]
        lines[number - 1] = lines[number - 1].replace("WSGIProcessGroup project-1",
                                                      said.group(3))
    else:  # the option printed, at the end of the WSGIScriptAlias line named
        on_mount = _ON_MOUNT.search(fix)
        assert on_mount is not None and on_mount.group(2) == str(conf), fix
        number = int(on_mount.group(3))
        assert lines[number - 1].lstrip().startswith("WSGIScriptAlias / "), lines[number - 1]
        lines[number - 1] += f" {on_mount.group(1)}"
    conf.write_text("\n".join([*lines, ""]), encoding="utf-8")
    restart_as_printed(fix, server)  # the fix once named none: edited, nothing changed
    report, context = settled(server, manifest)
    assert [(t["url"], t["verdict"]) for t in report["targets"]] == [
        (SITE1, "ok"), (SUBURL, "ok"), (SITE2, "ok")], context
