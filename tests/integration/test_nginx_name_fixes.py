"""Fixes that must not break another site, APPLIED to a real nginx 1.22 in front of the stock
Django projects of test_nginx_scenarios.py, then swept again (a tester's set-ups, where the
fix given moved a working site):

* a name two server blocks claim: removed from the first block, not its proxy_pass changed;
* a default server (``server_name _``) that serves site one's names only as the default:
  those names first, then the refusing default server; the refusing block alone closes
  site one's connections, as the sweep says;
* a one-member upstream holding site one's address: its ``server`` line;
* a regular expression location taking a sub-path: without --config candidates (never ``^~``
  on ``location /``: the expression narrowed or its own pass), with
  it ``^~`` on the prefix, which leaves site-2's root where it was;
* a redirect the default server gives every name (the [refuse] .invalid name got it too):
  the server_name missing from the block meant for the URL leads, not the https URL;
* a www. name missing from its block, the default server (another application's) answering:
  the server_name line of the block that passes site one's other URL, and no observed claim
  of a field uWSGI's answer does not have (a tester's weblate.conf:3).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest
import requests

from .nginx import NGINX
from .test_nginx_routes import _apply, _line
from .test_nginx_scenarios import HEADERS, Apps, Run, correct
from .test_nginx_scenarios import apps as apps  # re-exported: pytest finds the fixture here
from .test_nginx_scenarios import run_nginx as run_nginx  # re-exported, as apps

SITE2, BLOG, UNKNOWN = ("http://site-2.example.com/", "http://site-2.example.com/blog/",
                        "http://unknown.invalid/")
SITE1 = ("http://site-1.example.com/", "http://www.site-1.example.com/")
REFUSE = "server { listen 127.0.0.1:@P@ default_server; return 444; }"


def _verdicts(run: Run, *extra: str) -> dict[str, str]:
    return {url: t["verdict"] for url, t in run.by_url(*extra).items()}


def test_a_name_two_blocks_claim_is_removed_from_the_first(apps: Apps,
                                                           run_nginx: Any) -> None:
    written = "server_name site-1.example.com www.site-1.example.com"
    run = run_nginx(correct(apps).replace(written, f"{written} site-2.example.com"))
    conf = run.nginx.conf
    probed = run.by_url()[SITE2]
    assert probed["cause"] == "wrong_upstream", probed  # the .invalid name is refused
    assert "\"conflicting server name\" \"site-2.example.com\"" in probed["fix"], probed["fix"]
    found = run.by_url("--config", str(conf))[SITE2]
    first, second = _line(run, "site-2.example.com;"), _line(run, "server_name site-2")
    assert (found["verdict"], found["cause"]) == ("wrong_instance", "vhost_shadowed"), found
    assert f"server_name site-2.example.com at {conf}:{second}" in found["explanation"]
    assert "where two answers its own URL" not in found["explanation"]  # two answered none
    fix = found["fix"]
    assert fix.startswith(f"Take site-2.example.com out of the block that should not have it: "
                          f"if the block at {conf}:{second - 2} is the one meant for two, "
                          f"remove site-2.example.com from the server_name at {conf}:{first}"), fix
    assert "proxy_pass http://site_two" not in fix, fix
    _apply(run, f"{written} site-2.example.com;", f"{written};")
    after = run.by_url("--config", str(conf))
    assert {u: t["verdict"] for u, t in after.items()} == dict.fromkeys(after, "ok"), after


def test_a_default_server_with_real_names_gets_them_before_it_refuses(
        apps: Apps, run_nginx: Any) -> None:
    body = correct(apps).replace(REFUSE, "").replace(
        "listen 127.0.0.1:@P@;\n        server_name site-1.example.com www.site-1.example.com;",
        "listen 127.0.0.1:@P@ default_server;\n        server_name _;")
    run = run_nginx(body)
    conf = run.nginx.conf
    alone = run.by_url()[UNKNOWN]
    assert alone["verdict"] == "served_unmapped", alone
    assert f"one answers {SITE1[0]}, {SITE1[1]} from the same server.listen 127.0.0.1:" \
           f"{apps.one.port}" in alone["fix"], alone["fix"]
    report = run.sweep("--config", str(conf))
    found = {t["url"]: t for t in report["targets"]}
    names, listen = _line(run, "server_name _;"), _line(run, "default_server;")
    assert {found[u]["verdict"] for u in SITE1} == {"ok"}
    fix = found[UNKNOWN]["fix"]
    assert fix.startswith(
        f"First add site-1.example.com www.site-1.example.com to the server_name at "
        f"{conf}:{names} (now 'server_name _', which names no host): "), fix
    note = [f for f in report["findings"] if f["code"] == "nginx_default_only"]
    assert len(note) == 1 and note[0]["severity"] == "ok", report["findings"]
    refuse = re.search(r"(server \{ listen \S+ default_server; return 444; \})", fix)
    assert refuse is not None and f"(and remove default_server from {conf}:{listen})" in fix
    # the truth: the refusing block alone, as before, closes site one's connections
    bare = run_nginx(body.replace(" default_server;", ";") + REFUSE)
    assert _verdicts(bare)[SITE1[0]] != "ok"
    # the whole fix as written: names first, then the block; everything ok, no note
    fixed = run_nginx(body.replace("server_name _;", "server_name site-1.example.com "
                                   "www.site-1.example.com;").replace(" default_server;", ";")
                      + refuse.group(1).replace(f":{run.port} ", ":@P@ "))
    report = fixed.sweep("--config", str(fixed.nginx.conf))
    assert {t["verdict"] for t in report["targets"]} == {"ok"}, report
    assert not [f for f in report["findings"] if f["code"] == "nginx_default_only"]


def test_a_one_member_upstream_is_fixed_at_its_server_line(apps: Apps, run_nginx: Any) -> None:
    """site_two's only member is site one's address; two answers its own URL at
    two.example.com (a block proxying to it directly), which shows where it listens."""
    one, two = apps.one.port, apps.two.port
    member = f"upstream site_two {{ server 127.0.0.1:{one}; }}"
    run = run_nginx(correct(apps).replace(f"upstream site_two {{ server 127.0.0.1:{two}; }}",
                                          member)
                    + f"    server {{ listen 127.0.0.1:@P@; server_name two.example.com;\n"
                      f"        location / {{ proxy_pass http://127.0.0.1:{two}; {HEADERS} }} }}\n")
    run.manifest.write_text(run.manifest.read_text().replace(
        'urls = ["http://site-2.example.com/"]',
        'urls = ["http://site-2.example.com/", "http://two.example.com/"]'))
    conf = run.nginx.conf
    found = run.by_url("--config", str(conf))[SITE2]
    assert found["cause"] == "wrong_upstream", found
    assert found["fix"].startswith(
        f"At {conf}:{_line(run, 'upstream site_two')}, replace 'server 127.0.0.1:{one}' (one's "
        f"address) in upstream site_two by 'server 127.0.0.1:{two};' (two answers its own URL "
        f"http://two.example.com/"), found["fix"]
    _apply(run, member, f"upstream site_two {{ server 127.0.0.1:{two}; }}")
    after = run.by_url("--config", str(conf))
    assert after[SITE2]["verdict"] == "ok" and after[SITE1[0]]["verdict"] == "ok", after


def test_a_regex_location_taking_a_sub_path_gets_candidates_without_the_configuration(
        apps: Apps, run_nginx: Any) -> None:
    regex = (f"location ~ ^/(admin|blog)/ {{ proxy_pass http://site_two; {HEADERS} }}\n"
             f"        location /blog/ {{")
    run = run_nginx(correct(apps).replace("location /blog/ {", regex))
    conf = run.nginx.conf
    alone = run.by_url()[BLOG]
    assert (alone["verdict"], alone["cause"]) == ("wrong_instance", None), alone
    assert {c["cause"] for c in alone["candidates"]} == {"url_mapping", "wrong_upstream"}
    assert "point proxy_pass at" not in alone["fix"], alone["fix"]
    found = run.by_url("--config", str(conf))[BLOG]
    prefix = _line(run, "location /blog/ {")
    assert f"write 'location ^~ /blog/' in place of 'location /blog/' at {conf}:{prefix}" \
        in found["fix"], found["fix"]
    _apply(run, "location /blog/ {", "location ^~ /blog/ {")
    after = run.by_url("--config", str(conf))
    assert after[BLOG]["verdict"] == "ok" and after[SITE2]["verdict"] == "ok", after


def test_a_regex_location_over_location_root_is_never_fixed_with_a_caret_on_root(
        apps: Apps, run_nginx: Any) -> None:
    """Sentry's layout: two's prefix is 'location /', a regular expression location takes
    /api/ to site one. Without --config no '^~' is proposed for 'location /' (it would stop
    every regular expression location): narrow the expression or point its own pass; the
    latter, applied, makes /api/ two's."""
    api = "http://site-2.example.com/api/"
    regex = f"location ~ ^/api/ {{ proxy_pass http://site_one; {HEADERS} }}"
    run = run_nginx(correct(apps).replace("location /blog/ {", f"{regex}\n        "
                                          f"location /blog/ {{"))
    run.manifest.write_text(run.manifest.read_text().replace(
        f'urls = ["{SITE2}"]', f'urls = ["{SITE2}", "{api}"]'))
    alone = run.by_url()[api]
    assert (alone["verdict"], alone["cause"]) == ("wrong_instance", None), alone
    assert {c["cause"] for c in alone["candidates"]} == {"url_mapping", "wrong_upstream"}
    fix = alone["fix"]
    assert "write ^~ on the prefix location" not in fix, fix
    assert "narrow its expression so that it leaves /api/ to the prefix location meant for " \
           "two, or, if all it takes is two's, point its own pass at" in fix, fix
    assert "'location ^~ /' would stop every regular expression location" in fix, fix
    configured = run.by_url("--config", str(run.nginx.conf))[api]
    assert "location ^~ /'" not in configured["fix"], configured["fix"]
    _apply(run, regex, regex.replace("site_one", "site_two"))
    after = run.by_url()
    assert after[api]["verdict"] == "ok" and after[SITE2]["verdict"] == "ok", after


def test_a_redirect_the_default_server_gives_every_name_leads_with_the_missing_name(
        apps: Apps, run_nginx: Any) -> None:
    """A tester's nginx: the default server answers 301 to https://$host$request_uri, and
    site-2's block lost its server_name. site-2 and the [refuse] .invalid name get the same
    redirect (the https URL serves nothing): without --config the missing name leads, the
    configuration the check; the name written back makes site-2 ok."""
    redirect = ("server { listen 127.0.0.1:@P@ default_server; "
                "return 301 https://$host$request_uri; }")
    run = run_nginx(correct(apps).replace(REFUSE, redirect).replace(
        "server_name site-2.example.com;", ""))
    page = run.page("site-2.example.com", "/")
    assert page.status_code == 301 and page.headers["Location"] == "https://site-2.example.com/"
    found = run.by_url()
    assert found[UNKNOWN]["verdict"] == "no_endpoint", found[UNKNOWN]
    site2 = found[SITE2]
    assert (site2["verdict"], site2["cause"]) == ("no_endpoint", None), site2
    for url in (SITE2, BLOG):  # /blog/__probe__ got https://$host$request_uri too
        assert [c["cause"] for c in found[url]["candidates"]] == ["default_server",
                                                                 "url_mapping"], found[url]
    assert site2["fix"].startswith(
        "If no server_name matches site-2.example.com, add it to the server_name of the server "
        "block meant for two"), site2["fix"]
    assert ("http://unknown.invalid/__probe__ got the same redirect at the same address (HTTP "
            "301 to https://$host$request_uri: https://unknown.invalid/__probe__)") in \
        site2["explanation"], site2["explanation"]
    assert "If one does, that block redirects. Probe the URL the redirect leads to: list " \
           "https://site-2.example.com/ for two" in site2["fix"], site2["fix"]
    assert {"kind": "observed", "source": "GET http://unknown.invalid/__probe__",
            "claim": "a name no server is meant to claim got the same redirect at the same "
                     "address: HTTP 301 to https://$host$request_uri, "
                     "https://unknown.invalid/__probe__"} in \
        site2["evidence"], site2["evidence"]
    _apply(run, f"listen 127.0.0.1:{run.port};\n        \n        location / {{\n"
                f"            proxy_pass http://site_two;",
           f"listen 127.0.0.1:{run.port};\n        server_name site-2.example.com;\n"
           f"        location / {{\n            proxy_pass http://site_two;")
    after = run.by_url()
    assert after[SITE2]["verdict"] == "ok" and after[BLOG]["verdict"] == "ok", after


def test_a_block_without_server_name_beside_a_refusing_default_is_told_to_name_itself(
        apps: Apps, run_nginx: Any) -> None:
    """nginx warns of a conflicting empty server name and the nameless block gets nothing: the
    name meant for it reaches the 444 default. Lint says that, and a fix that can be done."""
    run = run_nginx(correct(apps).replace("server_name site-2.example.com;", ""))
    conf = run.nginx.conf
    tested = subprocess.run([NGINX, "-t", "-p", str(run.nginx.prefix), "-c", str(conf)],
                            capture_output=True, text=True, timeout=30, check=False)
    assert f'conflicting server name "" on 127.0.0.1:{run.port}, ignored' in tested.stderr
    with pytest.raises(requests.ConnectionError):  # 444: nginx closes the connection
        run.page("site-2.example.com", "/")
    done = subprocess.run([sys.executable, "-m", "probe", "lint", "--format", "json",
                           str(conf)], capture_output=True, text=True, timeout=60, check=False)
    [found] = [f for f in json.loads(done.stdout)["findings"]
               if f["code"] == "nginx_duplicate_server_name"]
    default, nameless = _line(run, "default_server; return 444"), _line(run, "location /blog/")
    assert "has no server_name line" in found["message"], found
    assert (f"the names meant for it reach the default server of 127.0.0.1:{run.port}, server "
            f"block at {conf}:{default} (server_name \"\"), which closes the connection (return "
            f"444 at {conf}:{default})") in found["message"], found["message"]
    assert found["fix"].startswith("add a server_name line with the host names this block is "
                                   "meant for in the server block at"), found["fix"]
    assert found["line"] < nameless
    _apply(run, "listen 127.0.0.1:@P@;\n        \n".replace("@P@", str(run.port)),
           f"listen 127.0.0.1:{run.port};\n        server_name site-2.example.com;\n")
    assert run.page("site-2.example.com", "/admin/").status_code == 302


def test_a_www_name_missing_from_its_block_is_added_at_that_blocks_server_name_line(
        apps: Apps, run_nginx: Any) -> None:
    body = correct(apps).replace(REFUSE, "").replace(
        "server_name site-1.example.com www.site-1.example.com;",
        "server_name site-1.example.com;").replace(
        "listen 127.0.0.1:@P@;\n        server_name site-2.example.com;",
        "listen 127.0.0.1:@P@ default_server;\n        server_name site-2.example.com;")
    run = run_nginx(body)
    conf = run.nginx.conf
    found = run.by_url("--config", str(conf))
    www = found[SITE1[1]]
    assert (www["verdict"], www["cause"]) == ("wrong_instance", "default_server"), www
    names, handed = _line(run, "server_name site-1.example.com;"), _line(run, "http://site_one")
    assert www["fix"].startswith(
        f"Add www.site-1.example.com to the server_name at {conf}:{names} (now 'server_name "
        f"site-1.example.com'), in the block meant for one: it takes one's own URL "
        f"{SITE1[0]} and passes it with proxy_pass http://site_one"), www["fix"]
    assert f"({conf}:{handed}), where one answered it (server.listen '127.0.0.1:" \
           f"{apps.one.port}')" in www["fix"], www["fix"]
    assert {"kind": "configured", "source": f"{conf}:{names}",
            "claim": f"server_name site-1.example.com (the block meant for one: it takes "
                     f"{SITE1[0]})"} in www["evidence"], www["evidence"]
    assert not [e for e in www["evidence"] if e["kind"] == "observed" and "None" in e["claim"]]
    _apply(run, "server_name site-1.example.com;",
           "server_name site-1.example.com www.site-1.example.com;")
    after = _verdicts(run, "--config", str(conf))  # the default still serves unknown.invalid
    assert {u: after[u] for u in (*SITE1, SITE2, BLOG)} == dict.fromkeys(
        (*SITE1, SITE2, BLOG), "ok"), after
