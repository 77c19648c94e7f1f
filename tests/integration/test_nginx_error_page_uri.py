"""``error_page`` to a URI, and ``proxy_intercept_errors``, swept through a real nginx 1.22
in front of the labelled gunicorns of test_nginx_fidelity.py, the words checked against
what nginx did (its error log, and an access log with $upstream_status):

* the hand-over fails (nothing listens), ``error_page 502 503 504 = /maintenance$uri``
  makes an internal redirect that ``location /maintenance/`` takes and passes to two: the
  error_page line, that location and its proxy_pass are named, and the fix is the hand-over;
* the hand-over's application answers 404 itself: with ``proxy_intercept_errors on`` nginx
  hands that 404 to the error_page (two answers, both lines named); without it, the
  application's own 404 reaches the client and no error_page is named for it."""

from __future__ import annotations

from pathlib import Path

from .apache import free_port
from .nginx import Nginx
from .test_nginx_error_paths import ONE_URLS, _apply, _line, _sweep
from .test_nginx_fidelity import Apps, _run
from .test_nginx_fidelity import apps as apps  # re-exported: pytest finds the fixture here
from .test_nginx_fidelity import nginx as nginx  # re-exported, as apps

MAINTENANCE = """
log_format up '$request_uri $status $upstream_addr $upstream_status';
server { listen 127.0.0.1:@P@; server_name one.test;
    access_log up.log up;
    proxy_set_header Host $host;
    location / {
        proxy_pass http://@PRIMARY@;
        @INTERCEPT@
        error_page @CODES@ = /maintenance$uri;
    }
    location /maintenance/ {
        proxy_pass http://127.0.0.1:@TWO@/;
    }
    location /own/ { proxy_pass http://127.0.0.1:@ONE@; }
}
"""


def _body(primary: str, codes: str, intercept: str) -> str:
    return MAINTENANCE.replace("@PRIMARY@", primary).replace("@CODES@", codes).replace(
        "@INTERCEPT@", intercept)


def test_a_uri_error_page_answering_for_a_dead_hand_over(apps: Apps, nginx: list[Nginx],
                                                         tmp_path: Path) -> None:
    dead, one = f"127.0.0.1:{free_port()}", f"127.0.0.1:{apps['one'].port}"
    two = f"127.0.0.1:{apps['two'].port}"
    _, port = _run(_body(dead, "502 503 504", ""), apps, nginx, tmp_path)
    conf = nginx[0].conf
    wrong = _sweep(tmp_path, port, conf, ONE_URLS, [])["http://one.test/"]
    assert (wrong["verdict"], wrong["observed"]["label"]) == ("wrong_instance", "two"), wrong
    text, fix = wrong["explanation"], wrong["fix"]
    assert "not running this configuration" not in text, text
    page, target = _line(conf, "error_page 502 503 504"), _line(conf, "location /maintenance/")
    handover, passes = _line(conf, f"proxy_pass http://{two}/;"), _line(conf, f"http://{dead};")
    assert f"The answering server.listen {two} is where error_page 502 503 504 = " \
           f"/maintenance$uri at {conf}:{page} sends the request: an internal redirect to " \
           f"/maintenance/ (as a GET), which location /maintenance/ ({conf}:{target}) takes " \
           f"and passes to {two} (proxy_pass http://{two}/ at {conf}:{handover}). nginx goes " \
           f"there only when the hand-over at {conf}:{passes} ({dead}) fails with one of " \
           f"those codes" in text, text
    assert fix.startswith(f"Make the hand-over at {conf}:{passes} answer: start one's "
                          f"application server on {dead}"), fix
    # what nginx did: the hand-over refused, the URI's location answered
    assert "connect() failed (111: Connection refused) while connecting to upstream" in \
        nginx[0].error_log()
    log = (nginx[0].prefix / "up.log").read_text()
    assert f"/__probe__ 200 {dead} : {two} 502 : 200" in log, log
    _apply(nginx[0], f"proxy_pass http://{dead};", f"proxy_pass http://{one};")
    after = _sweep(tmp_path, port, conf, ONE_URLS, [])["http://one.test/"]
    assert (after["verdict"], after["observed"]["label"]) == ("ok", "one"), after


def test_intercept_errors_hands_the_applications_own_404_to_the_error_page(
        apps: Apps, nginx: list[Nginx], tmp_path: Path) -> None:
    """one's application answers 404 for /x__probe__ (proxy_pass with the URI part /x):
    behind proxy_intercept_errors on, that 404 goes to the URI error_page and two answers;
    the intercept line taken out, one's own 404 reaches the sweep, and no error_page is
    blamed for it."""
    one, two = f"127.0.0.1:{apps['one'].port}", f"127.0.0.1:{apps['two'].port}"
    _, port = _run(_body(f"{one}/x", "404", "proxy_intercept_errors on;"), apps, nginx,
                   tmp_path)
    conf = nginx[0].conf
    wrong = _sweep(tmp_path, port, conf, ONE_URLS, [])["http://one.test/"]
    assert (wrong["verdict"], wrong["observed"]["label"]) == ("wrong_instance", "two"), wrong
    page, caught = _line(conf, "error_page 404"), _line(conf, "proxy_intercept_errors on")
    text, fix = wrong["explanation"], wrong["fix"]
    assert f"fails with one of those codes, or when the application there answers one of " \
           f"them itself (proxy_intercept_errors on at {conf}:{caught}), so it did not give " \
           f"this answer: nginx's access log line for it says which ($upstream_status" in text, \
        text
    assert f"that answer is what proxy_intercept_errors on at {conf}:{caught} handed to " \
           f"error_page 404 = /maintenance$uri at {conf}:{page}" in fix, fix
    log = (nginx[0].prefix / "up.log").read_text()
    assert f"/__probe__ 200 {one} : {two} 404 : 200" in log, log
    assert "'404 : 200' when the application's own 404 was handed on" in text  # as logged
    _apply(nginx[0], "proxy_intercept_errors on;", "")
    after = _sweep(tmp_path, port, conf, ONE_URLS, [])["http://one.test/"]
    assert after["verdict"] == "no_endpoint", after
    assert "error_page 404" not in after["explanation"] + after["fix"], after


TRIED = """
log_format up '$request_uri $status $upstream_addr $upstream_status';
server { listen 127.0.0.1:@P@; server_name one.test;
    access_log up.log up;
    proxy_set_header Host $host;
    location / {
        proxy_pass http://@PRIMARY@;
        error_page 502 503 504 = /maintenance$uri;
    }
    location /maintenance/ {
        try_files $uri @two;
    }
    location @two {
        proxy_pass http://127.0.0.1:@TWO@;
    }
    location /own/ { proxy_pass http://127.0.0.1:@ONE@; }
}
"""


def test_the_uri_error_pages_own_try_files_is_followed(apps: Apps, nginx: list[Nginx],
                                                       tmp_path: Path) -> None:
    """The location the URI error_page reaches has a try_files of its own: no file there,
    nginx goes on in location @two, whose application answers; the route follows it and
    the words name the try_files line and @two's hand-over."""
    dead, two = f"127.0.0.1:{free_port()}", f"127.0.0.1:{apps['two'].port}"
    _, port = _run(TRIED.replace("@PRIMARY@", dead), apps, nginx, tmp_path)
    conf = nginx[0].conf
    wrong = _sweep(tmp_path, port, conf, ONE_URLS, [])["http://one.test/"]
    assert (wrong["verdict"], wrong["observed"]["label"]) == ("wrong_instance", "two"), wrong
    text = wrong["explanation"]
    target, tried = _line(conf, "location /maintenance/"), _line(conf, "try_files $uri @two")
    named, handover = _line(conf, "location @two"), _line(conf, f"proxy_pass http://{two};")
    assert f"The answering server.listen {two} is where error_page 502 503 504 = " \
           f"/maintenance$uri at {conf}:" in text, text
    assert f"which location /maintenance/ ({conf}:{target}) takes; there try_files $uri " \
           f"@two at {conf}:{tried}: the route assumes no file exists" in text, text
    assert f"(location @two, {conf}:{named}), and the request passes to {two} (proxy_pass " \
           f"http://{two} at {conf}:{handover})" in text, text
    log = (nginx[0].prefix / "up.log").read_text()
    assert f"/__probe__ 200 {dead} : {two} 502 : 200" in log, log
