"""Lint and discover on Apache configurations that choose the route per request: tester T33's
real Apache 2.4.71 + mod_wsgi 6.1.1 cases (a-aliasmatch-env, b-mass-macro), their lines kept,
their paths moved under tmp_path. Each broken line gives one finding naming it; the
configuration T33 fixed (sweep all ok) gives none of them."""

from __future__ import annotations

from pathlib import Path

from probe.discover.apache import discover_site
from probe.discover.manifest_text import render
from probe.lint import lint_paths

CASE_A = """\
Listen 127.0.0.1:18433
WSGIDaemonProcess alpha processes=1 threads=2
WSGIDaemonProcess beta  processes=1 threads=2
WSGIDaemonProcess gamma processes=1 threads=2
<VirtualHost *:18433>
    ServerName apps.test
    SetEnvIf Request_URI "^/(alpha{GAMMA_PATH})(/|$)" PROCESS_GROUP=$1
    WSGIProcessGroup %{ENV:PROCESS_GROUP}
    WSGIApplicationGroup %{GLOBAL}
    WSGIScriptAliasMatch "^/([^/]+)" "/srv/sites/$1/$1/wsgi.py"
</VirtualHost>
<VirtualHost *:18433>
    ServerName alpha.example.test
    ServerAlias *.example.test
{HOST_LINES}
    WSGIProcessGroup %{ENV:PROCESS_GROUP}
    WSGIApplicationGroup %{GLOBAL}
    RewriteEngine On
    RewriteCond %{HTTP_HOST} ^([a-z]+)\\.example\\.test$ [NC]
    RewriteRule ^/(.*)$ /srv/sites/%1/%1/wsgi.py/$1 [L]
    <Directory "/srv/sites">
        <Files wsgi.py>
            SetHandler wsgi-script
        </Files>
    </Directory>
</VirtualHost>
<VirtualHost *:18433>
    ServerName gamma.test
    RewriteEngine On
    RewriteCond %{HTTP_HOST} ^([a-z]+)\\.test$ [NC]
    RewriteRule ^/(.*)$ - [E=PROCESS_GROUP:{CAPTURE}]
    WSGIProcessGroup %{ENV:PROCESS_GROUP}
    WSGIScriptAlias / "/srv/sites/gamma/gamma/wsgi.py"
</VirtualHost>
"""
BROKEN_HOSTS = ('    SetEnvIfNoCase Host "^beta\\." PROCESS_GROUP=beta\n'
                '    SetEnvIfNoCase Host "example\\.test" PROCESS_GROUP=alpha')
FIXED_HOSTS = ('    SetEnvIfNoCase Host "example\\.test" PROCESS_GROUP=alpha\n'
               '    SetEnvIfNoCase Host "^beta\\." PROCESS_GROUP=beta\n'
               '    SetEnvIfNoCase Host "^gamma\\." PROCESS_GROUP=gamma')


def _case_a(tmp_path: Path, *, fixed: bool) -> Path:
    text = (CASE_A.replace("{GAMMA_PATH}", "|beta|gamma" if fixed else "|beta")
            .replace("{HOST_LINES}", FIXED_HOSTS if fixed else BROKEN_HOSTS)
            .replace("{CAPTURE}", "%1" if fixed else "$1"))
    conf = tmp_path / "httpd.conf"
    conf.write_text(text)
    return conf


def _codes(conf: Path) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in lint_paths([conf]).findings]


def test_t33_a_each_per_request_fault_is_named_at_its_line(tmp_path: Path) -> None:
    findings = {f.code: f for f in lint_paths([_case_a(tmp_path, fixed=False)]).findings}
    unset = findings["env_group_unset"]
    assert unset.line == 8  # the WSGIProcessGroup %{ENV:PROCESS_GROUP} of apps.test
    assert "http://apps.test:18433/gamma/" in unset.message
    assert "httpd.conf:7" in unset.message and "WSGI0151" in unset.message
    overlap = findings["setenvif_overlap"]
    assert overlap.line == 16  # the broad "example\.test" line, after the ^beta\. one
    assert "'beta.example.test'" in overlap.message and "httpd.conf:15" in overlap.message
    assert "daemon group 'alpha', not 'beta'" in overlap.message
    capture = findings["rewrite_env_path_group"]
    assert capture.line == 32
    assert capture.fix is not None and "[E=PROCESS_GROUP:%1]" in capture.fix
    assert "httpd.conf:31" in capture.fix  # the RewriteCond that captures the host


def test_t33_a_fixed_configuration_is_clean_of_them(tmp_path: Path) -> None:
    codes = {c for c, _ in _codes(_case_a(tmp_path, fixed=True))}
    assert not codes & {"env_group_unset", "setenvif_overlap", "rewrite_env_path_group"}


def test_t33_a_discover_names_the_rewrite_virtualhost(tmp_path: Path) -> None:
    found = discover_site([_case_a(tmp_path, fixed=False)])
    said = [s for s in found.skipped if "(alpha.example.test)" in s]
    assert len(said) == 1 and "RewriteRule ^/(.*)$" in said[0]
    assert "SetHandler wsgi-script at" in said[0] and "by hand" in said[0]


def _case_b(tmp_path: Path, *, gamma_define: bool) -> Path:
    vhosts = tmp_path / "vhosts"
    for name in ("alpha", "beta", "gamma"):
        site = vhosts / f"{name}.mass.test"
        site.mkdir(parents=True)
        (site / "app.wsgi").write_text(
            f'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "{name}.settings")\n'
            f"application = None\n")
    (vhosts / "nosite-file").write_text("")  # a file there is no site
    enabled = tmp_path / "sites-enabled"
    enabled.mkdir()
    (enabled / "00-macro.conf").write_text(
        "<Macro DjangoSite $host $project $group>\n<VirtualHost *:18434>\n"
        "    ServerName $host\n    WSGIScriptAlias / ${SITES}/$project/wsgi.py "
        "process-group=$group\n</VirtualHost>\n</Macro>\n")
    (enabled / "alpha.conf").write_text("Define GROUP alpha\nUse DjangoSite a.macro.test "
                                        "alpha ${GROUP}\n")
    (enabled / "beta.conf").write_text("Define GROUP beta\nUse DjangoSite b.macro.test "
                                       "beta ${GROUP}\n")
    (enabled / "gamma.conf").write_text("# copied from beta.conf\n"
                                        + ("Define GROUP gamma\n" if gamma_define else "")
                                        + "Use DjangoSite c.macro.test gamma ${GROUP}\n")
    conf = tmp_path / "httpd.conf"
    conf.write_text(f"""\
Listen 127.0.0.1:18434
Define SITES {tmp_path}/sites
WSGIDaemonProcess alpha
WSGIDaemonProcess beta
WSGIDaemonProcess gamma
<VirtualHost *:18434>
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
IncludeOptional "{enabled}/*.conf"
""")
    return conf


def test_t33_b_embedded_global_mass_vhost_shares_the_main_interpreter(tmp_path: Path) -> None:
    conf = _case_b(tmp_path, gamma_define=True)
    [shared] = [f for f in lint_paths([conf]).findings if f.code == "shared_interpreter"]
    assert (shared.line, shared.severity) == (10, "error")  # WSGIApplicationGroup %{GLOBAL}
    assert "main interpreter of each Apache child process" in shared.message
    assert "sub interpreter" not in shared.message.split(":")[0]
    # R33: removing the line leaves %{RESOURCE}, one for every host: never said to separate
    assert shared.fix is not None
    assert shared.fix.startswith("replace WSGIApplicationGroup %{GLOBAL} at ")
    assert "%{RESOURCE}" not in shared.fix
    for name in ("alpha", "beta", "gamma"):
        assert f"{name}.mass.test/app.wsgi (setdefault {name}.settings)" in shared.message


def test_r33_mass_vhost_without_a_group_line_still_shares_resource(tmp_path: Path) -> None:
    # R33 removed the %{GLOBAL} line as lint said: error_log "Loading ... into sub-interpreter
    # 'mass.test|/app.wsgi'" for all three hosts (%{RESOURCE}: ServerName and mount)
    conf = _case_b(tmp_path, gamma_define=True)
    conf.write_text(conf.read_text().replace("    WSGIApplicationGroup %{GLOBAL}\n", ""))
    [shared] = [f for f in lint_paths([conf]).findings if f.code == "shared_interpreter"]
    assert shared.line == 9  # the VirtualDocumentRoot line: no group line to name
    assert "same sub interpreter of each Apache child process" in shared.message
    assert "(application group 'mass.test|/app.wsgi')" in shared.message
    assert shared.fix is not None and "%{RESOURCE}" not in shared.fix
    assert shared.fix.startswith("add to <VirtualHost>")
    assert "WSGIApplicationGroup %{ENV:APP_GROUP} with 'SetEnvIfNoCase Host " \
           "\"^([^:]+)\" APP_GROUP=$1'" in shared.fix


def test_r33_mass_vhost_with_a_group_per_host_is_clean(tmp_path: Path) -> None:
    conf = _case_b(tmp_path, gamma_define=True)
    conf.write_text(conf.read_text().replace(
        "    WSGIApplicationGroup %{GLOBAL}\n",
        "    SetEnvIfNoCase Host \"^([^:]+)\" APP_GROUP=$1\n"
        "    WSGIApplicationGroup %{ENV:APP_GROUP}\n"))
    assert not [f for f in lint_paths([conf]).findings if f.code == "shared_interpreter"]


def test_t33_b_define_from_a_sibling_file_names_both_lines(tmp_path: Path) -> None:
    conf = _case_b(tmp_path, gamma_define=False)
    [found] = [f for f in lint_paths([conf]).findings if f.code == "define_from_other_file"]
    assert (Path(found.file).name, found.line) == ("gamma.conf", 2)
    assert "beta.conf:1" in found.message and "'beta'" in found.message
    fixed = _case_b(tmp_path / "fixed", gamma_define=True)
    # SITES, defined once in httpd.conf for every file, is no per-file variable
    assert not [f for f in lint_paths([fixed]).findings if f.code == "define_from_other_file"]


def test_t33_b_discover_lists_the_mass_hosted_sites(tmp_path: Path) -> None:
    found = discover_site([_case_b(tmp_path, gamma_define=True)])
    urls = {u.url for i in found.instances for u in i.urls}
    assert {f"http://{n}.mass.test:18434/app.wsgi" for n in ("alpha", "beta", "gamma")} <= urls
    mass = next(i for i in found.instances if i.name == "beta.mass.test")
    assert (mass.settings, mass.application_group, mass.process_group) == \
        ("beta.settings", "", None)
    text = render(found)
    assert "has no WSGIScriptAlias, DocumentRoot" not in text
    assert "http://unknown.invalid:18434/" in [u.url for u in found.refuse]


def test_t33_shared_daemon_global_is_worded_as_the_main_interpreter(tmp_path: Path) -> None:
    conf = _case_b(tmp_path, gamma_define=False)
    macro = tmp_path / "sites-enabled" / "00-macro.conf"
    macro.write_text(macro.read_text().replace(
        "process-group=$group", "process-group=$group application-group=%{GLOBAL}"))
    (tmp_path / "sites").mkdir()
    for name in ("beta", "gamma"):
        (tmp_path / "sites" / name).mkdir()
        (tmp_path / "sites" / name / "wsgi.py").write_text(
            f'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "{name}.settings")\n')
    shared = [f for f in lint_paths([conf]).findings if f.code == "shared_interpreter"
              and "macro" in f.message]
    assert shared and "same main interpreter of daemon process group 'beta' " \
                      "(application group %{GLOBAL})" in shared[0].message
    assert "same sub interpreter" not in shared[0].message


def test_r33_fixes_for_a_macro_body_line_name_the_use_never_the_body(tmp_path: Path) -> None:
    # R33 #9: shared_interpreter (at 00-macro.conf:4) and unused_daemon said "process-group=
    # ... on its WSGIScriptAlias": the macro body every Use reads (T33's failed fix)
    conf = _case_b(tmp_path, gamma_define=False)
    for name in ("alpha", "beta", "gamma"):
        (tmp_path / "sites" / name).mkdir(parents=True)
        (tmp_path / "sites" / name / "wsgi.py").write_text(
            f'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "{name}.settings")\n')
    macro = tmp_path / "sites-enabled" / "00-macro.conf"
    macro.write_text(macro.read_text().replace(
        "process-group=$group", "process-group=$group application-group=%{GLOBAL}"))
    found = lint_paths([conf]).findings
    [shared] = [f for f in found if f.code == "shared_interpreter"
                and Path(f.file).name == "00-macro.conf"]
    assert shared.fix is not None
    assert "on its WSGIScriptAlias" not in shared.fix, shared.fix
    assert "at its Use of macro DjangoSite, " in shared.fix
    assert "gamma.conf:2, whose $group is ${GROUP}, which takes 'beta' from Define GROUP at " \
           in shared.fix and "beta.conf:1" in shared.fix
    assert "00-macro.conf:4, the body of macro DjangoSite, read for every Use of it" in shared.fix
    [unused] = [f for f in found if f.code == "unused_daemon"]
    assert unused.fix is not None and "never in the body" in unused.fix
    for use in ("alpha.conf:2", "beta.conf:2", "gamma.conf:2"):
        assert use in unused.fix, unused.fix
