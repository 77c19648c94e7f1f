"""Fixes a tester applied to real Apache configurations (Weblate, devstack horizon,
graphite-web) and found wrong: "stop claiming" a name the VirtualHost owns or never claims,
"install the endpoint" for a redirect, a daemon group moved out instead of the site's own
used, an address added to a plain-HTTP VirtualHost line on a TLS port, a process group fix
without the group. Each is checked here on the configuration model; the real-Apache tests
that apply them are in tests/integration/test_applied_fixes.py."""

from __future__ import annotations

import textwrap
from pathlib import Path

from probe import manifest
from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin, diagnose
from probe.lint import lint_paths
from probe.manifest import Target
from probe.model import Cause, Observation, Report, Sample, TargetResult, Verdict

from .test_diagnose import answered, ep, status

AT = "127.0.0.1:8080"


def config(text: str) -> ConfigJoin:
    routes = ApacheRoutes(build_site(parse_text(textwrap.dedent(text), "t.conf"),
                                     read_scripts=False))
    return ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)


def obs(url: str, expected: str, *samples: Sample) -> Observation:
    """An observation of ``url`` sent to the address every configuration here listens on."""
    return Observation(Target(url, expected, AT), samples)


def one(report: Report, url: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url)


WEBLATE = """\
<VirtualHost *:8080>
    ServerName default.invalid
</VirtualHost>
<VirtualHost *:8080>
    ServerName weblate.example.org
    WSGIDaemonProcess weblate python-path=/srv/weblate
    WSGIProcessGroup weblate
    WSGIScriptAlias /weblate /srv/weblate/wsgi.py process-group=weblate
</VirtualHost>
"""

WEBLATE_MANIFEST = """\
[probe]
connect = "127.0.0.1:8080"
[instances.weblate]
label = "weblate"
process_group = "weblate"
urls = ["http://weblate.example.org/"]
"""


def test_a_site_that_owns_the_name_is_told_its_mount_not_to_stop_claiming() -> None:
    url = "http://weblate.example.org/"
    m = manifest.parse(WEBLATE_MANIFEST, "m.toml")
    found = one(diagnose(m, [obs(url, "weblate", status(403))], config=config(WEBLATE)), url)
    assert found.verdict is Verdict.NO_ENDPOINT
    assert found.fix is not None and "stop claiming" not in found.fix, found.fix
    assert "mounts /srv/weblate/wsgi.py at /weblate (t.conf:8)" in found.fix, found.fix
    assert "list http://weblate.example.org/weblate/ for weblate" in found.fix, found.fix


def test_an_ip_vhost_without_names_is_told_its_address_not_to_stop_claiming() -> None:
    text = "<VirtualHost 127.0.0.1:8080>\n    DocumentRoot /srv/html\n</VirtualHost>\n" + WEBLATE
    url = "http://weblate.example.org/weblate/"
    m = manifest.parse(WEBLATE_MANIFEST.replace('example.org/"', 'example.org/weblate/"'),
                       "m.toml")
    found = one(diagnose(m, [obs(url, "weblate", status(404))], config=config(text)), url)
    assert found.fix is not None and "stop claiming" not in found.fix, found.fix
    assert found.fix.startswith("At t.conf:1, write <VirtualHost *:8080> instead of "
                                "<VirtualHost 127.0.0.1:8080>"), found.fix
    # Adding the IP to the name-based VirtualHost alone makes the first VirtualHost of the
    # IP the default for every other name of the port (seen on real Apache): not offered.
    assert "; or add 127.0.0.1:8080" not in found.fix, found.fix
    assert "every name-based VirtualHost of the port would need that address" in found.fix


X_SITE = """\
<VirtualHost *:8080>
    ServerName x.example.com
    Redirect / https://x.example.com:8443/
</VirtualHost>
<VirtualHost *:8443>
    ServerName x.example.com
    WSGIScriptAlias / /srv/x/wsgi.py
</VirtualHost>
<VirtualHost *:8080>
    ServerName graphite
    RewriteEngine on
    RewriteCond %{HTTPS} off
    RewriteRule ^(.*)$ https://%{HTTP_HOST}$1 [R=301,L]
    WSGIScriptAlias / /srv/graphite/wsgi.py
</VirtualHost>
"""

X_MANIFEST = """\
[probe]
connect = "127.0.0.1:8080"
[instances.x]
label = "x"
urls = ["http://x.example.com/", "http://x.example.com/about/"]
[instances.graphite]
label = "graphite"
urls = ["http://graphite/"]
"""


def _redirects(with_config: bool) -> Report:
    m = manifest.parse(X_MANIFEST, "m.toml")
    seen = [obs("http://x.example.com/", "x",
                status(301, location="https://x.example.com:8443/__probe__")),
            obs("http://x.example.com/about/", "x",
                answered(ep("x", host="x.example.com"))),
            obs("http://graphite/", "graphite",
                status(301, location="https://graphite/__probe__"))]
    return diagnose(m, seen, config=config(X_SITE) if with_config else None)


def test_a_redirect_line_is_the_cause_not_another_port_claiming_the_name() -> None:
    found = one(_redirects(True), "http://x.example.com/")
    assert (found.verdict, found.cause) == (Verdict.NO_ENDPOINT, Cause.URL_MAPPING)
    assert found.fix is not None and "stop claiming" not in found.fix, found.fix
    assert "Redirect / https://x.example.com:8443/ matches /__probe__ (t.conf:3)" in \
        found.explanation
    assert "list https://x.example.com:8443/ for x in the manifest" in found.fix, found.fix


def test_a_rewrite_with_an_r_flag_is_a_redirect_whatever_its_variables() -> None:
    found = one(_redirects(True), "http://graphite/")
    assert (found.verdict, found.cause) == (Verdict.NO_ENDPOINT, Cause.URL_MAPPING)
    assert found.fix is not None and not found.fix.startswith("Install"), found.fix
    assert "(t.conf:13)" in found.explanation and "external redirect" in found.explanation
    assert "list https://graphite/ for graphite" in found.fix


def test_without_config_a_redirect_and_a_sibling_answer_do_not_lead_with_install() -> None:
    report = _redirects(False)
    x = one(report, "http://x.example.com/")
    assert x.fix is not None and x.fix.startswith("Probe the URL the redirect leads to: "
                                                  "list https://x.example.com:8443/"), x.fix
    assert "Install the endpoint" not in x.fix  # x answered at /about/ on the same host
    graphite = one(report, "http://graphite/")
    assert graphite.fix is not None and "Install the endpoint" in graphite.fix  # only after


def test_a_404_next_to_an_answer_of_the_same_instance_does_not_lead_with_install() -> None:
    m = manifest.parse(X_MANIFEST, "m.toml")
    report = diagnose(m, [obs("http://x.example.com/", "x", status(404)),
                          obs("http://x.example.com/about/", "x",
                              answered(ep("x", host="x.example.com")))])
    found = one(report, "http://x.example.com/")
    assert found.fix is not None and found.fix.startswith(
        "The endpoint is installed in x: http://x.example.com/about/"), found.fix


KEYSTONE = """\
[instances.keystone-public]
label = "project-1"
urls = ["http://keystone.example.com:44549/"]

[instances.keystone-admin]
label = "project-2"
urls = ["http://keystone.example.com:33079/"]
"""


def test_a_403_beside_another_instances_answer_on_the_host_asks_for_the_route_first() -> None:
    # openstack-helm's keystone: the admin VirtualHost left on the public port, so the admin
    # port reaches the main server (403); the public instance answered on the same host.
    m = manifest.parse(KEYSTONE, "m.toml")
    public, admin = "http://keystone.example.com:44549/", "http://keystone.example.com:33079/"
    report = diagnose(m, [obs(public, "keystone-public",
                              answered(ep("project-1", host="keystone.example.com"))),
                          obs(admin, "keystone-admin", status(403))])
    found = one(report, admin)
    assert found.fix is not None and found.fix.startswith(
        f"keystone-public answered the endpoint at {public}, on the same host, in this "
        f"sweep"), found.fix
    assert "Sweep with --config PATH" in found.fix
    assert found.fix.index("--config") < found.fix.index("Install the endpoint"), found.fix


HORIZON = """\
<VirtualHost *:80>
    ServerName weblate.example.org
    WSGIDaemonProcess weblate python-path=/srv/weblate
    WSGIProcessGroup weblate
    WSGIScriptAlias / @ROOT@/weblate.wsgi
</VirtualHost>
<VirtualHost *:80>
    ServerName horizon.example.org
    WSGIScriptAlias / @ROOT@/horizon.wsgi
    WSGIDaemonProcess horizon python-path=/srv/horizon
    WSGIProcessGroup weblate
</VirtualHost>
"""


def test_lint_leads_with_the_vhosts_own_idle_group_not_the_move(tmp_path: Path) -> None:
    for name in ("weblate.wsgi", "horizon.wsgi"):
        (tmp_path / name).write_text("")
    conf = tmp_path / "httpd.conf"
    conf.write_text(HORIZON.replace("@ROOT@", str(tmp_path)))
    [fix] = [f.fix or "" for f in lint_paths([conf]).findings if f.code == "undefined_daemon"]
    assert fix.startswith(f"at {conf}:11, name the group this VirtualHost defines and "
                          f"nothing runs in: WSGIProcessGroup horizon "
                          f"(WSGIDaemonProcess horizon at {conf}:10)"), fix
    assert "share the processes of weblate" in fix, fix


def test_a_500_from_a_copied_group_name_leads_with_the_vhosts_own_group(
        tmp_path: Path) -> None:
    text = HORIZON.replace("*:80", "*:8080").replace("@ROOT@", "/srv")
    m = manifest.parse('[probe]\nconnect = "127.0.0.1:8080"\n[instances.horizon]\n'
                       'label = "horizon"\nurls = ["http://horizon.example.org/"]\n', "m.toml")
    found_config = config(text)
    findings = {(f.file, f.line): (f.code, f.message) for f in lint_paths(
        [_written(tmp_path, text)]).findings}
    keyed = {("t.conf", line): found for (_, line), found in findings.items()}
    joined = ConfigJoin(found_config.front, keyed, found_config.divergence)
    url = "http://horizon.example.org/"
    found = one(diagnose(m, [obs(url, "horizon", status(500))], config=joined), url)
    assert found.cause is Cause.UNDEFINED_DAEMON, found
    assert found.fix is not None and found.fix.startswith(
        "At t.conf:11, name the group this VirtualHost defines and nothing runs in: "
        "WSGIProcessGroup horizon (WSGIDaemonProcess horizon at t.conf:10)"), found.fix


def _written(tmp_path: Path, text: str) -> Path:
    for name in ("weblate.wsgi", "horizon.wsgi"):
        (tmp_path / name).write_text("")
    conf = tmp_path / "httpd.conf"
    conf.write_text(text.replace("/srv/", f"{tmp_path}/"))
    return conf


SCOPE = """\
WSGIDaemonProcess weblate python-path=/srv/weblate
<VirtualHost *:8080>
    ServerName weblate.example.org
    WSGIScriptAlias / /srv/weblate/wsgi.py process-group=weblate
</VirtualHost>
<VirtualHost *:8080>
    ServerName horizon.example.org
    WSGIScriptAlias / /srv/horizon/wsgi.py
    WSGIDaemonProcess horizon python-path=/srv/horizon
    WSGIProcessGroup weblate
</VirtualHost>
"""


def test_a_group_line_of_the_vhost_itself_is_fixed_there_with_the_group_named() -> None:
    m = manifest.parse('[probe]\nconnect = "127.0.0.1:8080"\n[instances.horizon]\n'
                       'label = "horizon"\nprocess_group = "horizon"\n'
                       'urls = ["http://horizon.example.org/"]\n', "m.toml")
    url = "http://horizon.example.org/"
    answer = ep("horizon", host="horizon.example.org", process_group="weblate",
                application_group="horizon.example.org|")
    answer["ppid"] = 4242  # the Apache whose daemon process answered
    found = one(diagnose(m, [obs(url, "horizon", answered(answer))], config=config(SCOPE)),
                url)
    assert found.cause is Cause.PROCESS_GROUP_SCOPE, found
    assert found.fix is not None and "<Location>" not in found.fix, found.fix
    assert found.fix.startswith("At t.conf:10, name the group meant for horizon: "
                                "WSGIProcessGroup horizon (WSGIDaemonProcess horizon at "
                                "t.conf:9)"), found.fix
    assert "process-group=horizon on the mount of horizon (t.conf:8)" in found.fix
    # A group line is read when Apache starts: the restart of the Apache that answered (its
    # parent, ppid) follows, by its own command (R26 c1: edited, nothing changed until then).
    assert ("(t.conf:8). Then restart Apache, which reads WSGIProcessGroup and process-group= "
            "only when it starts (a touched WSGI script does not): run the command that 'ps "
            "-ww -o args= -p 4242' shows (its Apache, the parent of pid 101) with '-k "
            "graceful' in place of the '-k start' it shows") in found.fix, found.fix


BLOG = """\
<VirtualHost *:8080>
    ServerName blog.example.com
    WSGIApplicationGroup %{GLOBAL}
    WSGIDaemonProcess blog python-path=/srv/blog
    WSGIDaemonProcess blogapi python-path=/srv/blogapi
    WSGIProcessGroup blog
    WSGIScriptAlias /api /srv/blogapi/wsgi.py application-group=%{GLOBAL}
    WSGIScriptAlias / /srv/blog/wsgi.py
</VirtualHost>
"""


def test_a_vhost_group_line_another_url_is_served_through_is_not_renamed() -> None:
    """puppetlabs-apache's _wsgi.epp with /api lacking process-group=: renaming the
    VirtualHost's WSGIProcessGroup as once told made both / and /api/ answer 500."""
    m = manifest.parse('[probe]\nconnect = "127.0.0.1:8080"\n'
                       '[instances.blog]\nlabel = "blog"\nprocess_group = "blog"\n'
                       'urls = ["http://blog.example.com/"]\n'
                       '[instances.blogapi]\nlabel = "blogapi"\nprocess_group = "blogapi"\n'
                       'urls = ["http://blog.example.com/api/"]\n', "m.toml")
    api, root = "http://blog.example.com/api/", "http://blog.example.com/"
    blog = ep("blog", host="blog.example.com", application_group="")
    wrong = ep("blogapi", host="blog.example.com", mount="/api", process_group="blog",
               application_group="")
    found = one(diagnose(m, [obs(api, "blogapi", answered(wrong)),
                             obs(root, "blog", answered(blog))], config=config(BLOG)), api)
    assert found.cause is Cause.PROCESS_GROUP_SCOPE, found
    assert found.fix is not None
    assert found.fix.startswith("Put process-group=blogapi on the mount of blogapi (t.conf:7); "
                                "WSGIDaemonProcess blogapi at t.conf:5 defines it."), found.fix
    assert "name the group meant" not in found.fix and "WSGIProcessGroup blogapi" \
        not in found.fix, found.fix
    assert ("Do not rename the group at t.conf:6: that line applies to its whole "
            "VirtualHost, and http://blog.example.com/ (answered by blog in this sweep, "
            "through WSGIScriptAlias / at t.conf:8) takes 'blog' from it too") in found.fix


TLS = """\
<VirtualHost *:8443>
    ServerName x.example.com
    SSLEngine on
    SSLCertificateFile /etc/ssl/x.pem
    SSLCertificateKeyFile /etc/ssl/x.key
    WSGIScriptAlias / /srv/x/wsgi.py
</VirtualHost>
<VirtualHost *:8080>
    ServerName weblate.example.org
    WSGIScriptAlias / /srv/weblate/wsgi.py
</VirtualHost>
"""


def test_a_site_wanted_on_a_tls_address_gets_a_tls_vhost_not_an_address_added() -> None:
    m = manifest.parse('[instances.weblate]\nlabel = "weblate"\n'
                       'urls = ["https://weblate.example.org:8443/", '
                       '"http://weblate.example.org:8080/"]\n'
                       '[instances.x]\nlabel = "x"\nurls = ["https://x.example.com:8443/"]\n',
                       "m.toml")
    tls_url = "https://weblate.example.org:8443/"
    seen = [Observation(Target(tls_url, "weblate", "127.0.0.1:8443"),
                        (answered(ep("x", host="weblate.example.org", process_group="",
                                     application_group="x.example.com:8443|")),)),
            Observation(Target("http://weblate.example.org:8080/", "weblate",
                               "127.0.0.1:8080"),
                        (answered(ep("weblate", host="weblate.example.org", process_group="",
                                     application_group="weblate.example.org:8080|")),))]
    found = one(diagnose(m, seen, config=config(TLS)), tls_url)
    assert found.cause is Cause.VHOST_FALLBACK, found
    assert found.fix is not None and "add that address" not in found.fix, found.fix
    assert ("<VirtualHost *:8443>\n    ServerName weblate.example.org\n    # the certificate "
            "of <VirtualHost *:8443> (x.example.com) at t.conf:1, as read at t.conf:4, "
            "t.conf:5\n    SSLEngine on\n    SSLCertificateFile /etc/ssl/x.pem\n"
            "    SSLCertificateKeyFile /etc/ssl/x.key\n") in found.fix, found.fix
    # mod_wsgi lets a VirtualHost of the same ServerName use a group defined in the other
    # (applied on real Apache: it works), so nothing needs moving out.
    assert "must move outside it" not in found.fix, found.fix
    assert "serves this one too where both have the same ServerName" in found.fix, found.fix


def test_host_rejected_says_to_reload_the_daemon_group() -> None:
    m = manifest.parse('[instances.weblate]\nlabel = "weblate"\n'
                       'urls = ["http://weblate.example.com/"]\n', "m.toml")
    answer = ep("weblate", host="weblate.example.com", process_group="weblate")
    answer["request"]["host_allowed"] = False
    url = "http://weblate.example.com/"
    found = one(diagnose(m, [Observation(Target(url, "weblate"), (answered(answer),))]), url)
    assert found.verdict is Verdict.HOST_REJECTED, found
    assert found.fix is not None and "ALLOWED_HOSTS" in found.fix
    assert "so then restart the whole daemon group 'weblate': touch its WSGI script " \
           "(/srv/weblate/wsgi.py)" in found.fix, found.fix


def test_the_served_unmapped_fix_without_a_block_is_two_sentences() -> None:
    from probe.diagnose.site_wording import default_site

    told = default_site("http://unknown.example.net/", None, "x", "x", "", None, (), ())
    assert "refuse unknown names. If the default site claims it" in told.fix, told.fix


def test_without_configuration_the_name_is_given_only_if_the_site_lacks_it() -> None:
    from probe.diagnose.site_wording import default_site

    # www.weblate is weblate's ServerAlias, shadowed by an earlier wildcard: nothing read
    # says so, so the fix must not simply tell to give weblate the name it already has.
    told = default_site("http://www.weblate.example.org/", "weblate", "x", "x", "x", None,
                        (), ())
    assert told.fix is not None
    assert not told.fix.startswith("Give 'www.weblate.example.org' to the site"), told.fix
    assert told.fix.startswith("If no site of weblate has 'www.weblate.example.org' as a "
                               "ServerName or ServerAlias, give it one"), told.fix
    assert "If one has it, a site listed before it claims 'www.weblate.example.org' first" \
        in told.fix, told.fix


ELSEWHERE = """\
<VirtualHost *:8080>
    ServerName x.example.com
    WSGIScriptAlias / /srv/x/wsgi.py
</VirtualHost>
<VirtualHost *:8081>
    ServerName weblate.example.org
    WSGIScriptAlias / /srv/weblate/wsgi.py
</VirtualHost>
"""


def test_a_site_on_another_port_is_told_the_wildcard_address_not_the_connect_one() -> None:
    m = manifest.parse('[instances.weblate]\nlabel = "weblate"\n'
                       'urls = ["http://weblate.example.org:8080/", '
                       '"http://weblate.example.org:8081/"]\n'
                       '[instances.x]\nlabel = "x"\nurls = ["http://x.example.com:8080/"]\n',
                       "m.toml")
    url = "http://weblate.example.org:8080/"
    seen = [Observation(Target(url, "weblate", AT),
                        (answered(ep("x", host="weblate.example.org", process_group="",
                                     application_group="x.example.com:8080|")),)),
            Observation(Target("http://weblate.example.org:8081/", "weblate",
                               "127.0.0.1:8081"),
                        (answered(ep("weblate", host="weblate.example.org", process_group="",
                                     application_group="weblate.example.org:8081|")),))]
    found = one(diagnose(m, seen, config=config(ELSEWHERE)), url)
    assert found.fix is not None, found
    # 127.0.0.1:8080 on the line would make weblate IP-based: every name sent to that IP.
    assert "add 127.0.0.1:8080" not in found.fix, found.fix
    assert "add *:8080 (the address of <VirtualHost *:8080>" in found.fix, found.fix


TLS_ONLY = """\
<VirtualHost *:8080>
    ServerName default.invalid
    DocumentRoot /srv/html
</VirtualHost>
<VirtualHost *:8443>
    ServerName s.example.org
    SSLEngine on
    SSLCertificateFile /etc/ssl/s.pem
    WSGIScriptAlias / /srv/s/wsgi.py
</VirtualHost>
"""


def test_a_plain_url_of_a_tls_only_site_is_told_https_not_an_address_or_a_mount() -> None:
    """No endpoint at a plain-HTTP URL whose name only a VirtualHost with SSLEngine on
    claims, on another port: the fix names that VirtualHost and its SSLEngine line and the
    https URL, or a plain VirtualHost of its own; not a mount for the default site, nor its
    address made '*' (it is '*' already)."""
    url = "http://s.example.org:8080/"
    m = manifest.parse('[instances.s]\nlabel = "s"\nurls = ["http://s.example.org:8080/"]\n',
                       "m.toml")
    found = one(diagnose(m, [obs(url, "s", status(404))], config=config(TLS_ONLY)), url)
    assert found.verdict is Verdict.NO_ENDPOINT
    fix = found.fix or ""
    assert fix.startswith("<VirtualHost *:8443> (s.example.org) at t.conf:5 serves "
                          "s.example.org over HTTPS only (SSLEngine on in <VirtualHost "
                          "*:8443>: it speaks TLS only, t.conf:7): list the URL as "
                          "https://s.example.org:8443/ in the manifest for s"), fix
    assert "<VirtualHost *:8080>\n    ServerName s.example.org\n" in fix, fix
    assert "address '*'" not in fix and "add the mount" not in fix, fix
    assert ("SSLEngine on", "t.conf:7") in [(e.claim, e.source) for e in found.evidence]


def test_a_plain_url_of_a_tls_only_site_whose_https_url_is_listed_is_not_told_to_list_it(
        ) -> None:
    """The manifest lists the https URL already: listing it is no fix; whether the plain
    URL must answer at all is, and the https URL's own row shows how the site serves."""
    url, https = "http://s.example.org:8080/", "https://s.example.org:8443/"
    m = manifest.parse(f'[instances.s]\nlabel = "s"\nurls = ["{url}", "{https}"]\n',
                       "m.toml")
    seen = [obs(url, "s", status(404)),
            Observation(Target(https, "s", "127.0.0.1:8443"),
                        (answered(ep("s", host="s.example.org", process_group="",
                                     application_group="s.example.org:8443|")),))]
    found = one(diagnose(m, seen, config=config(TLS_ONLY)), url)
    assert found.verdict is Verdict.NO_ENDPOINT
    fix = found.fix or ""
    assert "list the URL as" not in fix, fix
    assert "(SSLEngine on in <VirtualHost *:8443>: it speaks TLS only, t.conf:7). The " \
           f"manifest lists {https} for s already (its own row says whether" in fix, fix
    assert f"remove {url} from the manifest for s" in fix, fix
    assert "<VirtualHost *:8080>\n    ServerName s.example.org\n" in fix, fix


TLS_AND_DEFAULT = """\
<VirtualHost *:8080>
    ServerName one.example.org
    WSGIScriptAlias / /srv/one/wsgi.py
</VirtualHost>
<VirtualHost *:8443>
    ServerName s.example.org
    SSLEngine on
    SSLCertificateFile /etc/ssl/s.pem
    WSGIScriptAlias / /srv/s/wsgi.py
</VirtualHost>
"""


def _plain_answered_by_the_default(listed: str) -> str:
    """The fix for plain http://s.example.org:8080/, answered by the port's first site,
    with the manifest's URLs of s ``listed``."""
    url = "http://s.example.org:8080/"
    m = manifest.parse(f'[instances.s]\nlabel = "s"\nurls = [{listed}]\n'
                       '[instances.one]\nlabel = "one"\n'
                       'urls = ["http://one.example.org:8080/"]\n', "m.toml")
    seen = [obs(url, "s", answered(ep("one", host="s.example.org", process_group="",
                                      application_group="one.example.org:8080|"))),
            Observation(Target("https://s.example.org:8443/", "s", "127.0.0.1:8443"),
                        (answered(ep("s", host="s.example.org", process_group="",
                                     application_group="s.example.org:8443|")),))]
    found = one(diagnose(m, seen, config=config(TLS_AND_DEFAULT)), url)
    assert found.verdict is Verdict.WRONG_INSTANCE, found
    return found.fix or ""


def test_a_plain_url_answered_by_another_site_is_told_https_only_when_not_listed() -> None:
    plain, https = '"http://s.example.org:8080/"', '"https://s.example.org:8443/"'
    told = _plain_answered_by_the_default(plain)
    assert "list the URL as https://s.example.org:8443/ in the manifest for s" in told, told
    listed = _plain_answered_by_the_default(f"{plain}, {https}")
    assert "list the URL as" not in listed, listed
    assert "The manifest lists https://s.example.org:8443/ for s already" in listed, listed
    assert "remove http://s.example.org:8080/ from the manifest for s" in listed, listed


TWINS = """\
<VirtualHost *:8443>
    ServerName shop.example.com
    WSGIApplicationGroup %{GLOBAL}
    WSGIDaemonProcess shop python-path=/srv/shop
    WSGIProcessGroup shop
    WSGIScriptAlias / "/srv/shop/wsgi.py"
</VirtualHost>
<VirtualHost *:8080>
    ServerName shop.example.com
    DocumentRoot /srv/www
</VirtualHost>
"""


def test_a_twin_without_the_mount_is_given_every_wsgi_line_of_its_twin() -> None:
    """puppetlabs-apache's :443 copy of a site without its WSGI block: the alias alone, as
    once told, ran the script embedded (no python-path=) and answered 500."""
    url = "http://shop.example.com/"
    m = manifest.parse('[probe]\nconnect = "127.0.0.1:8080"\n[instances.shop]\n'
                       'label = "shop"\nprocess_group = "shop"\n'
                       f'urls = ["{url}"]\n', "m.toml")
    found = one(diagnose(m, [obs(url, "shop", status(404))], config=config(TWINS)), url)
    assert found.verdict is Verdict.NO_ENDPOINT
    assert found.fix is not None
    assert ("its twin <VirtualHost *:8443> (shop.example.com) at t.conf:1, the same name on "
            "another port, mounts /srv/shop/wsgi.py there: write its WSGI lines inside it, "
            "'WSGIScriptAlias / /srv/shop/wsgi.py' (t.conf:6), 'WSGIApplicationGroup "
            "%{GLOBAL}' (t.conf:3), 'WSGIProcessGroup shop' (t.conf:5); WSGIDaemonProcess "
            "shop (t.conf:4) serves this VirtualHost too") in found.fix, found.fix
    assert "add the mount of shop" not in found.fix
    cited = {e.source for e in found.evidence if e.kind.value == "configured"}
    assert {"t.conf:3", "t.conf:5", "t.conf:6"} <= cited, cited


FALLBACK = """\
<VirtualHost *:8080>
    ServerName other.example.org
    WSGIDaemonProcess other python-path=/srv/other
    WSGIScriptAlias / /srv/other/wsgi.py process-group=other
</VirtualHost>
<VirtualHost *:8080>
    ServerName weblate.example.org
    WSGIDaemonProcess weblate python-path=/srv/weblate
    WSGIScriptAlias / /srv/weblate/wsgi.py process-group=weblate
</VirtualHost>
"""


def test_a_name_line_fix_ends_with_the_restart_of_the_apache_that_answered() -> None:
    """A ServerAlias to add is read when Apache starts or restarts gracefully: the fix ends
    with the restart of the Apache whose daemon process answered (its ppid), said once and
    before the catch-all block to copy, which stays whole and last."""
    m = manifest.parse('[probe]\nconnect = "127.0.0.1:8080"\n[instances.weblate]\n'
                       'label = "weblate"\nprocess_group = "weblate"\n'
                       'urls = ["http://weblate.example.org/", '
                       '"http://www.weblate.example.org/"]\n'
                       '[instances.other]\nlabel = "other"\nprocess_group = "other"\n'
                       'urls = ["http://other.example.org/"]\n', "m.toml")
    own = ep("weblate", host="weblate.example.org", process_group="weblate",
             application_group="weblate.example.org|")
    own["script_file"] = "/srv/weblate/wsgi.py"
    other = ep("other", host="www.weblate.example.org", vhost="other.example.org",
               process_group="other", application_group="other.example.org|", pid=202)
    other["script_file"] = "/srv/other/wsgi.py"
    other["ppid"] = 4242  # the Apache whose daemon process answered
    url = "http://www.weblate.example.org/"
    found = one(diagnose(m, [obs("http://weblate.example.org/", "weblate", answered(own)),
                             obs(url, "weblate", answered(other))],
                         config=config(FALLBACK)), url)
    assert found.cause is Cause.VHOST_FALLBACK, found
    assert found.fix is not None and found.fix.startswith(
        "Add 'ServerAlias www.weblate.example.org' inside <VirtualHost *:8080> "
        "(weblate.example.org) at t.conf:6"), found.fix
    assert "After the edit, restart Apache gracefully (it reads its configuration only when "\
           "it starts or restarts): the answer of this URL (pid 202, ppid 4242) names its "\
           "Apache; run the command that "\
           "'ps -ww -o args= -p 4242' shows" in found.fix, found.fix
    assert found.fix.count("After the edit") == found.fix.count("restart Apache") == 1
    _, block = found.fix.split(" The lines to write:\n")
    assert block.startswith("<VirtualHost *:8080>\n") and block.endswith("</VirtualHost>")
