"""Two regular expression server_names of one address, with real nginx in front of stock
Django projects (the applications of test_nginx_scenarios.py): tester T34's b-regex, a
catch-all ``~^(?<site>[^.]+)\\.example\\.com$`` passing to the socket ``$site`` names, written
before the block of ``~^site-\\d+\\.example\\.com$`` that passes to site two. nginx uses the
first expression that matches, so site-2's requests go to a socket nothing binds (502). The
fix printed is applied as written, checked with ``nginx -t``, reloaded, and the sweep is ok."""

from __future__ import annotations

import re
from typing import Any

from .test_nginx_routes import _apply, _line, _manifest
from .test_nginx_scenarios import Apps, correct
from .test_nginx_scenarios import apps as apps  # re-exported: pytest finds the fixture here
from .test_nginx_scenarios import run_nginx as run_nginx  # re-exported, as apps

CATCH_ALL = """server {
        listen 127.0.0.1:@P@;
        server_name ~^(?<site>[^.]+)\\.example\\.com$;
        location / { proxy_pass http://unix:/nonexistent-wsgi-probe/$site.sock; }
    }
    server {
        listen 127.0.0.1:@P@;
        server_name ~^site-\\d+\\.example\\.com$;"""


def test_a_later_regex_block_is_reached_after_the_fix(apps: Apps, run_nginx: Any) -> None:
    body = correct(apps).replace("server {\n        listen 127.0.0.1:@P@;\n        "
                                 "server_name site-2.example.com;", CATCH_ALL)
    run = run_nginx(body)
    site2 = "http://site-2.example.com/"
    _manifest(run, [site2])
    conf = run.nginx.conf
    found = run.by_url("--config", str(conf))[site2]
    assert found["verdict"] == "http_error" and found["cause"] == "upstream_down", found
    first, later = _line(run, "(?<site>"), _line(run, "~^site-")
    assert (f"server_name ~^site-\\d+\\.example\\.com$ at {conf}:{later} matches "
            f"site-2.example.com too") in found["explanation"], found["explanation"]
    edit = re.match(rf"At {re.escape(str(conf))}:{first}, write '(server_name [^']+;)' in "
                    rf"place of '(server_name [^']+;)'", found["fix"])
    assert edit is not None, found["fix"]
    # lint says it before any request, with the same edit
    from probe.lint import lint_nginx

    shadowed = [f for f in lint_nginx(str(conf)).findings
                if f.code == "nginx_regex_server_shadowed"]
    assert [f.line for f in shadowed] == [later], shadowed
    assert f"write '{edit.group(1)}' in place of '{edit.group(2)}'" in (shadowed[0].fix or "")
    # the site-1 URL keeps its exact name; the fix's own line, as printed
    _apply(run, edit.group(2), edit.group(1))
    assert not [f for f in lint_nginx(str(conf)).findings
                if f.code == "nginx_regex_server_shadowed"]
    after = run.by_url("--config", str(conf))
    assert after[site2]["verdict"] == "ok", after[site2]
    assert after["http://site-1.example.com/"]["verdict"] == "ok", after


REFUSE = """[probe]
connect = "127.0.0.1:{port}"
token_env = "WSGI_PROBE_TOKEN"
samples = 2

[instances.one]
label = "one"
urls = ["http://site-1.example.com/"]

[refuse]
urls = ["http://unknown.invalid/"]
"""


def test_a_name_to_refuse_the_regex_block_took_is_refused_after_the_fix(
        apps: Apps, run_nginx: Any) -> None:
    """Re-tester R34: the default (first) block's ``$site`` is empty for a name its expression
    does not match; the fix is the refusing default server, never a server at ``.sock``."""
    first_block = CATCH_ALL[:CATCH_ALL.index("    server {", 10)].rstrip()
    body = correct(apps).replace("server { listen 127.0.0.1:@P@ default_server; return 444; }",
                                 first_block)
    run = run_nginx(body)
    run.manifest.write_text(REFUSE.format(port=run.port))
    conf = run.nginx.conf
    unknown = "http://unknown.invalid/"
    found = run.by_url("--config", str(conf))[unknown]
    assert found["verdict"] == "http_error" and found["cause"] == "default_server", found
    assert "nginx left it empty and passed to unix:/nonexistent-wsgi-probe/.sock" in \
        found["explanation"], found["explanation"]
    block = re.search(r"server \{ listen [^}]+ default_server; return 444; \}", found["fix"])
    assert block is not None and "start the application server" not in found["fix"], found
    _apply(run, "    upstream site_one", f"    {block.group(0)}\n    upstream site_one")
    after = run.by_url("--config", str(conf))
    assert after[unknown]["verdict"] == "ok", after[unknown]  # refused, as meant
    assert after["http://site-1.example.com/"]["verdict"] == "ok", after
