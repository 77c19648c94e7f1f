"""The own-daemon-group fixes of the sweep, from tester T26's cases on real Apache 2.4 +
mod_wsgi 6.1.1 + Django 5.2 (Graham Dumpleton's classic cause (a)): a-global (embedded,
WSGIApplicationGroup %{GLOBAL}, WSGIPythonPath) and a-daemon (one WSGIProcessGroup django
for both). Both printed fixes, applied literally, gave 500s with ModuleNotFoundError: the new
group had no python-path=. The real-Apache test is tests/integration/test_own_group_path.py."""

from __future__ import annotations

import dataclasses
import os

from probe import manifest
from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin, diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target
from probe.model import Cause, Observation, Report, Sample, TargetResult, Verdict

from .test_diagnose import answered, ep, status

AT = "127.0.0.1:8080"
SITES = """\
<VirtualHost *:8080>
    ServerName default.invalid
    <Location />
        Require all denied
    </Location>
</VirtualHost>
<VirtualHost *:8080>
    ServerName site-1.example.com
    WSGIScriptAlias /suburl /srv/project-2/wsgi.py
    WSGIScriptAlias / /srv/project-1/wsgi.py
</VirtualHost>
<VirtualHost *:8080>
    ServerName site-2.example.com
    WSGIScriptAlias / /srv/project-2/wsgi.py
</VirtualHost>
"""
GLOBAL = "WSGIPythonPath /srv/p1:/srv/p2\nWSGIApplicationGroup %{GLOBAL}\n" + SITES
DAEMON = ("WSGIDaemonProcess django processes=1 python-path=/srv/p1:/srv/p2\n"
          "WSGIProcessGroup django\n" + SITES)
FIX1 = GLOBAL.replace("%{GLOBAL}\n", "%{GLOBAL}\nWSGIDaemonProcess project-2\n").replace(
    "project-2/wsgi.py\n", "project-2/wsgi.py process-group=project-2\n")
MANIFEST = """\
[instances.project-1]
label = "project-1"
settings = "project1.settings"
urls = ["http://site-1.example.com/"]
[instances.project-2]
label = "project-2"
settings = "project2.settings"
urls = ["http://site-2.example.com/", "http://site-1.example.com/suburl/"]
"""
SITE1, SITE2 = "http://site-1.example.com/", "http://site-2.example.com/"
SUBURL = "http://site-1.example.com/suburl/"
READ = os.path.abspath("t.conf")
"""The file read as ps shows Apache started with it: its absolute path (re-tester R30)."""


def config(text: str) -> ConfigJoin:
    routes = ApacheRoutes(build_site(parse_text(text, "t.conf"), read_scripts=False))
    return ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)


def obs(url: str, expected: str, *samples: Sample) -> Observation:
    return Observation(Target(url, expected, AT), samples)


def one(report: Report, url: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url)


def sweep(text: str | None, group: str, app_group: str | None, *,
          findings: dict[tuple[str, int], tuple[str, str]] | None = None) -> Report:
    """project-1 then project-2 answered from one process, project-2 with project-1's
    settings, in ``group`` ('' embedded) and ``app_group`` (None: each its own)."""
    m = manifest.parse(MANIFEST, "m.toml")
    p1 = ep("project-1", host="site-1.example.com", process_group=group,
            application_group=app_group, settings="project1.settings")
    p2 = ep("project-2", host="site-2.example.com", process_group=group,
            application_group=app_group, settings="project1.settings")
    p1["script_file"], p2["script_file"] = "/srv/project-1/wsgi.py", "/srv/project-2/wsgi.py"
    p1["ppid"] = p2["ppid"] = 812  # the Apache parent both answers name
    observations = [obs(SITE1, "project-1", answered(p1)), obs(SITE2, "project-2", answered(p2))]
    joined = None
    if text is not None:
        joined = config(text)
        if findings:
            joined = ConfigJoin(joined.front, findings, joined.divergence, joined.intended,
                                joined.refuse_block)
    return diagnose(m, observations, config=joined)


def test_shared_interpreter_fix_carries_wsgipythonpath_with_its_line() -> None:
    found = one(sweep(GLOBAL, "", ""), SITE2)
    assert found.cause is Cause.SHARED_INTERPRETER
    assert found.fix is not None and (
        "('WSGIDaemonProcess project-2 python-path=/srv/p1:/srv/p2' outside any VirtualHost "
        "(a group defined in one serves only its host name), then process-group=project-2 on "
        "its WSGIScriptAlias (t.conf:11, t.conf:16); python-path= from WSGIPythonPath at "
        "t.conf:1, which does not reach daemon processes)") in found.fix, found.fix


RESTART = ("The new group needs Apache restarted, which reads WSGIDaemonProcess and "
           "process-group= only when it starts (a touched WSGI script does not): run the "
           "command that 'ps -ww -o args= -p 812' shows (its Apache, the parent of pid 101) "
           "with '-k graceful' in place of the '-k start' it shows")


def test_own_group_fixes_name_the_restart_by_apaches_own_control() -> None:
    """Re-tester R26: a-global's, a-daemon's and e's own-group fixes named no restart."""
    for text, group, app_group in ((GLOBAL, "", ""), (DAEMON, "django", None),
                                   (SITES, "", None)):
        found = one(sweep(text, group, app_group), SITE2)
        assert found.fix is not None and RESTART in found.fix, (text, found.fix)
    embedded = one(sweep(SITES, "", None), SITE2).fix or ""
    assert "the same for each other instance that runs embedded in this process" in \
        embedded, embedded


def test_shared_interpreter_finding_carries_it_too() -> None:
    [finding] = [f for f in sweep(GLOBAL, "", "").findings if f.code == "shared_interpreter"]
    assert ("(WSGIDaemonProcess NAME python-path=/srv/p1:/srv/p2, then process-group=NAME on "
            "its WSGIScriptAlias; python-path= from WSGIPythonPath at t.conf:1, which does not "
            "reach daemon processes)") in finding.explanation, finding.explanation


def test_without_config_the_fix_says_what_a_new_group_needs_and_the_check() -> None:
    found = one(sweep(None, "", ""), SITE2)
    assert found.fix is not None and (
        "with the python-path= the application imports from: the embedded WSGIPythonPath "
        "does not reach daemon processes (the check: the configuration's WSGIPythonPath line; "
        "sweep with --config PATH to have it named)") in found.fix, found.fix
    leak = one(sweep(None, "django", None), SITE2)
    assert leak.cause is Cause.ENVIRON_LEAK
    assert leak.fix is not None and ("with the python-path= and python-home= of "
                                     "WSGIDaemonProcess django, where it runs now") in leak.fix


def test_environ_leak_fix_carries_the_old_groups_path_and_the_hint_names_its_line() -> None:
    found = one(sweep(DAEMON, "django", None, findings={
        ("t.conf", 2): ("broad_process_group", "...")}), SITE2)
    assert found.cause is Cause.ENVIRON_LEAK
    assert found.fix is not None and (
        "(for project-2, 'WSGIDaemonProcess project-2 python-path=/srv/p1:/srv/p2' outside any "
        "VirtualHost (a group defined in one serves only its host name), then "
        "process-group=project-2 on its WSGIScriptAlias (t.conf:11, t.conf:16); python-path= "
        "from WSGIDaemonProcess django at t.conf:1; the same for each other instance that runs "
        "in WSGIDaemonProcess django, each with a group name of its own and its own "
        "WSGIScriptAlias lines)") in found.fix, found.fix
    assert ("WSGIProcessGroup django at t.conf:2, which puts it in that group, may be applied "
            "too broadly (probe lint reports broad_process_group at that line)"
            ) in found.explanation, found.explanation
    assert "server or VirtualHost scope" not in found.explanation


def test_a_500_in_a_daemon_group_without_python_path_names_both_lines() -> None:
    m = manifest.parse(MANIFEST, "m.toml")
    p1 = ep("project-1", host="site-1.example.com", process_group="", application_group="",
            settings="project1.settings")
    # The URL of project-2 on project-1's host: the answers alone guess a leak from it.
    observations = [obs(SITE1, "project-1", answered(p1)), obs(SUBURL, "project-2", status(500))]
    found = one(diagnose(m, observations, config=config(FIX1)), SUBURL)
    assert found.verdict is Verdict.HTTP_ERROR
    assert "A likely cause (not certain)" not in found.explanation, found.explanation
    assert ("runs this URL in daemon process group 'project-2' (process-group=project-2 on "
            "WSGIScriptAlias /suburl, t.conf:12)") in found.explanation, found.explanation
    assert ("WSGIDaemonProcess project-2 (t.conf:3) sets no python-path=, while the main "
            "server's WSGIPythonPath (t.conf:1) is /srv/p1:/srv/p2") in found.explanation
    assert found.fix is not None and found.fix.startswith(
        "Add python-path=/srv/p1:/srv/p2 (the WSGIPythonPath at t.conf:1) to WSGIDaemonProcess "
        "project-2 at t.conf:3, then restart Apache gracefully (it reads WSGIDaemonProcess only "
        "when it starts): no answer of this sweep at this address names it (a 500 has none); "
        "'ps -ww -o pid=,args= -C apache2,httpd' lists each running Apache's command line: the "
        f"one that shows '-f {READ}' runs this file; run that command with '-k graceful' in "
        f"place of the '-k start' it shows"), found.fix
    assert "reload Apache" not in found.fix and "'apachectl graceful' restarts it where that " \
        f"is {READ}" in found.fix
    assert "ModuleNotFoundError" in found.fix
    # Without the configuration, the answers' guess stands (nothing says where it ran).
    alone = one(diagnose(m, observations), SUBURL)
    assert "A likely cause (not certain): project-1 runs embedded" in alone.explanation


def test_a_500_in_a_daemon_group_restarts_the_apache_other_answers_there_name() -> None:
    """Re-tester R26: the 500's 'reload Apache' named no command. Another URL's answer at the
    same address names the Apache (ppid 4000): its own command line, by ps, is the restart."""
    m = manifest.parse(MANIFEST, "m.toml")
    p1 = {**ep("project-1", host="site-1.example.com", pid=4001, process_group="",
               application_group="", settings="project1.settings"), "ppid": 4000}
    here = Sample(elapsed_ms=2.0, status_code=200, address=AT,
                  endpoint=EndpointAnswer.from_json(p1))
    failed = Sample(elapsed_ms=1.0, status_code=500, address=AT)
    elsewhere = dataclasses.replace(here, address="127.0.0.1:9090")
    for samples, parent in (((here,), "4000"), ((elsewhere,), None)):
        observations = [Observation(Target(SITE1, "project-1"), samples),
                        Observation(Target(SUBURL, "project-2"), (failed,))]
        found = one(diagnose(m, observations, config=config(FIX1)), SUBURL)
        assert found.fix is not None
        if parent is None:  # answered at another address: not this Apache
            assert "no answer of this sweep at this address names it" in found.fix, found.fix
            continue
        assert (f"then restart Apache gracefully (it reads WSGIDaemonProcess only when it "
                f"starts): the answer of {SITE1} at {AT} (pid 4001, ppid {parent}) names the "
                f"Apache there; run the command that 'ps -ww -o args= -p {parent}' shows (its "
                f"Apache, the parent of pid 4001) with '-k graceful' in place of the '-k start' "
                f"it shows") in found.fix, found.fix
        assert f"'$(ps -ww -o args= -p {parent} | sed " in found.fix




def test_a_500_in_a_new_group_without_the_old_groups_python_path_names_both_lines() -> None:
    """Re-tester R26's a-daemon, the own-group fix applied without python-path=: groups
    project-1 and project-2 beside 'WSGIDaemonProcess django' (:1), whose python-path= holds
    both scripts; every URL 500 (ModuleNotFoundError) and the sweep named only the ErrorLog."""
    text = ("WSGIDaemonProcess django processes=1 python-path=/srv/project-1:/srv/project-2\n"
            "WSGIProcessGroup django\nWSGIDaemonProcess project-1\nWSGIDaemonProcess "
            "project-2\n" + SITES.replace("/srv/project-2/wsgi.py\n",
                                          "/srv/project-2/project2/wsgi.py "
                                          "process-group=project-2\n"))
    m = manifest.parse(MANIFEST, "m.toml")
    found = one(diagnose(m, [obs(SITE2, "project-2", status(500))], config=config(text)), SITE2)
    assert found.verdict is Verdict.HTTP_ERROR
    assert ("WSGIDaemonProcess project-2 (t.conf:4) sets no python-path=, while "
            "WSGIDaemonProcess django (t.conf:1) has python-path=/srv/project-1:/srv/project-2, "
            "which holds this URL's script /srv/project-2/project2/wsgi.py"
            ) in found.explanation, found.explanation
    assert found.fix is not None and found.fix.startswith(
        "Add python-path=/srv/project-1:/srv/project-2 (the python-path= of WSGIDaemonProcess "
        "django at t.conf:1) to WSGIDaemonProcess project-2 at t.conf:4"), found.fix
    # A group whose path does not hold the script is not the one it ran in: nothing said.
    other = text.replace("python-path=/srv/project-1:/srv/project-2",
                         "python-path=/srv/project-1")
    alone = one(diagnose(m, [obs(SITE2, "project-2", status(500))], config=config(other)), SITE2)
    assert "sets no python-path=" not in alone.explanation, alone.explanation
