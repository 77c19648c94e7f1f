"""A 403 from a mod_wsgi-express server started with --server-name, behind a front that
passes the URL's Host (re-tester R31's nginx-front after the Host fix, tester T31's answers:
:mod:`tests.t31_answers`): the backend's own name (``request.server_name`` of its answers
to other URLs) is not the URL's, so the fix is ``--server-alias``, never installing the
endpoint, and never an alias equal to the name it already serves."""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import diagnose
from probe.errors import ErrorKind
from probe.front_config import load_front
from probe.manifest import parse
from probe.model import Cause, Report, Sample
from tests.t31_answers import APACHE_FRONT, BLOG, NGINX_FRONT, SHOP, WIKI
from tests.test_express_fronts import MANIFEST, NGINX, _answer, _apache, _one, _seen

# the wiki2 block after the printed Host fix was applied (R31's nginx.conf.after-fixes)
HOST_PASSED = NGINX.replace(
    "proxy_pass http://127.0.0.1:18103;\n        }\n    }\n}",
    "proxy_pass http://127.0.0.1:18103;\n            proxy_set_header Host $host;\n"
    "        }\n    }\n}")


def _nginx(tmp: Path, conf_text: str | None, probed_444: bool = False) -> Report:
    server = "nginx/1.22.1"
    observations = [
        _seen("http://wiki.example.test/", "wiki", NGINX_FRONT, server, _answer(WIKI)),
        _seen("http://wiki2.example.test/", "wiki", NGINX_FRONT, server, status=403)]
    config = None
    if conf_text is not None:
        conf = tmp / "nginx.conf"
        conf.write_text(conf_text)
        config = load_front(str(conf), {})
    # the probe's own .invalid request: nginx's default server closed the connection (444)
    probed = {f"http:80@{NGINX_FRONT}": Sample(elapsed_ms=1.0, status_code=None,
                                               error_kind=ErrorKind.CLOSED,
                                               address=NGINX_FRONT)} if probed_444 else None
    return diagnose(parse(MANIFEST.replace("{front}", NGINX_FRONT)), observations,
                    config=config, probed=probed)


def test_host_passed_to_express_server_name_is_its_alias_not_the_endpoint(
        tmp_path: Path) -> None:
    assert "proxy_set_header Host $host;\n        }\n    }\n}" in HOST_PASSED
    found = _one(_nginx(tmp_path, HOST_PASSED), "http://wiki2.example.test/")
    assert "Install the endpoint" not in found.fix, found.fix
    assert not found.candidates, found.candidates
    assert "request.server_name" in found.explanation and \
        "'wiki.example.test'" in found.explanation, found.explanation
    assert "'--server-alias wiki2.example.test'" in found.fix, found.fix
    assert "AH01630" in found.fix and "/tmp/mod_wsgi-127.0.0.1:18103:UID" in found.fix, \
        found.fix


def test_alias_is_offered_only_for_a_name_the_backend_does_not_hold(tmp_path: Path) -> None:
    # apache-front's wiki: its --server-name IS wiki.example.test (express httpd.conf:492);
    # no answer of the backend names it, so the alias is conditional on a name in neither line
    report, _ = _apache(tmp_path)
    found = _one(report, "http://wiki.example.test/")
    assert "the backend does not serve 'wiki.example.test' either" not in found.fix, found.fix
    assert "compare it with the backend's ServerName and ServerAlias lines" in found.fix, \
        found.fix


def test_invalid_closed_so_the_403_is_not_the_default_servers(tmp_path: Path) -> None:
    # without --config: the probe's .invalid request was closed (nginx's return 444), this
    # URL got 403: not the default server's answer; wiki's express names another server name
    found = _one(_nginx(tmp_path, None, probed_444=True), "http://wiki2.example.test/")
    assert not found.candidates, found.candidates
    assert "connection closed" in found.explanation, found.explanation
    assert "'--server-alias wiki2.example.test'" in found.fix, found.fix
    assert "AH01630" in found.fix and "the first (default) one answered" not in found.fix, \
        found.fix


def test_express_answer_through_apache_front_is_shadowed_or_upstream() -> None:
    # apache-front without --config: blog-old's VirtualHost passes to shop's express port
    # (ProxyPass to 18101); the answer's process_group is 127.0.0.1:18101, not the front's
    server = "Apache"
    observations = [
        _seen("http://shop.example.test/", "shop", APACHE_FRONT, server, _answer(SHOP)),
        _seen("http://blog.example.test/app/", "blog", APACHE_FRONT, server, _answer(BLOG)),
        _seen("http://blog-old.example.test/", "blog", APACHE_FRONT, server, _answer(
            SHOP, host="blog-old.example.test", server_name="blog-old.example.test"))]
    probed = {f"http:80@{APACHE_FRONT}": Sample(elapsed_ms=1.0, status_code=403,
                                                address=APACHE_FRONT, server="Apache")}
    found = _one(diagnose(parse(MANIFEST.replace("{front}", APACHE_FRONT)), observations,
                          probed=probed), "http://blog-old.example.test/")
    assert found.cause is None, (found.cause, found.explanation)
    assert {c.cause for c in found.candidates} == {Cause.VHOST_SHADOWED, Cause.WRONG_UPSTREAM}
    assert "127.0.0.1:18101" in found.explanation and "127.0.0.1:18102" in found.fix, found.fix
