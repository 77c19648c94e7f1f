"""certbot's :80 VirtualHost of a site that mounts another instance's script while its
-le-ssl.conf twin mounts the expected one (tester T16's a6): the route leaves at the mount,
not the site. It was said that the site meant "is on another address" and that the URL
should be listed as https (the manifest listed it already) or given "a plain VirtualHost of
its own" (one existed: the copy added below it was never reached)."""

from __future__ import annotations

import textwrap

from probe import manifest
from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import Target
from probe.model import Observation, Verdict

from .test_diagnose import answered, ep

CONF = """\
WSGIDaemonProcess project-1 python-path=/srv
WSGIDaemonProcess project-3 python-path=/srv
<VirtualHost *:8080>
    DocumentRoot /srv/html
</VirtualHost>
<VirtualHost *:8080>
    ServerName site-a.example.com
    WSGIProcessGroup project-1
    WSGIScriptAlias / /srv/project-1/wsgi.py
</VirtualHost>
<VirtualHost *:8080>
    ServerName site-c.example.com
    ServerAlias www.site-c.example.com
    WSGIProcessGroup project-1
    WSGIScriptAlias / /srv/project-1/wsgi.py
</VirtualHost>
<VirtualHost *:8443>
    ServerName site-c.example.com
    ServerAlias www.site-c.example.com
    WSGIProcessGroup project-3
    WSGIScriptAlias / /srv/project-3/wsgi.py
    SSLEngine on
    SSLCertificateFile /etc/ssl/c.pem
</VirtualHost>
"""

PLAIN, TLS = "http://site-c.example.com:8080/", "https://site-c.example.com:8443/"
MANIFEST = f"""\
[instances.project-1]
label = "project-1"
process_group = "project-1"
urls = ["http://site-a.example.com:8080/"]
[instances.project-3]
label = "project-3"
process_group = "project-3"
urls = ["{PLAIN}", "{TLS}"]
"""


def test_a_vhost_owning_the_name_that_mounts_another_script_is_told_its_twins_lines() -> None:
    routes = ApacheRoutes(build_site(parse_text(textwrap.dedent(CONF), "t.conf"),
                                     read_scripts=False))
    config = ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)
    wrong = ep("project-1", host="site-c.example.com",
               application_group="site-c.example.com:8080|")
    right = ep("project-3", host="site-c.example.com",
               application_group="site-c.example.com:8443|")
    report = diagnose(manifest.parse(MANIFEST, "m.toml"), [
        Observation(Target(PLAIN, "project-3", "127.0.0.1:8080"), (answered(wrong),)),
        Observation(Target(TLS, "project-3", "127.0.0.1:8443"), (answered(right),))],
        config=config)
    found = next(t for t in report.targets if t.url == PLAIN)
    assert found.verdict is Verdict.WRONG_INSTANCE
    why, fix = found.explanation or "", found.fix or ""
    assert "at the site" not in why and "on another address" not in why, why
    assert ("The route leaves the intended one at the mount, not the site: <VirtualHost "
            "*:8080> (site-c.example.com) at t.conf:11 runs /srv/project-1/wsgi.py "
            "(WSGIScriptAlias / is the first WSGIScriptAlias of this server to match /, "
            "t.conf:15), the VirtualHost that claims site-c.example.com by its own name "
            "(ServerName "
            "site-c.example.com, t.conf:12).") in why, why
    # the twin's lines in place of its own, each with file:line; no URL the manifest lists
    assert ("write its WSGI lines inside it in place of 'WSGIProcessGroup project-1' "
            "(t.conf:14), 'WSGIScriptAlias / /srv/project-1/wsgi.py' (t.conf:15): "
            "'WSGIScriptAlias / /srv/project-3/wsgi.py' (t.conf:21), 'WSGIProcessGroup "
            "project-3' (t.conf:20)") in fix, fix
    assert "list the URL" not in fix and "a plain VirtualHost of its own" not in fix, fix
    cited = {e.source for e in found.evidence if e.kind.value == "configured"}
    assert {"t.conf:14", "t.conf:15", "t.conf:21"} <= cited, cited
