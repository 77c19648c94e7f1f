"""Seahub behind Seafile's published nginx block, the endpoint installed without a token (a
first install): the location sends X-Real-IP and X-Forwarded-For with every request, so a
token-less endpoint never answers there. A tester's sweep with --config still said "Sweep
with --config PATH ... to have the route of this URL named" and left the token as "if it is
installed"; with the configuration the header lines are the reason, and the fix a token."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import parse
from probe.model import Observation, Sample, TargetResult
from probe.nginx import load_nginx
from tests.nginx.test_route_fixes import _answer
from tests.test_diagnose import obs

MANIFEST = """
[instances.seahub]
label = "seahub"
urls = ["http://seafile.test/"]

[instances.seafhttp]
label = "seafhttp"
urls = ["http://seafile.test/seafhttp/"]
"""
CONF = """events {{}}
http {{
server {{
    listen 127.0.0.1:18080;
    server_name seafile.test;
    location / {{
        proxy_pass http://127.0.0.1:18101;
        proxy_set_header Host $host;
        {headers}
    }}
    location /seafhttp {{
        rewrite ^/seafhttp(.*)$ $1 break;
        proxy_pass http://127.0.0.1:18102;
        proxy_set_header Host $host;
    }}
}}
}}
"""
SEAFILE = ("proxy_set_header X-Real-IP $remote_addr;\n"
           "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;")
ASK = "Sweep with --config PATH"


def _silent() -> Observation:
    sample = Sample(2.0, status_code=200, server="nginx/1.22.1", address="127.0.0.1:18080",
                    error="answer is text/plain, not the endpoint's JSON")
    return obs("http://seafile.test/", "seahub", sample, sample)


def _seahub(tmp_path: Path, headers: str, *, config: bool = True,
            token_sent: bool = False) -> tuple[TargetResult, Path]:
    path = tmp_path / "nginx.conf"
    path.write_text(CONF.format(headers=headers))
    nearby = _answer("http://seafile.test/seafhttp/", "seafhttp", "seafhttp", "127.0.0.1:18102")
    report = diagnose(parse(MANIFEST), [_silent(), nearby], token_sent=token_sent,
                      config=ConfigJoin(load_nginx(str(path))) if config else None)
    target = report.targets[0]
    assert target.verdict.value == "no_endpoint", target
    return target, path


def _line(path: Path, text: str) -> str:
    lines = path.read_text().splitlines()
    return f"{path}:{next(n for n, t in enumerate(lines, 1) if text in t)}"


def test_the_locations_proxy_headers_are_why_a_tokenless_endpoint_is_silent(
        tmp_path: Path) -> None:
    found, path = _seahub(tmp_path, SEAFILE)
    assert ASK not in found.fix, found.fix
    for name in ("X-Real-IP $remote_addr", "X-Forwarded-For $proxy_add_x_forwarded_for"):
        assert f"'proxy_set_header {name}' ({_line(path, name.split()[0])})" in \
            found.explanation, found.explanation
        assert any(e.source == _line(path, name.split()[0]) for e in found.evidence)
    assert "this sweep sent no token" in found.explanation
    assert found.fix.startswith("Give the endpoint a token"), found.fix
    assert "if it is installed" not in found.fix
    assert f"127.0.0.1:18101 (proxy_pass http://127.0.0.1:18101, {_line(path, '18101')})" \
        in found.fix


def test_the_fix_says_what_works_for_a_wrap_written_by_hand(tmp_path: Path) -> None:
    """A re-tester's WSGI files called wrap(application, label=...) by hand: --install refuses
    them, so "rewrites a token-less install" alone left them stuck; and with the token in
    place the endpoint still answered nobody, its log saying it could not read the file."""
    found, _ = _seahub(tmp_path, SEAFILE)
    assert "calls wsgi_endpoint.wrap() by hand it refuses" in found.fix, found.fix
    assert "add token_file=... to that call, or remove the import and the call" in found.fix
    assert "'wsgi_endpoint: cannot read the probe token file" in found.fix
    assert "WSGIDaemonProcess group=" in found.fix and "--group GROUP" in found.fix


def test_with_the_token_sent_the_headers_are_no_reason(tmp_path: Path) -> None:
    found, _ = _seahub(tmp_path, SEAFILE, token_sent=True)
    assert ASK not in found.fix and "this sweep sent no token" not in found.explanation
    assert "compare the two" in found.fix, found.fix


def test_without_proxy_headers_the_install_advice_names_the_upstream(tmp_path: Path) -> None:
    # a header only the request fills ($http_...): nginx sends none when it is empty
    found, path = _seahub(tmp_path, "proxy_set_header X-Forwarded-For $http_x_forwarded_for;")
    assert ASK not in found.fix, found.fix
    assert "this sweep sent no token" not in found.explanation
    assert f"If what listens at 127.0.0.1:18101 ({_line(path, '18101')}) is seahub's " \
           f"application: Install the endpoint" in found.fix, found.fix


def test_without_the_configuration_the_ask_stays(tmp_path: Path) -> None:
    found, _ = _seahub(tmp_path, SEAFILE, config=False)
    assert ASK in found.fix, found.fix


def test_a_route_the_configuration_does_not_decide_spends_the_ask_too(tmp_path: Path) -> None:
    found, _ = _seahub(tmp_path, "if ($http_x_pool = b) { proxy_pass http://127.0.0.1:18103; }")
    assert ASK not in found.fix, found.fix
    assert "The configuration given does not decide this URL's route" in found.explanation


def test_the_token_fix_names_the_sweeps_other_tokenless_endpoints(tmp_path: Path) -> None:
    # Seafile + Review Board on one nginx: the token given for seahub alone turned seafhttp's
    # and Review Board's token-less answers not_live (forged) on the next sweep.
    found, _ = _seahub(tmp_path, SEAFILE)
    assert "one token with every URL of the manifest" in found.fix, found.fix
    assert "seafhttp (http://seafile.test/seafhttp/)" in found.fix, found.fix
    assert "not_live (forged)" in found.fix


def test_a_signed_answer_elsewhere_needs_no_word(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text(CONF.format(headers=SEAFILE))
    nearby = _answer("http://seafile.test/seafhttp/", "seafhttp", "seafhttp", "127.0.0.1:18102")
    signed = dataclasses.replace(nearby, samples=tuple(
        dataclasses.replace(s, endpoint=dataclasses.replace(s.endpoint, signature="ab12"))
        for s in nearby.samples if s.endpoint is not None))
    report = diagnose(parse(MANIFEST), [_silent(), signed],
                      config=ConfigJoin(load_nginx(str(path))))
    found = report.targets[0]
    assert found.fix.startswith("Give the endpoint a token"), found.fix
    assert "every URL of the manifest" not in found.fix, found.fix
