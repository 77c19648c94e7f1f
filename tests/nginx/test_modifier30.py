"""``nginx_uwsgi_modifier30`` on tester T30's nginx.conf (tests/t30_answers.py): location /app/
passes site3.sock SCRIPT_NAME /app with 'uwsgi_modifier1 30' and the whole path; uWSGI 2.0.31
under Python 3 left PATH_INFO '/app/__probe__' (the sweep's answer), so Django 404'd its pages.
The fix that worked (out-after-rewrite.txt): 'rewrite ^/app/(.*)$ /$1 break;', the modifier
dropped."""

from __future__ import annotations

from pathlib import Path

from probe.lint import lint_nginx
from probe.lint.findings import ConfigFinding, Severity
from tests import t30_answers as t30

# Debian's uwsgi_params: PATH_INFO $document_uri at :4
PARAMS = ("uwsgi_param QUERY_STRING $query_string;\nuwsgi_param REQUEST_METHOD $request_method;\n"
          "uwsgi_param REQUEST_URI $request_uri;\nuwsgi_param PATH_INFO $document_uri;\n")


def findings(tmp_path: Path, conf: str) -> list[ConfigFinding]:
    (tmp_path / "uwsgi_params").write_text(PARAMS)
    (tmp_path / "nginx.conf").write_text(conf)
    return [f for f in lint_nginx(str(tmp_path / "nginx.conf")).findings
            if f.code == "nginx_uwsgi_modifier30"]


def at(tmp_path: Path, text: str) -> str:
    lines = (tmp_path / "nginx.conf").read_text().splitlines()
    return f"{tmp_path / 'nginx.conf'}:{next(n for n, t in enumerate(lines, 1) if text in t)}"


def test_the_modifier_with_the_whole_path_is_named_with_both_lines(tmp_path: Path) -> None:
    [found] = findings(tmp_path, t30.nginx_conf())
    assert found.severity is Severity.WARNING
    modifier, script = at(tmp_path, "uwsgi_modifier1 30"), at(tmp_path, "SCRIPT_NAME /app")
    assert f"{found.file}:{found.line}" == modifier
    assert f"'uwsgi_param SCRIPT_NAME /app' at {script}" in found.message, found.message
    assert f"counting on 'uwsgi_modifier1 30' ({modifier})" in found.message, found.message
    assert f"'uwsgi_param PATH_INFO $document_uri' at {tmp_path}/uwsgi_params:4" \
        in found.message, found.message
    assert "PATH_INFO /app/..." in found.message, found.message
    assert found.fix is not None
    assert found.fix.startswith(
        f"in location /app/ ({at(tmp_path, 'location /app/')}) add 'rewrite ^/app/(.*)$ /$1 "
        f"break;' before uwsgi_pass unix:{t30.RUN}/site3.sock; and remove 'uwsgi_modifier1 "
        f"30;' at {modifier}"), found.fix
    assert "mount = /app=<its WSGI file> and manage-script-name = true" in found.fix, found.fix


def test_the_fix_that_worked_is_clean(tmp_path: Path) -> None:
    fixed = t30.nginx_conf().replace(
        "uwsgi_modifier1 30;", "rewrite ^/app/(.*)$ /$1 break;")
    assert findings(tmp_path, fixed) == []


def test_no_modifier_or_no_script_name_says_nothing_here(tmp_path: Path) -> None:
    # other rules speak of those (nginx_mount_not_told); this one is the pair
    assert findings(tmp_path, t30.nginx_conf().replace("uwsgi_modifier1 30;", "")) == []
    assert findings(tmp_path, t30.nginx_conf().replace("uwsgi_param SCRIPT_NAME /app;", "")) \
        == []


def test_a_rewrite_that_takes_the_prefix_off_leaves_the_modifier_harmless(
        tmp_path: Path) -> None:
    kept = t30.nginx_conf().replace(
        "uwsgi_modifier1 30;", "uwsgi_modifier1 30;\n            rewrite ^/app/(.*)$ /$1 break;")
    assert findings(tmp_path, kept) == []
