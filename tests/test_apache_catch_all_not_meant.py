"""A VirtualHost written for a name (its ServerName) that Includes another application's
snippet, beside a first ``_default_`` VirtualHost that claims no name and runs the expected
instance: a tester's Bitnami stack (``bitnami-apps-vhosts.conf`` including
``polls/conf/httpd-app.conf`` for ``wiki.example.com``) was told ``vhost_shadowed``, "stop
claiming wiki.example.com ... so that <VirtualHost _default_> gets it", the catch-all called
"the site meant for wiki". The Include is the mistake and is named; a nameless first site
still loses a name to another site's alias (``vhost_shadowed``, keystone's applied fix)."""

from __future__ import annotations

from pathlib import Path

from probe import manifest
from probe.apache import load_site
from probe.apache.route import ApacheRoutes
from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import Target
from probe.model import Cause, Observation, Report, TargetResult, Verdict

from .test_diagnose import answered, ep, status

AT = "127.0.0.1:8080"

# Trimmed from the tester's apache/bitnami/*.conf and sites/*/conf/httpd-app.conf.
POLLS_APP = """\
<IfDefine !IS_DJANGOSTACK_LOADED>
    Define IS_DJANGOSTACK_LOADED
    WSGIDaemonProcess wsgi-djangostack processes=2 threads=15 python-path=/srv/polls:/srv/wiki
</IfDefine>
WSGIScriptAlias /polls /srv/polls/wsgi.py
<Directory /srv/polls>
    WSGIProcessGroup wsgi-djangostack
    WSGIApplicationGroup %{GLOBAL}
    Require all granted
</Directory>
"""

WIKI_APP = """\
WSGIDaemonProcess wiki processes=2 threads=15 python-path=/srv/wiki
WSGIScriptAlias /wiki /srv/wiki/wsgi.py process-group=wiki
<Directory /srv/wiki>
    Require all granted
</Directory>
"""

HTTPD = """\
Listen 127.0.0.1:8080
<VirtualHost _default_:8080>
    DocumentRoot /srv/htdocs
    Include @DIR@/polls-app.conf
    Include @DIR@/wiki-app.conf
</VirtualHost>
<VirtualHost *:8080>
    @NAME@
    Include @DIR@/polls-app.conf
</VirtualHost>
"""

MANIFEST = """\
[probe]
connect = "127.0.0.1:8080"
[instances.polls]
process_group = "wsgi-djangostack"
label = "polls"
urls = ["http://stack.example.com/polls/"]
[instances.wiki]
process_group = "wiki"
label = "wiki"
urls = ["http://stack.example.com/wiki/", "http://wiki.example.com/wiki/"]
"""

URL = "http://wiki.example.com/wiki/"


def _sweep(tmp_path: Path, name: str) -> TargetResult:
    (tmp_path / "polls-app.conf").write_text(POLLS_APP, encoding="utf-8")
    (tmp_path / "wiki-app.conf").write_text(WIKI_APP, encoding="utf-8")
    conf = tmp_path / "httpd.conf"
    conf.write_text(HTTPD.replace("@DIR@", str(tmp_path)).replace("@NAME@", name),
                    encoding="utf-8")
    routes = ApacheRoutes(load_site([conf]))
    config = ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)
    polls = ep("polls", host="stack.example.com", mount="/polls",
               process_group="wsgi-djangostack", application_group="")
    wiki = ep("wiki", host="stack.example.com", mount="/wiki", process_group="wiki")
    seen = [Observation(Target("http://stack.example.com/polls/", "polls", AT),
                        (answered(polls),)),
            Observation(Target("http://stack.example.com/wiki/", "wiki", AT),
                        (answered(wiki),)),
            Observation(Target(URL, "wiki", AT), (status(403),))]
    report: Report = diagnose(manifest.parse(MANIFEST, "m.toml"), seen, config=config)
    return next(t for t in report.targets if t.url == URL)


def test_a_catch_all_is_not_the_site_meant_for_a_name_it_does_not_claim(
        tmp_path: Path) -> None:
    found = _sweep(tmp_path, "ServerName wiki.example.com")
    conf = tmp_path / "httpd.conf"
    assert found.verdict is Verdict.NO_ENDPOINT
    assert found.cause is not Cause.VHOST_SHADOWED, found
    assert found.fix is not None and "stop claiming" not in found.fix, found.fix
    assert "site meant for" not in found.explanation, found.explanation
    # The Include of polls' snippet inside the wiki VirtualHost is named with its line, and
    # the snippet's mount with its own.
    assert f"The Include at {conf}:9 brings in {tmp_path}/polls-app.conf, which mounts " \
           f"/srv/polls/wsgi.py at /polls ({tmp_path}/polls-app.conf:5), the script polls's " \
           f"answers report (script_file), not wiki's" in found.fix, found.fix
    # wiki's own mount where the configuration writes it, and why its file is not included.
    # The whole line, its process-group= too (a re-tester pasted the alias alone: a 500).
    assert f"'WSGIScriptAlias /wiki /srv/wiki/wsgi.py process-group=wiki' at " \
           f"{tmp_path}/wiki-app.conf:2" in found.fix, found.fix
    assert f"WSGIDaemonProcess wiki ({tmp_path}/wiki-app.conf:1): included a second time, " \
           f"httpd refuses to start" in found.fix, found.fix
    assert any(e.source == f"{conf}:9" for e in found.evidence), found.evidence


def test_a_nameless_first_site_still_loses_a_name_to_another_site_s_alias(
        tmp_path: Path) -> None:
    found = _sweep(tmp_path, "ServerName admin.example.com\n    ServerAlias wiki.example.com")
    assert found.cause is Cause.VHOST_SHADOWED, found
    assert found.fix is not None and found.fix.startswith(
        f"At {tmp_path}/httpd.conf:9, stop claiming wiki.example.com"), found.fix


def test_another_application_at_a_named_site_is_not_fixed_by_giving_the_name_away(
        tmp_path: Path) -> None:
    """wrong_instance: the wiki VirtualHost's Include mounts polls at / (it takes /wiki/)."""
    (tmp_path / "polls-app.conf").write_text(POLLS_APP.replace("/polls /srv", "/ /srv"),
                                             encoding="utf-8")
    (tmp_path / "wiki-app.conf").write_text(WIKI_APP, encoding="utf-8")
    conf = tmp_path / "httpd.conf"
    conf.write_text(HTTPD.replace("@DIR@", str(tmp_path))
                    .replace("@NAME@", "ServerName wiki.example.com"), encoding="utf-8")
    routes = ApacheRoutes(load_site([conf]))
    config = ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)
    polls = ep("polls", host="wiki.example.com", process_group="wsgi-djangostack",
               application_group="")
    wiki = ep("wiki", host="stack.example.com", mount="/wiki", process_group="wiki")
    seen = [Observation(Target("http://stack.example.com/wiki/", "wiki", AT),
                        (answered(wiki),)),
            Observation(Target(URL, "wiki", AT), (answered(polls),))]
    report = diagnose(manifest.parse(MANIFEST, "m.toml"), seen, config=config)
    found = next(t for t in report.targets if t.url == URL)
    assert found.verdict is Verdict.WRONG_INSTANCE
    assert found.cause is not Cause.VHOST_SHADOWED, found
    assert found.fix is not None and "stop claiming" not in found.fix, found.fix
    assert "site meant for" not in found.explanation, found.explanation
    assert f"claims wiki.example.com ({conf}:8) and runs /srv/polls/wsgi.py at /wiki/ " \
           f"({tmp_path}/polls-app.conf:5), not wiki's: give it wiki's mount" in found.fix, \
        found.fix
