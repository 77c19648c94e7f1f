"""``no_endpoint`` where the VirtualHost that took the URL's name (a wildcard ServerAlias of a
site listed first) mounts ANOTHER application: a tester's Trac site given
``ServerAlias *.example.com`` and enabled first took Review Board's URLs, and the fix proposed
mounting Trac's script at Review Board's path (and at a URL's full path), or listing the URL
under Trac's mount for Review Board. The cause is the name line (``vhost_shadowed``); a
script nothing says is the expected instance's is never offered as its application. The
real-Apache test that applies the fix is tests/integration/test_applied_claimed_name.py."""

from __future__ import annotations

import textwrap

from probe import manifest
from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import Target
from probe.model import Cause, Observation, Report, Sample, TargetResult, Verdict

from .test_diagnose import answered, ep, status

AT = "127.0.0.1:8080"

TRAC_FIRST = """\
<VirtualHost *:8080>
    ServerName trac.example.com
    ServerAlias *.example.com
    WSGIDaemonProcess trac threads=25
    WSGIScriptAlias /trac /srv/trac/wsgi.py
    <Directory /srv/trac>
        WSGIProcessGroup trac
        Require all granted
    </Directory>
</VirtualHost>
<VirtualHost *:8080>
    ServerName rb.example.com
    WSGIScriptAlias /reviews /srv/reviewboard/wsgi.py/reviews
</VirtualHost>
"""

MANIFEST = """\
[probe]
connect = "127.0.0.1:8080"
[instances.reviewboard]
label = "reviewboard"
urls = ["http://rb.example.com/reviews/", "http://rb.example.com/reviews/r/1/"]
[instances.trac]
label = "trac"
process_group = "trac"
urls = ["http://trac.example.com/trac/"]
"""

RB = ("http://rb.example.com/reviews/", "http://rb.example.com/reviews/r/1/")


def config(text: str, findings: dict[tuple[str, int], tuple[str, str]] | None = None
           ) -> ConfigJoin:
    routes = ApacheRoutes(build_site(parse_text(textwrap.dedent(text), "t.conf"),
                                     read_scripts=False))
    return ConfigJoin(routes, findings or {}, routes.divergence, routes.intended,
                      routes.refuse_block)


def obs(url: str, expected: str, *samples: Sample) -> Observation:
    return Observation(Target(url, expected, AT), samples)


def one(report: Report, url: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url)


def _sweep(text: str, findings: dict[tuple[str, int], tuple[str, str]] | None = None,
           text_manifest: str = MANIFEST) -> Report:
    m = manifest.parse(text_manifest, "m.toml")
    trac = ep("trac", host="trac.example.com", mount="/trac", process_group="trac")
    seen = [*(obs(u, "reviewboard", status(403)) for u in RB),
            obs("http://trac.example.com/trac/", "trac", answered(trac))]
    return diagnose(m, seen, config=config(text, findings))


def test_a_wildcard_of_the_first_site_is_the_cause_not_a_mount_of_its_script() -> None:
    shadowed = ("vhost_shadowed", "<VirtualHost *:8080> (rb.example.com) at t.conf:11 is "
                "never reached on *:8080")
    report = _sweep(TRAC_FIRST, {("t.conf", 11): shadowed})
    for url in RB:
        found = one(report, url)
        assert (found.verdict, found.cause) == (Verdict.NO_ENDPOINT, Cause.VHOST_SHADOWED), \
            (found.cause, found.fix)
        assert found.fix is not None
        assert found.fix.startswith("At t.conf:3, stop claiming rb.example.com"), found.fix
        assert "<VirtualHost *:8080> (rb.example.com) at t.conf:11" in found.fix, found.fix
        assert "/srv/trac/wsgi.py" not in found.fix, found.fix
        assert "/trac/reviews" not in found.fix, found.fix
        assert "ServerName rb.example.com" in found.explanation, found.explanation
        assert "(t.conf:12)" in found.explanation, found.explanation
        assert "probe lint reports vhost_shadowed at t.conf:11" in found.explanation
        # Both VirtualHosts are cited by their opening lines.
        cited = {str(e.source) for e in found.evidence}
        assert {"t.conf:3", "t.conf:12"} <= cited, cited


def test_a_site_running_another_instance_s_script_is_never_offered_as_its_mount() -> None:
    """No other VirtualHost runs Review Board: the one that took the name mounts the script
    Trac's own answers report, which is not Review Board's to mount or list under."""
    alone = TRAC_FIRST.split("<VirtualHost *:8080>\n    ServerName rb")[0]
    report = _sweep(alone)
    for url in RB:
        found = one(report, url)
        assert found.fix is not None
        assert "WSGIScriptAlias /reviews/r/1" not in found.fix, found.fix
        assert "WSGIScriptAlias /reviews/ " not in found.fix, found.fix
        assert "WSGIScriptAlias /reviews /srv/trac" not in found.fix, found.fix
        assert "/trac/reviews" not in found.fix, found.fix
        assert "the script trac's answers report (script_file)" in found.fix, found.fix
        assert "WSGIScriptAlias /reviews with" in found.fix, found.fix


def test_an_unknown_script_is_said_unknown_with_its_check() -> None:
    """Trac never answered: the one script mounted is nobody's known; its check is named."""
    alone = TRAC_FIRST.split("<VirtualHost *:8080>\n    ServerName rb")[0]
    m = manifest.parse(MANIFEST, "m.toml")
    seen = [obs(u, "reviewboard", status(403)) for u in RB]
    found = one(diagnose(m, seen, config=config(alone)), RB[1])
    assert found.fix is not None
    assert "WSGIScriptAlias /reviews/r/1" not in found.fix, found.fix
    assert "WSGIScriptAlias /reviews /srv/trac" not in found.fix, found.fix
    assert "list http://rb.example.com/trac/" not in found.fix, found.fix
    assert "nothing read says /srv/trac/wsgi.py is reviewboard's" in found.fix, found.fix
    assert "script_file" in found.fix, found.fix


def test_a_deep_url_of_a_single_url_instance_is_not_its_mount_point() -> None:
    alone = TRAC_FIRST.split("<VirtualHost *:8080>\n    ServerName rb")[0]
    single = MANIFEST.replace('"http://rb.example.com/reviews/", ', "")
    m = manifest.parse(single, "m.toml")
    found = one(diagnose(m, [obs(RB[1], "reviewboard", status(403))],
                         config=config(alone)), RB[1])
    assert found.fix is not None
    assert "WSGIScriptAlias /reviews/r/1" not in found.fix, found.fix
    assert "one URL does not tell" in found.fix, found.fix


def test_the_instance_s_own_mount_is_still_offered_when_its_group_tells_it() -> None:
    """Trac's own URL under another path: its daemon group names its mount, so listing the
    URL under that mount or mounting at the instance's prefix stays the fix."""
    m = manifest.parse(MANIFEST.replace('urls = ["http://trac.example.com/trac/"]',
                                        'urls = ["http://trac.example.com/wiki/", '
                                        '"http://trac.example.com/wiki/start/"]'), "m.toml")
    seen = [obs("http://trac.example.com/wiki/start/", "trac", status(404))]
    found = one(diagnose(m, seen, config=config(TRAC_FIRST)),
                "http://trac.example.com/wiki/start/")
    assert found.fix is not None
    assert "list http://trac.example.com/trac/wiki/start/ for trac" in found.fix, found.fix
    assert "WSGIScriptAlias /wiki /srv/trac/wsgi.py" in found.fix, found.fix
