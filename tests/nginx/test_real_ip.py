"""``nginx_real_ip``: nginx's realip module (``set_real_ip_from``, ``real_ip_header``) sets
``$remote_addr`` from what a trusted client sends, and a ``uwsgi_pass`` location hands it to
the application as ``REMOTE_ADDR`` (Debian's ``uwsgi_params``): a note, with the check that
decides (a token), as Apache's ``remoteip_header``."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.lint import lint_nginx
from probe.lint.findings import ConfigFinding, Severity

PARAMS = "uwsgi_param REQUEST_METHOD $request_method;\nuwsgi_param REMOTE_ADDR $remote_addr;\n"
CONF = """events {{}}
http {{
{http}
    server {{ listen 18095; server_name a.example.org;
        location / {{ include uwsgi_params;{location} uwsgi_pass 127.0.0.1:3031; }}
        location /b/ {{ include uwsgi_params; uwsgi_pass 127.0.0.1:3032; }}
        location /p/ {{ proxy_pass http://127.0.0.1:8107; }} }}
}}
"""
TRUST = "    set_real_ip_from 10.0.0.0/8;\n"


def _notes(tmp_path: Path, http: str, location: str = "",
           params: str = PARAMS) -> list[ConfigFinding]:
    (tmp_path / "uwsgi_params").write_text(params)
    (tmp_path / "nginx.conf").write_text(CONF.format(http=http, location=location))
    return [f for f in lint_nginx(str(tmp_path / "nginx.conf")).findings
            if f.code == "nginx_real_ip"]


def test_a_header_trusted_from_clients_is_noted_once_with_both_locations(
        tmp_path: Path) -> None:
    conf, params = tmp_path / "nginx.conf", tmp_path / "uwsgi_params"
    [note] = _notes(tmp_path, TRUST + "    real_ip_header X-Forwarded-For;\n")
    assert (note.file, note.line, note.severity) == (str(conf), 4, Severity.NOTE)
    assert note.message.startswith(
        f"real_ip_header X-Forwarded-For: nginx's realip module sets $remote_addr from "
        f"X-Forwarded-For of the requests from set_real_ip_from 10.0.0.0/8 ({conf}:3), and "
        f"location / at {conf}:7 ('uwsgi_param REMOTE_ADDR $remote_addr' at {params}:2); "
        f"location /b/ at {conf}:8"), note.message
    assert "/p/" not in note.message  # proxy_pass hands no REMOTE_ADDR of nginx's
    assert "nginx passes the X-Forwarded-For header on too" in note.message
    assert "which clients those lines cover is not checked" in note.message
    assert note.fix is not None and note.fix.startswith("install the endpoint with a token")


@pytest.mark.parametrize(("http", "location", "says"), [
    (TRUST, "", "real_ip_header X-Real-IP (not written: nginx's default)"),
    (TRUST + "    real_ip_header proxy_protocol;\n", "", "PROXY protocol line, no header"),
    (TRUST + "    real_ip_header X-Forwarded-For;\n", " uwsgi_pass_request_headers off;",
     "uwsgi_pass_request_headers off keeps the header from the application"),
    (TRUST + "    real_ip_header X-Client-Addr;\n", "",
     "X-Client-Addr is no header the endpoint knows as a proxy's"),
])
def test_what_closes_the_endpoint_or_not(tmp_path: Path, http: str, location: str,
                                         says: str) -> None:
    notes = _notes(tmp_path, http, location)
    assert notes and all(says in n.message for n in notes), notes


@pytest.mark.parametrize(("http", "params"), [
    ("    real_ip_header X-Forwarded-For;\n", PARAMS),  # no set_real_ip_from: realip is off
    (TRUST + "    real_ip_header X-Forwarded-For;\n",
     "uwsgi_param REQUEST_METHOD $request_method;\n"),  # no REMOTE_ADDR handed on
])
def test_nothing_said_where_the_address_is_not_taken_or_not_handed_on(
        tmp_path: Path, http: str, params: str) -> None:
    assert _notes(tmp_path, http, params=params) == []
