"""Routes a variable decides, with real nginx in front of stock Django projects (the
applications of test_nginx_scenarios.py): tester T34's a-map, a ``map $host $backend`` whose
key for a name is misspelt (it falls to the default) or whose value names no upstream
(nginx's 502, "no resolver defined"). The fix printed is applied as written, checked with
``nginx -t``, reloaded, and the sweep is ok."""

from __future__ import annotations

import re
from typing import Any

from probe.diagnose.config_reload import nginx_reload

from .test_nginx_routes import _apply, _line, _manifest
from .test_nginx_scenarios import Apps, correct
from .test_nginx_scenarios import apps as apps  # re-exported: pytest finds the fixture here
from .test_nginx_scenarios import run_nginx as run_nginx  # re-exported, as apps


def _mapped(apps: Apps, entry: str) -> str:
    """site-2.example.com and two.test through a map whose default is site_one."""
    return correct(apps).replace(
        "server_name site-2.example.com;\n        location / {\n            proxy_pass "
        "http://site_two;",
        "server_name site-2.example.com two.test;\n        location / {\n            "
        "proxy_pass http://$backend;").replace(
        "upstream site_one", f"map $host $backend {{\n        default site_one;\n"
        f"        {entry}\n        two.test site_two;\n    }}\n    upstream site_one")


def test_a_misspelt_map_key_is_fixed_at_its_line(apps: Apps, run_nginx: Any) -> None:
    run = run_nginx(_mapped(apps, "site-2.exmaple.com site_two;"))
    _manifest(run, ["http://site-2.example.com/", "http://two.test/"])
    conf, site2 = run.nginx.conf, "http://site-2.example.com/"
    found = run.by_url("--config", str(conf))[site2]
    assert found["verdict"] == "wrong_instance" and found["cause"] == "wrong_upstream", found
    key = _line(run, "site-2.exmaple.com site_two;")
    assert found["fix"] == (
        f"At {conf}:{key}, write the key site-2.example.com in place of site-2.exmaple.com, "
        f"its value as it is. The default 'site_one' ({conf}:{key - 1}) serves every name no "
        f"entry has: changing it, or its group, would move them too. "
        f"{nginx_reload(str(conf))}"), found["fix"]
    _apply(run, "site-2.exmaple.com site_two;", "site-2.example.com site_two;")
    after = run.by_url("--config", str(conf))
    # site-1 (the default's group) stays one's; two.test reaches two, whose ALLOWED_HOSTS
    # has no two.test (host_rejected: the project's, not the route's)
    assert after[site2]["verdict"] == "ok" and after["http://site-1.example.com/"]["verdict"] \
        == "ok", after
    assert after["http://two.test/"]["observed"]["label"] == "two", after


def test_a_map_value_naming_no_upstream_is_fixed_at_its_entry(apps: Apps,
                                                               run_nginx: Any) -> None:
    run = run_nginx(_mapped(apps, "site-2.example.com stie_two;"))
    _manifest(run, ["http://site-2.example.com/", "http://two.test/"])
    conf, site2 = run.nginx.conf, "http://site-2.example.com/"
    found = run.by_url("--config", str(conf))[site2]
    assert found["verdict"] == "http_error" and found["cause"] == "upstream_down", found
    entry = _line(run, "site-2.example.com stie_two;")
    assert "no resolver defined to resolve stie_two" in found["explanation"], found
    # the upstream block a slip away (site_two: two letters swapped) is named
    edit = re.match(rf"At {re.escape(str(conf))}:{entry}, write '([^']+)' in place of "
                    rf"'([^']+)': upstream site_two \({re.escape(str(conf))}:\d+\) is one "
                    rf"edit from the value stie_two", found["fix"])
    assert edit is not None, found["fix"]
    # nginx's own words for it (its error log at info, in the test's prefix)
    assert re.search(r"no resolver defined to resolve stie_two", run.nginx.error_log())
    # without the configuration, the 502's readings and the fix's log lines name it too
    bare = run.by_url()[site2]
    assert "a host name nginx cannot resolve" in bare["explanation"], bare["explanation"]
    assert "'no resolver defined to resolve NAME'" in bare["fix"], bare["fix"]
    _apply(run, edit.group(2), edit.group(1))  # the fix's own line, as printed
    after = run.by_url("--config", str(conf))
    assert after[site2]["verdict"] == "ok", after[site2]
