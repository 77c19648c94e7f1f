"""The endings and words of fixes that edit the front's file, from re-tester R30's run of tester
T30's uWSGI Emperor (tests/t30_answers.py behind nginx, tests/t30_apache_answers.py behind
Apache mod_proxy_uwsgi):

* an alternative that edits the front's file ends with the front's reload even where another
  part of the fix names uWSGI's (the re-pointed uwsgi_pass of wrong_module);
* Apache's mount fix through mod_proxy_uwsgi ends with Apache's graceful restart;
* the file named in those endings is the absolute path of the file read ('-f' as ps shows it);
* without --config, uWSGI's answers behind Apache get uWSGI's per-path mount, never
  mod_wsgi's WSGIScriptAlias nor the claim that its mounts are the whole server's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.apache import load_site
from probe.apache.route import ApacheRoutes
from probe.diagnose import ConfigJoin
from probe.diagnose.config_reload import ended
from probe.model import Observation
from probe.nginx import load_nginx
from tests import t30_answers as t30
from tests.nginx.test_emperor_t30 import SITE3, line, sweep
from tests.t30_apache_answers import SITE3_APP
from tests.test_apache_uwsgi_proxy import APP, HTTPD, answer, one, seen
from tests.test_apache_uwsgi_proxy import sweep as apache_sweep


def test_the_repointed_pass_ends_with_nginx_reload_by_the_absolute_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """out-retest 02 [5]: the fix's uWSGI part says 'reload uWSGI'; its other reading, the
    re-point at nginx.conf:52, ended '...then serves no URL of this sweep.' with no reload."""
    (tmp_path / "uwsgi_params").write_text("uwsgi_param QUERY_STRING $query_string;\n")
    (tmp_path / "nginx.conf").write_text(t30.nginx_conf())
    monkeypatch.chdir(tmp_path)
    fix = sweep(ConfigJoin(load_nginx("nginx.conf")))[SITE3].fix
    path = tmp_path / "nginx.conf"
    passed = line(path, "uwsgi_pass unix:" + t30.RUN + "/site4")
    assert "reload uWSGI: send HUP to its master" in fix, fix
    assert fix.endswith(
        f"then serves no URL of this sweep. nginx reads this file only when it starts or "
        f"reloads: after the edit run 'nginx -t -c {path}', then 'nginx -s reload -c {path}', "
        f"each with the -p and -g its master shows ('ps -ww -o pid=,args= -C nginx': after "
        f"'nginx: master process'; -g's value quoted again), or 'kill -HUP' that master's "
        f"pid."), fix
    assert f"at {path}:{passed}, pass to site3's upstream" in fix, fix


def _apache(tmp: Path) -> ConfigJoin:
    """The tester's httpd.conf after the first fixes (catch-all, site3's port), read by the
    relative path 'httpd.conf' as --config gave it."""
    from tests.test_apache_uwsgi_proxy import CATCH_ALL

    (tmp / "httpd.conf").write_text(HTTPD.format(
        catch_all=CATCH_ALL, app="uwsgi://127.0.0.1:18403/shop/", run=tmp, site3_port=18403,
        preserve=""))
    front = ApacheRoutes(load_site([Path("httpd.conf")]))
    return ConfigJoin(front, {}, front.divergence, front.intended, front.refuse_block)


def _site3_root() -> list[Observation]:
    """site1.test/app/ stripped to site3's /shop mount, and site3.test/ at / on the same
    processes (out-retest 12)."""
    root = answer(SITE3_APP, "proxy:uwsgi://127.0.0.1:18403/__probe__", host="site3.test",
                  server_name="site3.test", script_name="", request_uri="/__probe__",
                  host_allowed=True)
    return [seen(APP, "site3", answer(SITE3_APP, host_allowed=True)),
            seen("http://site3.test/", "site3", root)]


def test_apaches_uwsgi_mount_fix_ends_with_its_graceful_restart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """out-retest 12 (--config): 'At httpd.conf:27, pass the URL's path ...' printed no
    restart; out-retest 11: the restart named '-f cases/emperor/apache/httpd.conf' where ps
    shows the absolute path."""
    monkeypatch.chdir(tmp_path)
    fix = one(apache_sweep(_site3_root(), _apache(tmp_path)), APP).fix
    assert fix.startswith("At httpd.conf:"), fix
    assert "uWSGI reads its mounts when it starts. After the edit, restart Apache " \
           "gracefully (it reads its configuration only when it starts or restarts)" in fix, fix
    assert f"the one that shows '-f {tmp_path}/httpd.conf' runs this file" in fix, fix
    assert "'-f httpd.conf'" not in fix, fix


def test_without_config_uwsgi_behind_apache_gets_uwsgis_per_path_mount() -> None:
    """out-retest 12 (no --config): 'Mount the application at /app with WSGIScriptAlias'
    for uWSGI's answer (no mod_wsgi there), and 'they are options of the whole uWSGI server'
    where the --config fix's '--mount /app=...' worked (every URL, /shop/ too, stayed ok)."""
    fix = one(apache_sweep(_site3_root(), None), APP).fix
    assert "WSGIScriptAlias" not in fix and "mod_wsgi" not in fix, fix
    assert "options of the whole" not in fix, fix
    assert fix.startswith(
        "Have the front pass the URL's path with /app kept (mod_proxy_uwsgi hands uWSGI the "
        "ProxyPass target's path and the rest of the URL as PATH_INFO, now script_file "
        "'proxy:uwsgi://127.0.0.1:18403/shop/__probe__', request.script_name '/shop', "
        "request.path_info '/__probe__': the ProxyPass for /app/ needs a target whose path is "
        "/app/), and mount the application at /app in uWSGI (server.uwsgi.version): '--mount "
        "/app=<its WSGI file>' (ini: 'mount = /app=<its WSGI file>') beside any mount it has, "
        "and '--manage-script-name': uWSGI mounts per path"), fix
    assert "as the other URL these processes serve (next) does where its path does not " \
           "start with /app" in fix and "Not FORCE_SCRIPT_NAME" in fix, fix


def test_an_ending_after_a_parenthesis_gets_its_full_stop() -> None:
    """out-retest 02 [6]: '...passes to the wrong one) nginx reads this file only...'."""
    assert ended("At x:1, pass (lint says so)", "Reload.") == \
        "At x:1, pass (lint says so). Reload."
    assert ended("At x:1, pass.", "Reload.") == "At x:1, pass. Reload."
