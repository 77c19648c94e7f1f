"""Tester T29's real layouts for the settings-file causes (real Apache), answers
copied from the sweeps' JSON (``targets[].observed``, the fields read here).

L4 nested: a at sites/a (its WSGI script at the project's top, sites/a/wsgi.py), b beside it,
c nested in a's tree at sites/a/c (script sites/a/c/apache/django.wsgi); all three
``startproject mysite``. a-path-wrong: a's python-path=sites/a/c:sites/a, so a ran c's
settings (real pages 400 DisallowedHost by c's ALLOWED_HOSTS), and the sweep said
``host_rejected`` with a no-op "add 'a.test' to ALLOWED_HOSTS"."""

from __future__ import annotations

from typing import Any

from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin
from probe.model import Cause, Verdict
from tests.t26_answers import sweep
from tests.test_diagnose import result

L4 = "/tmp/t29/L4/sites"
L4_MANIFEST = "".join(
    f'[instances.site-{x}]\nlabel = "site-{x}"\nsettings = "mysite.settings"\n'
    f'process_group = "site-{x}"\nurls = ["http://{x}.test/"]\n' for x in "abc")
L4_SCRIPTS = {"a": f"{L4}/a/wsgi.py", "b": f"{L4}/b/mysite/wsgi.py",
              "c": f"{L4}/a/c/apache/django.wsgi"}
L4_MTIMES = {"a": "2026-12-07T16:36:20.060120+00:00", "b": "2026-12-07T16:36:19.704120+00:00",
             "c": "2026-12-07T16:36:20.156120+00:00"}
# out-a-path-wrong/02-config.json's python-path= lines (out-a-path-wrong.httpd.conf:25,30,35)
L4_CONFIG = "".join(
    f"<VirtualHost *:80>\n    ServerName {x}.test\n"
    f"    WSGIDaemonProcess site-{x} python-path={path}\n"
    f"    WSGIScriptAlias / {L4_SCRIPTS[x]} process-group=site-{x} "
    f"application-group=%{{GLOBAL}}\n</VirtualHost>\n"
    for x, path in (("a", f"{L4}/a/c:{L4}/a"), ("b", f"{L4}/b"), ("c", f"{L4}/a/c")))


def _l4(x: str, settings: str, pid: int, allowed: bool = True) -> dict[str, Any]:
    root = {"a": f"{L4}/a", "b": f"{L4}/b", "c": f"{L4}/a/c"}[x]
    return {
        "schema": 1, "label": f"site-{x}", "instance_id": f"{pid:032x}", "pid": pid,
        "ppid": 14642, "process_group": f"site-{x}", "application_group": "",
        "settings_module": {"environ": "mysite.settings", "loaded": "mysite.settings",
                            "file": settings},
        "request": {"host": f"{x}.test", "server_name": f"{x}.test", "server_port": "80",
                    "scheme": "http", "script_name": "", "path_info": "/__probe__",
                    "host_allowed": allowed},
        "script_file": L4_SCRIPTS[x],
        "server": {"software": "Apache/2.4.71 (Debian) mod_wsgi/6.1.1 Python/3.11",
                   "mod_wsgi_version": "6.1.1", "multithread": False, "multiprocess": True,
                   "hostname": "vm"},
        "code": {"version": "r1", "version_source": f"file:{root}/REVISION",
                 "script_mtime": L4_MTIMES[x], "script_loads": 1},
        "started_at": "2026-12-07T16:36:21.302+00:00", "loaded_pid": pid,
    }


def l4(mode: str) -> dict[str, dict[str, Any]]:
    """healthy: each its own settings file; a-path-wrong: a loads c's (and is refused);
    c-path-wrong (c's python-path=sites/a:sites/a/c): c loads a's (and is refused)."""
    a_file = f"{L4}/a/c/mysite/settings.py" if mode == "a-path-wrong" else \
        f"{L4}/a/mysite/settings.py"
    c_file = f"{L4}/a/mysite/settings.py" if mode == "c-path-wrong" else \
        f"{L4}/a/c/mysite/settings.py"
    return {"http://a.test/": _l4("a", a_file, 14644, allowed=mode != "a-path-wrong"),
            "http://b.test/": _l4("b", f"{L4}/b/mysite/settings.py", 14646),
            "http://c.test/": _l4("c", c_file, 14650, allowed=mode != "c-path-wrong")}


def _l4_config() -> ConfigJoin:
    routes = ApacheRoutes(build_site(parse_text(L4_CONFIG, "httpd.conf"), read_scripts=False))
    return ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)


def test_healthy_nested_projects_are_ok() -> None:
    report = sweep(L4_MANIFEST, l4("healthy"))
    assert {t.url: t.verdict for t in report.targets} == {
        "http://a.test/": Verdict.OK, "http://b.test/": Verdict.OK,
        "http://c.test/": Verdict.OK}


def test_a_running_the_nested_projects_settings_is_settings_path_not_host_rejected() -> None:
    """The file lies in a's tree only because a's script sits at its project's top: the
    sys.path entry it was found in (sites/a/c) holds c's script and not a's, and c's own
    answers load that file: the nearer owner, c."""
    for config in (None, _l4_config()):
        report = sweep(L4_MANIFEST, l4("a-path-wrong"), config)
        found = result(report, "http://a.test/")
        assert (found.verdict, found.cause) == (Verdict.SETTINGS_MISMATCH, Cause.SETTINGS_PATH)
        assert f"settings_module.file '{L4}/a/c/mysite/settings.py'" in found.explanation
        assert f"lies in site-c's project {L4}/a/c (the sys.path entry it was found in, which " \
               f"holds the WSGI script site-c's answers report and not site-a's), nested in " \
               f"site-a's {L4}/a (script_file): the nearer owner is site-c" in \
               found.explanation, found.explanation
        assert "by the ALLOWED_HOSTS of that file, site-c's" in found.explanation
        assert "Add 'a.test' to ALLOWED_HOSTS" not in (found.fix or "")
        assert f"give site-a's package ('mysite', in {L4}/a)" in (found.fix or ""), found.fix
        for url in ("http://b.test/", "http://c.test/"):
            assert result(report, url).verdict is Verdict.OK, result(report, url)
    fix = found.fix or ""
    assert (f"first in python-path={L4}/a/c:{L4}/a of WSGIDaemonProcess site-a at "
            f"httpd.conf:3 (it lists {L4}/a, the instance's script directory itself: where "
            f"its own 'mysite' package is there, python-path={L4}/a:{L4}/a/c; "
            f"the check: 'ls {L4}/a/mysite/'), before {L4}/a/c") in fix, fix
    assert "the directory of the instance's script directory" not in fix, fix
    # c's WSGIScriptAlias lies in a's tree too, but is no line a rename of a's package changes
    assert "the WSGIScriptAlias lines that name /tmp/t29/L4/sites/a/wsgi.py (httpd.conf:4);" \
        in fix, fix


def test_a_nested_entry_holding_the_instances_own_script_decides_nothing() -> None:
    # One codebase: a's script below the entry the file is found in (sites/a/c), as c's is.
    answers = l4("a-path-wrong")
    answers["http://a.test/"]["script_file"] = f"{L4}/a/c/wsgi.py"
    found = result(sweep(L4_MANIFEST, answers), "http://a.test/")
    assert found.cause is not Cause.SETTINGS_PATH, found.explanation


# L2 releases + current under Apache, python-path= written resolved (releases/r1), a deployed
# r2 (out-resolved/03-after-cv-config.json): every page served r1, the sweep said ok.
L2 = "/tmp/t29/L2"
L2_MANIFEST = ('[instances.site-a]\nlabel = "site-a"\ncode_version = "r2"\n'
               'settings = "mysite.settings"\nprocess_group = "site-a"\n'
               'urls = ["http://a.test/"]\n')
L2_CONFIG = (f"<VirtualHost *:80>\n    ServerName a.test\n    WSGIDaemonProcess site-a "
             f"python-path={L2}/a/releases/r1\n    WSGIScriptAlias / {L2}/a/current/mysite/"
             f"wsgi.py process-group=site-a application-group=%{{GLOBAL}}\n</VirtualHost>\n")
SPLIT = "settings_root_split"


def l2(settings: str = f"{L2}/a/releases/r1/mysite/settings.py",
       script: str = f"{L2}/a/current/mysite/wsgi.py") -> dict[str, dict[str, Any]]:
    data = _l4("a", settings, 9139)
    data["request"]["host"] = "a.test"
    data["script_file"] = script
    data["code"] = {"version": "r2", "version_source": f"file:{L2}/a/current/REVISION",
                    "script_mtime": "2026-12-07T16:33:50.912122+00:00", "script_loads": 1}
    return {"http://a.test/": data}


def test_a_script_through_current_and_settings_from_a_release_is_a_warning() -> None:
    for config in (None, _l4_config_of(L2_CONFIG)):
        report = sweep(L2_MANIFEST, l2(), config)
        assert result(report, "http://a.test/").verdict is Verdict.OK  # undecided: no verdict
        (finding,) = [f for f in report.findings if f.code == SPLIT]
        said = finding.explanation
        assert f"script_file '{L2}/a/current/mysite/wsgi.py' and settings_module.file " \
               f"'{L2}/a/releases/r1/mysite/settings.py'" in said, said
        assert f"code.version 'r2' is read from file:{L2}/a/current/REVISION" in said
        assert "The answers do not tell which. The check: " \
               f"'readlink -f {L2}/a/current' (is it {L2}/a/releases/r1?), or a page of the " \
               "site showing its release" in said, said
        assert "'ps -ww -o args= -p 14642'" in said
    assert f"in python-path={L2}/a/releases/r1 of WSGIDaemonProcess site-a at httpd.conf:3 " \
           f"(configured), which becomes python-path={L2}/a/current" in said, said


def test_no_split_where_the_layout_or_the_answers_say_one_tree() -> None:
    # the link mode: python-path= through current too (out/04-after-cv-config.json)
    assert not [f for f in sweep(L2_MANIFEST, l2(f"{L2}/a/current/mysite/settings.py")).findings
                if f.code == SPLIT]
    # a script beside the package, the classic apache/ directory: its own project
    assert not [f for f in sweep(L2_MANIFEST, l2("/srv/x/mysite/settings.py",
                                                 "/srv/x/apache/django.wsgi")).findings
                if f.code == SPLIT]
    # roots far apart: nothing says they are one layout's releases
    assert not [f for f in sweep(L2_MANIFEST, l2("/opt/other/mysite/settings.py")).findings
                if f.code == SPLIT]
    # L5: the colour's own instance answers with the same script (mtime, code.version)
    answers = l2()
    colour = {**answers["http://a.test/"], "label": "site-b", "process_group": "site-b",
              "script_file": f"{L2}/a/releases/r1/mysite/wsgi.py"}
    answers["http://b.test/"] = colour
    manifest = L2_MANIFEST + ('[instances.site-b]\nlabel = "site-b"\nprocess_group = "site-b"\n'
                              'urls = ["http://b.test/"]\n')
    assert not [f for f in sweep(manifest, answers).findings if f.code == SPLIT]


def _l4_config_of(text: str) -> ConfigJoin:
    routes = ApacheRoutes(build_site(parse_text(text, "httpd.conf"), read_scripts=False))
    return ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)


def _l4_paths(c_path: str) -> ConfigJoin:
    """The layout's configuration, a's and b's python-path= their own, c's ``c_path``
    (out-retest-c-path-wrong/httpd.conf:35: sites/a:sites/a/c)."""
    return _l4_config_of(L4_CONFIG.replace(f"python-path={L4}/a/c:{L4}/a", f"python-path={L4}/a")
                         .replace(f"python-path={L4}/a/c\n", f"python-path={c_path}\n"))


C_CHECK = f"'ls {L4}/a/c/apache/mysite/settings.py {L4}/a/c/mysite/settings.py'"


def test_c_loading_as_settings_is_undecided_and_its_fix_says_both() -> None:
    """Re-tester R29's L4 c-path-wrong: c imports a's mysite (a's answers load that file too).
    From the answers alone one project served as two instances reads the same: host_rejected
    stays, but its fix no longer claims the ALLOWED_HOSTS edit alone."""
    for config in (None, _l4_paths(f"{L4}/a")):
        report = sweep(L4_MANIFEST, l4("c-path-wrong"), config)
        found = result(report, "http://c.test/")
        assert found.verdict is Verdict.HOST_REJECTED, found.explanation
        fix = found.fix or ""
        assert not fix.startswith("Add 'c.test' to ALLOWED_HOSTS"), fix
        assert "Adding 'c.test' to ALLOWED_HOSTS in site-c's settings may not be the fix, and " \
               f"the answers alone do not tell: settings_module.file '{L4}/a/mysite/settings.py'" \
               in fix, fix
        assert f"lies in site-a's directory {L4}/a, where site-a's answers report its WSGI " \
               f"script, and site-a's own answers load that file too; site-c's script " \
               f"directory {L4}/a/c/apache (script_file) lies inside it" in fix, fix
        assert f"site-a's (found in {L4}/a) comes first on its import path and shadows it" \
            in fix, fix
        assert f"The check: {C_CHECK}. Where it lists a file, put that directory first on " \
               "site-c's import path" in fix, fix
        assert "then restart Apache" in fix and "'ps -ww -o args= -p 14642'" in fix, fix
        assert f"Where it lists none, site-c shares site-a's settings: add 'c.test' to " \
               f"ALLOWED_HOSTS in {L4}/a/mysite/settings.py (site-a's too)" in fix, fix
        for url in ("http://a.test/", "http://b.test/"):
            assert result(report, url).verdict is Verdict.OK, result(report, url)
    assert f"(python-path={L4}/a of WSGIDaemonProcess site-c at httpd.conf:13)" in fix, fix


def test_c_s_own_directory_listed_after_the_file_s_entry_is_named_but_decides_nothing() -> None:
    # --config: c's python-path= lists sites/a/c (c's script, not a's) after sites/a. One
    # project served as two instances lists its subdirectory after its top too (P:P/www)
    # with no settings package there: the order is named with its check, not a verdict.
    found = result(sweep(L4_MANIFEST, l4("c-path-wrong"), _l4_paths(f"{L4}/a:{L4}/a/c")),
                   "http://c.test/")
    assert found.verdict is Verdict.HOST_REJECTED, found.explanation
    assert found.cause is not Cause.SETTINGS_PATH, found.explanation
    fix = found.fix or ""
    assert f"The check: {C_CHECK}. Where it lists a file, put that directory first on " \
           f"site-c's import path (python-path={L4}/a:{L4}/a/c of WSGIDaemonProcess site-c at " \
           f"httpd.conf:13 (configured) lists {L4}/a/c, which holds site-c's script and not " \
           f"site-a's, after {L4}/a: python-path={L4}/a/c:{L4}/a), then restart Apache" \
           in fix, fix
    assert f"Where it lists none, site-c shares site-a's settings: add 'c.test' to " \
           f"ALLOWED_HOSTS in {L4}/a/mysite/settings.py" in fix, fix


def test_healthy_nested_projects_stay_ok_with_their_configuration() -> None:
    report = sweep(L4_MANIFEST, l4("healthy"), _l4_paths(f"{L4}/a/c"))
    assert {t.verdict for t in report.targets} == {Verdict.OK}, report.targets
