"""A ``WSGIScriptAlias`` target written with a path after the script file: Review Board's
apache-wsgi.conf.in renders ``WSGIScriptAlias "/reviews" ".../reviewboard.wsgi/reviews"``.
httpd's directory walk stops at the file, the script, and the rest starts PATH_INFO: on real
Apache the answers' script_file was ``.../reviewboard.wsgi``, SCRIPT_NAME '' and PATH_INFO
'/reviews/...' (a re-tester's rb-trac). A sweep called ``.../reviewboard.wsgi/reviews``
"reviewboard's WSGI script" and lint said "script_unreadable: ... Not a directory"."""

from __future__ import annotations

import re
from pathlib import Path

from probe.apache.alias_target import AliasRequest, alias_request, find_path_info, pregsub
from probe.apache.config import parse_text
from probe.apache.model import Site
from probe.apache.route import ApacheRoutes
from probe.apache.scripts import script_in
from probe.apache.site_build import build_site
from probe.lint import lint_paths

AT = "127.0.0.1:8080"
CONF = """<VirtualHost *:8080>
    ServerName rb.example.com
    WSGIScriptAlias "/reviews" "{target}"
    <Directory "{root}/htdocs">
        Require all granted
    </Directory>
</VirtualHost>
"""


def _site(tmp_path: Path, target: str) -> tuple[Site, Path]:
    script = tmp_path / "htdocs" / "reviewboard.wsgi"
    script.parent.mkdir()
    script.write_text("from django.core.wsgi import get_wsgi_application\n"
                      "application = get_wsgi_application()\n")
    conf = tmp_path / "httpd.conf"
    conf.write_text(CONF.format(target=target.format(root=tmp_path), root=tmp_path))
    return build_site(parse_text(conf.read_text(), str(conf), server_root=str(tmp_path))), conf


def test_the_script_is_the_file_and_the_rest_starts_path_info(tmp_path: Path) -> None:
    site, _ = _site(tmp_path, "{root}/htdocs/reviewboard.wsgi/reviews")
    [app] = site.apps
    assert app.target == f"{tmp_path}/htdocs/reviewboard.wsgi", app.target
    assert app.after == "/reviews"
    assert app.written_target == f"{tmp_path}/htdocs/reviewboard.wsgi/reviews"
    assert app.script_name == ""  # as the real answers said: the mount is PATH_INFO's
    script = site.script(app)
    assert script is not None and script.error is None, script
    route = ApacheRoutes(site).route("http://rb.example.com/reviews/r/1/", AT)
    assert route.script_file == app.target and route.script_name == "", route


def test_lint_reads_the_script_not_the_path_after_it(tmp_path: Path) -> None:
    _, conf = _site(tmp_path, "{root}/htdocs/reviewboard.wsgi/reviews")
    found = [f for f in lint_paths([conf]).findings if f.code == "script_unreadable"]
    assert found == [], found


def test_a_target_below_no_file_stays_unreadable(tmp_path: Path) -> None:
    _, conf = _site(tmp_path, "{root}/htdocs/missing.wsgi/reviews")
    [note] = [f for f in lint_paths([conf]).findings if f.code == "script_unreadable"]
    assert f"{tmp_path}/htdocs/missing.wsgi/reviews" in note.message, note.message


def test_an_existing_target_and_a_relative_one_are_kept_whole(tmp_path: Path) -> None:
    (tmp_path / "wsgi.py").write_text("")
    assert script_in(str(tmp_path / "wsgi.py")) == (str(tmp_path / "wsgi.py"), "")
    assert script_in(str(tmp_path)) == (str(tmp_path), "")
    assert script_in("wsgi.py/x") == ("wsgi.py/x", "")
    assert script_in(str(tmp_path / "wsgi.py" / "a" / "b")) == (str(tmp_path / "wsgi.py"),
                                                                 "/a/b")


def test_script_name_is_the_path_less_what_matches_path_info_from_its_end() -> None:
    """httpd's ap_find_path_info: rounded on to the next '/', runs of '/' alike."""
    assert find_path_info("/reviews/r/1/", "/reviews/r/1/") == 0
    assert find_path_info("/app/x", "/extra/x") == len("/app")
    assert find_path_info("/a/b/r", "/x/b/r") == len("/a")  # not /a/b: 'b/r' matches
    assert find_path_info("/dir/wsgi.py/", "/") == len("/dir/wsgi.py")
    assert find_path_info("/app", "") == len("/app")
    assert find_path_info("/app//x", "/x") == len("/app")


def test_a_directory_target_runs_the_file_named_below_it(tmp_path: Path) -> None:
    (tmp_path / "wsgi.py").write_text("")
    found = alias_request(str(tmp_path), "", "/dir/wsgi.py/page", "/dir/")
    assert found == AliasRequest(str(tmp_path / "wsgi.py"), "/dir/wsgi.py")


def test_a_match_target_is_filled_from_the_match(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "wsgi.py").write_text("")
    found = re.match(r"^/m/(\w+)", "/m/one/x")
    assert found is not None
    request = alias_request(f"{tmp_path}/$1/wsgi.py", "", "/m/one/x", found.group(0), found)
    assert request == AliasRequest(f"{tmp_path}/one/wsgi.py", "/m/one")
    assert pregsub(r"/srv/&/\$1/$9", found) == "/srv//m/one/$1/"
