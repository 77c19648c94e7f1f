"""Real answers of tester T32's chain (its sweep JSON, chain-nginx-apache): nginx 1.22.1 on
127.0.0.1:18121 (``proxy_set_header Host $host``) -> Apache mod_proxy on 127.0.0.1:18122
(``ProxyPreserveHost Off``) -> Apache mod_wsgi daemon mode on 127.0.0.1:18123, two
name-based VirtualHosts, site1's first. Every URL was answered by site1's daemon processes
(parent 12815) with the Host mod_proxy sent, its target's ``127.0.0.1:18123``, and the
X-Forwarded-Host nginx wrote and mod_proxy appended to: the URL's name twice.
"""

from __future__ import annotations

from typing import Any

from probe.model import Observation, Sample
from tests.real_answers import PYTHON, apache_server, code, real_answer, request
from tests.test_diagnose import answered, obs

FRONT = "127.0.0.1:18121"
NGINX = "nginx/1.22.1"
COMMON = "/tmp/t-real32/cases/_common"
STARTED = {12817: "2026-12-07T20:28:41.096+00:00", 12818: "2026-12-07T20:28:41.094+00:00"}


def site1(pid: int, name: str) -> dict[str, Any]:
    """site1's answer (pid 12817 or 12818) to a URL of host ``name``."""
    asked = request("127.0.0.1:18123", "127.0.0.1", "18123", request_uri="/__probe__")
    asked.update(forwarded_host=f"{name}, {name}", forwarded_proto="http")
    return real_answer(
        "site1", f"site1-{pid}", pid, 12815, process_group="site1", application_group="",
        settings_file=f"{COMMON}/site1/mysite/settings.py", request=asked,
        script_file=f"{COMMON}/site1/mysite/wsgi.py",
        server=apache_server(multithread=True), python=PYTHON,
        code=code("2.0", f"file:{COMMON}/site1/REVISION"), started_at=STARTED[pid],
        loaded_pid=pid)


def through(url: str, expected: str) -> Observation:
    """Ten samples through nginx, both site1 processes answering."""
    name = url.split("/")[2]
    return obs(url, expected, *(Sample(2.0, 200, answered(site1(pid, name)).endpoint,
                                       address=FRONT, server=NGINX)
                                for pid in (12817, 12818) * 5))


def chain() -> list[Observation]:
    return [through("http://site1.example.com/", "site1"),
            through("http://site2.example.com/", "site2")]


MANIFEST = f"""[probe]
connect = "{FRONT}"
samples = 10

[instances.site1]
label = "site1"
settings = "mysite.settings"
process_group = "site1"
urls = ["http://site1.example.com/"]

[instances.site2]
label = "site2"
settings = "mysite.settings"
process_group = "site2"
urls = ["http://site2.example.com/"]
"""

NGINX_CONF = """worker_processes 1;
events { worker_connections 256; }
http {
    server {
        listen 127.0.0.1:18121 default_server;
        return 444;
    }
    server {
        listen 127.0.0.1:18121;
        server_name site1.example.com site2.example.com;
        location / {
            proxy_pass http://127.0.0.1:18122;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Host $host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }
    }
}
"""

GLOBAL = "application-group=%{GLOBAL}"
HTTPD_CONF = f"""ServerName localhost
Listen 127.0.0.1:18122
Listen 127.0.0.1:18123
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_http_module /usr/lib/apache2/modules/mod_proxy_http.so
<VirtualHost 127.0.0.1:18122>
    ServerName site1.example.com
    ServerAlias site2.example.com
    ProxyPreserveHost Off
    ProxyPass / http://127.0.0.1:18123/
    ProxyPassReverse / http://127.0.0.1:18123/
</VirtualHost>
WSGIDaemonProcess site1 processes=2 threads=2 python-path={COMMON}/site1
WSGIDaemonProcess site2 processes=1 threads=2 python-path={COMMON}/site2
<VirtualHost 127.0.0.1:18123>
    ServerName site1.example.com
    WSGIScriptAlias / {COMMON}/site1/mysite/wsgi.py process-group=site1 {GLOBAL}
</VirtualHost>
<VirtualHost 127.0.0.1:18123>
    ServerName site2.example.com
    WSGIScriptAlias / {COMMON}/site2/mysite/wsgi.py process-group=site2 {GLOBAL}
</VirtualHost>
"""
