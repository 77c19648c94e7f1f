"""Two projects of one settings name (``startproject mysite`` twice, ``mysite.settings``):
tester T26's cases d (embedded, WSGIPythonPath project-1:project-2) and d2 (daemon mode,
project-2's python-path= naming project-1's directory). Every interpreter imported
project-1's mysite/settings.py: site-2 was ``host_rejected`` "served by the right application"
with a no-op ALLOWED_HOSTS fix, and /suburl/ ``ok``. With ``settings_module.file`` the sweep
says whose file it is (``settings_path``); without it (an older endpoint), as before."""

from __future__ import annotations

from typing import Any

from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin
from probe.endpoint_answer import EndpointAnswer
from probe.model import Cause, Verdict
from tests.t26_answers import CASES, answer, manifest_text, sweep
from tests.test_diagnose import result

P1 = "project-1/mysite/settings.py"
MANIFEST = manifest_text("mysite.settings", "mysite.settings")
SITE_2 = "http://site-2.example.com/"
SUBURL = "http://site-1.example.com/suburl/"


def case_d(settings_file: bool = True, case: str = "d-samename") -> dict[str, dict[str, Any]]:
    """Case d's answers (out-1/sweep.json), each run's settings file project-1's."""
    daemon = case.startswith("d2")
    pids = (3124, 3125, 3123) if daemon else (29531, 29531, 29529)
    same = ("mysite.settings", "mysite.settings")
    file = P1 if settings_file else None

    def one(url: str, label: str, iid: str, started: str, nonce: str,
            allowed: bool = True) -> dict[str, Any]:
        pid = pids[0] if label == "project-1" else pids[1]
        return answer(case, url, label, iid, pid, pids[2], label if daemon else "", same,
                      f"{label}/mysite/wsgi.py", started, nonce, allowed, file)

    return {
        "http://site-1.example.com/": one(
            "http://site-1.example.com/", "project-1", "9b518c75ba5604a15f998a40e2801694",
            "2026-12-07T15:32:43.467+00:00", "SzM_ww9gRLsp8wh2QEb95TzFfzSYeWWQ"),
        "http://www.site-1.example.com/": one(
            "http://www.site-1.example.com/", "project-1", "9b518c75ba5604a15f998a40e2801694",
            "2026-12-07T15:32:43.467+00:00", "ltRZvt7X__TwGzycVhA7PtmwfD7mEW8D"),
        SUBURL: one(SUBURL, "project-2", "6757102ccf70eff20f8f9ccf536d9336",
                    "2026-12-07T15:32:43.610+00:00", "1o32vPU9j9n6moyTM8Cifb0M-YueYSnh"),
        SITE_2: one(SITE_2, "project-2", "765d876d89e3ed8e14161f187e0f67ff",
                    "2026-12-07T15:32:43.749+00:00", "E-DmcZo98LubfiOkuJC7ZQJdd_NBGR--",
                    allowed=False),
    }


def test_the_endpoint_answer_reads_the_settings_file() -> None:
    data = case_d()[SITE_2]
    assert EndpointAnswer.from_json(data).settings_file == f"{CASES}/d-samename/root/sites/{P1}"
    data["settings_module"]["file"] = 5
    broken = EndpointAnswer.from_json(data)
    assert broken.settings_file is None
    # An optional field (added later): read as absent and said, not bad_answer.
    assert broken.problems == ()
    assert broken.ignored == ("settings_module.file is 5 (a number), not a string or null",)


def test_embedded_project_2_runs_project_1s_settings_file() -> None:
    report = sweep(MANIFEST, case_d())
    for url in (SITE_2, SUBURL):
        found = result(report, url)
        assert (found.verdict, found.cause) == (Verdict.SETTINGS_MISMATCH, Cause.SETTINGS_PATH)
        assert f"settings_module.file '{CASES}/d-samename/root/sites/{P1}'" in \
            found.explanation, found.explanation
        assert f"lies in project-1's directory {CASES}/d-samename/root/sites/project-1/mysite" \
            in found.explanation
        assert "served by the right application" not in found.explanation
        assert "ALLOWED_HOSTS in the settings of this application" not in found.fix
        # one path for every interpreter: reordering it moves the problem to project-1
        # no configuration read: no WSGIPythonPath line is claimed (T33 b had none)
        assert "In embedded mode the import path (WSGIPythonPath where one is set, or a WSGI " \
               "script's own sys.path change) is one for every interpreter of this Apache" \
            in found.fix, found.fix
        assert f"'WSGIDaemonProcess project-2 python-path={CASES}/d-samename/root/sites/" \
               f"project-2'" in found.fix
        assert "a name no other project on the path uses" in found.fix
        assert "'ps -ww -o args= -p 29529'" in found.fix
    rejected = result(report, SITE_2).explanation
    assert "Django rejects the Host 'site-2.example.com' (request.host_allowed false) by the " \
           "ALLOWED_HOSTS of that file, project-1's" in rejected, rejected
    for url in ("http://site-1.example.com/", "http://www.site-1.example.com/"):
        assert result(report, url).verdict is Verdict.OK  # its own file


def test_daemon_python_path_names_project_1s_directory() -> None:
    report = sweep(MANIFEST, case_d(case="d2-samename-daemon"))
    found = result(report, SITE_2)
    assert (found.verdict, found.cause) == (Verdict.SETTINGS_MISMATCH, Cause.SETTINGS_PATH)
    sites = f"{CASES}/d2-samename-daemon/root/sites"
    assert found.fix.startswith(
        f"Put {sites}/project-2 (which holds project-2's {sites}/project-2/mysite) first in the "
        f"python-path= of WSGIDaemonProcess project-2, before {sites}/project-1"), found.fix
    assert result(report, SUBURL).cause is Cause.SETTINGS_PATH


def test_without_the_field_the_verdicts_stay() -> None:
    """An endpoint older than settings_module.file: today's verdicts, nothing guessed."""
    report = sweep(MANIFEST, case_d(settings_file=False))
    assert result(report, SITE_2).verdict is Verdict.HOST_REJECTED
    assert result(report, SUBURL).verdict is Verdict.OK


def test_a_file_in_its_own_tree_or_in_no_instances_is_no_evidence() -> None:
    answers = case_d()
    for data in answers.values():  # each its own file: healthy
        data["settings_module"]["file"] = data["script_file"].replace("wsgi.py", "settings.py")
        data["request"]["host_allowed"] = True
    assert {t.verdict for t in sweep(MANIFEST, answers).targets} == {Verdict.OK}
    answers[SUBURL]["settings_module"]["file"] = "/srv/elsewhere/mysite/settings.py"
    assert result(sweep(MANIFEST, answers), SUBURL).verdict is Verdict.OK


D_CONFIG = """\
WSGIPythonPath {s}/project-1:{s}/project-2
<VirtualHost *:80>
    ServerName site-1.example.com
    ServerAlias www.site-1.example.com
    WSGIScriptAlias /suburl {s}/project-2/mysite/wsgi.py
    WSGIScriptAlias / {s}/project-1/mysite/wsgi.py
</VirtualHost>
<VirtualHost *:80>
    ServerName site-2.example.com
    WSGIScriptAlias / {s}/project-2/mysite/wsgi.py
</VirtualHost>
"""


def test_the_rename_is_the_larger_change_with_every_place_it_must_change() -> None:
    """Re-tester R26 applied "rename 'mysite' in one of them and assign
    DJANGO_SETTINGS_MODULE" literally: the WSGIScriptAlias lines pointed at a moved wsgi.py
    (404, WSGI0135) and settings.py still named 'mysite'. The python-path form leads; the
    rename comes after it with each place it must change, the lines named with --config."""
    sites = f"{CASES}/d-samename/root/sites"
    routes = ApacheRoutes(build_site(parse_text(D_CONFIG.format(s=sites), "t.conf"),
                                     read_scripts=False))
    joined = ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)
    script = f"{sites}/project-2/mysite/wsgi.py"
    for config, lines in ((joined, f"the WSGIScriptAlias lines that name {script} (t.conf:5, "
                                   f"t.conf:10)"),
                          (None, f"every WSGIScriptAlias that names {script} (sweep with "
                                 f"--config PATH to have them named)")):
        found = result(sweep(MANIFEST, case_d(), config), SITE_2)
        assert found.cause is Cause.SETTINGS_PATH
        fix = found.fix or ""
        assert fix.index("'WSGIDaemonProcess project-2 python-path=") < \
            fix.index("A larger change instead: give project-2's package "
                      f"{sites}/project-2/mysite a name no other project on the path uses"), fix
        assert "or give one project a settings package name of its own" not in fix
        assert lines in fix, fix
        assert "(os.environ['DJANGO_SETTINGS_MODULE'] = 'NEW.settings', not setdefault); " \
               "ROOT_URLCONF and WSGI_APPLICATION in its settings.py" in fix, fix
        assert f"'grep -rn mysite {sites}/project-2' lists them" in fix, fix


def test_the_copy_pasted_directory_is_said_removable_with_its_value() -> None:
    """Re-tester R26's d2: project-2's python-path= names project-1's directory only (a
    copy-paste); the fix puts project-2's first and says project-1's can then go."""
    sites = f"{CASES}/d2-samename-daemon/root/sites"
    text = (f"WSGIDaemonProcess project-1 python-path={sites}/project-1\n"
            f"WSGIDaemonProcess project-2 python-path={sites}/project-1\n" +
            D_CONFIG.split("\n", 1)[1].format(s=sites).replace(
                "project-2/mysite/wsgi.py\n", "project-2/mysite/wsgi.py process-group=project-2\n"
            ).replace("project-1/mysite/wsgi.py\n",
                      "project-1/mysite/wsgi.py process-group=project-1\n"))
    routes = ApacheRoutes(build_site(parse_text(text, "t.conf"), read_scripts=False))
    joined = ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)
    found = result(sweep(MANIFEST, case_d(case="d2-samename-daemon"), joined), SITE_2)
    assert found.cause is Cause.SETTINGS_PATH
    assert (f"python-path={sites}/project-1 of WSGIDaemonProcess project-2 at t.conf:2 "
            f"(python-path={sites}/project-2:{sites}/project-1), before {sites}/project-1; "
            f"{sites}/project-1, project-1's, can then be removed from it "
            f"(python-path={sites}/project-2) unless project-1's code is imported by this "
            f"application too. Then restart Apache") in (found.fix or ""), found.fix


def _one_codebase(www_script: str, api_script: str, api_loaded: str = "mysite.settings",
                  www_loaded: str | None = "mysite.settings") -> dict[str, dict[str, Any]]:
    """Two instances of ONE project (re-tester R25's n1): each answer loads the project's one
    settings file, proj/mysite/settings.py; where the scripts sit is the variable."""
    def one(url: str, label: str, script: str, loaded: str | None, pid: int) -> dict[str, Any]:
        data = answer("n1", url, label, f"{pid:032x}", pid, 3000, label, ("mysite.settings",
                      loaded or "mysite.settings"), script, "2026-12-07T15:32:43.467+00:00",
                      f"nonce-{pid}-{label}-0000000000000000"[:32], True,
                      "proj/mysite/settings.py")
        if loaded is None:
            data["settings_module"]["loaded"] = None
        return data

    return {"http://site-1.example.com/": one("http://site-1.example.com/", "project-1",
                                              www_script, www_loaded, 3101),
            SITE_2: one(SITE_2, "project-2", api_script, api_loaded, 3102)}


def test_one_project_served_as_two_instances_is_no_other_projects_settings() -> None:
    # www's script below the project's top, api's at it: api's tree holds www's, and both
    # load the one settings file: one codebase (R25 n1 said www "runs api's settings file").
    report = sweep(MANIFEST, _one_codebase("proj/www/wsgi.py", "proj/api.wsgi"))
    for url in ("http://site-1.example.com/", SITE_2):
        assert result(report, url).cause is not Cause.SETTINGS_PATH, result(report, url)


def _one_codebase_config(www_path: str) -> ConfigJoin:
    """R25 n1's layout as Apache runs it: www's group with ``www_path``, api's the project."""
    s = f"{CASES}/n1/root/sites"
    text = (f"<VirtualHost *:80>\n    ServerName site-1.example.com\n"
            f"    WSGIDaemonProcess project-1 python-path={www_path.format(s=s)}\n"
            f"    WSGIScriptAlias / {s}/proj/www/wsgi.py process-group=project-1\n"
            f"</VirtualHost>\n<VirtualHost *:80>\n    ServerName site-2.example.com\n"
            f"    WSGIDaemonProcess project-2 python-path={s}/proj\n"
            f"    WSGIScriptAlias / {s}/proj/api.wsgi process-group=project-2\n"
            f"</VirtualHost>\n")
    routes = ApacheRoutes(build_site(parse_text(text, "t.conf"), read_scripts=False))
    return ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)


def test_one_project_stays_ok_with_its_configuration_and_its_rejected_name_says_both() -> None:
    for config in (None, _one_codebase_config("{s}/proj")):
        report = sweep(MANIFEST, _one_codebase("proj/www/wsgi.py", "proj/api.wsgi"), config)
        assert {t.verdict for t in report.targets} == {Verdict.OK}, report.targets
        # www's name missing from the one project's ALLOWED_HOSTS: the edit is the fix here,
        # and the answers read as R29's c-path-wrong: both fixes, no verdict of another file
        answers = _one_codebase("proj/www/wsgi.py", "proj/api.wsgi")
        answers["http://site-1.example.com/"]["request"]["host_allowed"] = False
        found = result(sweep(MANIFEST, answers, config), "http://site-1.example.com/")
        assert found.verdict is Verdict.HOST_REJECTED, found.explanation
        assert "Where it lists none, project-1 shares project-2's settings: add " \
               "'site-1.example.com' to ALLOWED_HOSTS in" in (found.fix or ""), found.fix
    assert "(python-path=" in (found.fix or "") and "at t.conf:3)" in (found.fix or "")


def test_one_project_whose_subdirectory_follows_its_top_is_no_settings_path() -> None:
    # www's python-path= lists the project's top, then www's own directory (P:P/www): the
    # order of c-path-wrong, but one project with one settings package. A name missing from
    # its ALLOWED_HOSTS must not read as another project's settings (the fix says both).
    config = _one_codebase_config("{s}/proj:{s}/proj/www")
    answers = _one_codebase("proj/www/wsgi.py", "proj/api.wsgi")
    assert {t.verdict for t in sweep(MANIFEST, answers, config).targets} == {Verdict.OK}
    answers["http://site-1.example.com/"]["request"]["host_allowed"] = False
    found = result(sweep(MANIFEST, answers, config), "http://site-1.example.com/")
    assert (found.verdict, found.cause) == (Verdict.HOST_REJECTED, None), found.explanation
    fix = found.fix or ""
    s = f"{CASES}/n1/root/sites"
    assert f"lists {s}/proj/www, which holds project-1's script and not project-2's, after " \
           f"{s}/proj: python-path={s}/proj/www:{s}/proj)" in fix, fix
    assert "Where it lists none, project-1 shares project-2's settings: add " \
           "'site-1.example.com' to ALLOWED_HOSTS in" in fix, fix


def test_a_neighbour_loading_other_settings_decides_nothing() -> None:
    # Trees apart, the file in the other's, but the other's own answers load another module
    # (R25 n2): its tree is no proof the file is its settings.
    report = sweep(MANIFEST, _one_codebase("www/mysite/wsgi.py", "proj/api.wsgi",
                                           api_loaded="other.settings"))
    assert result(report, "http://site-1.example.com/").cause is not Cause.SETTINGS_PATH


def test_a_file_without_the_modules_name_decides_nothing() -> None:
    # settings_module.file without .loaded (R25 n3: "Both name their settings None").
    report = sweep(MANIFEST, _one_codebase("www/mysite/wsgi.py", "proj/api.wsgi", www_loaded=None))
    assert result(report, "http://site-1.example.com/").cause is not Cause.SETTINGS_PATH


def test_trees_apart_and_the_owner_loading_the_file_is_settings_path() -> None:
    # The same answers with www's tree apart from api's, www's script in a package of the
    # module's name (startproject's mysite/wsgi.py): the rule still holds (so the three
    # tests above can fail). A script in no such package: T33 b's test in test_mass_hosting.
    report = sweep(MANIFEST, _one_codebase("www/mysite/wsgi.py", "proj/api.wsgi"))
    found = result(report, "http://site-1.example.com/")
    assert found.cause is Cause.SETTINGS_PATH, found.explanation
    assert "project-2's own answers load that file under the same name" in found.explanation


def test_one_script_through_a_link_is_no_other_projects_settings() -> None:
    # Tester T29's blue/green 'live' link to a colour, python-path= written resolved: live's
    # answer reports the colour's settings file, and the colour's answers a WSGI script of the
    # same modification time and code.version as live's (one file, two paths): nothing decided.
    answers = _one_codebase("www/mysite/wsgi.py", "proj/api.wsgi")
    for data in answers.values():
        data["code"] = {"version": "r2", "version_source": "file:/x/REVISION",
                        "script_mtime": "2026-12-07T16:36:53.708120+00:00"}
    report = sweep(MANIFEST, answers)
    assert result(report, "http://site-1.example.com/").cause is not Cause.SETTINGS_PATH
    # another version on the other side: two codes, the rule holds again
    answers[SITE_2]["code"] = {**answers[SITE_2]["code"], "version": "r1"}
    found = result(sweep(MANIFEST, answers), "http://site-1.example.com/")
    assert found.cause is Cause.SETTINGS_PATH, found.explanation


def _served_by(software: str, script: bool = True) -> dict[str, dict[str, Any]]:
    """Case d's answers as an application server outside mod_wsgi gives them (no groups, no
    mod_wsgi version); ``script``: an endpoint with script_file's wrap-time source."""
    answers = case_d()
    for data in answers.values():
        data["process_group"] = data["application_group"] = None
        data["server"].update(software=software, mod_wsgi_version=None)
        if not script:
            data["script_file"] = None
    return answers


def test_outside_mod_wsgi_the_fix_is_the_servers_own_path_option() -> None:
    gunicorn = result(sweep(MANIFEST, _served_by("gunicorn/23.0.0")), SITE_2)
    assert (gunicorn.verdict, gunicorn.cause) == (Verdict.SETTINGS_MISMATCH,
                                                  Cause.SETTINGS_PATH), gunicorn.explanation
    fix = gunicorn.fix or ""
    assert "Start project-2's gunicorn with --pythonpath " in fix, fix
    assert "a HUP keeps the old path" in fix and "start gunicorn again" in fix, fix
    waitress = result(sweep(MANIFEST, _served_by("waitress")), SITE_2).fix or ""
    assert "PYTHONPATH, or the directory waitress-serve starts in" in waitress, waitress
    assert "the module:variable waitress-serve is given" in waitress, waitress
    for words in (fix, waitress):
        for apache in ("python-path=", "WSGIScriptAlias", "WSGI0135", "Apache", "uWSGI"):
            assert apache not in words, (apache, words)


def test_outside_mod_wsgi_an_answer_without_script_file_decides_nothing() -> None:
    # An endpoint older than script_file's wrap-time source: no tree to tell the projects by.
    found = result(sweep(MANIFEST, _served_by("gunicorn/23.0.0", script=False)), SITE_2)
    assert found.cause is not Cause.SETTINGS_PATH, found.explanation
