"""nginx's own limit_req refusing the probe's requests (probe.diagnose.nginx_limits), on
answers as a tester's nginx 1.22 gave them for Sentry's documented configuration; the same
with real nginx and Django in tests/integration/test_nginx_limits.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import parse
from probe.model import Cause, Observation, Sample, TargetResult, Verdict
from probe.nginx import load_nginx
from tests.test_diagnose import answered, ep, obs

MANIFEST = """
[instances.sentry]
label = "sentry"
urls = ["http://sentry.test/api/1/store/"]
"""
URL = "http://sentry.test/api/1/store/"
SENTRY = """    limit_req_zone $binary_remote_addr zone=one:10m rate=3r/s;
    @STATUS@
    server { listen 127.0.0.1:18080; server_name sentry.test;
        proxy_set_header Host $host;
        @SERVER_LIMIT@
        location / { proxy_pass http://127.0.0.1:18103; }
        location ~* /api/(?P<projectid>\\d+/)?store/ { proxy_pass http://127.0.0.1:18103;
            @LOCATION_LIMIT@ } }
"""


def _conf(tmp_path: Path, *, status: str = "limit_req_status 429;", server: str = "",
          location: str = "limit_req zone=one burst=3 nodelay;") -> ConfigJoin:
    path = tmp_path / "nginx.conf"
    body = SENTRY.replace("@STATUS@", status).replace("@SERVER_LIMIT@", server) \
        .replace("@LOCATION_LIMIT@", location)
    path.write_text("events {}\nhttp {\n" + body + "}\n")
    return ConfigJoin(load_nginx(str(path)))


def _refused(code: int) -> Sample:
    return Sample(elapsed_ms=1.0, status_code=code, server="nginx/1.22.1",
                  address="127.0.0.1:18080")


def _sentry() -> Sample:
    data = ep("sentry", host="sentry.test", path_info="/api/1/store/__probe__", pid=29760)
    return dataclasses.replace(answered(data), server="nginx/1.22.1", address="127.0.0.1:18080")


def _target(observed: Observation, config: ConfigJoin | None = None) -> TargetResult:
    return diagnose(parse(MANIFEST), [observed], config=config).targets[0]


def test_a_429_from_nginx_after_endpoint_answers_is_its_limit_without_the_configuration(
) -> None:
    found = _target(obs(URL, "sentry", _sentry(), _refused(429), _refused(429)))
    assert (found.verdict, found.cause) == (Verdict.NO_ENDPOINT, Cause.RATE_LIMITED), found
    assert found.explanation.startswith(
        "http://sentry.test/api/1/store/__probe__ answered HTTP 429 (Server: nginx/1.22.1) to "
        "2 of 3 samples, not the wsgi-probe endpoint; the endpoint of sentry answered the other "
        "sample (pid 29760"), found.explanation
    assert "so the 429 came from in front of it" in found.explanation
    assert "the route to it was not tested by these requests" in found.explanation
    assert "routes this path to" not in found.explanation + found.fix
    assert found.fix.startswith("Look for the limit_req and limit_conn lines in force at the "
                                "location that takes /api/1/store/__probe__"), found.fix


def test_a_429_alone_is_said_as_observed_and_no_cause_is_named() -> None:
    """Every sample refused: nginx's limit, or the application's own 429 with nginx's Server
    header on it; the answers do not tell."""
    found = _target(obs(URL, "sentry", _refused(429), _refused(429), _refused(429)))
    assert (found.verdict, found.cause) == (Verdict.NO_ENDPOINT, None), found
    assert "to all 3 samples" in found.explanation
    assert "The answers alone do not tell that from the application's own 429" in \
        found.explanation, found.explanation


def test_a_429_where_the_configuration_has_no_limit_is_not_called_nginxs(
        tmp_path: Path) -> None:
    found = _target(obs(URL, "sentry", _refused(429)), _conf(tmp_path, location=""))
    assert (found.verdict, found.cause) == (Verdict.NO_ENDPOINT, None), found
    assert "The configuration given has no limit_req or limit_conn answering 429 in force " \
           "where /api/1/store/__probe__ goes (location ~* " in found.explanation, \
        found.explanation


def test_a_location_limit_with_another_above_is_exempted_with_dry_run(tmp_path: Path) -> None:
    """A new location inherits the server block's limit_req lines (the regular expression
    location's own ones hide them there only)."""
    config = _conf(tmp_path, server="limit_req zone=one burst=9;")
    found = _target(obs(URL, "sentry", _refused(429)), config)
    assert "but not its limit_req lines, and 'limit_req_dry_run on;' in it" in found.fix, \
        found.fix


def test_the_configuration_names_the_limit_lines_in_force(tmp_path: Path) -> None:
    found = _target(obs(URL, "sentry", _refused(429)), _conf(tmp_path))
    path = tmp_path / "nginx.conf"
    assert (found.verdict, found.cause) == (Verdict.NO_ENDPOINT, Cause.RATE_LIMITED), found
    assert f"location ~* /api/(?P<projectid>\\d+/)?store/ (first matching regular expression " \
           f"before the prefix location /, {path}:9), then proxy_pass " \
           f"http://127.0.0.1:18103 ({path}:9)" in found.explanation, found.explanation
    assert "to the sample, not the wsgi-probe endpoint" in found.explanation
    assert f"in force there: 'limit_req zone=one burst=3 nodelay' at {path}:10 (zone " \
           f"'limit_req_zone $binary_remote_addr zone=one:10m rate=3r/s' at {path}:3); " \
           f"'limit_req_status 429' at {path}:4 makes nginx answer 429." in found.explanation
    assert "limit_req_dry_run" not in found.fix
    assert "with 'proxy_pass http://127.0.0.1:18103;' and that location's other lines but " \
           "not its limit_req lines" in found.fix, found.fix


def test_an_inherited_limit_is_exempted_with_dry_run(tmp_path: Path) -> None:
    config = _conf(tmp_path, server="limit_req zone=one burst=3 nodelay;", location="")
    found = _target(obs(URL, "sentry", _refused(429)), config)
    path = tmp_path / "nginx.conf"
    assert found.cause is Cause.RATE_LIMITED, found
    assert f"'limit_req zone=one burst=3 nodelay' at {path}:7 (zone" in found.explanation
    assert f"inherited from the server block at {path}:5" in found.explanation, \
        found.explanation
    assert "and 'limit_req_dry_run on;' in it (it inherits the limit_req lines of the levels " \
           "above, which then count its requests and refuse none)" in found.fix, found.fix


def test_a_503_is_the_limit_only_where_the_limit_answers_503(tmp_path: Path) -> None:
    # limit_req_status unset: nginx's limit answers 503
    limited = _target(obs(URL, "sentry", _refused(503)), _conf(tmp_path, status=""))
    assert (limited.verdict, limited.cause) == (Verdict.HTTP_ERROR, Cause.RATE_LIMITED)
    assert "no limit_req_status is in force: nginx answers 503" in limited.explanation
    # the limit answers 429: a 503 is nginx's gateway error, as before
    gateway = _target(obs(URL, "sentry", _refused(503)), _conf(tmp_path))
    assert gateway.cause is not Cause.RATE_LIMITED, gateway
    assert "limit_req" not in gateway.explanation
    # without the configuration a 503 is never read as a limit
    alone = _target(obs(URL, "sentry", _refused(503)))
    assert alone.cause is not Cause.RATE_LIMITED and "limit_req" not in alone.explanation


def test_the_route_of_an_unanswered_url_names_the_regex_location_that_takes_it(
        tmp_path: Path) -> None:
    """An application's own 404 (no endpoint there): the route said runs through the
    regular expression location, where whatever is in force there is written (a tester's
    reading skipped it, from the server block straight to a proxy_pass)."""
    not_found = _refused(404)
    found = _target(obs(URL, "sentry", not_found), _conf(tmp_path))
    path = tmp_path / "nginx.conf"
    assert found.verdict is Verdict.NO_ENDPOINT and found.cause is None, found
    assert f"The configuration given passes /api/1/store/__probe__ to an application: server " \
           f"block at {path}:5 (server_name sentry.test) (server_name sentry.test matched " \
           f"exactly, {path}:5), location ~* /api/(?P<projectid>\\d+/)?store/ (first matching " \
           f"regular expression before the prefix location /, {path}:9), then proxy_pass " \
           f"http://127.0.0.1:18103 ({path}:9)." in found.explanation, found.explanation
