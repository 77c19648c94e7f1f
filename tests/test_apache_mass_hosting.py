"""Mass virtual hosting and mod_macro/Define (tester T33's b-mass-macro, real Apache 2.4.71 +
mod_wsgi 6.1.1; its configuration below with its paths under a temporary directory, its
answers' values). Three things were false there: every *.mass.test URL "predicts script_file
'none (no WSGI mount)'" where Apache ran vhosts/<host>/app.wsgi (VirtualDocumentRoot +
AddHandler wsgi-script + DirectoryIndex); alpha.mass.test, loading the manifest's
alpha.settings from the project its app.wsgi puts on sys.path, was settings_mismatch
(settings_path) naming a package and a WSGIPythonPath that do not exist; and the fix of
gamma.macro.test edited the macro body shared by three sites (all three then answered 500)
where gamma.conf:2's ${GROUP} was beta.conf:1's Define."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from probe import manifest
from probe.apache.config import parse_paths
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.apache.vhost_alias import interpolate
from probe.diagnose import ConfigJoin, diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target
from probe.model import Cause, Observation, Report, Sample, Verdict

from .real_answers import APACHE_MOD_WSGI, apache_server

HTTPD = """\
Listen 127.0.0.1:18434
Define SITES {root}/sites
WSGIDaemonProcess alpha processes=1 threads=2 python-path=${{SITES}}/alpha
WSGIDaemonProcess beta  processes=1 threads=2 python-path=${{SITES}}/beta
WSGIDaemonProcess gamma processes=1 threads=2 python-path=${{SITES}}/gamma
<VirtualHost *:18434>
    ServerName mass.test
    ServerAlias *.mass.test
    VirtualDocumentRoot "{root}/vhosts/%0"
    WSGIApplicationGroup %{{GLOBAL}}
    <Directory "{root}/vhosts">
        Options {options}
        AddHandler wsgi-script .wsgi
        DirectoryIndex app.wsgi
        Require all granted
    </Directory>
</VirtualHost>
IncludeOptional "{root}/sites-enabled/*.conf"
"""
MACRO = """\
<Macro DjangoSite $host $project $group>
<VirtualHost *:18434>
    ServerName $host
    WSGIScriptAlias / ${SITES}/$project/$project/wsgi.py process-group=$group \
application-group=%{GLOBAL}
</VirtualHost>
</Macro>
"""
SITES = {"alpha.conf": "Define GROUP alpha\nUse DjangoSite alpha.macro.test alpha ${GROUP}\n",
         "beta.conf": "Define GROUP beta\nUse DjangoSite beta.macro.test beta ${GROUP}\n",
         "gamma.conf": "# BROKEN: copied from beta.conf, the Define line dropped\n"
                       "Use DjangoSite gamma.macro.test gamma ${GROUP}\n"}


def _tree(root: Path, options: str = "+ExecCGI") -> ApacheRoutes:
    (root / "sites-enabled").mkdir()
    (root / "sites-enabled" / "00-macro.conf").write_text(MACRO)
    for name, text in SITES.items():
        (root / "sites-enabled" / name).write_text(text)
    for host in ("alpha", "beta", "gamma"):
        (root / "vhosts" / f"{host}.mass.test").mkdir(parents=True)
        (root / "vhosts" / f"{host}.mass.test" / "app.wsgi").write_text("application = 1\n")
    (root / "httpd.conf").write_text(HTTPD.format(root=root, options=options))
    return ApacheRoutes(build_site(parse_paths([root / "httpd.conf"]), read_scripts=False))


@pytest.mark.parametrize(("pattern", "expected"), [
    ("/v/%0", "/v/www.alpha.mass.test"), ("/v/%1", "/v/www"), ("/v/%-1", "/v/test"),
    ("/v/%2+", "/v/alpha.mass.test"), ("/v/%-2+", "/v/www.alpha.mass"), ("/v/%-2", "/v/mass"),
    ("/v/%2.1/%2.2+", "/v/a/lpha"), ("/v/%2.-1", "/v/a"), ("/v/%2.-2+", "/v/alph"),
    ("/v/%5", "/v/_"), ("/v/%1.9", "/v/_"), ("/v/%p/%%", "/v/8080/%"),
    ("/v/%0/", "/v/www.alpha.mass.test"),
])
def test_virtual_document_root_interpolates_the_host_as_mod_vhost_alias(pattern: str,
                                                                       expected: str) -> None:
    # mod_vhost_alias's docs: %N.M parts and characters, - from the end, + and the rest
    assert interpolate(pattern, "WWW.Alpha.mass.test", 8080) == expected


def test_a_mass_host_runs_its_directorys_script_by_the_wsgi_script_handler(
        tmp_path: Path) -> None:
    routes = _tree(tmp_path)
    route = routes.route("http://alpha.mass.test/app.wsgi/", "127.0.0.1:18434")
    assert route.script_file == f"{tmp_path}/vhosts/alpha.mass.test/app.wsgi"
    assert (route.script_name, route.process_group, route.application_group) == \
        ("/app.wsgi", "", "")
    mount = route.step("mount")
    assert mount is not None and mount.source is not None and mount.source.line == 13
    assert "AddHandler wsgi-script .wsgi" in mount.rule, mount.rule
    index = routes.route("http://beta.mass.test/", "127.0.0.1:18434")  # DirectoryIndex
    assert index.script_file == f"{tmp_path}/vhosts/beta.mass.test/app.wsgi"
    # no directory for the host here: not a prediction of "no application"
    nosite = routes.route("http://nosite.mass.test/app.wsgi/", "127.0.0.1:18434")
    assert nosite.undecided and "cannot decide this route" in nosite.undecided
    assert f"'ls -la {tmp_path}/vhosts/nosite.mass.test'" in nosite.undecided


def test_without_execcgi_mod_wsgi_refuses_the_handlers_script(tmp_path: Path) -> None:
    route = _tree(tmp_path, options="Indexes").route("http://alpha.mass.test/app.wsgi/",
                                                     "127.0.0.1:18434")
    assert route.refused and route.script_file is None


def _answer(label: str, pid: int, group: str, settings: str, host: str, script: str,
            script_name: str = "", root: str = "/t33") -> dict[str, Any]:
    project = settings.split(".")[0]
    return {"schema": 1, "label": label, "instance_id": f"{label}-{pid}", "pid": pid,
            "ppid": 17963, "process_group": group, "application_group": "",
            "settings_module": {"environ": settings, "loaded": settings,
                                "file": f"{root}/sites/{project}/{project}/settings.py"},
            "request": {"host": host, "server_name": host, "server_port": "80",
                        "scheme": "http", "script_name": script_name,
                        "path_info": "/__probe__"},
            "script_file": script.replace("/t33", root), "server": apache_server(multithread=True),
            "started_at": "2026-12-07T20:42:57.587+00:00"}


MANIFEST = """\
[probe]
connect = "127.0.0.1:18434"
[instances.mass-alpha]
label = "mass-alpha"
settings = "alpha.settings"
urls = ["http://alpha.mass.test/app.wsgi/"]
[instances.alpha]
label = "alpha"
settings = "alpha.settings"
process_group = "alpha"
urls = ["http://alpha.macro.test/"]
[instances.beta]
label = "beta"
settings = "beta.settings"
process_group = "beta"
urls = ["http://beta.macro.test/"]
[instances.gamma]
label = "gamma"
settings = "gamma.settings"
process_group = "gamma"
urls = ["http://gamma.macro.test/"]
"""


def _report(config: ConfigJoin | None, root: str = "/t33") -> Report:
    seen = {"http://alpha.mass.test/app.wsgi/": _answer(
                "mass-alpha", 17968, "", "alpha.settings", "alpha.mass.test",
                "/t33/vhosts/alpha.mass.test/app.wsgi", "/app.wsgi", root),
            "http://alpha.macro.test/": _answer(
                "alpha", 17965, "alpha", "alpha.settings", "alpha.macro.test",
                "/t33/sites/alpha/alpha/wsgi.py", root=root),
            "http://beta.macro.test/": _answer(
                "beta", 17966, "beta", "beta.settings", "beta.macro.test",
                "/t33/sites/beta/beta/wsgi.py", root=root),
            # gamma's script in beta's daemon (gamma.conf:2's ${GROUP} is beta's)
            "http://gamma.macro.test/": _answer(
                "gamma", 17966, "beta", "gamma.settings", "gamma.macro.test",
                "/t33/sites/gamma/gamma/wsgi.py", root=root)}
    m = manifest.parse(MANIFEST, "m.toml")
    expected = {u: name for name, i in m.instances.items() for u in i.urls}
    return diagnose(m, [Observation(Target(u, expected[u], "127.0.0.1:18434"), (Sample(
        elapsed_ms=10.0, status_code=200, endpoint=EndpointAnswer.from_json(data),
        server=APACHE_MOD_WSGI),)) for u, data in seen.items()], config=config)


def test_the_manifests_settings_from_a_path_the_script_sets_is_no_settings_path() -> None:
    # app.wsgi in vhosts/alpha.mass.test, no 'alpha' package there: it puts sites/alpha on
    # sys.path itself and loads the manifest's alpha.settings, alpha's file (alpha's answers
    # load it too): the file it is meant to run, not another project's shadowing its own.
    found = {t.url: t for t in _report(None).targets}
    mass = found["http://alpha.mass.test/app.wsgi/"]
    assert (mass.verdict, mass.cause) == (Verdict.OK, None), mass.explanation
    assert "WSGIPythonPath" not in (mass.fix or "")


def test_a_group_from_a_macros_use_names_that_use_and_its_define_never_the_body(
        tmp_path: Path) -> None:
    routes = _tree(tmp_path)
    config = ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)
    found = {t.url: t for t in _report(config, str(tmp_path)).targets}
    # the mass host's route is the handler's script, as Apache ran it (no "no WSGI mount")
    mass = found["http://alpha.mass.test/app.wsgi/"]
    assert mass.verdict is Verdict.OK and "no WSGI mount" not in (mass.explanation or "")
    gamma = found["http://gamma.macro.test/"]
    assert (gamma.verdict, gamma.cause) == (Verdict.WRONG_INSTANCE, Cause.PROCESS_GROUP_SCOPE)
    fix, enabled = gamma.fix or "", f"{tmp_path}/sites-enabled"
    assert fix.startswith(
        f"At {enabled}/gamma.conf:2, the Use of macro DjangoSite for this site, $group is "
        f"${{GROUP}}, which is 'beta' there: Define GROUP beta at {enabled}/beta.conf:1"), fix
    assert f"Add 'Define GROUP gamma' on the line before {enabled}/gamma.conf:2" in fix
    assert f"Do not edit {enabled}/00-macro.conf:4: it is the body of macro DjangoSite" in fix
    assert "Put process-group=" not in fix and "Do not rename" not in fix, fix
