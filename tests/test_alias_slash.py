"""WSGIScriptAlias /weblate/ before a file target: only /weblate/ itself reaches the script
(mod_wsgi appends the rest of the path to the file's name), which the route model, the
sweep's --config wording and lint's alias_trailing_slash must all say."""

from __future__ import annotations

from pathlib import Path

from probe import manifest
from probe.diagnose import diagnose
from probe.lint import lint_paths
from probe.model import Verdict

from .test_apache_unanswered_fixes import WEBLATE, WEBLATE_MANIFEST, config, obs, one
from .test_diagnose import status

SLASHED = WEBLATE.replace("WSGIScriptAlias /weblate ", "WSGIScriptAlias /weblate/ ")


def test_the_route_below_a_slashed_mount_maps_to_a_file_not_the_script() -> None:
    routes = config(SLASHED).front
    below = routes.route("http://weblate.example.org/weblate/accounts/", "127.0.0.1:8080")
    assert below.script_file is None and below.refused, below
    mount = below.step("mount")
    assert mount is not None and "maps to the file /srv/weblate/wsgi.pyaccounts/" in mount.rule
    exact = routes.route("http://weblate.example.org/weblate/", "127.0.0.1:8080")
    assert exact.script_file == "/srv/weblate/wsgi.py", exact


def test_the_sweep_names_the_line_and_the_file_and_drops_the_slash() -> None:
    url = "http://weblate.example.org/weblate/accounts/"
    m = manifest.parse(WEBLATE_MANIFEST.replace('example.org/"', 'example.org/weblate/'
                                                'accounts/"'), "m.toml")
    found = one(diagnose(m, [obs(url, "weblate", status(403))], config=config(SLASHED)), url)
    assert found.verdict is Verdict.NO_ENDPOINT
    assert "the endpoint must answer from that script" not in found.explanation
    assert "maps to the file /srv/weblate/wsgi.py" in found.explanation, found.explanation
    assert found.fix is not None and found.fix.startswith(
        "At t.conf:8, write the URL-path without its trailing slash: WSGIScriptAlias "
        "/weblate /srv/weblate/wsgi.py process-group=weblate"), found.fix


def test_lint_reports_the_trailing_slash_before_a_file(tmp_path: Path) -> None:
    conf = tmp_path / "httpd.conf"
    conf.write_text(SLASHED)
    found = [f for f in lint_paths([conf]).findings if f.code == "alias_trailing_slash"]
    assert [(f.line, (f.fix or "")[:60]) for f in found] == [
        (8, f"At {conf}:8, write the URL-path without its trailing slash"[:60])], found
    conf.write_text(WEBLATE)
    assert not [f for f in lint_paths([conf]).findings if f.code == "alias_trailing_slash"]
