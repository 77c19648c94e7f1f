"""A WSGIScriptAlias whose script does not exist, with --config: re-tester R26's d-samename
after the rename fix applied literally (project-2's 'mysite' renamed 'mysite2', the alias lines
left naming project-2/mysite/wsgi.py): 404 at both of project-2's URLs, WSGI0135 in the error
log. The sweep said "Check which VirtualHost takes site-2.example.com" (vhost_fallback) although
the configuration read showed the VirtualHost claiming the name."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe import manifest
from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin, diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target
from probe.model import Liveness, Observation, Sample, Verdict
from tests.t26_answers import answer, manifest_text
from tests.test_diagnose import result

AT = "127.0.0.1:80"
SITE_1, SITE_2 = "http://site-1.example.com/", "http://site-2.example.com/"
SUBURL = "http://site-1.example.com/suburl/"
CONFIG = """\
WSGIPythonPath {s}/project-1:{s}/project-2
<VirtualHost *:80>
    ServerName default.invalid
    <Location />
        Require all denied
    </Location>
</VirtualHost>
<VirtualHost *:80>
    ServerName site-1.example.com
    ServerAlias www.site-1.example.com
    WSGIScriptAlias /suburl {s}/project-2/mysite/wsgi.py
    WSGIScriptAlias / {s}/project-1/mysite/wsgi.py
</VirtualHost>
<VirtualHost *:80>
    ServerName site-2.example.com
    ServerAlias www.site-2.example.com
    WSGIScriptAlias / {s}/project-2/mysite/wsgi.py
</VirtualHost>
"""


def joined(sites: Path) -> ConfigJoin:
    """The configuration of out-fixR, its scripts read (project-2's moved to mysite2)."""
    for project, package in (("project-1", "mysite"), ("project-2", "mysite2")):
        (sites / project / package).mkdir(parents=True)
        (sites / project / package / "wsgi.py").write_text(
            "import os\nos.environ['DJANGO_SETTINGS_MODULE'] = 'x.settings'\n"
            "application = None\n", encoding="utf-8")
    text = CONFIG.format(s=sites)
    routes = ApacheRoutes(build_site(parse_text(text, "t.conf")))
    return ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)


def observations() -> list[Observation]:
    """project-1 answered its URLs (out-fixR: pid 13769, parent 13708); project-2's got 404."""
    data = answer("d-samename", SITE_1, "project-1", "9b518c75ba5604a15f998a40e2801694", 13769,
                  13708, "", ("mysite.settings", "mysite.settings"), "project-1/mysite/wsgi.py",
                  "2026-12-07T15:56:03.100+00:00", "SzM_ww9gRLsp8wh2QEb95TzFfzSYeWWQ")
    ok = Sample(elapsed_ms=5.0, status_code=200, server="Apache/2.4.71 (Debian)",
                endpoint=EndpointAnswer.from_json(data), address=AT,
                liveness=Liveness.UNSIGNED)
    missing = Sample(elapsed_ms=2.0, status_code=404, server="Apache/2.4.71 (Debian)",
                     address=AT)
    return [Observation(Target(SITE_1, "project-1", AT), (ok,)),
            Observation(Target(SUBURL, "project-2", AT), (missing,)),
            Observation(Target(SITE_2, "project-2", AT), (dataclasses.replace(missing),))]


def test_a_missing_script_is_said_at_its_alias_line_with_wsgi0135_as_the_check(
        tmp_path: Path) -> None:
    config = joined(tmp_path)
    read = manifest.parse(manifest_text("mysite.settings", "mysite.settings"), "m.toml")
    report = diagnose(read, observations(), config=config)
    script = f"{tmp_path}/project-2/mysite/wsgi.py"
    for url, line, other in ((SITE_2, "t.conf:17", "t.conf:11"),
                             (SUBURL, "t.conf:11", "t.conf:17")):
        found = result(report, url)
        assert found.verdict is Verdict.NO_ENDPOINT
        assert (found.cause, found.candidates) == (None, ()), found.candidates
        assert f"routes / to {script} (WSGIScriptAlias" in found.explanation or \
            f"routes /suburl/ to {script} (WSGIScriptAlias" in found.explanation, \
            found.explanation
        assert f", {line}), and that file does not exist where this sweep read the " \
               f"configuration" in found.explanation, found.explanation
        fix = found.fix or ""
        assert fix.startswith("Point WSGIScriptAlias "), fix
        assert f" at {line} (the same file at {other}) at project-2's WSGI script" in fix, fix
        assert "'WSGI0135: Target WSGI script not found or unable to stat'" in fix, fix
        assert "'ps -ww -o args= -p 13708'" in fix, fix
        assert "Check which VirtualHost" not in fix and "Install the endpoint" not in fix


def test_a_script_that_exists_keeps_the_routes_words(tmp_path: Path) -> None:
    joined(tmp_path)
    (tmp_path / "project-2" / "mysite2").rename(tmp_path / "project-2" / "mysite")
    routes = ApacheRoutes(build_site(parse_text(CONFIG.format(s=tmp_path), "t.conf")))
    read = manifest.parse(manifest_text("mysite.settings", "mysite.settings"), "m.toml")
    found = result(diagnose(read, observations(), config=ConfigJoin(routes, {})), SITE_2)
    assert found.verdict is Verdict.NO_ENDPOINT
    assert "does not exist" not in found.explanation
    assert "WSGI0135" not in (found.fix or "")


def test_no_claim_where_nothing_of_the_configuration_was_found_here(tmp_path: Path) -> None:
    """A configuration read away from its server finds none of its scripts: that says
    nothing of the server's files."""
    joined(tmp_path)
    (tmp_path / "project-1" / "mysite" / "wsgi.py").unlink()
    routes = ApacheRoutes(build_site(parse_text(CONFIG.format(s=tmp_path), "t.conf")))
    read = manifest.parse(manifest_text("mysite.settings", "mysite.settings"), "m.toml")
    found = result(diagnose(read, observations(), config=ConfigJoin(routes, {})), SITE_2)
    assert "does not exist" not in found.explanation
