"""Django's FORCE_SCRIPT_NAME against the mount each URL is served at (a tester's nginx +
gunicorn mailman-web, serving http://lists.example.org/ at / and
http://weblate.example.org/mailman3/ with the prefix stripped, from the same processes):

* FORCE_SCRIPT_NAME = "/mailman3" made the sweep all ok, while the site at / builds every
  link under /mailman3/: that URL is ``mount_mismatch``, cause ``force_script_name``;
* the mount fix of /mailman3/ proposed FORCE_SCRIPT_NAME although the same processes serve
  the site at /: per-request ways only, the other URL named.
"""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path
from typing import Any

from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import parse
from probe.model import Observation, TargetResult
from probe.nginx import load_nginx
from tests.test_diagnose import ep, thrice

LISTS = "http://lists.test/"
SUB = "http://web.test/mailman3/"
MANIFEST = f'[instances.m]\nlabel = "m"\nurls = ["{LISTS}", "{SUB}"]\n'


def _obs(url: str, software: str = "gunicorn/23.0.0", server: str = "nginx/1.22.1",
         **request: Any) -> Observation:
    data = ep("m", host=url.split("/")[2], mount="", path_info="/__probe__", pid=902)
    data["ppid"] = 900
    data["process_group"] = data["application_group"] = None
    data["server"] = {"software": software, "mod_wsgi_version": None,
                      "listen": "127.0.0.1:8000", "multiprocess": True, "hostname": "web-1"}
    data["request"].update({"forwarded_prefix": None, "force_script_name": None, **request})
    observed = thrice(url, "m", data)
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server=server, address="127.0.0.1:18080")
        for s in observed.samples))


def _sweep(*observations: Observation, manifest: str = MANIFEST) -> dict[str, TargetResult]:
    return {t.url: t for t in diagnose(parse(manifest), list(observations)).targets}


def test_force_script_name_of_another_mount_is_a_mount_mismatch() -> None:
    """The tester's false ok: both URLs carry force_script_name '/mailman3'."""
    got = _sweep(_obs(LISTS, force_script_name="/mailman3"),
                 _obs(SUB, force_script_name="/mailman3"))
    assert got[SUB].verdict.value == "ok", got[SUB].explanation
    root = got[LISTS]
    assert root.verdict.value == "mount_mismatch", root.explanation
    assert root.cause is not None and root.cause.value == "force_script_name"
    said = root.explanation
    assert "Django's FORCE_SCRIPT_NAME is '/mailman3' (request.force_script_name)" in said
    assert "at / (request.script_name '', request.path_info '/__probe__')" in said, said
    assert "django.core.handlers.wsgi.get_script_name" in said
    assert f"serve {SUB} at /mailman3" in said, said
    claims = [e.claim for e in root.evidence]
    assert "request.force_script_name = '/mailman3'" in claims, claims
    fix = root.fix
    assert fix.startswith("Remove FORCE_SCRIPT_NAME from the settings (mysite.settings)"), fix
    # the other site relied on it: its own per-request way, never FORCE_SCRIPT_NAME again
    assert f"Then {SUB} (mount /mailman3" in fix, fix
    assert "'proxy_set_header SCRIPT_NAME /mailman3;'" in fix, fix
    assert "FORCE_SCRIPT_NAME = " not in fix, fix
    assert "send HUP to the gunicorn master" in fix or "HUP" in fix, fix


def test_the_mount_fix_is_per_request_where_the_processes_serve_another_mount() -> None:
    got = _sweep(_obs(LISTS), _obs(SUB))
    assert got[LISTS].verdict.value == "ok"
    sub = got[SUB]
    assert sub.verdict.value == "mount_mismatch" and sub.cause is None, sub
    assert "FORCE_SCRIPT_NAME = " not in sub.fix, sub.fix
    assert "Not FORCE_SCRIPT_NAME: the same processes (parent pid 900 on host web-1) also " \
           f"serve {LISTS} at / (request.script_name '', request.path_info '/__probe__')" \
        in sub.fix, sub.fix
    assert "With gunicorn (server.software) 'proxy_set_header SCRIPT_NAME /mailman3;'" \
        in sub.fix
    assert "a middleware that sets SCRIPT_NAME from that header on each request" in sub.fix
    # waitress's --url-prefix is every request's SCRIPT_NAME: not offered either
    waitress = _sweep(_obs(LISTS, "waitress"), _obs(SUB, "waitress"))[SUB]
    assert "With waitress" not in waitress.fix and "Not waitress's" in waitress.fix, \
        waitress.fix


def test_alone_on_its_processes_the_mount_may_still_be_forced() -> None:
    only = f'[instances.m]\nlabel = "m"\nurls = ["{SUB}"]\n'
    sub = _sweep(_obs(SUB), manifest=only)[SUB]
    assert sub.verdict.value == "mount_mismatch"
    assert 'FORCE_SCRIPT_NAME = "/mailman3"' in sub.fix and "Not FORCE" not in sub.fix
    told = _sweep(_obs(SUB, force_script_name="/mailman3"), manifest=only)[SUB]
    assert told.verdict.value == "ok", told.explanation


def test_a_stripped_prefix_told_another_mount_says_where_django_believes_it_is() -> None:
    only = f'[instances.m]\nlabel = "m"\nurls = ["{SUB}"]\n'
    sub = _sweep(_obs(SUB, force_script_name="/other"), manifest=only)[SUB]
    assert sub.verdict.value == "mount_mismatch"
    assert sub.cause is not None and sub.cause.value == "force_script_name"
    assert "believes it is mounted at /other" in sub.explanation, sub.explanation


def test_mod_wsgi_with_another_force_script_name() -> None:
    """mod_wsgi sets SCRIPT_NAME itself; FORCE_SCRIPT_NAME still replaces it in Django."""
    blog = "http://site.test/blog/"
    manifest = f'[instances.b]\nlabel = "b"\nurls = ["{blog}"]\n'
    data = ep("b", host="site.test", mount="/blog")
    data["request"]["force_script_name"] = "/"
    got = _sweep(thrice(blog, "b", data), manifest=manifest)[blog]
    assert got.verdict.value == "mount_mismatch" and got.cause is not None, got.explanation
    assert "start with /, not with this URL's mount /blog" in got.explanation, got.explanation
    assert "here '/blog', this URL's mount" in got.fix, got.fix
    data["request"]["force_script_name"] = "/blog/"
    assert _sweep(thrice(blog, "b", data), manifest=manifest)[blog].verdict.value == "ok"


def test_a_stripping_proxypass_is_not_fixed_for_every_request_where_another_mount_is() -> None:
    """Apache's mod_proxy (--config): the whole path and a server-wide prefix would move the
    site at / too: a header for that path and a middleware, the other URL named."""
    routes = ApacheRoutes(build_site(parse_text(textwrap.dedent("""\
        Listen 8080
        <VirtualHost *:8080>
            ServerName web.test
            ServerAlias lists.test
            ProxyPreserveHost On
            ProxyPass "/mailman3/" "http://127.0.0.1:8000/"
            ProxyPass "/" "http://127.0.0.1:8000/"
        </VirtualHost>
        """), "t.conf"), read_scripts=False))
    join = ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)

    def at(url: str, software: str) -> Observation:
        observed = _obs(url, software, server="gunicorn")
        return dataclasses.replace(observed, target=dataclasses.replace(
            observed.target, address="127.0.0.1:8080"))

    for software in ("gunicorn/23.0.0", "waitress"):
        got = {t.url: t for t in diagnose(parse(MANIFEST), [at(LISTS, software),
                                                            at(SUB, software)],
                                          config=join).targets}
        assert got[LISTS].verdict.value == "ok", got[LISTS].explanation
        sub = got[SUB]
        assert sub.verdict.value == "mount_mismatch", sub.explanation
        assert sub.fix.startswith("At t.conf:6, keep the ProxyPass"), sub.fix
        assert "'RequestHeader set X-Forwarded-Prefix /mailman3'" in sub.fix, sub.fix
        assert f"also serve {LISTS} at /" in sub.fix, sub.fix
        assert "A middleware goes outside the probe endpoint's wrap" in sub.fix, sub.fix
        for server_wide in ("pass the path whole", "--url-prefix", "SCRIPT_NAME=/mailman3",
                            "FORCE_SCRIPT_NAME = "):
            assert server_wide not in sub.fix, sub.fix
    alone = f'[instances.m]\nlabel = "m"\nurls = ["{SUB}"]\n'
    sub = diagnose(parse(alone), [at(SUB, "waitress")], config=join).targets[0]
    assert "pass the path whole" in sub.fix and "--url-prefix=/mailman3" in sub.fix, sub.fix


NGINX = """events {}
http {
    server { listen 127.0.0.1:18080; server_name lists.test;
        location / { proxy_set_header Host $host; proxy_pass http://127.0.0.1:8000; } }
    server { listen 127.0.0.1:18080; server_name web.test;
        location /mailman3/ {
            proxy_set_header X-Forwarded-Prefix /mailman3;
            proxy_set_header Host $host;
            proxy_pass http://127.0.0.1:8000/;
        }
    }
}
"""


def _nginx_sweep(tmp_path: Path, *observations: Observation,
                 manifest: str = MANIFEST) -> dict[str, TargetResult]:
    path = tmp_path / "nginx.conf"
    path.write_text(NGINX)
    join = ConfigJoin(load_nginx(str(path)))
    return {t.url: t for t in diagnose(parse(manifest), list(observations),
                                       config=join).targets}


def test_the_other_sites_fix_names_its_location_and_the_header_already_there(
        tmp_path: Path) -> None:
    """The re-tester's n5 with FORCE_SCRIPT_NAME and --config: the fix of the site that
    relied on it said its location was 'not read here' and asked to add the
    X-Forwarded-Prefix line its answer showed arriving (and the configuration held)."""
    got = _nginx_sweep(tmp_path, _obs(LISTS, force_script_name="/mailman3"),
                       _obs(SUB, force_script_name="/mailman3", forwarded_prefix="/mailman3"))
    root = got[LISTS]
    fix = root.fix
    assert root.cause is not None and root.cause.value == "force_script_name", root
    conf = tmp_path / "nginx.conf"
    assert f"in the nginx 'location /mailman3/' ({conf}:6)" in fix, fix
    assert "not read here" not in fix, fix
    assert "add 'proxy_set_header X-Forwarded-Prefix" not in fix, fix
    assert ("the header X-Forwarded-Prefix /mailman3 already arrives (request.forwarded_prefix"
            f" = '/mailman3'; 'proxy_set_header X-Forwarded-Prefix /mailman3' at {conf}:7)"
            ) in fix, fix
    assert "wrap the WSGI application in a middleware that sets SCRIPT_NAME" in fix, fix
    assert "whose last line is 'application = prefix_from_proxy(application)'" in fix, fix
    assert fix.endswith("\napplication = prefix_from_proxy(application)"), fix


def test_without_the_config_the_location_is_said_unread() -> None:
    got = _sweep(_obs(LISTS, force_script_name="/mailman3"),
                 _obs(SUB, force_script_name="/mailman3", forwarded_prefix="/mailman3"))
    assert "(not read here: 'nginx -T' shows it" in got[LISTS].fix, got[LISTS].fix
    assert "already arrives (request.forwarded_prefix = '/mailman3')" in got[LISTS].fix


def test_a_header_that_arrives_unread_is_undecided_and_the_check_named(
        tmp_path: Path) -> None:
    """The operator's middleware inside the endpoint's wrap fixed the real site, but the
    endpoint answers before it runs: the words say what decides, and where it must go."""
    got = _nginx_sweep(tmp_path, _obs(LISTS), _obs(SUB, forwarded_prefix="/mailman3"))
    sub = got[SUB]
    assert sub.verdict.value == "mount_mismatch" and sub.cause is None, sub
    said = sub.explanation
    assert "The answer cannot tell whether nothing reads that header or a middleware inside " \
           "the probe endpoint's wrap" in said, said
    assert "The check that decides: a page of the site that redirects, such as " \
           "http://web.test/mailman3/admin/, and its Location header: does it keep " \
           "/mailman3/?" in said, said
    assert "believes it is mounted at /" not in said.split("if not, it")[0], said
    fix = sub.fix
    assert "add 'proxy_set_header X-Forwarded-Prefix" not in fix, fix
    assert "a middleware inside the endpoint's wrap already reads the header: move it " \
           "outside" in fix, fix
    assert "'application = wsgi_endpoint.wrap(application, ...)'" in fix, fix
    assert fix.index("wsgi_endpoint.wrap(") < fix.index("def prefix_from_proxy("), fix
    # no header: the mount is plainly untold, the header asked for, the middleware placed
    plain = _nginx_sweep(tmp_path, _obs(LISTS), _obs(SUB))[SUB]
    assert "cannot tell" not in plain.explanation, plain.explanation
    assert "without telling the application" in plain.explanation, plain.explanation
    assert "A middleware goes outside the probe endpoint's wrap" in plain.fix, plain.fix
