"""Real answers of tester T31's mod_wsgi-express servers (the nginx
front's sweep JSON, the express-alone sweeps' text output), each keeping the
fields the wording reads, and the parts of express's generated httpd.conf they are read with.

Three ``startproject`` sites run by pip's mod_wsgi-express 6.1.1 (Apache 2.4.71), each
started without --server-name unless said: nginx-front's shop on 127.0.0.1:18101 (parent
18499), blog on 127.0.0.1:18102 with --mount-point /app (parent 18501), nginx 1.22.1 on
127.0.0.1:18180 before them, its blog-old.example.test block passing to shop's port by
mistake. express-alone's 18201: shop's express (parent 30907), then blog's started on the same
port, which exited ('(98)Address already in use: AH00072'); 18203: shop with
DJANGO_SETTINGS_MODULE=shop.settings_prod exported (parent 31834); 18204: shop with --setenv
DJANGO_SETTINGS_MODULE shop.settings_prod (parent 31836), which express writes as SetEnv.
"""

from __future__ import annotations

from typing import Any

from probe.model import Observation, Sample
from tests.real_answers import real_answer, request, server
from tests.test_diagnose import answered, obs

PROJECTS = "/tmp/t-real31/cases/_projects"
FRONT = "127.0.0.1:18180"
NGINX = "nginx/1.22.1"


def express(label: str, pid: int, ppid: int, port: int, host: str, *, settings: str = "",
            environ: str | None = None, script_name: str = "") -> dict[str, Any]:
    """One answer of an express server on 127.0.0.1:``port`` (its daemon group so named)."""
    loaded = settings or f"{label}.settings"
    return real_answer(
        label, f"{label}-{port}", pid, ppid, process_group=f"127.0.0.1:{port}",
        application_group="", settings=(environ or loaded, loaded),
        settings_file=f"{PROJECTS}/{label}/{loaded.replace('.', '/')}.py",
        request=request(host, host.partition(":")[0], str(port), script_name=script_name,
                        path_info="/__probe__", request_uri=f"{script_name}/__probe__"),
        script_file=f"{PROJECTS}/{label}/{label}/wsgi.py",
        server=server("Apache", mod_wsgi_version="6.1.1", multithread=True,
                      multiprocess=False),
        started_at="2026-12-07T18:25:50.783+00:00", loaded_pid=pid)


BLOG_18102 = express("blog", 20393, 18501, 18102, "blog.example.test", script_name="/app")


def through(url: str, expected: str | None, answer: dict[str, Any]) -> Observation:
    return obs(url, expected, *(Sample(2.0, 200, answered(answer).endpoint, address=FRONT,
                                       server=NGINX) for _ in range(10)))


NGINX_MANIFEST = f"""[probe]
connect = "{FRONT}"
samples = 10

[instances.shop]
label = "shop"
settings = "shop.settings"
urls = ["http://shop.example.test/"]

[instances.blog]
label = "blog"
settings = "blog.settings"
script_name = "/app"
urls = ["http://blog.example.test/app/", "http://blog-old.example.test/"]
"""

NGINX_CONF = """worker_processes 1;
events { worker_connections 64; }
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
    # a second name pointed at shop's express port by mistake (meant for blog)
    server {
        listen 127.0.0.1:18180;
        server_name blog-old.example.test;
        location / {
            proxy_pass http://127.0.0.1:18101;
            proxy_set_header Host $host;
        }
    }
    server {
        listen 127.0.0.1:18180;
        server_name blog.example.test;
        location /app/ {
            proxy_pass http://127.0.0.1:18102;
            proxy_set_header Host $host;
        }
    }
}
"""


def nginx_front() -> list[Observation]:
    """nginx-front's URLs of shop and blog, each with the answer its row named."""
    return [
        through("http://shop.example.test/", "shop",
                 express("shop", 18524, 18499, 18101, "shop.example.test")),
        through("http://blog.example.test/app/", "blog", BLOG_18102),
        through("http://blog-old.example.test/", "blog",
                 express("shop", 18524, 18499, 18101, "blog-old.example.test")),
    ]


ALONE_MANIFEST = """[probe]
samples = 10

[instances.blog-18201]
process_group = "127.0.0.1:18201"
label = "blog"
settings = "blog.settings"
urls = ["http://127.0.0.1:18201/"]

[instances.shop-prod-exported]
process_group = "127.0.0.1:18203"
label = "shop"
settings = "shop.settings"
urls = ["http://127.0.0.1:18203/"]

[instances.shop-prod-setenv]
process_group = "127.0.0.1:18204"
label = "shop"
settings = "shop.settings_prod"
urls = ["http://localhost:18204/"]
"""

SHOP_18201 = express("shop", 30949, 30907, 18201, "127.0.0.1:18201")
SHOP_18203 = express("shop", 31978, 31834, 18203, "127.0.0.1:18203",
                     settings="shop.settings_prod")
SHOP_18204 = express("shop", 31949, 31836, 18204, "localhost:18204", settings="shop.settings")


def _direct(url: str, expected: str, answer: dict[str, Any], address: str) -> Observation:
    return obs(url, expected, *(Sample(2.0, 200, answered(answer).endpoint, address=address,
                                       server="Apache") for _ in range(10)))


def express_alone() -> list[Observation]:
    """express-alone's URLs, each reached at the express server's own port."""
    return [
        _direct("http://127.0.0.1:18201/", "blog-18201", SHOP_18201, "127.0.0.1:18201"),
        _direct("http://127.0.0.1:18203/", "shop-prod-exported", SHOP_18203,
                "127.0.0.1:18203"),
        _direct("http://localhost:18204/", "shop-prod-setenv", SHOP_18204, "127.0.0.1:18204"),
    ]


def express_conf(root: str, port: int, setenv: str | None = None) -> str:
    """The WSGI part of the httpd.conf mod_wsgi-express 6.1.1 wrote for start-server on
    127.0.0.1:``port`` (express-alone/express-18204-httpd.conf, its lines in order),
    ``root`` its server root; ``setenv``: --setenv DJANGO_SETTINGS_MODULE's value."""
    group = f"127.0.0.1:{port}"
    text = f"""ServerRoot '{root}'
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
WSGIRestrictEmbedded On
WSGIDaemonProcess '{group}' display-name='(wsgi:{group}:0)' home='{PROJECTS}/shop' \\
   threads=5 request-timeout=60 response-flush-delay=5 server-metrics=Off
<VirtualHost _default_:{port}>
</VirtualHost>
DocumentRoot '{root}/htdocs'
<Directory '{root}'>
<Files handler.wsgi>
    Require all granted
</Files>
</Directory>
<Directory '{root}/htdocs/'>
    RewriteEngine On
    RewriteCond %{{REQUEST_FILENAME}} !-f
    RewriteRule .* - [H=wsgi-handler]
    Require all granted
</Directory>
WSGIHandlerScript wsgi-handler '{root}/handler.wsgi' \\
    process-group='{group}' application-group=%{{GLOBAL}}
WSGIImportScript '{root}/handler.wsgi' \\
    process-group='{group}' application-group=%{{GLOBAL}}
"""
    return text + (f"\nSetEnv 'DJANGO_SETTINGS_MODULE' '{setenv}'\n" if setenv else "")
