"""nginx's ``error_page`` where its target is a URI or a URL, and ``*_intercept_errors``:
the route follows a URI fallback of a location that passes to the location the URI matches
(an internal redirect) and that location's hand-over; ``proxy_intercept_errors on`` sends an
application's own status to the error_page lines that list it, and without it the
application's status is its own. Real nginx: tests/integration/test_nginx_error_page_uri.py."""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.diagnose.nginx_fallback import reached
from probe.front import Fallback
from probe.manifest import parse
from probe.model import Observation, Sample, TargetResult, Verdict
from probe.nginx import load_nginx
from tests.nginx.test_route_fixes import ALPHA, GAMMA, MANIFEST, _answer, _target
from tests.test_diagnose import obs

MAINTENANCE = f"""    server {{ listen 127.0.0.1:18080; server_name alpha.test;
        location / {{
            proxy_pass http://{ALPHA};
            error_page 502 503 504 /maintenance$uri;
            @INTERCEPT@
        }}
        location /maintenance/ {{
            proxy_pass http://{GAMMA}/;
        }}
        location = /50x.html {{ root /srv/www; }}
        error_page 404 =200 /50x.html;
    }}
"""


def _load(tmp_path: Path, body: str) -> tuple[ConfigJoin, Path]:
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + body + "}\n")
    return ConfigJoin(load_nginx(str(path))), path


def _fallbacks(tmp_path: Path, body: str) -> tuple[tuple[Fallback, ...], Path]:
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + body + "}\n")
    return load_nginx(str(path)).route("http://alpha.test/", "127.0.0.1:18080").fallbacks, path


def test_a_uri_fallback_is_followed_to_its_location_and_hand_over(tmp_path: Path) -> None:
    found, conf = _fallbacks(tmp_path, MAINTENANCE.replace("@INTERCEPT@", ""))
    assert len(found) == 1, found  # the location's own line; the server's 404 is not its
    fell = found[0]
    assert (fell.page, str(fell.source)) == ("error_page 502 503 504 /maintenance$uri",
                                             f"{conf}:6")
    assert fell.uri == "/maintenance/"  # $uri of http://alpha.test/ resolved
    assert (fell.location, str(fell.location_source)) == ("location /maintenance/", f"{conf}:9")
    assert fell.upstream == GAMMA
    assert fell.handover == f"proxy_pass http://{GAMMA}/ at {conf}:10"
    assert fell.status == "the error's own code" and fell.intercept is None


def test_intercept_errors_adds_the_applications_own_codes(tmp_path: Path) -> None:
    """proxy_intercept_errors on at the server level is inherited by the location; the
    error_page 404 of the location's own lines (not the server's) takes the 404."""
    body = MAINTENANCE.replace("@INTERCEPT@", "error_page 404 =200 /50x.html;").replace(
        "server_name alpha.test;", "server_name alpha.test; proxy_intercept_errors on;")
    found, conf = _fallbacks(tmp_path, body)
    assert [f.page for f in found] == ["error_page 502 503 504 /maintenance$uri",
                                       "error_page 404 =200 /50x.html"]
    assert all((f.intercept, str(f.intercept_source)) == ("proxy_intercept_errors on",
                                                          f"{conf}:3") for f in found)
    page = found[1]
    assert (page.location, page.status, page.upstream) == ("location = /50x.html", "200", None)
    # off in the location wins over the server's on; another protocol's line is not its
    off = body.replace("error_page 404 =200 /50x.html;\n", "proxy_intercept_errors off; "
                       "error_page 404 =200 /50x.html;\n", 1)
    other = body.replace("proxy_intercept_errors on;", "uwsgi_intercept_errors on;")
    for changed in (off, other):
        again, _ = _fallbacks(tmp_path, changed)
        assert [(f.page, f.intercept) for f in again] == [
            ("error_page 502 503 504 /maintenance$uri", None)], changed


def test_a_url_target_is_nginxs_redirect(tmp_path: Path) -> None:
    found, _ = _fallbacks(tmp_path, MAINTENANCE.replace("@INTERCEPT@", "").replace(
        "/maintenance$uri;", "=301 https://status.example/;"))
    assert (found[0].location, found[0].upstream) == (
        "nginx's 301 to https://status.example/", None)
    moved, _ = _fallbacks(tmp_path, MAINTENANCE.replace("@INTERCEPT@", "").replace(
        "/maintenance$uri;", "=200 https://status.example/;"))
    assert moved[0].status == "302 to https://status.example/"  # nginx keeps only 30x


def test_a_static_locations_404_to_a_uri_with_a_variable_is_followed(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + f"""    server {{ listen 127.0.0.1:18080;
        server_name alpha.test;
        location / {{ root /srv/www; error_page 404 = /django$uri; }}
        location /django/ {{ proxy_pass http://{ALPHA}/; }}
    }}
""" + "}\n")
    route = load_nginx(str(path)).route("http://alpha.test/a/", "127.0.0.1:18080")
    assert route.undecided is None and route.upstream == ALPHA, route
    assert route.step("mount") is not None and route.step("mount").decision == "/a/"  # type: ignore[union-attr]  # asserted on the left


def test_the_uri_fallback_that_answered_names_its_location_and_hand_over(
        tmp_path: Path) -> None:
    config, conf = _load(tmp_path, MAINTENANCE.replace("@INTERCEPT@", ""))
    wrong = _answer("http://alpha.test/", "alpha", "gamma", GAMMA, host="alpha.test")
    found = _target(config, wrong, url="http://alpha.test/")
    assert found.cause is not None and found.cause.value == "wrong_upstream"
    assert f"The answering server.listen {GAMMA} is where error_page 502 503 504 " \
           f"/maintenance$uri at {conf}:6 sends the request: an internal redirect to " \
           f"/maintenance/ (as a GET), which location /maintenance/ ({conf}:9) takes and " \
           f"passes to {GAMMA} (proxy_pass http://{GAMMA}/ at {conf}:10). nginx goes there " \
           f"only when the hand-over at {conf}:5 ({ALPHA}) fails with one of those codes, so " \
           f"it did not give this answer: nginx's error log line" in found.explanation, \
        found.explanation
    assert found.fix is not None and found.fix.startswith(f"Make the hand-over at {conf}:5 "
                                                          f"answer"), found.fix
    assert any(e.source == f"{conf}:6" for e in found.evidence), found.evidence


def test_behind_intercept_errors_the_applications_own_status_is_named(tmp_path: Path) -> None:
    config, conf = _load(tmp_path, MAINTENANCE.replace(
        "@INTERCEPT@", "proxy_intercept_errors on; error_page 500 /maintenance$uri;"))
    wrong = _answer("http://alpha.test/", "alpha", "gamma", GAMMA, host="alpha.test")
    found = _target(config, wrong, url="http://alpha.test/")
    assert f"fails with one of those codes, or when the application there answers one of " \
           f"them itself (proxy_intercept_errors on at {conf}:7), so it did not give this " \
           f"answer: nginx's access log line for it says which ($upstream_status" \
        in found.explanation, found.explanation


def _status(status: int, tmp_path: Path, intercept: bool) -> TargetResult:
    config, _ = _load(tmp_path, MAINTENANCE.replace(
        "@INTERCEPT@", "proxy_intercept_errors on; error_page 404 500 /50x.html;"
        if intercept else "error_page 404 500 /50x.html;"))
    sample = Sample(2.0, status_code=status, server="nginx/1.22.1", address="127.0.0.1:18080",
                    error="not JSON")
    answered: Observation = obs("http://alpha.test/", "alpha", sample, sample)
    report = diagnose(parse(MANIFEST), [answered], config=config)
    return next(t for t in report.targets if t.url == "http://alpha.test/")


def test_an_applications_500_behind_intercept_errors_is_said_as_the_error_page(
        tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    found = _status(500, tmp_path, intercept=True)
    assert found.verdict is Verdict.HTTP_ERROR
    assert f"proxy_intercept_errors on at {conf}:7 is in force with error_page 404 500 " \
           f"/50x.html at {conf}:7: nginx does not pass on an application's own 404/500, it " \
           f"sends the request to an internal redirect to /50x.html (as a GET), which " \
           f"location = /50x.html ({conf}:12) takes and passes to no application" \
        in found.explanation, found.explanation
    # without the intercept line, the application's 500 is its own: no error_page named
    plain = _status(500, tmp_path / "plain", intercept=False)
    assert plain.verdict is Verdict.HTTP_ERROR and "error_page" not in plain.explanation, \
        plain.explanation


def test_an_applications_404_behind_intercept_errors_is_said_as_the_error_page(
        tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    found = _status(404, tmp_path, intercept=True)
    assert found.verdict is Verdict.NO_ENDPOINT
    assert f"proxy_intercept_errors on at {conf}:7 is in force with error_page 404 500 " \
           f"/50x.html at {conf}:7: nginx does not pass on an application's own 404/500" \
        in found.explanation, found.explanation
    plain = _status(404, tmp_path / "plain", intercept=False)
    assert "error_page 404 500" not in plain.explanation, plain.explanation


def test_the_intercept_and_error_page_lines_are_configured_evidence(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    found = _status(500, tmp_path, intercept=True)
    assert {(e.kind.value, e.source) for e in found.evidence} >= {
        ("configured", f"{conf}:7")}, found.evidence
    assert [e.claim for e in found.evidence if e.source == f"{conf}:7"] == [
        "error_page 404 500 /50x.html", "proxy_intercept_errors on"], found.evidence


def test_without_server_listen_a_static_error_page_is_not_a_candidate(tmp_path: Path) -> None:
    """No server.listen: a URI error_page that only serves a file cannot have given the
    application's answer, so it is not put beside the hand-over; one that passes is."""
    config, _ = _load(tmp_path, MAINTENANCE.replace(
        "@INTERCEPT@", "proxy_intercept_errors on; error_page 404 /50x.html;").replace(
        "error_page 502 503 504 /maintenance$uri;", ""))
    wrong = _answer("http://alpha.test/", "alpha", "gamma", None, host="alpha.test")
    found = _target(config, wrong, url="http://alpha.test/")
    assert "or a fallback after it failed" not in found.explanation, found.explanation
    passing, _ = _load(tmp_path / "passing", MAINTENANCE.replace(
        "@INTERCEPT@", "proxy_intercept_errors on;"))
    again = _target(passing, wrong, url="http://alpha.test/")
    assert "or a fallback after it failed, is not known: error_page 502 503 504 " \
           "/maintenance$uri" in again.explanation, again.explanation
    assert "With proxy_intercept_errors on at" in again.explanation


FOLLOWED = f"""    server {{ listen 127.0.0.1:18080; server_name alpha.test;
        location / {{
            proxy_pass http://{ALPHA};
            error_page 502 503 504 @TARGET@;
            @IF@
        }}
        location /maintenance/ {{ try_files $uri @gamma; }}
        location @gamma {{ proxy_pass http://{GAMMA}; }}
        location /fb/ {{ rewrite ^/fb/(.*)$ /real/$1 last; }}
        location /real/ {{ proxy_pass http://{GAMMA}; }}
    }}
"""


def test_a_uri_fallbacks_own_try_files_and_rewrite_are_followed(tmp_path: Path) -> None:
    """The location a URI error_page reaches is walked as any other: its try_files to a
    named location, its rewrite ... last to another location, and that one's hand-over."""
    body = FOLLOWED.replace("@IF@", "")
    [tried], conf = _fallbacks(tmp_path, body.replace("@TARGET@", "/maintenance$uri"))
    assert (tried.location, str(tried.location_source)) == ("location /maintenance/",
                                                             f"{conf}:9")
    assert tried.upstream == GAMMA, tried
    assert tried.handover == f"proxy_pass http://{GAMMA} at {conf}:10", tried
    assert tried.via is not None and tried.via.startswith(
        f"try_files $uri @gamma at {conf}:9: the route assumes no file exists"), tried.via
    assert f"(location @gamma, {conf}:10)" in tried.via, tried.via
    assert f"which location /maintenance/ ({conf}:9) takes; there try_files $uri @gamma at " \
           f"{conf}:9" in reached(tried), reached(tried)
    assert reached(tried).endswith(f", and the request passes to {GAMMA} (proxy_pass "
                                   f"http://{GAMMA} at {conf}:10)"), reached(tried)
    [rewritten], _ = _fallbacks(tmp_path, body.replace("@TARGET@", "/fb$uri"))
    assert (rewritten.uri, rewritten.upstream) == ("/fb/", GAMMA), rewritten
    assert rewritten.handover == f"proxy_pass http://{GAMMA} at {conf}:12", rewritten
    assert rewritten.via is not None and rewritten.via.startswith(
        f"rewrite ^/fb/(.*)$ /real/$1 last at {conf}:11: the path matches"), rewritten.via


def test_an_error_page_inside_an_if_is_said_not_followed(tmp_path: Path) -> None:
    """nginx allows error_page in an if of a location; the route does not model it: listed
    with its line as not followed, nothing claimed of where it goes. Where that if holds
    for the request, the location's own error_page lines are not claimed in force."""
    body = FOLLOWED.replace("@TARGET@", "/maintenance$uri")
    undecided = body.replace("@IF@", "if ($http_x_debug) { error_page 502 =200 /debug; }")
    found, conf = _fallbacks(tmp_path, undecided)
    assert [f.page for f in found] == ["error_page 502 503 504 /maintenance$uri",
                                       "error_page 502 =200 /debug"], found
    inside = found[1]
    assert (str(inside.source), inside.upstream, inside.intercept, inside.uri) == (
        f"{conf}:7", None, None, None), inside
    assert reached(inside).startswith(f"a target not followed (it is inside the if at "
                                      f"{conf}:7"), reached(inside)
    holding = body.replace("@IF@", "if ($request_method = GET) { error_page 502 /debug; }")
    found, _ = _fallbacks(tmp_path, holding)
    assert [f.page for f in found] == ["error_page 502 /debug"], found
    assert found[0].location.startswith("a target not followed"), found[0]
