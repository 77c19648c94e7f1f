"""Sentry's documented nginx layout (docs/quickstart/nginx.rst) with real nginx in front of a
stock Django project (the applications of test_nginx_scenarios.py): a regular expression
location for the store API under ``location /``, with ``limit_req zone=one ... nodelay``.

* The sweep's own samples trip the limit and nginx answers 429 itself: said as nginx's
  limit, not a route ("Check which application the server routes this path to" was a
  tester's nginx 1.22 reading); with ``--config`` the limit_req lines, their zone and
  ``limit_req_status`` are named with their lines, and the exemption the fix gives, written
  in and reloaded, lets the endpoint answer.
* The store location's proxy_pass leads to another application: the fix is that proxy_pass
  line, never ``location ^~ /`` (which would stop every regular expression location).
"""

from __future__ import annotations

from typing import Any

from .test_nginx_routes import _apply, _line
from .test_nginx_scenarios import HEADERS, Apps, Run
from .test_nginx_scenarios import apps as apps  # re-exported: pytest finds the fixture here
from .test_nginx_scenarios import run_nginx as run_nginx  # re-exported, as apps

STORE = "http://site-2.example.com/api/1/store/"
PROBE_PATH = "/api/1/store/__probe__"
MANIFEST = """[probe]
connect = "127.0.0.1:{port}"
token_env = "WSGI_PROBE_TOKEN"
samples = 4
concurrency = 8

[instances.two]
label = "two"
urls = ["http://site-2.example.com/", "{store}"]
"""


def sentry(apps: Apps, *, store_to: str = "site_two") -> str:
    """Sentry's server block (its limit_req zones at the http level, as its page shows)."""
    return f"""
    limit_req_zone  $binary_remote_addr  zone=one:10m   rate=1r/m;
    limit_req_zone  $projectid  zone=two:10m   rate=3r/s;
    limit_req_status 429;
    upstream site_one {{ server 127.0.0.1:{apps.one.port}; }}
    upstream site_two {{ server 127.0.0.1:{apps.two.port}; }}
    server {{ listen 127.0.0.1:@P@ default_server; return 444; }}
    server {{
        listen 127.0.0.1:@P@;
        server_name site-2.example.com;
        {HEADERS}

        location / {{
            proxy_pass http://site_two;
        }}

        location ~* /api/(?P<projectid>\\d+/)?store/ {{
            proxy_pass http://{store_to};

            limit_req   zone=one  burst=1  nodelay;
            limit_req   zone=two  burst=10  nodelay;
        }}
    }}
"""


def _started(run_nginx: Any, body: str) -> Run:
    run: Run = run_nginx(body)
    run.manifest.write_text(MANIFEST.format(port=run.port, store=STORE))
    return run


def test_the_probes_own_requests_tripping_limit_req_are_no_route(
        apps: Apps, run_nginx: Any) -> None:
    run = _started(run_nginx, sentry(apps))
    conf = run.nginx.conf
    # What is true: the limit answers 429 itself (one request a minute, one more in burst).
    statuses = [run.page("site-2.example.com", PROBE_PATH).status_code for _ in range(4)]
    assert statuses.count(429) >= 2, statuses

    alone = run.by_url()[STORE]
    assert alone["verdict"] == "no_endpoint", alone
    text = alone["explanation"] + " " + alone["fix"]
    assert f"http://site-2.example.com{PROBE_PATH} answered HTTP 429 (Server: nginx/" in text
    assert "the route to it was not tested by these requests" in text, text
    assert "routes this path to" not in text and "Install the endpoint" not in text, text

    found = run.by_url("--config", str(conf))[STORE]
    assert (found["verdict"], found["cause"]) == ("no_endpoint", "rate_limited"), found
    regex = _line(run, "location ~* /api/")
    one, two = _line(run, "zone=one  burst=1"), _line(run, "zone=two  burst=10")
    explanation = found["explanation"]
    assert f"location ~* /api/(?P<projectid>\\d+/)?store/ (first matching regular expression " \
           f"before the prefix location /, {conf}:{regex}), then proxy_pass http://site_two " \
           f"(upstream site_two at {conf}:{_line(run, 'upstream site_two')}) " \
           f"({conf}:{regex + 1}); in force there: " in explanation, explanation
    assert f"'limit_req zone=one burst=1 nodelay' at {conf}:{one} and 'limit_req zone=two " \
           f"burst=10 nodelay' at {conf}:{two} (zones 'limit_req_zone $binary_remote_addr " \
           f"zone=one:10m rate=1r/m' at {conf}:" in explanation, explanation
    assert f"'limit_req_status 429' at {conf}:{_line(run, 'limit_req_status')} makes nginx " \
           f"answer 429" in explanation, explanation
    assert "the probe's own requests tripped it" in explanation
    fix = found["fix"]
    assert fix.startswith("Not a routing problem: nginx's limit_req refused the probe's "
                          "requests. Either probe this URL with fewer samples or less "
                          "concurrency"), fix
    assert f"an exact 'location = {PROBE_PATH}' beside location ~* " in fix, fix
    assert "with 'proxy_pass http://site_two;' and that location's other lines but not its " \
           "limit_req lines" in fix, fix
    assert "routes this path to" not in explanation + fix

    # The exemption, written in as the fix says: the endpoint answers, the limit stays.
    _apply(run, "        location / {",
           f"        location = {PROBE_PATH} {{\n            proxy_pass http://site_two;\n"
           f"        }}\n\n        location / {{")
    after = run.by_url("--config", str(conf))[STORE]
    assert after["verdict"] == "ok", after
    assert run.page("site-2.example.com", "/api/1/store/").status_code == 429


def test_a_store_location_passing_elsewhere_is_fixed_at_its_proxy_pass_not_caret_slash(
        apps: Apps, run_nginx: Any) -> None:
    body = sentry(apps, store_to="site_one").replace("burst=1 ", "burst=50")
    run = _started(run_nginx, body)
    conf = run.nginx.conf
    found = run.by_url("--config", str(conf))[STORE]
    assert (found["verdict"], found["answered_by"]) == ("wrong_instance", "one"), found
    fix = found["fix"]
    assert "^~ /'" not in fix and "location ^~ / " not in fix, fix
    regex = _line(run, "location ~* /api/")
    assert fix.startswith(f"The location ~* /api/(?P<projectid>\\d+/)?store/ ({conf}:{regex}) "
                          f"takes /api/1/store/: at {conf}:{regex + 1}, pass to "), fix
    assert f"'proxy_pass http://site_two;' as at {conf}:" in fix, fix
    # Written in as the fix says, the store URL reaches two.
    _apply(run, "proxy_pass http://site_one;\n\n            limit_req",
           "proxy_pass http://site_two;\n\n            limit_req")
    after = run.by_url("--config", str(conf))[STORE]
    assert after["verdict"] == "ok", after
