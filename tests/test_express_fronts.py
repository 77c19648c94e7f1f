"""mod_wsgi-express servers behind an nginx and an Apache mod_proxy front, from tester T31's
cases (real answers: :mod:`tests.t31_answers`; the tester's nginx.conf and httpd.conf):

* a 403 where the front's block named the host and passed it without the client's Host
  (nginx's $proxy_host; Apache without ProxyPreserveHost) to an express server run with
  --server-name: ``host_rewritten`` with the front's Host line, never the default server;
* a 404 where ``ProxyPass /app/ http://B/`` strips the mount the backend's own answers show
  (express --mount-point /app): ``url_mapping`` with the line keeping the mount;
* ``wrong_upstream``'s repointed ProxyPass carries the expected instance's mount, and the
  state after the old fix (port alone) is read as that mount, not ``vhost_fallback``;
* an express server's 500 without --config names its own error_log, not Apache's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from probe.diagnose import diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.front_config import load_front
from probe.manifest import Target, parse
from probe.model import Cause, Observation, Report, Sample, TargetResult, Verdict
from tests.t31_answers import APACHE_FRONT, BLOG, NGINX_FRONT, SHOP, WIKI

NGINX = """\
events {}
http {
    server {
        listen 127.0.0.1:18180 default_server;
        server_name _;
        return 444;
    }
    server {
        listen 127.0.0.1:18180;
        server_name shop.example.test;
        location / {
            proxy_pass http://127.0.0.1:18101;
            proxy_set_header Host $host;
        }
    }
    server {
        listen 127.0.0.1:18180;
        server_name wiki.example.test;
        location / {
            proxy_pass http://127.0.0.1:18103;
            proxy_set_header Host $host;
        }
    }
    server {
        listen 127.0.0.1:18180;
        server_name wiki2.example.test;
        location / {
            proxy_pass http://127.0.0.1:18103;
        }
    }
}
"""

HTTPD = """\
Listen 127.0.0.1:18190
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_http_module /usr/lib/apache2/modules/mod_proxy_http.so
<VirtualHost 127.0.0.1:18190>
    ServerName catchall.invalid
    <Location />
        Require all denied
    </Location>
</VirtualHost>
<VirtualHost 127.0.0.1:18190>
    ServerName shop.example.test
    ProxyPreserveHost On
    ProxyPass / http://127.0.0.1:18101/
</VirtualHost>
<VirtualHost 127.0.0.1:18190>
    ServerName blog.example.test
    ProxyPreserveHost On
    ProxyPass /app/ http://127.0.0.1:18102/app/
</VirtualHost>
<VirtualHost 127.0.0.1:18190>
    ServerName blog2.example.test
    ProxyPreserveHost On
    ProxyPass /app/ http://127.0.0.1:18102/
</VirtualHost>
<VirtualHost 127.0.0.1:18190>
    ServerName wiki.example.test
    ProxyPass / http://127.0.0.1:18103/
</VirtualHost>
<VirtualHost 127.0.0.1:18190>
    ServerName blog-old.example.test
    ProxyPreserveHost On
    ProxyPass / http://127.0.0.1:{old}/
</VirtualHost>
"""

MANIFEST = """\
[probe]
connect = "{front}"

[instances.shop]
label = "shop"
settings = "shop.settings"
urls = ["http://shop.example.test/"]

[instances.blog]
label = "blog"
settings = "blog.settings"
script_name = "/app"
urls = ["http://blog.example.test/app/", "http://blog2.example.test/app/",
        "http://blog-old.example.test/"]

[instances.wiki]
label = "wiki"
settings = "wiki.settings"
urls = ["http://wiki.example.test/", "http://wiki2.example.test/"]
"""


def _answer(observed: dict[str, Any], **request: Any) -> EndpointAnswer:
    return EndpointAnswer.from_json({**observed, "request": {**observed["request"], **request}})


def _seen(url: str, expected: str, front: str, server: str,
          answer: EndpointAnswer | None = None, status: int = 200) -> Observation:
    return Observation(Target(url, expected, front), tuple(
        Sample(elapsed_ms=2.0, status_code=status, endpoint=answer, address=front,
               server=server) for _ in range(2)))


def _one(report: Report, url: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url)


def _nginx(tmp: Path) -> tuple[Report, Path]:
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX)
    server = "nginx/1.22.1"
    observations = [
        _seen("http://shop.example.test/", "shop", NGINX_FRONT, server, _answer(SHOP)),
        _seen("http://wiki.example.test/", "wiki", NGINX_FRONT, server, _answer(WIKI)),
        _seen("http://wiki2.example.test/", "wiki", NGINX_FRONT, server, status=403)]
    return diagnose(parse(MANIFEST.replace("{front}", NGINX_FRONT)), observations,
                    config=load_front(str(conf), {})), conf


def _apache(tmp: Path, old: int = 18101) -> tuple[Report, Path]:
    conf = tmp / "httpd.conf"
    conf.write_text(HTTPD.replace("{old}", str(old)))
    server = "Apache"  # express's ServerTokens ProductOnly, passed on by mod_proxy
    blog_old = _seen("http://blog-old.example.test/", "blog", APACHE_FRONT, server,
                     status=404) if old == 18102 else \
        _seen("http://blog-old.example.test/", "blog", APACHE_FRONT, server, _answer(
            SHOP, host="blog-old.example.test", server_name="blog-old.example.test",
            host_allowed=False))
    observations = [
        _seen("http://shop.example.test/", "shop", APACHE_FRONT, server, _answer(SHOP)),
        _seen("http://blog.example.test/app/", "blog", APACHE_FRONT, server, _answer(BLOG)),
        _seen("http://blog2.example.test/app/", "blog", APACHE_FRONT, server, status=404),
        blog_old,
        _seen("http://wiki.example.test/", "wiki", APACHE_FRONT, server, status=403)]
    probed = {f"http:80@{APACHE_FRONT}": Sample(elapsed_ms=1.0, status_code=403,
                                                address=APACHE_FRONT,
                                                server="Apache/2.4.71 (Debian)")}
    return diagnose(parse(MANIFEST.replace("{front}", APACHE_FRONT)), observations,
                    config=load_front(str(conf), {}), probed=probed), conf


def test_nginx_block_that_named_the_host_and_sent_proxy_host_is_no_default_server(
        tmp_path: Path) -> None:
    report, conf = _nginx(tmp_path)
    found = _one(report, "http://wiki2.example.test/")
    assert found.verdict is Verdict.NO_ENDPOINT
    assert found.cause is Cause.HOST_REWRITTEN, (found.cause, found.explanation)
    assert not found.candidates
    assert "first (default) one answered" not in found.fix, found.fix
    assert f"server_name wiki2.example.test matched exactly, {conf}:26" in found.explanation
    assert "The backend got Host '127.0.0.1:18103', not 'wiki2.example.test'" in \
        found.explanation, found.explanation
    assert "http://wiki.example.test/ got wiki's endpoint answer with Host " \
           "'wiki.example.test'" in found.explanation
    assert "AH01630" in found.explanation and "/tmp/mod_wsgi-127.0.0.1:18103:UID" in \
        found.explanation
    assert found.fix.startswith(f"In the nginx 'location /' at {conf}:27, add "
                                f"'proxy_set_header Host $host;'"), found.fix
    # the backend's own name is wiki.example.test: the alias (and ALLOWED_HOSTS) too
    assert "'--server-alias wiki2.example.test'" in found.fix, found.fix


def test_apache_site_without_preserve_host_before_express_server_name(tmp_path: Path) -> None:
    report, conf = _apache(tmp_path)
    found = _one(report, "http://wiki.example.test/")
    assert found.cause is Cause.HOST_REWRITTEN, (found.cause, found.explanation)
    assert not found.candidates
    assert "the default site's answer" not in found.explanation, found.explanation
    assert "The backend got Host '127.0.0.1:18103'" in found.explanation
    assert found.fix.startswith(f"In <VirtualHost 127.0.0.1:18190> (wiki.example.test) at "
                                f"{conf}:25, add 'ProxyPreserveHost On'"), found.fix


def test_apache_proxypass_stripping_the_express_mount_point(tmp_path: Path) -> None:
    report, conf = _apache(tmp_path)
    found = _one(report, "http://blog2.example.test/app/")
    assert found.cause is Cause.URL_MAPPING, (found.cause, found.explanation)
    assert not found.candidates
    assert "first (default) one answered" not in found.fix
    assert "show the mount '/app' (request.script_name at http://blog.example.test/app/" in \
        found.explanation, found.explanation
    assert found.fix.startswith(f"At {conf}:23, keep the mount in the path passed on: "
                                f"'ProxyPass /app/ http://127.0.0.1:18102/app/'"), found.fix


def test_wrong_upstream_repointed_carries_the_mount_and_after_it_the_mount_is_read(
        tmp_path: Path) -> None:
    report, conf = _apache(tmp_path)
    found = _one(report, "http://blog-old.example.test/")
    assert found.cause is Cause.WRONG_UPSTREAM
    assert found.fix.startswith(f"At {conf}:32, write 'ProxyPass / http://127.0.0.1:18102/app/'"
                                f" in place of 'ProxyPass / http://127.0.0.1:18101/'"), found.fix
    # the old fix applied literally (the port alone): blog's 404, read as the mount
    after, conf = _apache(tmp_path, old=18102)
    found = _one(after, "http://blog-old.example.test/")
    assert found.cause is Cause.URL_MAPPING, (found.cause, found.explanation)
    assert found.fix.startswith(f"At {conf}:32, keep the mount in the path passed on: "
                                f"'ProxyPass / http://127.0.0.1:18102/app/'"), found.fix
    # the front's own restart words, not a bare "reload the front" (re-tester R31)
    assert "After the edit, restart Apache gracefully (it reads its configuration only when " \
           "it starts or restarts)" in found.fix and f"'-f {conf}'" in found.fix, found.fix
    assert "reload the front so it reads the line" not in found.fix, found.fix


def test_express_500_without_config_names_its_own_error_log() -> None:
    manifest = parse("""\
[instances.wiki-18202]
process_group = "127.0.0.1:18202"
label = "wiki"
settings = "wiki.settings"
urls = ["http://127.0.0.1:18202/"]
""")
    front = "127.0.0.1:18202"
    report = diagnose(manifest, [_seen("http://127.0.0.1:18202/", "wiki-18202", front,
                                       "Apache", status=500)])
    found = report.targets[0]
    assert found.verdict is Verdict.HTTP_ERROR
    assert "/tmp/mod_wsgi-127.0.0.1:18202:UID/error_log" in found.fix, found.fix
    assert "WSGI0152" not in found.fix and "VirtualHost" not in found.fix, found.fix
    assert "process_group '127.0.0.1:18202'" in found.explanation


def test_apache_url_at_root_answered_under_the_mount_prints_no_empty_mount(
        tmp_path: Path) -> None:
    # R31's repoint applied: ProxyPass / http://127.0.0.1:18102/app/; blog answers at /app
    conf = tmp_path / "httpd.conf"
    conf.write_text(HTTPD.replace("http://127.0.0.1:{old}/", "http://127.0.0.1:18102/app/"))
    old = _answer(BLOG, host="blog-old.example.test", server_name="blog-old.example.test",
                  forwarded_host="blog-old.example.test")
    observations = [
        _seen("http://blog.example.test/app/", "blog", APACHE_FRONT, "Apache", _answer(BLOG)),
        _seen("http://blog-old.example.test/", "blog", APACHE_FRONT, "Apache", old)]
    for config in (load_front(str(conf), {}), None):
        report = diagnose(parse(MANIFEST.replace("{front}", APACHE_FRONT)), observations,
                          config=config)
        found = _one(report, "http://blog-old.example.test/")
        assert found.verdict is Verdict.MOUNT_MISMATCH, found
        for empty in ("X-Forwarded-Prefix '", "--mount-point '", "start with / its pages"):
            assert empty not in found.explanation + found.fix, (empty, found.fix)
        assert "'ProxyPass /app/ http://127.0.0.1:18102/app/' in place of the ProxyPass of /" \
            in found.fix and "'Redirect permanent / http://blog.example.test/app/'" \
            in found.fix, found.fix
