"""Daemon process groups chosen per request, ``WSGIProcessGroup %{ENV:PROCESS_GROUP}`` (tester
T33's a-aliasmatch-env, real Apache 2.4.71 + mod_wsgi 6.1.1; its httpd.conf below, its answers'
values). It was said that the configuration did not decide beta.example.test's route and told
to add 'WSGIScriptAlias / .../beta/wsgi.py process-group=beta' to the *.example.test site: added,
nothing changed (the RewriteRule [L] maps the URL first) and the same fix was printed again;
the cause, the SetEnvIfNoCase catch-all read after the beta line, was never named. The two 500s
(WSGI0151 for '%{ENV:PROCESS_GROUP}' and for '__probe__') only said to read the error log, and
shared_interpreter named the apps.test VirtualHost's %{GLOBAL} line for beta and gamma, loaded
through the *.example.test one."""

from __future__ import annotations

from typing import Any

from probe import manifest
from probe.apache.config import parse_text
from probe.apache.env_vars import env_value
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin, diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target
from probe.model import Observation, Report, Sample, Verdict

from .real_answers import APACHE_MOD_WSGI, apache_server

SITES = "/srv/t33/sites"
CONF = f"""\
Listen 127.0.0.1:18433
WSGIDaemonProcess alpha processes=1 threads=2 python-path={SITES}/alpha
WSGIDaemonProcess beta  processes=1 threads=2 python-path={SITES}/beta
WSGIDaemonProcess gamma processes=1 threads=2 python-path={SITES}/gamma
<VirtualHost *:18433>
    ServerName apps.test
    SetEnvIf Request_URI "^/(alpha|beta)(/|$)" PROCESS_GROUP=$1
    WSGIProcessGroup %{{ENV:PROCESS_GROUP}}
    WSGIApplicationGroup %{{GLOBAL}}
    WSGIScriptAliasMatch "^/([^/]+)" "{SITES}/$1/$1/wsgi.py"
</VirtualHost>
<VirtualHost *:18433>
    ServerName alpha.example.test
    ServerAlias *.example.test
    SetEnvIfNoCase Host "^beta\\." PROCESS_GROUP=beta
    SetEnvIfNoCase Host "example\\.test" PROCESS_GROUP=alpha
    WSGIProcessGroup %{{ENV:PROCESS_GROUP}}
    WSGIApplicationGroup %{{GLOBAL}}
    RewriteEngine On
    RewriteCond %{{HTTP_HOST}} ^([a-z]+)\\.example\\.test$ [NC]
    RewriteRule ^/(.*)$ {SITES}/%1/%1/wsgi.py/$1 [L]
    <Directory "{SITES}">
        <Files wsgi.py>
            SetHandler wsgi-script
        </Files>
        Options +ExecCGI
    </Directory>
</VirtualHost>
<VirtualHost *:18433>
    ServerName gamma.test
    RewriteEngine On
    RewriteCond %{{HTTP_HOST}} ^([a-z]+)\\.test$ [NC]
    RewriteRule ^/(.*)$ - [E=PROCESS_GROUP:$1]
    WSGIProcessGroup %{{ENV:PROCESS_GROUP}}
    WSGIScriptAlias / "{SITES}/gamma/gamma/wsgi.py"
</VirtualHost>
"""
MANIFEST = """\
[probe]
connect = "127.0.0.1:18433"
[instances.alpha]
label = "alpha"
settings = "alpha.settings"
process_group = "alpha"
application_group = ""
urls = ["http://apps.test/alpha/", "http://alpha.example.test/"]
[instances.beta]
label = "beta"
settings = "beta.settings"
process_group = "beta"
application_group = ""
urls = ["http://apps.test/beta/", "http://beta.example.test/"]
[instances.gamma]
label = "gamma"
settings = "gamma.settings"
process_group = "gamma"
application_group = ""
urls = ["http://apps.test/gamma/", "http://gamma.example.test/", "http://gamma.test/"]
"""


def _answer(label: str, pid: int, group: str, settings: str, host: str,
            script_name: str) -> dict[str, Any]:
    """An answer with the values T33's endpoint gave (daemon mode, main interpreter)."""
    return {"schema": 1, "label": label, "instance_id": f"{label}-{host}", "pid": pid,
            "ppid": 11688, "process_group": group, "application_group": "",
            "settings_module": {"environ": settings, "loaded": settings,
                                "file": f"{SITES}/{settings.split('.')[0]}/"
                                        f"{settings.split('.')[0]}/settings.py"},
            "request": {"host": host, "server_name": host, "server_port": "80",
                        "scheme": "http", "script_name": script_name,
                        "path_info": "/__probe__"},
            "script_file": f"{SITES}/{label}/{label}/wsgi.py",
            "server": apache_server(multithread=True),
            "started_at": "2026-12-07T20:41:12.943+00:00"}


def _ok(data: dict[str, Any]) -> Sample:
    return Sample(elapsed_ms=10.0, status_code=200, endpoint=EndpointAnswer.from_json(data),
                  server=APACHE_MOD_WSGI)


def _failed() -> Sample:
    return Sample(elapsed_ms=5.0, status_code=500, server=APACHE_MOD_WSGI)


def _report() -> Report:
    routes = ApacheRoutes(build_site(parse_text(CONF, "t.conf"), read_scripts=False))
    config = ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)
    seen = {
        "http://apps.test/alpha/": _ok(_answer("alpha", 11690, "alpha", "alpha.settings",
                                               "apps.test", "/alpha")),
        "http://alpha.example.test/": _ok(_answer("alpha", 11690, "alpha", "alpha.settings",
                                                  "alpha.example.test", "")),
        "http://apps.test/beta/": _ok(_answer("beta", 11691, "beta", "beta.settings",
                                              "apps.test", "/beta")),
        "http://beta.example.test/": _ok(_answer("beta", 11690, "alpha", "alpha.settings",
                                                 "beta.example.test", "")),
        "http://gamma.example.test/": _ok(_answer("gamma", 11690, "alpha", "alpha.settings",
                                                  "gamma.example.test", "")),
        "http://apps.test/gamma/": _failed(), "http://gamma.test/": _failed()}
    m = manifest.parse(MANIFEST, "m.toml")
    expected = {u: name for name, i in m.instances.items() for u in i.urls}
    return diagnose(m, [Observation(Target(u, expected[u], "127.0.0.1:18433"), (s, s))
                        for u, s in seen.items()], config=config)


def test_the_last_setenvif_that_matches_the_host_wins() -> None:
    site = build_site(parse_text(CONF, "t.conf"), read_scripts=False)
    vhost = next(s for s in site.servers if s.server_name == "alpha.example.test")
    found = env_value(vhost.directives, "PROCESS_GROUP", "beta.example.test", "/")
    assert found.value == "alpha"
    assert [(d.line, v) for d, v in found.lines] == [(15, "beta"), (16, "alpha")]
    assert env_value(vhost.directives, "PROCESS_GROUP", "Beta.Example.Test", "/").value == \
        "alpha"


def test_a_wrong_group_a_rewrite_maps_is_told_by_its_setenvif_lines_never_an_alias() -> None:
    found = {t.url: t for t in _report().targets}
    beta = found["http://beta.example.test/"]
    assert beta.verdict is Verdict.WRONG_INSTANCE
    why, fix = beta.explanation or "", beta.fix or ""
    assert "mod_rewrite maps this URL before any alias (t.conf:21)" in why, why
    assert ("SetEnvIfNoCase Host example\\.test PROCESS_GROUP=alpha at t.conf:16 sets it, "
            "after SetEnvIfNoCase Host ^beta\\. PROCESS_GROUP=beta at t.conf:15 sets 'beta'"
            in why), why
    assert "as the answer shows (process_group 'alpha')" in why, why
    assert "WSGIScriptAlias" not in fix, fix
    assert fix.startswith("Move 'SetEnvIfNoCase Host ^beta\\. PROCESS_GROUP=beta' (t.conf:15) "
                          "below t.conf:16"), fix
    gamma = found["http://gamma.example.test/"].fix or ""
    assert gamma.startswith("Add 'SetEnvIfNoCase Host \"^gamma\\.example\\.test$\" "
                            "PROCESS_GROUP=gamma' below t.conf:16"), gamma


def test_a_500_from_a_group_variable_nothing_sets_or_the_path_sets_names_wsgi0151() -> None:
    found = {t.url: t for t in _report().targets}
    unset = found["http://apps.test/gamma/"]
    assert "nothing read sets PROCESS_GROUP" in (unset.explanation or "")
    assert ("'WSGI0151: No WSGI daemon process called '%{ENV:PROCESS_GROUP}''"
            in (unset.explanation or "")), unset.explanation
    assert (unset.fix or "").startswith(
        "Add 'SetEnvIf Request_URI \"^/gamma(/|$)\" PROCESS_GROUP=gamma'"), unset.fix
    path = found["http://gamma.test/"]
    assert "'WSGI0151: No WSGI daemon process called '__probe__''" in (path.explanation or "")
    assert (path.fix or "").startswith(
        "In RewriteRule ^/(.*)$ - [E=PROCESS_GROUP:$1] at t.conf:33, write %1"), path.fix


def test_shared_interpreter_names_the_group_line_of_each_urls_own_virtualhost() -> None:
    shared = next(f for f in _report().findings if f.code == "shared_interpreter")
    assert ("set by WSGIApplicationGroup %{GLOBAL} at t.conf:9; WSGIApplicationGroup "
            "%{GLOBAL} at t.conf:18)" in shared.explanation), shared.explanation


def test_the_ask_for_the_configuration_is_not_made_once_it_was_read() -> None:
    from probe.diagnose.join_wording import asks_spent
    from probe.diagnose.wording import Diagnosis

    # T33 b's [3], swept with the manifest's config = (no WSGIPythonPath in it)
    fix = ("Run mass-gamma in its own daemon process group (WSGIDaemonProcess + process-group= "
           "on its WSGIScriptAlias, with the python-path= the application imports from: the "
           "embedded WSGIPythonPath does not reach daemon processes (the check: the "
           "configuration's WSGIPythonPath line; sweep with --config PATH to have it named)): "
           "that separates both the interpreter and the process.")
    spent = asks_spent(Diagnosis(Verdict.SETTINGS_MISMATCH, fix=fix), None).fix
    assert "--config" not in spent, spent
    assert "WSGIPythonPath line; the configuration given has none))" in spent, spent
    named = asks_spent(Diagnosis(Verdict.SETTINGS_MISMATCH, fix=fix), "h.conf:3").fix
    assert "WSGIPythonPath line; it is at h.conf:3))" in named, named


def test_the_removal_check_drops_the_ask_for_the_configuration_read() -> None:
    # hb2's removal words (group_removal) name --config beside the error log; read, only the
    # error log's check stays
    from probe.diagnose.join_wording import asks_spent
    from probe.diagnose.wording import Diagnosis

    fix = ("the answers do not show which VirtualHost took each Host (the check: sweep with "
           "--config PATH, or the error log's \"Loading WSGI script ... into sub-interpreter\" "
           "line of each host after the change).")
    spent = asks_spent(Diagnosis(Verdict.INCONSISTENT, fix=fix), None).fix
    assert "--config" not in spent, spent
    assert "(the check: the error log's \"Loading WSGI script" in spent, spent
