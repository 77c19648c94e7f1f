"""A sweep through nginx (``--config``) where a URL's ``uwsgi_pass`` reaches an address that
another location passes HTTP to (probe/diagnose/nginx_protocols.py), as a tester (T14,
Zulip z2) set it up: Zulip's ``upstream django`` pointed at the wiki's gunicorn socket.
The sweep said ``no_endpoint`` with "install the endpoint ... compare the two [tokens]", a
wrong lead (the endpoint was installed), and the URLs that timed out "too slow or stuck",
without the two lines that lint's ``nginx_two_protocols`` names."""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.errors import ErrorKind
from probe.manifest import parse
from probe.model import EvidenceKind, Observation, Sample, TargetResult, Verdict
from probe.nginx import load_nginx
from tests.test_diagnose import obs

MANIFEST = """
[instances.zulip]
label = "zulip"
urls = ["http://chat.example.com/", "http://chat.example.com/api/"]

[instances.wiki]
label = "wiki"
urls = ["http://wiki.example.com/"]
"""
AT = "127.0.0.1:18141"
SITES = """upstream django {{ server {member}; }}
server {{ listen 127.0.0.1:18141; server_name chat.example.com;
    location / {{ uwsgi_pass django; }}
    location /api/ {{ uwsgi_pass django; }} }}
server {{ listen 127.0.0.1:18141; server_name wiki.example.com;
    location / {{ proxy_pass http://unix:/run/wiki.sock; }} }}
"""
INSTALL = ("Install the endpoint", "compare the two", "token")


def _config(tmp_path: Path, member: str = "unix:/run/wiki.sock") -> tuple[ConfigJoin, str]:
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + SITES.format(member=member) + "}\n")
    return ConfigJoin(load_nginx(str(path))), str(path)


def _status(url: str, status: int, server: str) -> Observation:
    sample = Sample(2.0, status_code=status, server=server, address=AT, error="not JSON")
    return obs(url, "zulip", sample, sample)


def _timeout(url: str, expected: str) -> Observation:
    sample = Sample(5000.0, error=f"{url}__probe__: timed out", error_kind=ErrorKind.TIMEOUT,
                    address=AT)
    return obs(url, expected, sample, sample)


def _sweep(config: ConfigJoin | None, *observations: Observation) -> dict[str, TargetResult]:
    report = diagnose(parse(MANIFEST), list(observations), config=config)
    return {t.url: t for t in report.targets}


def test_a_uwsgi_pass_to_an_address_proxied_in_http_is_the_protocol_not_the_endpoint(
        tmp_path: Path) -> None:
    config, path = _config(tmp_path)
    found = _sweep(config, _status("http://chat.example.com/", 400, "nginx/1.22.1"))[
        "http://chat.example.com/"]
    assert found.verdict is Verdict.NO_ENDPOINT, found.explanation
    said, fix = found.explanation, found.fix
    assert "The answer (HTTP 400 with Server: nginx/1.22.1) is not the endpoint's: an HTTP " \
           "server such as gunicorn answers a uwsgi request it cannot read 400" in said, said
    assert (f"The hand-over speaks uwsgi to unix:/run/wiki.sock (uwsgi_pass django at "
            f"{path}:5 through upstream django ({path}:3: server unix:/run/wiki.sock at "
            f"{path}:3)), and proxy_pass http://unix:/run/wiki.sock at {path}:8 passes HTTP "
            f"to the same address") in said, said
    assert not any(words in fix for words in INSTALL), fix
    assert f"point the server line at {path}:3 (of the upstream that the uwsgi_pass at " \
           f"{path}:5 names) at zulip's uWSGI socket" in fix, fix
    assert "'proxy_pass http://django;'" in fix, fix
    kinds = {(e.kind, e.source) for e in found.evidence}
    assert (EvidenceKind.CONFIGURED, f"{path}:8") in kinds, kinds
    assert (EvidenceKind.OBSERVED, "GET http://chat.example.com/") in kinds, kinds


def test_an_http_server_own_server_header_through_uwsgi_pass(tmp_path: Path) -> None:
    """No second line in the configuration: the Server header alone shows an HTTP server."""
    config, path = _config(tmp_path, member="unix:/run/other.sock")
    found = _sweep(config, _status("http://chat.example.com/", 400, "gunicorn"))[
        "http://chat.example.com/"]
    said = found.explanation
    assert f"gunicorn is an HTTP server's own Server header, come back through uwsgi_pass " \
           f"({path}:5), so what listens at unix:/run/other.sock speaks HTTP" in said, said
    assert "passes HTTP to the same address" not in said, said
    assert not any(words in found.fix for words in INSTALL), found.fix


def test_without_either_the_endpoint_words_stay(tmp_path: Path) -> None:
    config, _ = _config(tmp_path, member="unix:/run/other.sock")
    found = _sweep(config, _status("http://chat.example.com/", 400, "nginx/1.22.1"))[
        "http://chat.example.com/"]
    assert "Install the endpoint" in found.fix, found.fix
    assert "two protocols" not in found.explanation and "uwsgi request" not in \
        found.explanation, found.explanation


def test_the_timeouts_through_either_line_name_both(tmp_path: Path) -> None:
    config, path = _config(tmp_path)
    found = _sweep(config, _timeout("http://chat.example.com/api/", "zulip"),
                   _timeout("http://wiki.example.com/", "wiki"))
    api, wiki = found["http://chat.example.com/api/"], found["http://wiki.example.com/"]
    assert api.verdict is Verdict.UNREACHABLE and wiki.verdict is Verdict.UNREACHABLE
    assert (f"This URL's hand-over (uwsgi_pass django at {path}:6 through upstream django "
            f"({path}:3: server unix:/run/wiki.sock at {path}:3)) speaks uwsgi to "
            f"unix:/run/wiki.sock, and proxy_pass http://unix:/run/wiki.sock at {path}:8 "
            f"speaks HTTP to it") in api.explanation, api.explanation
    assert (f"This URL's hand-over (proxy_pass http://unix:/run/wiki.sock at {path}:8) speaks "
            f"HTTP to unix:/run/wiki.sock, and uwsgi_pass django at {path}:5") \
        in wiki.explanation, wiki.explanation
    for target in (api, wiki):
        assert target.fix.startswith("First pass to unix:/run/wiki.sock in one protocol"), \
            target.fix
        assert "too slow or stuck" in target.fix, target.fix
    alone = _sweep(_config(tmp_path, member="unix:/run/other.sock")[0],
                   _timeout("http://wiki.example.com/", "wiki"))["http://wiki.example.com/"]
    # The timeout's own fix alone: the sweep's requests in flight there, and the check.
    assert alone.fix.startswith("Up to 2 of this sweep's requests were in flight"), alone.fix
    assert "too slow or stuck" in alone.fix and "First pass" not in alone.fix
