"""A tester's set-up A (t-real19, gunicorn on unix sockets behind Debian's nginx layout):
nginx.conf with ``include sites-enabled/*;``, each site written in sites-available/ and
enabled by a symlink, three sites after satyam-seth-learnings/devops-learning's
django-project.com, the DigitalOcean gunicorn.socket tutorial's site and kaloyansen/deploy's
``server_name _`` catch-all; the listen port and socket paths moved here, Debian's
proxy_params written as its Host line."""

from __future__ import annotations

import os
from pathlib import Path

PORT = 18080
NGINX_CONF = """\
worker_processes 1;
events { worker_connections 256; }
http {
    sendfile on;
    default_type application/octet-stream;
    include conf.d/*.conf;
    include sites-enabled/*;
}
"""
DJANGO_PROJECT = """\
server {{
    listen {port};

    server_name {name} www.{name};

    location = /favicon.ico {{ access_log off; log_not_found off; }}

    location / {{
        proxy_set_header Host $http_host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_pass http://unix:{sock};
    }}

    location  /static/ {{
        root /srv/www/django-project;
    }}
}}
"""
DO_SITE = """\
server {{
    listen {port};
    server_name {name};

    location = /favicon.ico {{ access_log off; log_not_found off; }}
    location /static/ {{
        root /home/shop/projects/shop_dir;
    }}

    location / {{
        proxy_set_header Host $host;
        proxy_pass http://unix:{sock};
    }}
}}
"""
CATCHALL = """\
server {{
    # /etc/nginx/sites-available/app
    listen {port}{default};

    root /usr/share/nginx/html;
    index index.html index.htm;

    client_max_body_size 4G;
    server_name _;

    keepalive_timeout 5;

    location / {{
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header Host $host;
            proxy_redirect off;
            proxy_pass http://unix:{sock};
    }}
}}
"""
SOCKETS = {"django-project.com": "/run/django-project.com.gunicorn.sock",
           "shop-project.com": "/run/shop-project.com.gunicorn.sock",
           "gunicorn": "/run/gunicorn.sock"}


def tree(root: Path, mistake: str = "healthy") -> Path:
    """The set-up with one of the tester's mistakes: ``include-order`` (the catch-all
    without default_server, renamed zz-catchall so that it sorts last), ``same-socket``
    (the second site copied from the first, its socket not changed); nginx.conf's path."""
    (root / "sites-available").mkdir(parents=True)
    (root / "sites-enabled").mkdir()
    (root / "conf.d").mkdir()
    (root / "nginx.conf").write_text(NGINX_CONF)
    shop_sock = SOCKETS["django-project.com" if mistake == "same-socket" else "shop-project.com"]
    default, catch_file = (("", "zz-catchall") if mistake == "include-order"
                           else (" default_server", "default"))
    sites = {
        "django-project.com": DJANGO_PROJECT.format(
            port=PORT, name="django-project.com", sock=SOCKETS["django-project.com"]),
        "shop-project.com": DO_SITE.format(port=PORT, name="shop-project.com", sock=shop_sock),
        catch_file: CATCHALL.format(port=PORT, default=default, sock=SOCKETS["gunicorn"]),
    }
    for name, text in sites.items():
        (root / "sites-available" / name).write_text(text)
        os.symlink(root / "sites-available" / name, root / "sites-enabled" / name)
    return root / "nginx.conf"
