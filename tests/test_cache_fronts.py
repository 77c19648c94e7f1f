"""Caches in front, from tester T32's cases (cases/cache-nginx, cache-apache, cache-varnish;
real answers: :mod:`tests.t32_answers`; the tester's nginx.conf and httpd.conf, run paths
changed):

* ``not_live`` (``cached``) worded for the cache the headers name (nginx's X-Cache-Status with
  Server: nginx; Varnish's Via/X-Varnish; Apache's X-Cache with Server: Apache), with the
  reason a ``no-store`` answer was stored and, with --config, its line
  (``proxy_ignore_headers``, ``CacheStoreNoStore On``);
* "the key lacks the Host" only where the evidence shows it: another instance's answer
  stored under the URL (:18111), or the key line lint finds; never on :18113, whose key
  holds $host and gives each URL its own site's stored answer;
* the blind spot (:18112): live answers through a cache serving two names are the
  ``cache_untested`` warning, with the key line under --config, and none where the key read
  holds the Host;
* lint's ``nginx_cache_key_host`` and ``nginx_cache_no_store_ignored`` on that nginx.conf.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from probe.diagnose import diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.front_config import load_front
from probe.lint.nginx_rules import run_nginx_rules
from probe.manifest import Target, parse
from probe.model import Cause, Liveness, Observation, Report, Sample, TargetResult, Verdict
from probe.nginx import load_nginx
from tests.t32_answers import SITE1_LIVE, SITE1_OWN, SITE2_LIVE, SITE2_STORED

NGINX = """\
worker_processes 1;
pid /t32/run/nginx.pid;
error_log /t32/run/error.log info;
events { worker_connections 256; }
http {
    access_log /t32/run/access.log;
    client_body_temp_path /t32/run/tmp_body;
    proxy_temp_path /t32/run/tmp_proxy;
    fastcgi_temp_path /t32/run/tmp_fcgi;
    uwsgi_temp_path /t32/run/tmp_uwsgi;
    scgi_temp_path /t32/run/tmp_scgi;
    proxy_cache_path /t32/run/cache levels=1:2 keys_zone=pages:10m max_size=50m inactive=10m;
    proxy_cache_path /t32/run/cache2 levels=1:2 keys_zone=pages2:10m inactive=10m;
    proxy_cache_path /t32/run/cache3 levels=1:2 keys_zone=pages3:10m inactive=10m;

    upstream site1 { server 127.0.0.1:18101; }
    upstream site2 { server 127.0.0.1:18102; }

    # Port 18111: cache key WITHOUT the Host, backend's Cache-Control IGNORED (micro-caching)
    server {
        listen 127.0.0.1:18111;
        server_name site1.example.com;
        proxy_cache pages;
        proxy_cache_key $scheme$request_uri;
        proxy_ignore_headers Cache-Control Expires Set-Cookie;
        proxy_cache_valid 200 10m;
        add_header X-Cache-Status $upstream_cache_status always;
        location / {
            proxy_pass http://site1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }
    }
    server {
        listen 127.0.0.1:18111;
        server_name site2.example.com;
        proxy_cache pages;
        proxy_cache_key $scheme$request_uri;
        proxy_ignore_headers Cache-Control Expires Set-Cookie;
        proxy_cache_valid 200 10m;
        add_header X-Cache-Status $upstream_cache_status always;
        location / {
            proxy_pass http://site2;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }
    }

    # Port 18112: cache key WITHOUT the Host, backend's Cache-Control honoured (nginx default)
    server {
        listen 127.0.0.1:18112;
        server_name site1.example.com;
        proxy_cache pages2;
        proxy_cache_key $scheme$request_uri;
        proxy_cache_valid 200 10m;
        add_header X-Cache-Status $upstream_cache_status always;
        location / { proxy_pass http://site1; proxy_set_header Host $host; }
    }
    server {
        listen 127.0.0.1:18112;
        server_name site2.example.com;
        proxy_cache pages2;
        proxy_cache_key $scheme$request_uri;
        proxy_cache_valid 200 10m;
        add_header X-Cache-Status $upstream_cache_status always;
        location / { proxy_pass http://site2; proxy_set_header Host $host; }
    }

    # Port 18113: cache key WITH $host, Cache-Control ignored
    server {
        listen 127.0.0.1:18113;
        server_name site1.example.com;
        proxy_cache pages3;
        proxy_cache_key $scheme$host$request_uri;
        proxy_ignore_headers Cache-Control Expires Set-Cookie;
        proxy_cache_valid 200 10m;
        add_header X-Cache-Status $upstream_cache_status always;
        location / { proxy_pass http://site1; proxy_set_header Host $host; }
    }
    server {
        listen 127.0.0.1:18113;
        server_name site2.example.com;
        proxy_cache pages3;
        proxy_cache_key $scheme$host$request_uri;
        proxy_ignore_headers Cache-Control Expires Set-Cookie;
        proxy_cache_valid 200 10m;
        add_header X-Cache-Status $upstream_cache_status always;
        location / { proxy_pass http://site2; proxy_set_header Host $host; }
    }
}
"""

HTTPD = """\
ServerRoot "/t32/run"
ServerName localhost
Listen 127.0.0.1:18161
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_http_module /usr/lib/apache2/modules/mod_proxy_http.so
LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so
LoadModule headers_module /usr/lib/apache2/modules/mod_headers.so
LoadModule cache_module /usr/lib/apache2/modules/mod_cache.so
LoadModule cache_disk_module /usr/lib/apache2/modules/mod_cache_disk.so
User www-data
Group www-data
PidFile "/t32/run/httpd.pid"
DefaultRuntimeDir "/t32/run"
Mutex file:/t32/run default
ErrorLog "/t32/run/error.log"
LogLevel warn cache:debug
LogFormat "%v:%p \"%r\" %>s host=%{Host}i cache=%{cache-status}e" c
CustomLog "/t32/run/access.log" c
CacheRoot "/t32/run/cache"
CacheEnable disk /
CacheStoreNoStore On
CacheDefaultExpire 600
CacheHeader on
CacheIgnoreNoLastMod On
<VirtualHost 127.0.0.1:18161>
    ServerName site1.example.com
    ServerAlias site2.example.com
    UseCanonicalName On
    RewriteEngine On
    RewriteCond %{HTTP_HOST} ^site2\\. [NC]
    RewriteRule ^/(.*)$ http://127.0.0.1:18102/$1 [P]
    RewriteRule ^/(.*)$ http://127.0.0.1:18101/$1 [P]
    ProxyPreserveHost On
</VirtualHost>
"""

MANIFEST = """\
[probe]
connect = "{front}"

[instances.site1]
label = "site1"
settings = "mysite.settings"
urls = ["http://site1.example.com/", "http://site1.example.com/admin/"]

[instances.site2]
label = "site2"
settings = "mysite.settings"
urls = ["http://site2.example.com/", "http://site2.example.com/admin/"]
"""
NGINX_SERVER = "nginx/1.22.1"
OTHER_CACHES = ("CloudFront", "Varnish", "UseCanonicalName", "hash req.http.host")


def _seen(url: str, expected: str, front: str, answer: dict[str, Any], liveness: Liveness,
          cache: tuple[str, ...], server: str = NGINX_SERVER, via: str | None = None,
          ) -> Observation:
    return Observation(Target(url, expected, front), tuple(
        Sample(elapsed_ms=2.0, status_code=200, endpoint=EndpointAnswer.from_json(answer),
               address=front, server=server, liveness=liveness, cache=cache, via=via)
        for _ in range(3)))


def _sweep(tmp: Path | None, front: str, observations: list[Observation],
           name: str = "nginx.conf", text: str = NGINX) -> Report:
    config = None
    if tmp is not None:
        (tmp / name).write_text(text)
        config = load_front(str(tmp / name), {})
    return diagnose(parse(MANIFEST.replace("{front}", front)), observations, config=config)


def _one(report: Report, url: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url)


def _stored_18111() -> list[Observation]:
    hit = ("X-Cache-Status: HIT",)
    return [_seen("http://site1.example.com/", "site1", "127.0.0.1:18111", SITE2_STORED,
                  Liveness.CACHED, hit),
            _seen("http://site2.example.com/", "site2", "127.0.0.1:18111", SITE2_STORED,
                  Liveness.CACHED, hit)]


def test_nginx_stored_answer_is_worded_in_nginx_terms_with_the_lines(tmp_path: Path) -> None:
    """:18111 --config: the proxy_ignore_headers line (nginx.conf:25) is the reason, the key
    line (nginx.conf:24) lacks $host, and no other cache's words appear."""
    found = _one(_sweep(tmp_path, "127.0.0.1:18111", _stored_18111()),
                 "http://site1.example.com/")
    assert (found.verdict, found.cause) == (Verdict.NOT_LIVE, Cause.CACHED)
    conf = str(tmp_path / "nginx.conf")
    assert f"proxy_ignore_headers Cache-Control Expires Set-Cookie;' ({conf}:25)" in found.fix
    assert "proxy_cache_bypass $http_x_probe_nonce;" in found.fix
    assert "proxy_no_cache $http_x_probe_nonce;" in found.fix
    assert f"'proxy_cache_key $scheme$request_uri;' ({conf}:24)" in found.fix
    assert "is site2's" in found.fix and "holds no $host" in found.fix
    assert "nginx proxy_cache (X-Cache-Status: HIT with Server: nginx/1.22.1)" in \
        found.explanation
    assert not any(word in found.fix for word in OTHER_CACHES), found.fix
    assert {e.source for e in found.evidence} >= {f"{conf}:25", f"{conf}:24"}


def test_nginx_stored_answer_without_config_names_nginx_words_only() -> None:
    found = _one(_sweep(None, "127.0.0.1:18111", _stored_18111()), "http://site1.example.com/")
    assert "proxy_ignore_headers" in found.fix and "'proxy_cache_key $scheme$host" in found.fix
    assert not any(word in found.fix for word in OTHER_CACHES), found.fix
    # site2's own answer stored for site2: no other instance's identity, no key sentence
    own = _one(_sweep(None, "127.0.0.1:18111", _stored_18111()), "http://site2.example.com/")
    assert "lacks the Host" not in own.fix


def test_a_key_holding_the_host_is_never_said_to_lack_it(tmp_path: Path) -> None:
    """:18113: each URL got its own site's stored answer; the key (nginx.conf:74) holds $host.
    The reason is nginx.conf:75's proxy_ignore_headers, and no key change is proposed."""
    hit = ("X-Cache-Status: HIT",)
    observations = [_seen("http://site1.example.com/", "site1", "127.0.0.1:18113", SITE1_OWN,
                          Liveness.CACHED, hit)]
    for tmp in (tmp_path, None):
        found = _one(_sweep(tmp, "127.0.0.1:18113", observations), "http://site1.example.com/")
        assert found.cause is Cause.CACHED
        assert "lacks the Host" not in found.fix and "proxy_cache_key $scheme$host" not in found.fix
        assert "proxy_cache_bypass $http_x_probe_nonce;" in found.fix
    with_config = _one(_sweep(tmp_path, "127.0.0.1:18113", observations),
                       "http://site1.example.com/")
    assert f"({tmp_path / 'nginx.conf'}:75)" in with_config.fix
    assert "holds the Host" in with_config.fix


def test_apache_mod_cache_stored_answer_names_cachestorenostore(tmp_path: Path) -> None:
    """cache-apache --config httpd.conf: CacheStoreNoStore On (httpd.conf:23) stored the
    probe's no-store answer; UseCanonicalName On (httpd.conf:30) in the VirtualHost with a
    ServerAlias shares the key."""
    headers = ("Age: 0", "X-Cache: HIT from site1.example.com")
    observations = [_seen("http://site2.example.com/", "site2", "127.0.0.1:18161", SITE1_OWN,
                          Liveness.CACHED, headers, server="Apache/2.4.62 (Debian)")]
    found = _one(_sweep(tmp_path, "127.0.0.1:18161", observations, "httpd.conf", HTTPD),
                 "http://site2.example.com/")
    conf = str(tmp_path / "httpd.conf")
    assert f"'CacheStoreNoStore On' ({conf}:23)" in found.fix
    assert "'CacheStoreNoStore Off'" in found.fix
    assert f"'UseCanonicalName On' ({conf}:30)" in found.fix
    assert "proxy_cache" not in found.fix and "CloudFront" not in found.fix


def test_varnish_is_told_by_via() -> None:
    observations = [_seen("http://site2.example.com/", "site2", "127.0.0.1:18171", SITE1_OWN,
                          Liveness.CACHED, ("Age: 12", "Via: 1.1 varnish (Varnish/7.1)",
                                            "X-Varnish: 32779 32777"),
                          server="gunicorn", via="1.1 varnish (Varnish/7.1)")]
    found = _one(_sweep(None, "127.0.0.1:18171", observations), "http://site2.example.com/")
    assert "vcl_recv" in found.fix and "hash_data(req.http.host)" in found.fix
    assert "proxy_cache" not in found.fix and "UseCanonicalName" not in found.fix


def _live_18112() -> list[Observation]:
    miss = ("X-Cache-Status: MISS",)
    return [_seen("http://site1.example.com/", "site1", "127.0.0.1:18112", SITE1_LIVE,
                  Liveness.LIVE, miss),
            _seen("http://site2.example.com/", "site2", "127.0.0.1:18112", SITE2_LIVE,
                  Liveness.LIVE, miss)]


def test_live_answers_through_a_cache_for_two_names_are_a_warning(tmp_path: Path) -> None:
    """The blind spot: :18112 is ok everywhere, and users of site2 got site1's pages. A
    warning where the key line read lacks the Host; without the configuration a note (ok):
    a cache in front is no fault, and nothing could clear a warning there."""
    for tmp, severity in ((None, "ok"), (tmp_path, "warning")):
        report = _sweep(tmp, "127.0.0.1:18112", _live_18112())
        assert all(t.verdict is Verdict.OK for t in report.targets)
        found = [f for f in report.findings if f.code == "cache_untested"]
        assert len(found) == 1 and found[0].severity.value == severity
        assert "X-Cache-Status: MISS" in found[0].explanation
        assert "proxy_cache_key" in found[0].explanation
    assert f"{tmp_path / 'nginx.conf'}:54" in found[0].explanation


def test_no_warning_where_the_key_read_holds_the_host(tmp_path: Path) -> None:
    held = NGINX.replace("proxy_cache_key $scheme$request_uri;",
                         "proxy_cache_key $scheme$host$request_uri;")
    report = _sweep(tmp_path, "127.0.0.1:18112", _live_18112(), text=held)
    assert not [f for f in report.findings if f.code == "cache_untested"]
    one_name = _sweep(None, "127.0.0.1:18112", _live_18112()[:1])
    assert not [f for f in one_name.findings if f.code == "cache_untested"]


def test_lint_finds_the_key_and_the_ignored_cache_control(tmp_path: Path) -> None:
    (tmp_path / "nginx.conf").write_text(NGINX)
    found = {(f.code, f.line) for f in run_nginx_rules(load_nginx(
        str(tmp_path / "nginx.conf")).model)}
    assert {(c, n) for c, n in found if c == "nginx_cache_key_host"} == \
        {("nginx_cache_key_host", 24), ("nginx_cache_key_host", 54)}
    assert {(c, n) for c, n in found if c == "nginx_cache_no_store_ignored"} == \
        {("nginx_cache_no_store_ignored", n) for n in (25, 39, 75, 85)}
    fixed = NGINX.replace("proxy_ignore_headers Cache-Control Expires Set-Cookie;",
                          "proxy_ignore_headers Cache-Control Expires Set-Cookie; "
                          "proxy_cache_bypass $http_x_probe_nonce; "
                          "proxy_no_cache $http_x_probe_nonce;")
    (tmp_path / "nginx.conf").write_text(fixed)
    assert not [f for f in run_nginx_rules(load_nginx(str(tmp_path / "nginx.conf")).model)
                if f.code == "nginx_cache_no_store_ignored"]


def test_lint_is_silent_where_the_cache_serves_one_name(tmp_path: Path) -> None:
    one = ("events {}\nhttp {\n    proxy_cache_path /c keys_zone=one:1m;\n    server {\n"
           "        listen 127.0.0.1:8080;\n        server_name site1.example.com;\n"
           "        proxy_cache one;\n        proxy_cache_key $scheme$request_uri;\n"
           "        location / { proxy_pass http://127.0.0.1:18101; }\n    }\n}\n")
    (tmp_path / "nginx.conf").write_text(one)
    assert not [f for f in run_nginx_rules(load_nginx(str(tmp_path / "nginx.conf")).model)
                if f.code.startswith("nginx_cache")]
