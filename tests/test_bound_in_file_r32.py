"""Re-tester R32's cache-apache case (Apache mod_proxy by RewriteRule [P] to gunicorn, one
``<VirtualHost 127.0.0.1:18161>``): with --config httpd.conf the route is undecided (a
RewriteCond), so the default-site fix kept the answers' words, and since the Server header
was gunicorn's (passed on by mod_proxy) it said "'apachectl -S' or 'nginx -T' ... nginx:
listen 127.0.0.1:18161" and spoke of *:18161 sites the file does not have."""

from __future__ import annotations

from pathlib import Path

from probe.diagnose.bound_in_file import bound_in_file
from probe.diagnose.wording import Diagnosis
from probe.front_config import load_front
from probe.manifest import Target
from probe.model import Observation, Sample, Verdict

AT = "127.0.0.1:18161"
CONF = f"""ServerName localhost
Listen {AT}
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_http_module /usr/lib/apache2/modules/mod_proxy_http.so
LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so
<VirtualHost {AT}>
    ServerName site1.example.com
    ServerAlias site2.example.com
    UseCanonicalName Off
    RewriteEngine On
    RewriteCond %{{HTTP_HOST}} ^site2\\. [NC]
    RewriteRule ^/(.*)$ http://127.0.0.1:18102/$1 [P]
    RewriteRule ^/(.*)$ http://127.0.0.1:18101/$1 [P]
    ProxyPreserveHost On
</VirtualHost>
"""
SAID = ("No site is meant to answer 'unknown.example.com': give it to none and make the first "
        "site of this address refuse unknown names. If the default site claims it, remove that "
        "name there. If 'apachectl -S' or 'nginx -T' lists a site bound to 127.0.0.1:18161 "
        "itself (Apache: <VirtualHost 127.0.0.1:18161>; nginx: listen 127.0.0.1:18161) beside "
        "the *:18161 ones, that site takes every name sent to 127.0.0.1:18161, whatever the "
        "*:18161 sites claim or their order: give it the address *:18161, or the address it "
        "is meant for.")
"""R32's printed fix (rt/after-fix-sweep-config-2.txt), word for word."""


def _fixed(tmp_path: Path, conf: str) -> str:
    path = tmp_path / "httpd.conf"
    path.write_text(conf)
    obs = Observation(Target("http://unknown.example.com/", None, AT),
                      (Sample(1.0, 200, address=AT, server="gunicorn/27.0.1"),))
    front = load_front(str(path), {}).front
    said = bound_in_file(Diagnosis(Verdict.SERVED_UNMAPPED, fix=SAID), front, obs)
    assert said.fix is not None
    return said.fix


def test_the_files_only_vhost_of_the_address_is_said_not_both_fronts(tmp_path: Path) -> None:
    fix = _fixed(tmp_path, CONF)
    line = CONF.splitlines().index(f"<VirtualHost {AT}>") + 1
    assert "nginx" not in fix and "*:18161 ones" not in fix, fix
    assert fix.endswith(f"remove that name there. In the configuration read, {AT}'s "
                        f"VirtualHosts are <VirtualHost {AT}> (site1.example.com) at "
                        f"{tmp_path / 'httpd.conf'}:{line}, and none is *:18161: the first of "
                        f"them answers every name none of them claims."), fix


def test_beside_a_wildcard_vhost_the_bound_one_is_named(tmp_path: Path) -> None:
    fix = _fixed(tmp_path, CONF + "<VirtualHost *:18161>\n    ServerName other.example\n"
                                  "</VirtualHost>\n")
    assert "nginx" not in fix, fix
    assert f"is bound to {AT} itself beside the *:18161 VirtualHosts: it takes every name " \
        f"sent to {AT}" in fix, fix
