"""Fixes a tester applied to nginx 1.22 and saw fail, as words (the real servers are in
tests/integration/test_nginx_fix_apply.py): lint's unused upstream counted without the
uwsgi_pass that uses it, the refusing block of a TLS address without a certificate, a URI
part proposed in a regular-expression location, gunicorn's header given to every server, and
a stripped prefix told with FORCE_SCRIPT_NAME called untold."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from probe.diagnose import ConfigJoin, diagnose
from probe.lint import lint_nginx
from probe.manifest import parse
from probe.model import Observation
from probe.nginx import load_nginx
from tests.test_diagnose import ep, thrice

# script_name declared: a whole path with SCRIPT_NAME '' is otherwise undecided (mount_undecided)
MANIFEST = '[instances.g]\nlabel = "g"\nscript_name = "/g"\nurls = ["http://site.test/g/"]\n'
URL = "http://site.test/g/"


def _lint(tmp_path: Path, http: str, code: str) -> list[Any]:
    path = tmp_path / "nginx.conf"
    path.write_text(f"events {{}}\nhttp {{\n{http}\n}}\n")
    return [f for f in lint_nginx(str(path)).findings if f.code == code]


@pytest.mark.parametrize("other", ["uwsgi_pass beta_uwsgi;", "uwsgi_pass uwsgi://beta_uwsgi;",
                                   "grpc_pass grpc://beta_uwsgi;", "scgi_pass beta_uwsgi;"])
def test_an_upstream_another_protocol_uses_is_not_unused(tmp_path: Path, other: str) -> None:
    """The tester's base: alpha_up behind two names, beta_uwsgi used by uwsgi_pass. Lint
    proposed 'proxy_pass http://beta_uwsgi;' (uWSGI then answers 502)."""
    http = f"""upstream alpha_up {{ server 127.0.0.1:8001; }}
upstream beta_uwsgi {{ server 127.0.0.1:8002; }}
server {{ listen 18080; server_name a.test; location / {{ proxy_pass http://alpha_up; }} }}
server {{ listen 18080; server_name g.test; location / {{ proxy_pass http://alpha_up; }} }}
server {{ listen 18080; server_name b.test; location / {{ {other} }} }}"""
    assert _lint(tmp_path, http, "nginx_shared_upstream") == []
    unused = _lint(tmp_path, http.replace(other, "return 404;"), "nginx_shared_upstream")
    assert len(unused) == 1 and "'proxy_pass http://beta_uwsgi;'" in str(unused[0].fix)


def test_the_refusing_block_of_a_tls_address_needs_no_certificate(tmp_path: Path) -> None:
    def block(listen: str, name: str, port: int) -> str:
        cert = f"ssl_certificate {name}.pem; ssl_certificate_key {name}.pem; " \
            if "ssl" in listen else ""
        return (f"server {{ listen 127.0.0.1:{listen}; server_name {name}; {cert}"
                f"location / {{ proxy_pass http://127.0.0.1:{port}; }} }}\n")

    http = "".join(block(listen, name, port) for listen in ("18443 ssl", "18080")
                   for name, port in (("a.test", 8001), ("b.test", 8002)))
    found = _lint(tmp_path, http, "nginx_no_refusing_default")
    fixes = {f.message.split(" listen on ")[1].split()[0]: str(f.fix) for f in found}
    # one sentence, not 'the one that answers names no server_name matches'
    assert all(" and the one that answers a name no server_name matches, server " in f.message
               for f in found), [f.message for f in found]
    assert "server { listen 127.0.0.1:18443 ssl default_server; ssl_reject_handshake on; }" \
        in fixes["127.0.0.1:18443"], fixes
    assert "server { listen 127.0.0.1:18080 default_server; return 444; }" \
        in fixes["127.0.0.1:18080"], fixes


def _obs(software: str | None, **request: Any) -> Observation:
    data = ep("g", host="site.test", mount="", path_info="/__probe__", process_group="",
              application_group="")
    data["server"] = {"software": software, "mod_wsgi_version": None, "listen": None}
    data["request"].update(request)
    observed = thrice(URL, "g", data)
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:18080")
        for s in observed.samples))


def _target(tmp_path: Path, location: str | None, observed: Observation) -> Any:
    config = None
    if location is not None:
        path = tmp_path / "nginx.conf"
        path.write_text("events {}\nhttp {\n    server { listen 127.0.0.1:18080; "
                        "server_name site.test;\n" + location + "\n    }\n}\n")
        config = ConfigJoin(load_nginx(str(path)))
    return diagnose(parse(MANIFEST), [observed], config=config).targets[0]


REGEX = "        location ~ ^/g/ { proxy_set_header Host $host; proxy_pass http://127.0.0.1:8001; }"


def test_a_regex_location_is_told_to_rewrite_not_to_take_a_uri_part(tmp_path: Path) -> None:
    whole = _obs("gunicorn/23.0.0", script_name="", path_info="/g/__probe__",
                 forwarded_prefix=None, force_script_name=None)
    target = _target(tmp_path, REGEX, whole)
    assert target.verdict.value == "mount_mismatch", target
    assert "'rewrite ^/g/(.*)$ /$1 break;'" in target.fix, target.fix
    assert "URI part such as" not in target.fix
    prefix = _target(tmp_path, REGEX.replace("~ ^/g/", "/g/"), whole)
    assert "let proxy_pass strip the prefix (a URI part such as '/')" in prefix.fix


@pytest.mark.parametrize(("software", "said", "not_said"), [
    ("gunicorn/23.0.0", "With gunicorn (server.software) 'proxy_set_header SCRIPT_NAME /g;'",
     "uWSGI"),
    ("waitress", "With waitress (server.software) its option '--url-prefix=/g'", "gunicorn"),
    # uWSGI: uwsgi_pass or an --http-socket, the answers cannot tell: both ways named
    ("uWSGI/2.0.31", "With uwsgi_pass (proxy_set_header does nothing there): add "
                     "'uwsgi_param SCRIPT_NAME /g;'", "gunicorn"),
    ("uWSGI/2.0.31", "uWSGI's own '--mount /g=<its WSGI file>' and "
                     "'--manage-script-name'", "gunicorn"),
    (None, "FORCE_SCRIPT_NAME", "With "),
])
def test_the_mount_fix_names_the_answering_servers_way(software: str | None, said: str,
                                                       not_said: str) -> None:
    stripped = _obs(software, script_name="", path_info="/__probe__",
                    forwarded_prefix=None, force_script_name=None)
    target = _target(Path(), None, stripped)
    assert target.verdict.value == "mount_mismatch", target
    assert said in target.fix and not_said not in target.fix, target.fix


def test_force_script_name_at_the_mount_tells_the_application() -> None:
    told = _obs("waitress", script_name="", path_info="/__probe__", forwarded_prefix="/g",
                force_script_name="/g")
    assert _target(Path(), None, told).verdict.value == "ok"
    header = _obs("waitress", script_name="", path_info="/__probe__", forwarded_prefix="/g",
                  force_script_name=None)
    target = _target(Path(), None, header)
    assert target.verdict.value == "mount_mismatch"
    assert "X-Forwarded-Prefix /g arrives (request.forwarded_prefix = '/g')" \
        in target.explanation, target.explanation
    assert "request.forwarded_prefix = '/g'" in [e.claim for e in target.evidence]
    nothing = _target(Path(), None, _obs("waitress", script_name="", path_info="/__probe__",
                                         forwarded_prefix=None, force_script_name=None))
    assert "without telling the application (no X-Forwarded-Prefix arrives" \
        in nothing.explanation, nothing.explanation


def test_an_older_endpoint_is_said_unable_to_show_what_told_it() -> None:
    old = _target(Path(), None, _obs("waitress", script_name="", path_info="/__probe__"))
    assert old.verdict.value == "mount_mismatch"
    assert "without telling" not in old.explanation, old.explanation
    assert "request.force_script_name and request.forwarded_prefix are missing: an older " \
           "endpoint" in old.explanation
