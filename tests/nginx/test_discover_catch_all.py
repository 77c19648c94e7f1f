"""``probe discover`` on nginx set-ups a tester ran for real (t-disc21): a ``server_name _``
catch-all (Taiga's production site beside a Colab site; a DigitalOcean gunicorn layout's
sites-enabled/default), uWSGI sites behind ``uwsgi_pass`` (an emperor's vassals), and the
``listen`` lines the comments quote. The lines are the cases' own, ports and paths moved."""

from __future__ import annotations

from pathlib import Path

from probe.discover import discover_nginx, render
from probe.manifest import parse

# taiga/conf-healthy/nginx.conf (mes-2016-1/Colab-Docs 07-taiga.rst), the lines that matter
TAIGA = """events {}
http {
    server {
        listen 127.0.0.1:28742 default_server;
        server_name _;
        root /srv/taiga/dist/;
        location / {
            try_files $uri $uri/ /index.html;
        }
        location /api {
            proxy_set_header Host $http_host;
            proxy_pass http://127.0.0.1:28751/api;
        }
    }
    server {
        listen 127.0.0.1:28742;
        server_name colab.example.com www.colab.example.com;
        location / {
            proxy_set_header Host $http_host;
            proxy_pass http://127.0.0.1:28752;
        }
    }
}
"""

# uwsgi-emperor's sites-enabled/blog and recipe (marteinn/uWSGI-Vagrant-Ansible-Playbooks,
# nuzulul19/recipe-app-api): the first block names a host, none is default_server
UWSGI = """events {}
http {
    upstream blog {
        server unix:/run/uwsgi/blog.sock;
    }
    server {
        listen  45887;
        server_name blog.example.com;
        location / {
            uwsgi_pass  blog;
        }
    }
    server {
        listen 45887;
        server_name recipes.example.com;
        location /recipe {
            uwsgi_pass              unix:/run/uwsgi/recipe.sock;
        }
        location /php {
            fastcgi_pass 127.0.0.1:9000;
        }
    }
}
"""


def _discover(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = tmp_path / "nginx.conf"
    path.write_text(text)
    return path, render(discover_nginx(str(path)))


def _comments(text: str) -> str:
    return " ".join(" ".join(line.lstrip("# ") for line in text.splitlines()
                             if line.lstrip().startswith("#")).split())


def test_server_name_underscore_is_no_url_but_a_catch_all_comment(tmp_path: Path) -> None:
    path, text = _discover(tmp_path, TAIGA)
    assert "http://_" not in text
    manifest = parse(text)
    assert {u for i in manifest.instances.values() for u in i.urls} == {
        "http://colab.example.com:28742/", "http://www.colab.example.com:28742/"}
    assert (f"server_name _ at {path}:5: no host name a client sends, so no URL is written "
            f"for it (server block at {path}:3 (server_name _) is a catch-all") \
        in _comments(text)


def test_a_deliberate_catch_all_gets_its_refuse_url_only_commented_out(tmp_path: Path) -> None:
    path, text = _discover(tmp_path, TAIGA)
    assert "\n[refuse]" not in text
    said = _comments(text)
    assert (f"the one answering a name none of them claims, server block at {path}:3 "
            f"(server_name _) ('listen 127.0.0.1:28742 default_server' at {path}:4), names "
            f"no host and serves an application (proxy_pass at {path}:12, in location /api)"
            ) in said, said
    assert "under [refuse], http://unknown.invalid:28742/ would make every sweep" in said


def test_a_default_that_is_just_the_first_site_keeps_its_refuse_url(tmp_path: Path) -> None:
    path, text = _discover(tmp_path, UWSGI)
    assert parse(text).refuse_urls == ("http://unknown.invalid:45887/",)
    assert f"2 server blocks listen on *:45887 ({path}:7, {path}:14)" in text


def test_uwsgi_pass_locations_become_instances_with_their_prefix(tmp_path: Path) -> None:
    path, text = _discover(tmp_path, UWSGI)
    manifest = parse(text)
    assert {n: list(i.urls) for n, i in manifest.instances.items()} == {
        "blog": ["http://blog.example.com:45887/"],
        "recipe": ["http://recipes.example.com:45887/recipe/"]}
    assert f"# location /recipe uwsgi_pass unix:/run/uwsgi/recipe.sock at {path}:17" in text
    # fastcgi_pass stays a comment, naming its prefix and where it passes
    assert f"location /php fastcgi_pass 127.0.0.1:9000 at {path}:20" in _comments(text)


def test_the_connect_comment_quotes_the_listen_line_as_written(tmp_path: Path) -> None:
    path, text = _discover(tmp_path, UWSGI.replace("listen  45887;", "listen 45887 "
                                                   "default_server;"))
    assert f"# 'listen 45887 default_server' at {path}:7\n" in text
    assert "listen *:45887" not in text
