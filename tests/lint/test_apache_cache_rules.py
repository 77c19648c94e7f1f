"""``cache_store_no_store`` and ``cache_canonical_name`` (probe/lint/apache_cache_rules.py):
on tester T32's cache-apache httpd.conf, where lint said "clean" before, both at their lines;
none where the cache covers no application's path, without CacheEnable, without a
ServerAlias, or with the lines Off (re-tester R32's fixed file)."""

from __future__ import annotations

from pathlib import Path

from tests.lint.test_rules import codes, lint
from tests.test_cache_fronts import HTTPD

MOUNTED = """Listen 127.0.0.1:8080
CacheRoot "@ROOT@/cache"
CacheEnable disk @CACHED@
CacheStoreNoStore On
<VirtualHost 127.0.0.1:8080>
    ServerName a.test
    @ALIAS@
    UseCanonicalName On
    WSGIScriptAlias /app @ROOT@/wsgi.py
</VirtualHost>
"""
SCRIPT = {"wsgi.py": "application = None\n"}


def _mounted(cached: str = "/", alias: str = "ServerAlias b.test") -> str:
    return MOUNTED.replace("@CACHED@", cached).replace("@ALIAS@", alias)


def test_t32_httpd_conf_is_no_longer_clean(tmp_path: Path) -> None:
    result = lint(tmp_path, HTTPD)
    (stored,) = codes(result, "cache_store_no_store")
    (canonical,) = codes(result, "cache_canonical_name")
    assert (stored.line, stored.severity.value) == (23, "warning")
    assert (canonical.line, canonical.severity.value) == (30, "warning")
    assert "covers /, where an application answers" in stored.message
    assert "httpd.conf:33" in stored.message  # the RewriteRule [P] line
    assert "'htcacheclean -p /t32/run/cache -l 1'" in (stored.fix or "")
    assert "'UseCanonicalName Off'" in (canonical.fix or "")


def test_a_mounted_application_under_the_cache(tmp_path: Path) -> None:
    result = lint(tmp_path, _mounted(), SCRIPT)
    assert [f.line for f in codes(result, "cache_store_no_store")] == [4]
    assert [f.line for f in codes(result, "cache_canonical_name")] == [8]


def test_no_finding_where_the_cache_covers_no_application(tmp_path: Path) -> None:
    result = lint(tmp_path, _mounted("/static"), SCRIPT)
    assert codes(result, "cache_store_no_store") == []


def test_no_key_finding_without_an_alias_or_a_cache(tmp_path: Path) -> None:
    result = lint(tmp_path, _mounted(alias=""), SCRIPT)
    assert codes(result, "cache_canonical_name") == []
    uncached = "\n".join(line for line in _mounted().splitlines()
                         if not line.startswith("CacheEnable")) + "\n"
    result = lint(tmp_path, uncached, SCRIPT)
    assert codes(result, "cache_canonical_name") == codes(result, "cache_store_no_store") == []


def test_the_fixed_file_is_clean_of_both(tmp_path: Path) -> None:
    fixed = HTTPD.replace("CacheStoreNoStore On", "CacheStoreNoStore Off").replace(
        "UseCanonicalName On", "UseCanonicalName Off")
    result = lint(tmp_path, fixed)
    assert codes(result, "cache_store_no_store") == codes(result, "cache_canonical_name") == []
