"""Re-tester R34's d-locations after the shared location's fix was applied: the line
``proxy_set_header X-Forwarded-Prefix /$app;`` is read and the answers show the header
arriving (request.forwarded_prefix '/shop', '/blog'), yet the fix still said "add
'proxy_set_header X-Forwarded-Prefix /$app;'". A fix in force is never asked for again: only
the application's half (Django 5.2's FORCE_SCRIPT_NAME, or a middleware) is left."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import parse
from probe.model import Observation, TargetResult
from probe.nginx import load_nginx
from tests.nginx.test_t34_shared_location import BLOG_URL, CONF, MANIFEST, SHOP_URL, _line
from tests.t34_locations_answers import BLOG, SHOP, SHOP_ADMIN, WWW
from tests.test_diagnose import answered, obs

# the applied line, as R34 wrote it (nginx.retest-fixA-xfp.conf:30-31)
APPLIED = CONF.replace("            rewrite ^/[^/]+/(.*)$ /$1 break;\n",
                       "            rewrite ^/[^/]+/(.*)$ /$1 break;\n"
                       "            proxy_set_header X-Forwarded-Prefix /$app;\n"
                       "            proxy_set_header Host $host;\n")


def _with_prefix(data: dict[str, Any], prefix: str | None) -> dict[str, Any]:
    seen = copy.deepcopy(data)
    seen["request"]["forwarded_prefix"] = prefix
    return seen


def _observed(url: str, expected: str, data: dict[str, Any]) -> Observation:
    seen = obs(url, expected, answered(data), answered(data), answered(data))
    return dataclasses.replace(seen, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:18384")
        for s in seen.samples))


def _sweep(tmp_path: Path, shop_prefix: str | None) -> tuple[dict[str, TargetResult], Path]:
    path = tmp_path / "nginx.conf"
    path.write_text(APPLIED)
    observed = [_observed(SHOP_URL, "shop", _with_prefix(SHOP, shop_prefix)),
                _observed(BLOG_URL, "blog", _with_prefix(BLOG, "/blog")),
                _observed("http://portal.example.test/", "www", WWW),
                _observed("http://portal.example.test/shop-admin/", "www", SHOP_ADMIN)]
    report = diagnose(parse(MANIFEST), observed, config=ConfigJoin(load_nginx(str(path))))
    return {t.url: t for t in report.targets}, path


def test_a_prefix_header_in_force_is_not_asked_for_again(tmp_path: Path) -> None:
    found, path = _sweep(tmp_path, "/shop")
    shop = found[SHOP_URL]
    assert shop.verdict.value == "mount_mismatch", shop
    assert "add 'proxy_set_header X-Forwarded-Prefix" not in shop.fix, shop.fix
    header = _line(path, "X-Forwarded-Prefix /$app")
    assert (f"the header X-Forwarded-Prefix /shop already arrives (request.forwarded_prefix = "
            f"'/shop'; 'proxy_set_header X-Forwarded-Prefix /$app' at {header}): keep it."
            ) in shop.fix, shop.fix
    assert "in Django set FORCE_SCRIPT_NAME = \"/shop\"" in shop.fix, shop.fix
    assert "Django itself reads no X-Forwarded-Prefix" in shop.fix, shop.fix
    assert f"keep 'rewrite ^/[^/]+/(.*)$ /$1 break;' ({_line(path, 'rewrite ^/')})" in shop.fix

