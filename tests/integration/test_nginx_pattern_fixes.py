"""Two fixes a tester's real-world nginx drew, APPLIED to a real nginx 1.22 in front of real
application servers (the fixtures of test_nginx_scenarios.py) and swept again:

* a regular expression server_name that also matched a URL to refuse: the fix said to
  remove a name written nowhere, and dropping the regex broke a manifest URL it served; now
  it narrows the regex, keeping the manifest's hosts (an exact name);
* ``location = /`` in place of ``location /``: the fix added a location for the probe path
  alone, and the sweep went green while every page but / got nginx's 404; now it names the
  exact location and writes the prefix.
"""

from __future__ import annotations

import re
from typing import Any

from .test_nginx_fix_apply import apps, run_nginx
from .test_nginx_scenarios import Apps, correct

__all__ = ["apps", "run_nginx"]  # the fixtures, shared with test_nginx_scenarios.py

UNKNOWN_WWW = "http://www.unknown.invalid/"
REGEX = '"~^www\\.(?<d>.+)$"'


def _refuse_www(run: Any) -> None:
    run.manifest.write_text(run.manifest.read_text().replace(
        'urls = ["http://unknown.invalid/"]', f'urls = ["http://unknown.invalid/", '
                                               f'"{UNKNOWN_WWW}"]'))


def test_a_regex_server_name_is_narrowed_keeping_the_manifests_hosts(apps: Apps,
                                                                     run_nginx: Any) -> None:
    body = correct(apps).replace("server_name site-1.example.com www.site-1.example.com;",
                                 f"server_name site-1.example.com {REGEX};")
    broken = run_nginx(body)
    _refuse_www(broken)
    found = broken.by_url("--config", str(broken.nginx.conf))
    assert found["http://www.site-1.example.com/"]["verdict"] == "ok"  # the regex serves it
    fix = found[UNKNOWN_WWW]["fix"]
    assert "the regular expression ~^www\\.(?<d>.+)$ in server_name matches " \
           "www.unknown.invalid" in fix, fix
    assert "keeps matching www.site-1.example.com" in fix, fix
    exact = re.search(r"write the exact names? (.+?) in place of", fix)
    assert exact is not None, fix
    fixed = run_nginx(body.replace(REGEX, exact.group(1)))
    _refuse_www(fixed)
    after = fixed.by_url("--config", str(fixed.nginx.conf))
    assert {u: t["verdict"] for u, t in after.items() if t["verdict"] != "ok"} == {}, after
    assert after[UNKNOWN_WWW]["verdict"] == "ok"  # refused now


def test_an_exact_location_for_slash_is_made_a_prefix(apps: Apps, run_nginx: Any) -> None:
    site_two = "location / {\n            proxy_pass http://site_two;"
    body = correct(apps)
    assert site_two in body
    broken = run_nginx(body.replace(site_two, site_two.replace("location /", "location = /")))
    found = broken.by_url("--config", str(broken.nginx.conf))["http://site-2.example.com/"]
    conf = str(broken.nginx.conf)
    assert found["verdict"] == "no_endpoint", found
    assert re.match(re.escape(f"At {conf}:") + r"\d+, write 'location /' \(a prefix\) in "
                    r"place of 'location = /'", found["fix"]), found["fix"]
    assert "matches / only, exactly (=)" in found["explanation"]
    assert "add a location for /__probe__ that passes" not in found["fix"]
    page = broken.page("site-2.example.com", "/about/")
    assert page.status_code in (403, 404) and "<center>nginx" in page.text  # nginx itself
    fixed = run_nginx(body)  # the fix applied: 'location /' again
    after = fixed.by_url("--config", str(fixed.nginx.conf))
    assert {u: t["verdict"] for u, t in after.items() if t["verdict"] != "ok"} == {}, after
    assert "<center>nginx" not in fixed.page("site-2.example.com", "/about/").text
