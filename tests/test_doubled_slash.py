"""``doubled_slash`` (probe/diagnose/doubled_slash.py): a tester's fix applied literally,
``ProxyPass /celery-flower http://127.0.0.1:41813/celery-flower/`` (the target ends in ``/``,
the path does not) in front of ``waitress --url-prefix=/celery-flower``, gave PATH_INFO
``//__probe__`` and a home page 404, while the sweep said 7/7 ok. The answer shows the doubled
slash; the finding says so, names the line with ``--config`` and its fix (trailing slashes
matched, parameters kept, the ProxyPassReverse alike), and the candidates of both fronts
without it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from probe.apache import load_site
from probe.apache.route import ApacheRoutes
from probe.diagnose import ConfigJoin, diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target, parse
from probe.model import Finding, Observation, Sample, Status, Verdict
from probe.nginx import load_nginx
from tests.test_diagnose import ep

FRONT, FLOWER = "127.0.0.1:41810", "127.0.0.1:41813"
URL = "http://lz.test/celery-flower/"
CODE = "doubled_slash"
MANIFEST = f"""\
[probe]
connect = "{FRONT}"

[instances.flower]
label = "flower"
script_name = "/celery-flower"
urls = ["{URL}"]
"""
LZ = """\
<VirtualHost 127.0.0.1:41810>
        ServerName lz.test
        ProxyPreserveHost On
        ProxyPass /celery-flower http://127.0.0.1:41813/celery-flower/ keepalive=On
        ProxyPassReverse /celery-flower http://127.0.0.1:41813/celery-flower/
        ProxyPass / http://127.0.0.1:41812/ keepalive=On
        ProxyPassReverse / http://127.0.0.1:41812/
</VirtualHost>
"""


def waitress(path_info: str, request_uri: str | None = None) -> EndpointAnswer:
    data: dict[str, Any] = ep("flower", host="lz.test", mount="/celery-flower",
                              path_info=path_info, application_group="", settings=None)
    data["request"]["request_uri"] = request_uri
    data["script_file"] = None
    data["server"] = {"software": "waitress", "mod_wsgi_version": None, "listen": FLOWER,
                      "multithread": True, "multiprocess": False}
    return EndpointAnswer.from_json(data)


DOUBLED = waitress("//__probe__", "/celery-flower//__probe__")


def observed(answer: EndpointAnswer) -> Observation:
    return Observation(Target(URL, "flower", FRONT), tuple(
        Sample(elapsed_ms=2.0, status_code=200, endpoint=answer, address=FRONT)
        for _ in range(2)))


def apache(tmp: Path, text: str = LZ) -> ConfigJoin:
    conf = tmp / "20-lz.conf"
    conf.write_text(text)
    main = tmp / "httpd.conf"
    main.write_text(f"Listen {FRONT}\nInclude {conf}\n")
    front = ApacheRoutes(load_site([main]))
    return ConfigJoin(front, {}, front.divergence, front.intended, front.refuse_block)


def doubled(answer: EndpointAnswer, config: ConfigJoin | None = None) -> list[Finding]:
    report = diagnose(parse(MANIFEST), [observed(answer)], config=config)
    assert report.targets[0].verdict is Verdict.OK, report.targets[0].explanation
    return [f for f in report.findings if f.code == CODE]


def test_a_doubled_slash_the_url_lacks_is_a_warning_naming_the_field() -> None:
    [found] = doubled(DOUBLED)
    assert found.severity is Status.WARNING and found.instances == ("flower",)
    said = found.explanation
    assert "received request.path_info '//__probe__' with SCRIPT_NAME '/celery-flower' " \
           "(request.script_name) for the probe request's path /celery-flower/__probe__" \
           in said, said
    assert "a front joined a path ending in '/' to one starting with '/'" in said, said
    assert "GET http://lz.test/celery-flower/" in said, said


def test_without_config_both_fronts_usual_lines_are_candidates_and_the_check_named() -> None:
    [found] = doubled(DOUBLED)
    said = found.explanation
    assert "The answers do not show which line made it" in said, said
    assert "ProxyPass /app http://127.0.0.1:8000/" in said, said
    assert "location /app { proxy_pass http://127.0.0.1:8000/; }" in said, said
    assert "--config FILE" in said and "proxy_slash" in said, said


def test_with_config_the_proxypass_line_and_its_fix_with_slashes_matched(tmp_path: Path) -> None:
    [found] = doubled(DOUBLED, apache(tmp_path))
    said = found.explanation
    conf = tmp_path / "20-lz.conf"
    assert f"({conf}:4) takes the URL; its target ends with '/' and its path does not" \
           in said, said
    assert "/celery-flower/__probe__ is passed as " \
           "http://127.0.0.1:41813/celery-flower//__probe__" in said, said
    assert f"Fix: at {conf}:4, write 'ProxyPass /celery-flower " \
           f"http://127.0.0.1:41813/celery-flower keepalive=On'" in said, said
    assert f"at {conf}:5, 'ProxyPassReverse /celery-flower " \
           f"http://127.0.0.1:41813/celery-flower'" in said, said
    assert "The answers do not show which line" not in said, said


def test_with_config_a_line_that_does_not_double_it_is_not_blamed(tmp_path: Path) -> None:
    matched = LZ.replace("41813/celery-flower/ keepalive", "41813/celery-flower keepalive")
    [found] = doubled(DOUBLED, apache(tmp_path, matched))
    assert "that line does not make the '//'" in found.explanation, found.explanation
    assert "Fix:" not in found.explanation, found.explanation


def test_the_request_uri_alone_shows_it() -> None:
    [found] = doubled(waitress("/__probe__", "/celery-flower//__probe__"))
    assert "request.request_uri '/celery-flower//__probe__'" in found.explanation


def test_a_healthy_answer_and_a_url_with_its_own_doubled_slash_are_no_finding() -> None:
    assert doubled(waitress("/__probe__", "/celery-flower/__probe__")) == []
    assert doubled(waitress("/__probe__", "http://lz.test/celery-flower/__probe__?a=//")) == []
    report = diagnose(parse(MANIFEST.replace(URL, "http://lz.test/celery-flower//x/")), [
        Observation(Target("http://lz.test/celery-flower//x/", "flower", FRONT), tuple(
            Sample(elapsed_ms=2.0, status_code=200, address=FRONT,
                   endpoint=waitress("//x/__probe__", "/celery-flower//x/__probe__"))
            for _ in range(2)))])
    assert [f for f in report.findings if f.code == CODE] == []


def test_with_nginx_the_location_and_its_proxy_pass_line(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n  server {\n    listen 127.0.0.1:41810;\n"
                    "    server_name lz.test;\n"
                    "    location /celery-flower { proxy_set_header Host $host; "
                    "proxy_pass http://127.0.0.1:41813/; }\n  }\n}\n")
    [found] = doubled(waitress("//__probe__", "//__probe__"), ConfigJoin(load_nginx(str(path))))
    said = found.explanation
    assert f"location /celery-flower ({path}:6) passes the URL's path as //" in said, said
    assert "Fix: end the location's prefix and proxy_pass's URI part both with '/'" in said
