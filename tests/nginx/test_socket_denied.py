"""nginx's connect() failures on a unix socket (a tester's uWSGI vassal without its
chown-socket line, set-up B ``socket-perm``: nginx's worker got '(13: Permission denied)'):

* the fixes that name nginx's error log words for a socket name '(13: Permission denied)'
  and the socket's mode and owner, beside '(2: ...)' and '(111: ...)'; not for a TCP address;
* without --config, a 404 with nginx's Server header and no endpoint answer is not led by
  "Install the endpoint": nginx's own page (error_page 502 ... /50x.html, its file missing)
  and the application's 404 are both said, with the error log and --config as the checks.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import parse
from probe.model import Observation, TargetResult, Verdict
from probe.nginx import load_nginx
from tests.test_diagnose import obs, status

MANIFEST = """
[instances.shop]
label = "shop"
urls = ["http://shop.example.com/"]
"""
SITE = """    upstream shop { server @TO@; }
    server { listen 127.0.0.1:18080; server_name shop.example.com;
        error_page 500 502 503 504 /50x.html;
        location / { uwsgi_pass shop; include uwsgi_params; } }
"""
DENIED = "'(13: Permission denied)'"


def _conf(tmp_path: Path, to: str) -> ConfigJoin:
    (tmp_path / "uwsgi_params").write_text("uwsgi_param QUERY_STRING $query_string;\n")
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + SITE.replace("@TO@", to) + "}\n")
    return ConfigJoin(load_nginx(str(path)))


def _through_nginx(code: int) -> Observation:
    observed = obs("http://shop.example.com/", "shop", status(code), status(code))
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:18080")
        for s in observed.samples))


def _one(config: ConfigJoin | None, observed: Observation) -> TargetResult:
    return diagnose(parse(MANIFEST), [observed], config=config).targets[0]


def test_a_gateway_error_to_a_socket_names_permission_denied(tmp_path: Path) -> None:
    found = _one(_conf(tmp_path, "unix:/run/uwsgi/shop.sock"), _through_nginx(502))
    assert found.verdict is Verdict.HTTP_ERROR, found
    assert DENIED in found.fix and "chmod-socket=/chown-socket=" in found.fix, found.fix
    tcp = _one(_conf(tmp_path, "127.0.0.1:8001"), _through_nginx(502))
    assert "13: Permission denied" not in tcp.fix, tcp.fix


def test_an_error_page_404_before_a_socket_names_permission_denied(tmp_path: Path) -> None:
    found = _one(_conf(tmp_path, "unix:/run/uwsgi/shop.sock"), _through_nginx(404))
    assert found.verdict is Verdict.NO_ENDPOINT, found
    assert found.fix.startswith("First read nginx's error log line"), found.fix
    assert DENIED in found.fix, found.fix


def test_nginx_404_without_the_configuration_gives_both_readings() -> None:
    found = _one(None, _through_nginx(404))
    assert found.verdict is Verdict.NO_ENDPOINT, found
    assert not found.fix.startswith("Install the endpoint"), found.fix
    assert found.fix.startswith("Find which first: nginx's error log line"), found.fix
    assert DENIED in found.fix and "probe sweep --config" in found.fix, found.fix
    assert "If the application answered: install the endpoint" in found.fix, found.fix
    assert "'error_page 502 503 504 /50x.html'" in found.explanation, found.explanation



def test_a_socket_nothing_listens_on_may_be_a_typo_at_its_line(tmp_path: Path) -> None:
    """A tester's proxy_pass to shop-projet.com.gunicorn.sock: starting a server on the typo
    path is one fix, correcting the configured line to where the server binds the other."""
    typo = "unix:/run/shop-projet.com.gunicorn.sock"
    found = _one(_conf(tmp_path, typo), _through_nginx(502))
    member = f"{tmp_path / 'nginx.conf'}:3"  # the upstream's server line
    assert f"start the application server listening on {typo}, or correct the address at " \
           f"{member} to where the server meant binds (gunicorn --bind, systemd " \
           f"ListenStream=, uWSGI socket=/http-socket=)" in found.fix, found.fix


def test_a_new_owner_or_mode_is_said_to_need_the_socket_made_again(tmp_path: Path) -> None:
    """Tester T19 socket-perm: chown-socket= added to the vassal and the emperor's reload left
    the socket root's (a reload keeps the socket uWSGI bound); only a stop and start of the
    vassal applied it. Said with and without the configuration."""
    configured = _one(_conf(tmp_path, "unix:/run/uwsgi/shop.sock"), _through_nginx(404))
    unread = _one(None, _through_nginx(404))
    gateway = _one(_conf(tmp_path, "unix:/run/uwsgi/shop.sock"), _through_nginx(502))
    for found in (configured, unread, gateway):
        assert ("which apply only to a socket made anew: stop and start the server that binds "
                "it, since a reload keeps the socket it has (uWSGI: under an emperor, move the "
                "vassal's .ini out of its directory and back, or restart the emperor; gunicorn: "
                "a restart, not HUP; a systemd .socket unit: stop its service, then restart the "
                ".socket unit)") in found.fix, found.fix
