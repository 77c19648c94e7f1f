"""Caches in front after the printed fixes were applied (re-tester R32 on T32's cases; the
configurations and answers of :mod:`tests.test_cache_fronts`):

* F1: ``cache_untested`` says the probe's answers were live in this sweep, never "not
  stored"; where the configuration read stores no-store answers (nginx.conf:75/85 on
  :18113, whose key holds $host; httpd.conf:23) it says the next sweep gets them, at those
  lines, where nothing was said before;
* F2: the key fix names every key line of the zone (nginx.conf:24 and :38), and how entries
  stored under the old key leave (the proxy_cache_path directory, proxy_cache_valid);
* F3: after line 24 alone was changed, the remaining key line (:40) is named, never "its
  cache lines are not the ones in front";
* F4: Apache with CacheStoreNoStore and UseCanonicalName Off, restarted: a stored answer is
  worded as stored before (mod_cache_disk's CacheRoot, htcacheclean), never "set it Off";
* F5: one identification of the cache per front address (a MISS passes the backend's
  Server header on; the HIT at the same address names Apache);
* Varnish: the reload command, and why the note cannot be cleared by a configuration.
"""

from __future__ import annotations

from pathlib import Path

from probe.model import Finding, Liveness, Observation, Report
from tests.t32_answers import SITE1_LIVE, SITE1_OWN, SITE2_LIVE, SITE2_STORED
from tests.test_cache_fronts import HTTPD, NGINX, _one, _seen, _sweep

MISS = ("X-Cache-Status: MISS",)
BYPASS = ("X-Cache-Status: BYPASS",)
HIT = ("X-Cache-Status: HIT",)
APACHE = "Apache/2.4.71 (Debian)"
NONCE = ("proxy_cache_bypass $http_x_probe_nonce;", "proxy_no_cache $http_x_probe_nonce;")


def _untested(report: Report) -> Finding:
    found = [f for f in report.findings if f.code == "cache_untested"]
    assert len(found) == 1, report.findings
    return found[0]


def _live(front: str, cache: tuple[str, ...], server: str = "nginx/1.22.1"
          ) -> list[Observation]:
    return [_seen("http://site1.example.com/", "site1", front, SITE1_LIVE, Liveness.LIVE,
                  cache, server=server),
            _seen("http://site2.example.com/", "site2", front, SITE2_LIVE, Liveness.LIVE,
                  cache, server=server)]


def _after_fix() -> str:
    """R32's nginx.conf after the printed fixes: line 24's key holds $host, the nonce lines
    after each proxy_ignore_headers; line 38's key (now 40) unchanged."""
    lines = NGINX.splitlines()
    lines[23] = "        proxy_cache_key $scheme$host$request_uri;"
    for at in (84, 74, 38, 24):  # after each proxy_ignore_headers, last first
        lines[at + 1:at + 1] = [f"        {NONCE[0]}", f"        {NONCE[1]}"]
    return "\n".join(lines) + "\n"


def test_live_answers_are_said_live_never_not_stored() -> None:
    """:18111's first sweep: live MISS answers for the sites, a stored one for another URL
    at the same address; the note says what was observed."""
    stored = _seen("http://site2.example.com/admin/", "site2", "127.0.0.1:18111", SITE2_STORED,
                   Liveness.CACHED, HIT)
    text = _untested(_sweep(None, "127.0.0.1:18111", [*_live("127.0.0.1:18111", MISS),
                                                      stored])).explanation
    assert "were live in this sweep" in text and "not stored" not in text
    assert "stored answers at 127.0.0.1:18111 for http://site2.example.com/admin/" in text
    alone = _untested(_sweep(None, "127.0.0.1:18112", _live("127.0.0.1:18112", MISS)))
    assert "a second sweep shows" in alone.explanation


def test_a_configuration_that_stores_them_says_the_next_sweep_gets_them(tmp_path: Path
                                                                          ) -> None:
    """:18113 --config: the key holds $host, and proxy_ignore_headers (nginx.conf:75, :85)
    stores every answer: a warning at those lines, not silence."""
    found = _untested(_sweep(tmp_path, "127.0.0.1:18113", _live("127.0.0.1:18113", MISS)))
    conf = tmp_path / "nginx.conf"
    assert found.severity.value == "warning"
    assert f"({conf}:75, {conf}:85)" in found.explanation
    assert "a sweep before they expire gets them" in found.explanation
    assert "holds no $host" not in found.explanation


def test_the_key_fix_names_every_key_line_of_the_zone_and_the_purge(tmp_path: Path) -> None:
    """:18111 --config, site1's URL: both key lines of zone 'pages' (24, 38), as lint; the
    entries stored under the old key leave by the proxy_cache_path directory (line 12)."""
    stored = [_seen("http://site1.example.com/", "site1", "127.0.0.1:18111", SITE2_STORED,
                    Liveness.CACHED, HIT)]
    fix = _one(_sweep(tmp_path, "127.0.0.1:18111", stored), "http://site1.example.com/").fix
    conf = tmp_path / "nginx.conf"
    assert f"in place of the lines at {conf}:24, {conf}:38" in fix
    assert f"delete the files under /t32/run/cache (proxy_cache_path, {conf}:12" in fix
    assert f"'proxy_cache_valid 200 10m;' ({conf}:26)" in fix
    # :18112's warning names both of its zone's lines too
    warned = _untested(_sweep(tmp_path, "127.0.0.1:18112", _live("127.0.0.1:18112", MISS)))
    assert f"the key at {conf}:54, {conf}:63 holds no $host" in warned.explanation
    assert "/t32/run/cache2" in warned.explanation


def test_after_a_partial_fix_the_remaining_key_line_is_named(tmp_path: Path) -> None:
    """R32 after applying the fix to line 24 only: BYPASS answers (the nonce lines work);
    line 40 still keys site2 without $host in the zone site1 stored pages in."""
    text = _after_fix()
    found = _untested(_sweep(tmp_path, "127.0.0.1:18111", _live("127.0.0.1:18111", BYPASS),
                             text=text))
    conf = tmp_path / "nginx.conf"
    assert "not the ones in front" not in found.explanation
    assert f"the key at {conf}:40 holds no $host" in found.explanation
    assert found.severity.value == "warning"
    whole = text.replace("proxy_cache_key $scheme$request_uri;",
                         "proxy_cache_key $scheme$host$request_uri;")
    done = _sweep(tmp_path, "127.0.0.1:18111", _live("127.0.0.1:18111", BYPASS), text=whole)
    assert not [f for f in done.findings if f.code == "cache_untested"]


def _off(text: str) -> str:
    return text.replace("CacheStoreNoStore On", "CacheStoreNoStore Off").replace(
        "UseCanonicalName On", "UseCanonicalName Off")


def test_apache_fixed_and_restarted_stored_answers_outlive_the_restart(tmp_path: Path
                                                                        ) -> None:
    """R32's second sweep after both lines were set Off and Apache restarted: site2's answer
    still stored under site1's /admin/ (Age: 16). Never "set it Off" again."""
    headers = ("Age: 16", "X-Cache: HIT from site1.example.com")
    stored = [_seen("http://site1.example.com/admin/", "site1", "127.0.0.1:18161",
                    SITE2_STORED, Liveness.CACHED, headers, server=APACHE)]
    fix = _one(_sweep(tmp_path, "127.0.0.1:18161", stored, "httpd.conf", _off(HTTPD)),
               "http://site1.example.com/admin/").fix
    conf = tmp_path / "httpd.conf"
    for said in ("set it Off", "write 'CacheStoreNoStore Off'", "write 'UseCanonicalName Off'",
                 "the key needs it"):
        assert said not in fix, fix
    assert f"'CacheStoreNoStore Off' ({conf}:23)" in fix
    assert "'htcacheclean -p /t32/run/cache -l 1'" in fix and f"{conf}:21" in fix
    assert f"CacheDefaultExpire 600 ({conf}:24)" in fix
    # with the original file: both lines, and the purge the restart does not do
    first = _one(_sweep(tmp_path, "127.0.0.1:18161", stored, "httpd.conf", HTTPD),
                 "http://site1.example.com/admin/").fix
    assert f"'CacheStoreNoStore On' ({conf}:23)" in first


def _apache_front() -> list[Observation]:
    """R32 after the fix: MISS answers pass gunicorn's Server header on; the HIT at the same
    address carries Apache's."""
    miss = ("X-Cache: MISS from site1.example.com",)
    return [*_live("127.0.0.1:18161", miss, server="gunicorn"),
            _seen("http://site1.example.com/admin/", "site1", "127.0.0.1:18161", SITE1_OWN,
                  Liveness.CACHED, ("Age: 16", "X-Cache: HIT from site1.example.com"),
                  server=APACHE)]


def test_one_identification_per_front_address(tmp_path: Path) -> None:
    found = _untested(_sweep(None, "127.0.0.1:18161", _apache_front()))
    assert "(Apache mod_cache: X-Cache: HIT from site1.example.com with Server: Apache" in \
        found.explanation
    assert "(a cache:" not in found.explanation
    conf = tmp_path / "httpd.conf"
    warned = _untested(_sweep(tmp_path, "127.0.0.1:18161", _apache_front(), "httpd.conf",
                              HTTPD))
    assert f"'CacheStoreNoStore On' ({conf}:23)" in warned.explanation
    assert f"'UseCanonicalName On' ({conf}:30)" in warned.explanation
    assert "htcacheclean -p /t32/run/cache -l 1" in warned.explanation
    assert "not the ones in front" not in warned.explanation
    fixed = _sweep(tmp_path, "127.0.0.1:18161", _apache_front(), "httpd.conf", _off(HTTPD))
    assert not [f for f in fixed.findings if f.code == "cache_untested"]


def test_varnish_names_its_reload_and_why_the_note_stays() -> None:
    via = "1.1 varnish (Varnish/7.1)"
    headers = ("Age: 0", f"Via: {via}", "X-Varnish: 32779")
    live = [_seen(url, name, "127.0.0.1:18171", answer, Liveness.LIVE, headers,
                  server="gunicorn", via=via)
            for url, name, answer in (("http://site1.example.com/", "site1", SITE1_LIVE),
                                      ("http://site2.example.com/", "site2", SITE2_LIVE))]
    note = _untested(_sweep(None, "127.0.0.1:18171", live))
    assert note.severity.value == "ok"
    assert "varnishadm vcl.load NAME FILE && varnishadm vcl.use NAME" in note.explanation
    assert "no key that acknowledges" in note.explanation
    stored = [_seen("http://site2.example.com/", "site2", "127.0.0.1:18171", SITE1_OWN,
                    Liveness.CACHED, ("Age: 12", f"Via: {via}"), server="gunicorn", via=via)]
    fix = _one(_sweep(None, "127.0.0.1:18171", stored), "http://site2.example.com/").fix
    assert "systemctl reload varnish" in fix
