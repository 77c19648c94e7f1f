"""Fronts whose configuration this tool does not read, on tester T35's real answers
(tests/t35_answers.py): Caddy 2.6.2 and lighttpd 1.4.69 before gunicorn and waitress. No
Apache or nginx directive, command or file name, and no --config (it refuses their files),
is said there: what was seen, where in that front's configuration to look, and the check."""

from __future__ import annotations

from probe.diagnose import diagnose
from probe.diagnose.discriminate import extra_probes
from probe.diagnose.front_words import entries, named_front
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target, parse
from probe.model import Observation, Report, Sample, TargetResult
from tests import t35_answers as real

CADDY = """
[instances.shop]
label = "shop"
urls = ["http://shop.test:18080/", "http://apps.test:18080/shop/"]
[instances.blog]
label = "blog"
urls = ["http://blog.test:18080/", "http://apps.test:18080/blog/"]
[instances.wiki]
label = "wiki"
urls = ["http://wiki.test:18080/", "http://apps.test:18080/wiki/"]
[refuse]
urls = ["http://unknown.invalid:18080/"]
"""
LIGHTTPD = """
[instances.shop]
label = "shop"
urls = ["http://shop.test:18090/"]
[instances.blog]
label = "blog"
urls = ["http://blog.test:18090/"]
[instances.wiki]
label = "wiki"
urls = ["http://wiki.test:18090/"]
[refuse]
urls = ["http://unknown.invalid:18090/"]
"""
FOREIGN = ("apachectl", "apache2 ", "nginx -T", "nginx:", "(nginx)", "Apache:", "ServerName",
           "ServerAlias", "VirtualHost", "server_name", "return 444",
           "proxy_set_header", "ProxyPreserveHost",
           "WSGIDaemonProcess", "--config PATH", "sweep with --config", "Sweep with --config")


def _answer(data: dict[str, object], server: str, at: str) -> Sample:
    return Sample(1.0, 200, EndpointAnswer.from_json(data), server=server, address=at)


def _bare(code: int, server: str, at: str) -> Sample:
    # Caddy's own answer for a Host no site names: 200, empty body (T35's README)
    return Sample(1.0, code, None, server=server, address=at,
                  error="answer is untyped, not the endpoint's JSON")


def _sweep(manifest: str, at: str, urls: list[tuple[str, str | None, Sample]],
           extra: Sample) -> Report:
    parsed = parse(manifest)
    observations = [Observation(Target(url, expected, at), (sample,) * 3)
                    for url, expected, sample in urls]
    probed = {p.key: extra for p in extra_probes(parsed, observations)}
    return diagnose(parsed, observations, probed=probed, token_sent=True)


def _caddy() -> Report:
    at = "127.0.0.1:18080"
    return _sweep(CADDY, at, [
        ("http://shop.test:18080/", "shop", _answer(real.CADDY_SHOP, "Caddy, gunicorn", at)),
        ("http://apps.test:18080/shop/", "shop",
         _answer(real.CADDY_APPS_SHOP, "Caddy, gunicorn", at)),
        ("http://blog.test:18080/", "blog", _answer(real.CADDY_BLOG, "Caddy, gunicorn", at)),
        ("http://apps.test:18080/blog/", "blog",
         _answer(real.CADDY_APPS_BLOG, "Caddy, waitress", at)),
        ("http://wiki.test:18080/", "wiki", _bare(200, "Caddy", at)),
        ("http://apps.test:18080/wiki/", "wiki",
         _answer(real.CADDY_APPS_WIKI, "Caddy, waitress", at)),
        ("http://unknown.invalid:18080/", None, _bare(200, "Caddy", at))],
        _bare(200, "Caddy", at))


def _lighttpd() -> Report:
    at = "127.0.0.1:18090"
    return _sweep(LIGHTTPD, at, [
        ("http://shop.test:18090/", "shop", _answer(real.LIGHTTPD_SHOP, "gunicorn", at)),
        ("http://blog.test:18090/", "blog", _bare(404, "lighttpd/1.4.69", at)),
        ("http://wiki.test:18090/", "wiki", _answer(real.LIGHTTPD_WIKI, "gunicorn", at)),
        ("http://unknown.invalid:18090/", None, _bare(404, "lighttpd/1.4.69", at))],
        _bare(404, "lighttpd/1.4.69", at))


def _at(report: Report, url: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url)


def _no_foreign_words(text: str) -> None:
    for word in FOREIGN:
        assert word not in text, (word, text)


def test_caddy_and_its_backend_server_headers_name_caddy() -> None:
    assert entries("Caddy, waitress") == ["Caddy", "waitress"]
    assert entries("Apache/2.4.62 (Debian, x), gunicorn") == ["Apache/2.4.62 (Debian, x)",
                                                               "gunicorn"]
    front = named_front("Caddy, waitress")
    assert front is not None and front.name == "Caddy" and not front.read
    assert named_front("gunicorn") is None


def test_a_name_to_refuse_behind_caddy_is_refused_by_a_catch_all_site() -> None:
    target = _at(_caddy(), "http://unknown.invalid:18080/")
    assert target.fix.startswith("Refuse this host name in Caddy, the front that answered "
                                 "(Server: Caddy): "), target.fix
    # T35: that site made it ok; written on one line Caddy refuses it
    assert "the lines 'http://:18080 {', 'abort' and '}', each on a line of its own" in \
        target.fix, target.fix
    assert "does not name" not in target.fix
    _no_foreign_words(target.fix)


def test_a_path_caddy_passed_to_another_application_is_no_mount_taking_it() -> None:
    target = _at(_caddy(), "http://apps.test:18080/blog/")
    text = f"{target.explanation} {target.fix}"
    assert [c.cause.value for c in target.candidates] == ["wrong_upstream"], target.candidates
    assert "the mount at / took it" not in text and "alias_order" not in text, text
    assert "Make the mount of blog" not in text
    assert "while it listens on 127.0.0.1:18103 (server.listen): Caddy in between (Server: " \
           "Caddy, waitress: 2 Server headers) passed the request on" in target.explanation
    assert target.fix.startswith("The front at 127.0.0.1:18080 passed /blog/ of 'apps.test' "
                                 "to waitress at 127.0.0.1:18103 (server.listen)"), target.fix
    assert "the site in Caddy's configuration that serves apps.test ('caddy adapt" in \
        target.fix
    _no_foreign_words(text)


def test_a_misspelt_caddy_site_is_told_in_caddy_s_words() -> None:
    target = _at(_caddy(), "http://wiki.test:18080/")
    assert "The front there is Caddy (Server: Caddy)." in target.explanation
    assert "got HTTP 200, Server: Caddy (the same status)" in target.explanation
    assert target.fix.startswith("Check the site in Caddy's configuration that serves "
                                 "wiki.test at 127.0.0.1:18080 ('caddy adapt --config FILE'")
    assert "this tool does not read Caddy's configuration" in target.fix
    # the token file's group for the servers answering there: gunicorn and waitress
    assert "gunicorn's --group or the group of the user that starts waitress" in target.fix
    _no_foreign_words(f"{target.explanation} {target.fix}")


def test_a_host_caddy_rewrote_is_fixed_by_removing_its_header_up() -> None:
    finding = next(f for f in _caddy().findings if f.code == "forwarded_host_undecided")
    # the observations stay: they were true
    assert "reached the application with Host '127.0.0.1:18101'" in finding.explanation
    assert "The fix right either way: Caddy's reverse_proxy passes the client's Host by " \
           "default: remove the 'header_up Host ...' line" in finding.explanation
    _no_foreign_words(finding.explanation)


def test_lighttpd_named_by_its_own_404_is_told_in_its_words() -> None:
    report = _lighttpd()
    typo = _at(report, "http://blog.test:18090/")
    assert typo.fix.startswith("Check the $HTTP[\"host\"] conditional of lighttpd's "
                               "configuration for blog.test at 127.0.0.1:18090 ('lighttpd -p "
                               "-f FILE'"), typo.fix
    _no_foreign_words(f"{typo.explanation} {typo.fix}")
    wrong = _at(report, "http://wiki.test:18090/")
    # gunicorn's Server header passed on, lighttpd's own on the .invalid answer
    assert "carried Server: lighttpd/1.4.69: the front there is lighttpd." in \
        wrong.explanation
    assert "which of its lines passed it on: the $HTTP[\"host\"] conditional of lighttpd's " \
           "configuration for wiki.test" in wrong.fix, wrong.fix
    _no_foreign_words(f"{wrong.explanation} {wrong.fix}")
