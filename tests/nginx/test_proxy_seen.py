"""A proxy seen in front of an application server from the answers alone (no --config), on
answers recorded from a tester's Apache mod_proxy before gunicorn and waitress: the mount it
stripped, the Host it did not pass on."""

from __future__ import annotations

import dataclasses
from typing import Any

from probe.diagnose import diagnose
from probe.manifest import Target, parse
from probe.model import Observation, Verdict
from tests.test_diagnose import answered, ep

MANIFEST = """
[instances.site-b]
label = "site-b"
urls = ["http://b.example.test:8180/", "http://a.example.test:8180/b/"]
"""
MOUNTED = "http://a.example.test:8180/b/"
SITE_A = """
[instances.site-a]
label = "site-a"
urls = ["http://a.example.test:8180/"]
"""


def _app(label: str, software: str, at: str, pid: int, **request: Any) -> dict[str, Any]:
    data = ep(label, host="a.example.test:8180", pid=pid, process_group="",
              application_group="")
    data["process_group"] = data["application_group"] = None
    data["server"] = {"software": software, "mod_wsgi_version": None, "listen": at}
    data["request"].update(request)
    return data


def _at(url: str, expected: str | None, server: str | None,
        *answers: dict[str, Any]) -> Observation:
    return Observation(Target(url, expected, "127.0.0.1:8180"), tuple(
        dataclasses.replace(answered(a), server=server, address="127.0.0.1:8180")
        for a in answers))


def _target(manifest: str, obs: Observation) -> Any:
    return next(t for t in diagnose(parse(manifest), [obs]).targets if t.url == obs.target.url)


def test_a_stripped_mount_behind_a_proxy_that_names_no_front() -> None:
    # Apache's mod_proxy passed waitress's own Server header on: no front named itself, but
    # waitress listens on *:8104 while the request went to 8180.
    stripped = _app("site-b", "waitress", "*:8104", 7, script_name="", path_info="/__probe__",
                    host_allowed=True)
    for server in ("waitress", None):
        target = _target(MANIFEST, _at(MOUNTED, "site-b", server, stripped, stripped))
        assert target.verdict is Verdict.MOUNT_MISMATCH, target.explanation
        assert "took /b off the path" in target.explanation
        assert "server.listen = '*:8104' while the request went to 127.0.0.1:8180" in \
            target.explanation
        assert "--url-prefix=/b" in target.fix
    # the same server reached at its own port: nothing in between, nothing stripped
    direct = Observation(Target("http://a.example.test:8104/b/", "site-b", "127.0.0.1:8104"),
                         (dataclasses.replace(answered(stripped), server="waitress",
                                              address="127.0.0.1:8104"),))
    manifest = MANIFEST.replace(":8180/b/", ":8104/b/")
    assert _target(manifest, direct).verdict is Verdict.OK


def test_a_forwarded_host_django_does_not_read_is_no_host_passed_on() -> None:
    # gunicorn keeps X-Forwarded-Host (waitress strips it); Django reads it only with
    # USE_X_FORWARDED_HOST, and host_allowed false says it did not.
    gunicorn = _app("site-a", "gunicorn/23.0.0", "127.0.0.1:8101", 6289,
                    host="127.0.0.1:8101", forwarded_host="a.example.test",
                    host_allowed=False)
    waitress = _app("site-a", "waitress", "*:8102", 6294, host="127.0.0.1:8102",
                    host_allowed=False)
    target = _target(SITE_A, _at("http://a.example.test:8180/", "site-a", "Apache/2.4.62",
                                 gunicorn, waitress, gunicorn, waitress))
    assert target.verdict is Verdict.HOST_MISMATCH
    text = target.explanation
    assert "Host '127.0.0.1:8101' (pid 6289 at server.listen 127.0.0.1:8101)" in text, text
    assert ("It also received X-Forwarded-Host 'a.example.test' (pid 6289 at server.listen "
            "127.0.0.1:8101) (request.forwarded_host), which Django reads only with "
            "USE_X_FORWARDED_HOST = True") in text, text
    assert "Host '127.0.0.1:8102'" in text
    assert ("It is the same in all 4 samples (pid 6289 at server.listen 127.0.0.1:8101 and "
            "pid 6294") in text
    assert "the others did not" not in text
    # Django accepting the name (USE_X_FORWARDED_HOST on) is the forwarded host at work
    read = dict(gunicorn, request={**gunicorn["request"], "host_allowed": True})
    target = _target(SITE_A, _at("http://a.example.test:8180/", "site-a", "Apache/2.4.62",
                                 read, read))
    assert target.verdict is Verdict.OK, target.explanation




def test_the_forwarded_host_django_did_not_read_is_a_sentence_of_its_own() -> None:
    # A tester's NetBox behind nginx 1.22 (no proxy_set_header Host): the X-Forwarded-Host
    # clause sat between the Host and its "not 'name'", which then read as said of it.
    netbox = _app("site-a", "gunicorn/23.0.0", "127.0.0.1:34179", 988, host="127.0.0.1:34179",
                  forwarded_host="a.example.test:8180", host_allowed=False)
    target = _target(SITE_A, _at("http://a.example.test:8180/", "site-a", "nginx/1.22.1",
                                 netbox))
    assert target.verdict is Verdict.HOST_MISMATCH, target.explanation
    assert target.explanation == (
        "http://a.example.test:8180/ is served by the right application, but it received Host "
        "'127.0.0.1:34179', not 'a.example.test': the proxy in front did not pass the client's "
        "Host on. Django rejects that name (request.host_allowed false): every real page "
        "answers 400 Bad Request (DisallowedHost); only this probe, answered before Django "
        "runs, got 200. It also received X-Forwarded-Host 'a.example.test:8180' "
        "(request.forwarded_host), which Django reads only with USE_X_FORWARDED_HOST = True: "
        "request.host_allowed false shows it did not."), target.explanation


REFUSE = SITE_A + """
[refuse]
urls = ["http://unknown.invalid:8180/"]
"""


def test_a_served_unknown_name_is_refused_in_the_front_seen() -> None:
    # gunicorn's Server header came through Apache's mod_proxy (it passes its backend's on):
    # the front is seen from server.listen and X-Forwarded-Host, not named; both workers
    # that answered are named.
    answers = [_app("site-a", "gunicorn/23.0.0", "127.0.0.1:8101", pid, host="unknown.invalid",
                    forwarded_host="unknown.invalid:8180", host_allowed=False)
               for pid in (6294, 6303)]
    target = _target(REFUSE, _at("http://unknown.invalid:8180/", None, "gunicorn", *answers))
    assert target.verdict is Verdict.SERVED_UNMAPPED
    assert "(pid 6294 at server.listen 127.0.0.1:8101 and pid 6303 at server.listen " \
           "127.0.0.1:8101)" in target.explanation, target.explanation
    assert "(nginx, Apache httpd)" not in target.fix, target.fix
    assert "make the front in between at 127.0.0.1:8180 (server.listen = '127.0.0.1:8101' " \
           "while the request went to 127.0.0.1:8180; request.forwarded_host = " \
           "'unknown.invalid:8180') refuse 'unknown.invalid'" in target.fix, target.fix
    # a front that names itself in a Server header nobody here recognises: its name
    target = _target(REFUSE, _at("http://unknown.invalid:8180/", None, "HAProxy", *answers))
    assert "make the front in between at 127.0.0.1:8180 (HAProxy, its Server header)" in \
        target.fix, target.fix
    assert "HAProxy in between (its Server header) passed the request on" in \
        target.explanation
    # reached directly: nothing seen in between, a front to put there
    direct = [dict(a, request={**a["request"], "forwarded_host": None}) for a in answers]
    for a in direct:
        a["server"] = {**a["server"], "listen": "127.0.0.1:8180"}
    target = _target(REFUSE, _at("http://unknown.invalid:8180/", None, "gunicorn", *direct))
    assert "put a front that refuses unknown names (nginx, Apache httpd) before gunicorn" in \
        target.fix, target.fix


def test_an_application_servers_own_server_header_is_no_front() -> None:
    """A server outside gunicorn/uWSGI/waitress (wsgiref, here) sends its own Server header,
    which server.software names too: nothing in between, so a sub-path is no stripped mount
    (a sweep of 150 such URLs read mount_mismatch)."""
    direct = _app("site-b", "WSGIServer/0.2", "*:8180", 7, script_name="",
                  path_info="/b/__probe__", host_allowed=True)
    target = _target(MANIFEST, _at(MOUNTED, "site-b", "WSGIServer/0.2 CPython/3.11.7",
                                   direct, direct))
    assert target.verdict is Verdict.OK, target.explanation
    behind = _target(MANIFEST, _at(MOUNTED, "site-b", "nginx/1.22.1", dict(
        direct, request=dict(direct["request"], path_info="/__probe__")), direct))
    assert behind.verdict is Verdict.MOUNT_MISMATCH, behind.explanation


def _via(obs: Observation, via: str) -> Observation:
    return dataclasses.replace(obs, samples=tuple(dataclasses.replace(s, via=via)
                                                  for s in obs.samples))


def test_a_server_header_decides_a_front_only_when_it_names_a_known_one() -> None:
    """An application (or a middleware) may set its own Server header, which waitress passes
    on (adding Via: waitress): only a known front's product, or a Via naming another, is a
    front in between."""
    direct = _app("site-b", "waitress", "*:8180", 7, script_name="",
                  path_info="/b/__probe__", host_allowed=True)
    own = _via(_at(MOUNTED, "site-b", "MyShop/2.1", direct, direct), "waitress")
    # the mount declared: the whole path with SCRIPT_NAME '' is otherwise undecided
    manifest = MANIFEST.replace("urls =", 'script_name = "/b"\nurls =')
    assert _target(manifest, own).verdict is Verdict.OK
    # a Via naming something else, or a known front's Server header: a front is in between
    varnish = _target(manifest, _via(_at(MOUNTED, "site-b", "MyShop/2.1", direct, direct),
                                     "1.1 varnish (Varnish/7.1)"))
    assert varnish.verdict is Verdict.MOUNT_MISMATCH, varnish.explanation
    assert "A proxy is in front of it: Via: 1.1 varnish (Varnish/7.1)" in varnish.explanation
    caddy = _target(manifest, _at(MOUNTED, "site-b", "Caddy", direct, direct))
    assert "A proxy is in front of it: Server: Caddy" in caddy.explanation, caddy.explanation


def test_an_undecided_server_header_is_said_with_the_request_that_would_tell() -> None:
    # uWSGI without a socket option it names says no server.listen: nothing tells whether
    # 'MyShop/2.1' came from the application or from a front in between.
    answers = [dict(_app("site-a", "uWSGI/2.0.28", "", 7, host="unknown.invalid",
                         host_allowed=False))]
    answers[0]["server"] = {**answers[0]["server"], "listen": None}
    target = _target(REFUSE, _at("http://unknown.invalid:8180/", None, "MyShop/2.1", *answers))
    assert target.verdict is Verdict.SERVED_UNMAPPED
    assert "The Server header 'MyShop/2.1' is not uWSGI/2.0.28's (server.software) and " \
           "names no front this tool knows (nginx, Apache httpd, HAProxy, Caddy, Envoy): the " \
           "application or a middleware may set it, or a front in between; the answers do " \
           "not tell which. A request straight to the application server's own port would" \
           in target.explanation, target.explanation
    assert "put a front that refuses unknown names (nginx, Apache httpd) before uWSGI, " \
           "or, if a front in between set the Server header 'MyShop/2.1' (the answers do not " \
           "tell), make it refuse 'unknown.invalid'" in target.fix, target.fix
    assert "MyShop, its Server header" not in target.fix
