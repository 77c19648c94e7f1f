"""A ``uwsgi_pass`` route's mount and host steps, from the ``uwsgi_param`` lines in force
(``include uwsgi_params;`` read, inherited, replaced, or not read), and the sweep's mount and
Host fixes in uWSGI's terms (tests/integration/test_nginx_uwsgi_params.py applies one to
real nginx and uWSGI)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

from probe.diagnose import ConfigJoin, diagnose
from probe.diagnose.config_reload import nginx_reload
from probe.diagnose.mount_words import mount_fix
from probe.endpoint_answer import EndpointAnswer
from probe.front import FrontKind, PredictedRoute, RouteStep
from probe.lint import lint_nginx
from probe.manifest import parse
from probe.model import Observation
from probe.nginx import load_nginx
from tests.test_diagnose import ep, thrice

PARAMS = """uwsgi_param  QUERY_STRING       $query_string;
uwsgi_param  PATH_INFO          $document_uri;
uwsgi_param  SERVER_NAME        $server_name;
"""
CONF = """events {{}}
http {{
    server {{
        listen 127.0.0.1:18080;
        server_name site.test;
{server}
        location /two/ {{
{location}
            uwsgi_pass 127.0.0.1:8002;
        }}
    }}
}}
"""
URL = "http://site.test/two/"
# script_name declared: a whole path with SCRIPT_NAME '' is otherwise undecided (mount_undecided)
MANIFEST = """
[instances.two]
label = "two"
script_name = "/two"
urls = ["http://site.test/two/"]
"""


def _conf(tmp_path: Path, location: str, server: str = "", params: str = PARAMS) -> Path:
    (tmp_path / "uwsgi_params").write_text(params)
    conf = tmp_path / "nginx.conf"
    conf.write_text(CONF.format(server=server, location=location))
    return conf


def _route(conf: Path, url: str = URL) -> PredictedRoute:
    return load_nginx(str(conf)).route(url, "127.0.0.1:18080")


def _step(route: PredictedRoute, stage: str) -> RouteStep:
    step = route.step(stage)
    assert step is not None, route.steps
    return step


def test_the_lines_of_the_include_read_are_cited(tmp_path: Path) -> None:
    conf = _conf(tmp_path, "            include uwsgi_params;")
    route = _route(conf, "http://site.test:8080/two/x")
    mount, host = _step(route, "mount"), _step(route, "host")
    params = tmp_path / "uwsgi_params"
    assert mount.decision == "PATH_INFO /two/x, SCRIPT_NAME ''"
    assert str(mount.source) == f"{params}:2"
    assert mount.rule.startswith(
        f"'uwsgi_param PATH_INFO $document_uri' at {params}:2 passes PATH_INFO /two/x; no "
        f"uwsgi_param SCRIPT_NAME in force: the application receives SCRIPT_NAME '' unless "
        f"uWSGI's own '--mount' with '--manage-script-name' sets it"), mount.rule
    assert mount.rule.endswith(f"the uwsgi_param lines in force are those of the block at "
                               f"{conf}:7"), mount.rule
    # no HTTP_HOST line: nginx passes the client's Host header as it came (port too)
    assert host.decision == "site.test:8080" and route.host_sent == "site.test:8080"
    assert "no uwsgi_param HTTP_HOST in force: nginx passes the client's Host" in host.rule


SERVER_LINES = "        include uwsgi_params;\n        uwsgi_param HTTP_HOST $server_name;"


def test_a_location_with_lines_of_its_own_inherits_none(tmp_path: Path) -> None:
    conf = _conf(tmp_path, "            uwsgi_param SCRIPT_NAME /two;", server=SERVER_LINES)
    route = _route(conf, "http://site.test/two/x")
    mount = _step(route, "mount")
    # the server's include (PATH_INFO) and HTTP_HOST are not in force in the location
    assert mount.decision == "PATH_INFO (none), SCRIPT_NAME '/two'", mount
    assert "no uwsgi_param PATH_INFO in force" in mount.rule
    assert f"'uwsgi_param SCRIPT_NAME /two' at {conf}:9" in mount.rule
    assert "'uwsgi_param HTTP_HOST" not in _step(route, "host").rule
    inherited = _route(_conf(tmp_path, "", server=SERVER_LINES), "http://www.site.test/two/x")
    host = _step(inherited, "host")
    assert host.decision == "site.test" and inherited.host_sent == "site.test"
    assert host.rule.startswith(f"'uwsgi_param HTTP_HOST $server_name' at {conf}:7 passes "
                                f"HTTP_HOST in place of the client's Host"), host.rule


def test_an_unread_params_file_leaves_host_and_mount_undecided(tmp_path: Path) -> None:
    site = tmp_path / "sites-enabled"
    site.mkdir()
    path = site / "two"
    path.write_text("server {\n    listen 127.0.0.1:18080;\n    server_name site.test;\n"
                    "    location /two/ {\n        include uwsgi_params;\n"
                    "        uwsgi_pass 127.0.0.1:8002;\n    }\n}\n")
    route = load_nginx(str(path)).route(URL, "127.0.0.1:18080")
    assert route.undecided is not None
    mount, host = _step(route, "mount"), _step(route, "host")
    assert mount.decision == host.decision == "(not known)"
    assert mount.rule.startswith(f"include uwsgi_params at {path}:5 was not read (looked for at "
                                 f"{site / 'uwsgi_params'}): the uwsgi_param lines in force"), \
        mount.rule
    assert "neither are the PATH_INFO, SCRIPT_NAME and HTTP_HOST uWSGI receives" in mount.rule


def _obs(script: str, info: str, software: str = "uWSGI", **request: Any) -> Observation:
    data = ep("two", host="site.test", mount=script, path_info=info, process_group="",
              application_group="")
    data["server"] = {"software": software, "mod_wsgi_version": None, "listen": ":8002"}
    data["request"].update({"host_allowed": True, "force_script_name": None,
                            "forwarded_prefix": None, **request})
    observed = thrice(URL, "two", data)
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:18080")
        for s in observed.samples))


def _diagnosed(conf: Path, observed: Observation) -> Any:
    target = diagnose(parse(MANIFEST), [observed], config=ConfigJoin(load_nginx(str(conf)))
                      ).targets[0]
    return target


def test_the_whole_path_fix_is_a_script_name_and_a_rewrite(tmp_path: Path) -> None:
    conf = _conf(tmp_path, "            include uwsgi_params;")
    target = _diagnosed(conf, _obs("", "/two/__probe__"))
    assert target.verdict.value == "mount_mismatch", target
    params = tmp_path / "uwsgi_params"
    assert target.fix == (
        f"Tell the application its mount: in the nginx 'location /two/' ({conf}:7) beside "
        f"'uwsgi_pass 127.0.0.1:8002;' ({conf}:9), add 'uwsgi_param SCRIPT_NAME /two;' and add "
        f"'rewrite ^/two/(.*)$ /$1 break;', so that PATH_INFO ('uwsgi_param PATH_INFO "
        f"$document_uri' at {params}:2) passes the rest of the path. Or run uWSGI "
        f"(server.software) with '--mount /two=<its WSGI file>' (ini: 'mount = /two=<its WSGI "
        f"file>') beside any mount it has, and '--manage-script-name', the whole path passed "
        f"on (no rewrite): uWSGI mounts per path, so a request whose path starts with /two "
        f"gets SCRIPT_NAME /two from whichever location or site, and one whose path does not "
        f"keeps the mount it has; uWSGI reads its mounts when it starts. "
        f"{nginx_reload(str(conf))}"), target.fix
    # another server behind uwsgi_pass: uWSGI's options are not said to be its own
    other = _diagnosed(conf, _obs("", "/two/__probe__", software="someserver/1"))
    assert "If the server behind uwsgi_pass is uWSGI (the answer's server.software does " \
           "not say so)" in other.fix, other.fix


def test_processes_serving_another_mount_get_the_per_path_uwsgi_mount_too(
        tmp_path: Path) -> None:
    """The same uWSGI processes answer http://other.test/ at /: nginx's uwsgi_param
    SCRIPT_NAME and rewrite in the location first, then uWSGI's --mount with
    --manage-script-name, which mounts per path (re-tester R30), the other URL named."""
    conf = _conf(tmp_path, "            include uwsgi_params;")
    other = "http://other.test/"
    data = ep("two", host="other.test", mount="", path_info="/__probe__", process_group="",
              application_group="")
    data["server"] = {"software": "uWSGI", "mod_wsgi_version": None, "listen": ":8002"}
    data["request"].update({"host_allowed": True, "force_script_name": None,
                            "forwarded_prefix": None})
    beside = thrice(other, "two", data)
    beside = dataclasses.replace(beside, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:18080")
        for s in beside.samples))
    manifest = MANIFEST.replace('urls = ["http://site.test/two/"]',
                                f'urls = ["http://site.test/two/", "{other}"]')
    report = diagnose(parse(manifest), [_obs("", "/two/__probe__"), beside],
                      config=ConfigJoin(load_nginx(str(conf))))
    target = next(t for t in report.targets if t.url == URL)
    assert target.verdict.value == "mount_mismatch", target
    fix = target.fix
    assert "add 'uwsgi_param SCRIPT_NAME /two;' and add 'rewrite ^/two/(.*)$ /$1 break;'" \
        in fix, fix
    # re-tester R30: uWSGI's mounts are per path, not the whole server's: offered, with what
    # they do to the other URL (named next)
    assert "options of the whole" not in fix, fix
    assert "Or run uWSGI (server.software) with '--mount /two=<its WSGI file>'" in fix, fix
    assert "one whose path does not keeps the mount it has, as the other URL these processes " \
           "serve (next) does where its path does not start with /two; uWSGI reads its " \
           "mounts when it starts. Not FORCE_SCRIPT_NAME" in fix, fix
    assert f"also serve {other} at / (request.script_name '', request.path_info " \
           f"'/__probe__')" in fix, fix


def test_a_stripped_path_is_told_with_script_name_alone(tmp_path: Path) -> None:
    conf = _conf(tmp_path, "            include uwsgi_params;\n"
                           "            uwsgi_param SCRIPT_NAME /wrong;")
    target = _diagnosed(conf, _obs("", "/__probe__"))
    assert target.verdict.value == "mount_mismatch", target
    assert target.fix.startswith(
        f"Tell the application its mount: in the nginx 'location /two/' ({conf}:7) beside "
        f"'uwsgi_pass 127.0.0.1:8002;' ({conf}:10), replace 'uwsgi_param SCRIPT_NAME /wrong;' "
        f"({conf}:9) by 'uwsgi_param SCRIPT_NAME /two;' (the prefix stays off PATH_INFO)."), \
        target.fix


def test_script_name_told_with_the_prefix_still_on_path_info(tmp_path: Path) -> None:
    """uwsgi_param SCRIPT_NAME with uwsgi_modifier1 30: uWSGI 2.0 under Python 3 leaves
    PATH_INFO whole (seen with real uWSGI 2.0.31): the prefix twice, not ok."""
    conf = _conf(tmp_path, "            include uwsgi_params;\n"
                           "            uwsgi_param SCRIPT_NAME /two;\n"
                           "            uwsgi_modifier1 30;")
    target = _diagnosed(conf, _obs("/two", "/two/__probe__"))
    assert target.verdict.value == "mount_mismatch", target
    assert "SCRIPT_NAME '/two' and PATH_INFO '/two/__probe__', the prefix in both" \
        in target.explanation, target.explanation
    assert f"'uwsgi_modifier1 30' at {conf}:10 asks uWSGI" in target.explanation
    assert target.fix.startswith(
        f"Take the prefix off PATH_INFO: in the nginx 'location /two/' ({conf}:7) beside "
        f"'uwsgi_pass 127.0.0.1:8002;' ({conf}:11), add 'rewrite ^/two/(.*)$ /$1 break;'"), \
        target.fix
    assert f"'uwsgi_modifier1 30' ({conf}:10) did not take it off" in target.fix
    # told and stripped: ok
    assert _diagnosed(conf, _obs("/two", "/__probe__")).verdict.value == "ok"


def test_a_wrong_http_host_line_is_replaced_or_overridden(tmp_path: Path) -> None:
    conf = _conf(tmp_path, "            include uwsgi_params;\n"
                           "            uwsgi_param HTTP_HOST internal.test;")
    target = _diagnosed(conf, _obs("/two", "/__probe__", host="internal.test"))
    assert target.verdict.value == "host_mismatch", target
    assert f"'uwsgi_param HTTP_HOST internal.test' at {conf}:9" in target.explanation
    assert target.fix == (f"At {conf}:9, replace 'uwsgi_param HTTP_HOST internal.test;' by "
                          f"'uwsgi_param HTTP_HOST $host;'. {nginx_reload(str(conf))}"), \
        target.fix
    # the line is in the shared params file: a line of the location's own after the include
    conf = _conf(tmp_path, "            include uwsgi_params;",
                 params=PARAMS + "uwsgi_param HTTP_HOST $server_name;\n")
    target = _diagnosed(conf, _obs("/two", "/__probe__", host="other.test"))
    assert target.verdict.value == "host_mismatch", target
    assert target.fix == (
        f"In the block at {conf}:7, after the include that sets 'uwsgi_param HTTP_HOST "
        f"$server_name;' ({tmp_path / 'uwsgi_params'}:4), add 'uwsgi_param HTTP_HOST $host;' "
        f"(uWSGI keeps the last line of a name). {nginx_reload(str(conf))}"), target.fix


def test_debians_own_params_file_reads(tmp_path: Path) -> None:
    """The file nginx's Debian package installs, where it is: its lines cited as they are."""
    debian = Path("/etc/nginx/uwsgi_params")
    if not debian.is_file():
        return
    shutil.copy(debian, tmp_path / "uwsgi_params")
    conf = tmp_path / "nginx.conf"
    conf.write_text(CONF.format(server="", location="            include uwsgi_params;"))
    mount = _step(_route(conf), "mount")
    assert "'uwsgi_param PATH_INFO $document_uri' at" in mount.rule, mount.rule


def _lint(conf: Path) -> list[tuple[str, int, str, str]]:
    return [(f.code, f.line, f.message, f.fix or "") for f in lint_nginx(str(conf)).findings
            if f.code == "nginx_mount_not_told"]


def _severity(conf: Path) -> list[str]:
    return [f.severity.value for f in lint_nginx(str(conf)).findings
            if f.code == "nginx_mount_not_told"]


def test_lint_a_sub_path_passed_whole_to_uwsgi_is_a_note(tmp_path: Path) -> None:
    """Right for an application whose URL patterns start with two/, 404 otherwise: no nginx
    line decides which, so a note naming the check, never a failing finding (the proposed
    SCRIPT_NAME + rewrite turned such a working /api into 404 on real nginx + uWSGI)."""
    conf = _conf(tmp_path, "            include uwsgi_params;")
    [(_, line, message, fix)] = _lint(conf)
    assert _severity(conf) == ["note"]
    assert line == 9  # the uwsgi_pass
    assert f"('uwsgi_param PATH_INFO $document_uri' at {tmp_path / 'uwsgi_params'}:2)" in message
    assert "right if its URL patterns start with two/, 404 if they do not" in message
    assert "probe sweep shows what the application received" in message
    assert fix == (f"only if its URL patterns do not start with two/: in location /two/ "
                   f"({conf}:7), after its uwsgi_param lines, add uwsgi_param SCRIPT_NAME /two; "
                   f"and rewrite ^/two/(.*)$ /$1 break; (PATH_INFO then passes the rest of the "
                   f"path); or run uWSGI with --mount /two=<its WSGI file> and "
                   f"--manage-script-name")
    assert "gunicorn" not in fix and "proxy_set_header" not in fix
    inherited = _conf(tmp_path, "", server="        include uwsgi_params;")
    [(_, _, _, fix)] = _lint(inherited)
    assert f"(those of the block at {inherited}:3, repeated there)" in fix, fix
    for told in ("            include uwsgi_params;\n            uwsgi_param SCRIPT_NAME /two;",
                 "            include uwsgi_params;\n"
                 "            rewrite ^/two/(.*)$ /$1 break;\n            "
                 "uwsgi_param SCRIPT_NAME /two;"):
        assert _lint(_conf(tmp_path, told)) == [], told


def test_lint_several_sub_paths_to_one_uwsgi_address_say_nothing(tmp_path: Path) -> None:
    """The n21 layout (tobbe-joh/noq_app_fork proxy/default.conf.tpl): /api and /admin both
    to one uWSGI address, the application's urls.py holding path('api/') and
    path('admin/'): one application cannot be mounted at both, the whole path is meant."""
    (tmp_path / "uwsgi_params").write_text(PARAMS)
    conf = tmp_path / "nginx.conf"
    conf.write_text("events {}\nhttp {\n    server {\n        listen 127.0.0.1:18080;\n"
                    "        location / {\n            root /srv/html;\n        }\n"
                    "        location /api {\n            uwsgi_pass backend:9000;\n"
                    "            include uwsgi_params;\n        }\n"
                    "        location /admin {\n            uwsgi_pass backend:9000;\n"
                    "            include uwsgi_params;\n        }\n    }\n}\n")
    assert lint_nginx(str(conf)).findings == ()


def test_lint_a_rewrite_taking_the_prefix_off_without_script_name_warns(tmp_path: Path) -> None:
    """As a proxy_pass replacing the prefix (n23): the application receives /x with
    SCRIPT_NAME '', its links leave the mount; the fix is SCRIPT_NAME alone."""
    conf = _conf(tmp_path, "            include uwsgi_params;\n"
                           "            rewrite ^/two/(.*)$ /$1 break;")
    [(_, line, message, fix)] = _lint(conf)
    assert _severity(conf) == ["warning"] and line == 10
    assert message.startswith(f"location /two/ rewrites /two/x to /x ({conf}:9) and passes "
                              f"that to uWSGI (uwsgi_pass 127.0.0.1:8002)"), message
    assert "point outside /two/" in message
    assert fix == (f"in location /two/ ({conf}:7), after its uwsgi_param lines, add uwsgi_param "
                   f"SCRIPT_NAME /two; (the rewrite keeps the prefix off PATH_INFO)")
    # a rewrite of its own that keeps the prefix: what it passes is not decided here, nothing said
    kept = _conf(tmp_path, "            include uwsgi_params;\n"
                           "            rewrite ^/two/old/(.*)$ /two/new/$1 break;")
    assert _severity(kept) == []


def test_lint_proxy_pass_mount_fix_names_each_servers_way(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text("events {}\nhttp {\n    server {\n        listen 127.0.0.1:18080;\n"
                    "        location /blog/ {\n            proxy_pass http://127.0.0.1:8001/;\n"
                    "            proxy_set_header Host $host;\n        }\n    }\n}\n")
    [(_, _, _, fix)] = _lint(conf)
    assert "gunicorn takes proxy_set_header SCRIPT_NAME /blog;, waitress its option " \
           "--url-prefix=/blog, uWSGI (http-socket) --mount /blog=<its WSGI file> with " \
           "--manage-script-name, mod_wsgi-express its option --mount-point /blog;" in fix, fix
    assert "the way depends on the server at 127.0.0.1:8001, which the configuration does " \
           "not show (probe sweep names it from the answer's server.software)" in fix, fix
    assert "gunicorn also takes" not in fix


def test_lint_mount_words_are_for_any_wsgi_application(tmp_path: Path) -> None:
    """lint reads configuration only: it cannot know the application is Django, so its
    words are SCRIPT_NAME's, Django's FORCE_SCRIPT_NAME named as one application's way only."""
    conf = tmp_path / "nginx.conf"
    conf.write_text("events {}\nhttp {\n    server {\n        listen 127.0.0.1:18080;\n"
                    "        location /blog/ {\n            proxy_pass http://127.0.0.1:8001/;\n"
                    "            proxy_set_header Host $host;\n        }\n    }\n}\n")
    [(_, _, message, fix)] = _lint(conf)
    assert "Django" not in message and "APPEND_SLASH" not in message, message
    assert fix.startswith("SCRIPT_NAME /blog must reach the application, and the way depends "
                          "on the server at 127.0.0.1:8001"), fix
    assert "a WSGI middleware around the application that sets SCRIPT_NAME from that " \
           "header on each request, or the application's own setting for its mount, if it " \
           "has one (Django's FORCE_SCRIPT_NAME = \"/blog\"" in fix, fix
    assert fix.count("Django") == 1, fix
    stripped = _conf(tmp_path, "            include uwsgi_params;\n"
                               "            rewrite ^/two/(.*)$ /$1 break;")
    [(_, _, message, _)] = _lint(stripped)
    assert "Django" not in message and "APPEND_SLASH" not in message, message


def test_unread_params_say_host_and_mount_undecided_and_the_file_to_read(tmp_path: Path) -> None:
    site = tmp_path / "sites-enabled"
    site.mkdir()
    path = site / "two"
    path.write_text("server {\n    listen 127.0.0.1:18080;\n    server_name site.test;\n"
                    "    location /two/ {\n        include uwsgi_params;\n"
                    "        uwsgi_pass 127.0.0.1:8002;\n    }\n}\n")
    looked = site / "uwsgi_params"
    for observed, verdict in ((_obs("", "/two/__probe__"), "mount_mismatch"),
                              (_obs("/two", "/__probe__", host="internal.test"),
                               "host_mismatch")):
        target = _diagnosed(path, observed)
        assert target.verdict.value == verdict, target
        assert (f"What the application receives is not decided either: include uwsgi_params "
                f"at {path}:5 was not read (looked for at {looked})") in target.explanation, \
            target.explanation
        assert target.fix.startswith(f"Read the file the include names ({looked}): with it, "
                                     f"probe sweep --config names the uwsgi_param line"), \
            target.fix
        assert "proxy_set_header" not in target.fix and "proxy_pass" not in target.fix


def test_without_the_pass_line_shared_processes_get_uwsgis_per_path_mount() -> None:
    """uWSGI (server.software) behind nginx, the configuration not read: where the same
    processes serve another mount, uWSGI's --mount is offered with what it does to the
    other URL (per path), not as 'either way', nor the gunicorn/waitress words of another
    server."""
    data = ep("two", host="site.test", mount="", path_info="/two/__probe__", process_group="",
              application_group="")
    data["server"] = {"software": "uWSGI", "mod_wsgi_version": None, "listen": ":8002"}
    answer = EndpointAnswer.from_json(data)
    shared = " Not FORCE_SCRIPT_NAME: the same processes also serve http://other.test/ at /."
    for doubled in (False, True):
        alone = mount_fix(FrontKind.NGINX, "/two", None, stripped=False, answer=answer,
                          doubled=doubled)
        assert "--manage-script-name" in alone, alone
        told = mount_fix(FrontKind.NGINX, "/two", None, stripped=False, answer=answer,
                         doubled=doubled, shared=shared)
        assert "Either way" not in told and "let uWSGI's own" not in told, told
        assert told.endswith("'--manage-script-name', the whole path passed on (no "
                             "rewrite): uWSGI mounts per path, so a request whose path starts "
                             "with /two gets SCRIPT_NAME /two from whichever location or site, "
                             "and one whose path does not keeps the mount it has, as the other "
                             "URL these processes serve (next) does where its path does not "
                             f"start with /two; uWSGI reads its mounts when it starts.{shared}"
                             ), told
