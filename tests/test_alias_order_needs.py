"""The alias_order fix carries what the moved line needs in its VirtualHost, and the words
once it was applied (a tester's graphite + weblate on real Apache: weblate's alias listed
after graphite's ``/``; moved above it, HTTP 403, AH01630): lint's undefined_daemon at that
line with its fix; a grant of the script written only in weblate's own VirtualHost while
the server level denies it; and, for the 403 after the move, no "sweep with --config" (it
was given) nor "install the endpoint" (it answered from that script in the same sweep)."""

from __future__ import annotations

from pathlib import Path

from probe import manifest
from probe.diagnose import diagnose
from probe.front_config import load_front
from probe.manifest import Target
from probe.model import Cause, Observation, Report, Sample, TargetResult, Verdict

from .test_diagnose import answered, ep, status

AT = "127.0.0.1:8080"

GRAPHITE = """\
<Directory />
    Require all denied
</Directory>
<VirtualHost *:8080>
    ServerName default.invalid
</VirtualHost>
<VirtualHost *:8080>
    ServerName graphite.example.org
    WSGIDaemonProcess graphite
    WSGIProcessGroup graphite
    WSGIApplicationGroup %{GLOBAL}
    @ALIASES@
    <Directory /srv/graphite/>
        Require all granted
    </Directory>
</VirtualHost>
<VirtualHost *:8080>
    ServerName weblate.example.org
    WSGIDaemonProcess weblate
    WSGIProcessGroup weblate
    WSGIApplicationGroup %{GLOBAL}
    WSGIScriptAlias /weblate /srv/weblate/wsgi.py process-group=weblate
    <Directory /srv/weblate/>
        <Files wsgi.py>
        Require all granted
        </Files>
    </Directory>
</VirtualHost>
"""
ROOT = "WSGIScriptAlias / /srv/graphite/wsgi.py"
SUB = "WSGIScriptAlias /weblate /srv/weblate/wsgi.py process-group=weblate"

MANIFEST = """\
[probe]
connect = "127.0.0.1:8080"
[instances.graphite]
label = "graphite"
process_group = "graphite"
urls = ["http://graphite.example.org/"]
[instances.weblate]
label = "weblate"
process_group = "weblate"
urls = ["http://weblate.example.org/weblate/", "http://graphite.example.org/weblate/"]
"""
URL = "http://graphite.example.org/weblate/"
GRAPHITE_ANSWER = ep("graphite", host="graphite.example.org", application_group="", pid=7)
WEBLATE_ANSWER = ep("weblate", host="weblate.example.org", mount="/weblate",
                    application_group="", pid=9)


def _report(tmp_path: Path, aliases: str, url_sample: Sample,
            text: str = GRAPHITE) -> tuple[Path, TargetResult]:
    conf = tmp_path / "httpd.conf"
    conf.write_text(text.replace("@ALIASES@", aliases), encoding="utf-8")
    m = manifest.parse(MANIFEST, "m.toml")
    observations = [
        Observation(Target("http://graphite.example.org/", "graphite", AT),
                    (answered(GRAPHITE_ANSWER),)),
        Observation(Target("http://weblate.example.org/weblate/", "weblate", AT),
                    (answered(WEBLATE_ANSWER),)),
        Observation(Target(URL, "weblate", AT), (url_sample,))]
    report: Report = diagnose(m, observations, config=load_front(str(conf), {}))
    return conf, next(t for t in report.targets if t.url == URL)


def test_the_alias_order_fix_names_the_daemon_and_the_access_the_moved_line_needs(
        tmp_path: Path) -> None:
    swallowed = ep("graphite", host="graphite.example.org", application_group="", pid=7,
                   path_info="/weblate/__probe__")
    conf, found = _report(tmp_path, f"{ROOT}\n    {SUB}", answered(swallowed))
    assert (found.verdict, found.cause) == (Verdict.WRONG_INSTANCE, Cause.ALIAS_ORDER), found
    fix = found.fix or ""
    assert fix.startswith(f"Move the line at {conf}:13 above the one at {conf}:12"), fix
    assert (f"The line at {conf}:13 also names daemon process group 'weblate', which this "
            f"VirtualHost cannot use (probe lint's undefined_daemon there; mod_wsgi answers 500): "
            f"Move WSGIDaemonProcess weblate ({conf}:20) outside the VirtualHost: both mounts "
            f"run the same script (/srv/weblate/wsgi.py)") in fix, fix
    assert (f"httpd grants access to /srv/weblate/wsgi.py only inside <VirtualHost *:8080> "
            f"(weblate.example.org) at {conf}:18: <Files wsgi.py> ({conf}:25; Require all "
            f"granted at {conf}:26); for this URL's VirtualHost ({conf}:7) <Directory /> "
            f"({conf}:1; Require all denied at {conf}:2) is in force, so httpd answers 403") \
        in fix, fix
    # cited by its <VirtualHost> line (7), not the ServerName that chose it (8)
    assert f"into this URL's VirtualHost ({conf}:7). After the edit, restart Apache" in fix, fix
    assert fix.count("restart Apache gracefully") == 1, fix  # said once, at the end
    assert "AH01630" in fix, fix


def test_access_granted_at_server_level_is_not_said(tmp_path: Path) -> None:
    text = GRAPHITE.replace("    Require all denied\n</Directory>\n",
                            "    Require all denied\n</Directory>\n<Directory /srv>\n"
                            "    Require all granted\n</Directory>\n")
    swallowed = ep("graphite", host="graphite.example.org", application_group="", pid=7,
                   path_info="/weblate/__probe__")
    _, found = _report(tmp_path, f"{ROOT}\n    {SUB}", answered(swallowed), text)
    assert found.cause is Cause.ALIAS_ORDER, found
    # the paths taken out: pytest's own temporary directory may hold the digits (pytest-2403)
    said = (found.fix or "").replace(str(tmp_path), "TMP")
    assert "403" not in said, found.fix
    assert "undefined_daemon" in said, found.fix


def test_undecided_access_names_the_error_log_check(tmp_path: Path) -> None:
    text = GRAPHITE.replace("    Require all denied\n", "    Require ip 10.0.0.0/8\n")
    swallowed = ep("graphite", host="graphite.example.org", application_group="", pid=7,
                   path_info="/weblate/__probe__")
    _, found = _report(tmp_path, f"{ROOT}\n    {SUB}", answered(swallowed), text)
    assert "The sections read do not decide whether httpd lets this URL's VirtualHost" \
        in (found.fix or ""), found.fix
    assert ("If the moved mount answers 403, AH01630 ('client denied by server "
            "configuration') in httpd's compiled-in error log") in (found.fix or ""), found.fix


def test_the_403_after_the_move_is_access_not_a_missing_endpoint(tmp_path: Path) -> None:
    conf, found = _report(tmp_path, f"{SUB}\n    {ROOT}", status(403))
    assert found.verdict is Verdict.NO_ENDPOINT, found
    fix = found.fix or ""
    assert "Sweep with --config" not in fix, fix
    assert "Install the endpoint" not in fix, fix
    assert fix.startswith("weblate's endpoint answered from /srv/weblate/wsgi.py at "
                          "http://weblate.example.org/weblate/ in this sweep"), fix
    assert f"<Directory /> ({conf}:1; Require all denied at {conf}:2) is in force" in fix, fix
    assert f"copy <Directory /srv/weblate/> ({conf}:24), which holds it, into" in fix, fix
    # What the request meets once access is granted: the daemon group, lint's fix with it.
    assert f"The line at {conf}:12 also names daemon process group 'weblate'" in fix, fix
