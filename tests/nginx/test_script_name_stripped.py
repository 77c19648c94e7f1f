"""A ``proxy_pass`` URI part that strips the prefix its ``proxy_set_header SCRIPT_NAME`` names
(tester T28's m2, nginx 1.22 and gunicorn 27): gunicorn refuses each request with its own
500 page, which nginx passes on under its own Server header. The sweep quotes the page, says
the application never ran (no traceback), and with the configuration names both lines; lint
names the pair. The answer's body and headers as the case recorded them."""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.http_messages import Answer, sample_from_answer
from probe.lint import lint_nginx
from probe.manifest import parse
from probe.model import EvidenceKind, Observation, TargetResult
from probe.nginx import load_nginx
from probe.server_pages import read_page
from tests.test_diagnose import obs

# gunicorn 27's util.write_error page for a ConfigurationProblem, as nginx passed it on
PAGE = (b"<html>\n  <head>\n    <title>Bad Request</title>\n  </head>\n  <body>\n"
        b"    <h1><p>Bad Request</p></h1>\n    Configuration problem: Request path "
        b"&#x27;/hello/&#x27; does not start with SCRIPT_NAME &#x27;/app1&#x27;\n"
        b"  </body>\n</html>\n")
QUOTE = "Configuration problem: Request path '/hello/' does not start with SCRIPT_NAME '/app1'"
URL = "http://sub.example.test/app1/hello/"
MANIFEST = """
[instances.app1]
label = "app1"
script_name = "/app1"
urls = ["http://sub.example.test/app1/hello/"]
"""
# the case's server block: the URI part at :7, the SCRIPT_NAME header at :9
CONF = """events {}
http {
    server {
        listen 127.0.0.1:28180;
        server_name sub.example.test;
        location /app1/ {
            proxy_pass http://127.0.0.1:28101/;
            proxy_set_header Host $host;
            proxy_set_header SCRIPT_NAME /app1;
        }
        location /app2/ {
            proxy_pass http://127.0.0.1:28102/;
            proxy_set_header Host $host;
        }
    }
}
"""


def _refused(body: bytes = PAGE) -> Observation:
    answer = Answer(500, {"Server": "nginx/1.22.1", "Content-Type": "text/html"}, body, 2.0,
                    peer="127.0.0.1:28180")
    sample = sample_from_answer(answer, "secret-token")
    return obs(URL, "app1", sample, sample)


def _result(tmp_path: Path | None, body: bytes = PAGE) -> TargetResult:
    config = None
    if tmp_path is not None:
        (tmp_path / "nginx.conf").write_text(CONF)
        config = ConfigJoin(load_nginx(str(tmp_path / "nginx.conf")))
    report = diagnose(parse(MANIFEST), [_refused(body)], config=config)
    return report.targets[0]


def test_gunicorns_own_page_is_read_and_nothing_else_is() -> None:
    page = read_page(500, "text/html", PAGE)
    assert page is not None and page.server == "gunicorn" and page.message == QUOTE
    assert read_page(200, "text/html", PAGE) is None
    django = b"<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Server Error (500)</title>"
    assert read_page(500, "text/html", django) is None
    assert read_page(500, "text/html", PAGE.replace(b"<h1><p>Bad Request", b"<h1><p>Other")) \
        is None


def test_the_refusal_is_quoted_and_no_traceback_is_promised(tmp_path: Path) -> None:
    for config in (None, tmp_path):
        found = _result(config)
        said = f"{found.explanation} {found.fix}"
        assert found.verdict.value == "http_error"
        assert f"its body is gunicorn's own error page (title 'Bad Request'): \"{QUOTE}\"" \
            in said, said
        assert "gunicorn refused the request before the application ran" in said, said
        assert "No traceback exists" in said, said
        assert "the error happened in the application" not in said, said
        assert "for the traceback" not in said, said
        assert "The application answered" not in said, said
        assert any(e.kind is EvidenceKind.OBSERVED and QUOTE in e.claim
                   for e in found.evidence), found.evidence


def test_with_the_configuration_both_lines_and_the_fix_are_named(tmp_path: Path) -> None:
    found = _result(tmp_path)
    conf = tmp_path / "nginx.conf"
    assert f"replaces /app1/ by / ({conf}:7)" in (found.explanation or "")
    assert f"proxy_set_header SCRIPT_NAME /app1 ({conf}:9)" in (found.explanation or "")
    assert (found.fix or "").startswith(
        f"At {conf}:7, write 'proxy_pass http://127.0.0.1:28101;' (no URI part"), found.fix
    assert f"remove 'proxy_set_header SCRIPT_NAME /app1;' at {conf}:9" in (found.fix or "")
    configured = {e.source for e in found.evidence if e.kind is EvidenceKind.CONFIGURED}
    assert {f"{conf}:7", f"{conf}:9"} <= configured, found.evidence


def test_another_500_still_sends_to_the_log(tmp_path: Path) -> None:
    found = _result(tmp_path, b"<h1>Server Error (500)</h1>")
    assert "the error happened in the application" in (found.explanation or "")


def test_lint_names_the_pair_at_the_proxy_pass_and_the_header(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(CONF)
    found = [f for f in lint_nginx(str(conf)).findings
             if f.code == "nginx_script_name_stripped"]
    assert [(f.line, f.severity.value) for f in found] == [(7, "warning")], found
    said = found[0].message
    assert f"({conf}:7)" in said and f"proxy_set_header SCRIPT_NAME /app1 ({conf}:9)" in said
    assert f"\"{QUOTE}\"" in said and "before the application runs" in said, said
    # R28: /app1/app1/x arrives as /app1/x, which gunicorn takes: not "every URL"
    assert "every URL" not in said and "whose path after the prefix does not itself start " \
        "with /app1" in said, said
    assert f"write 'proxy_pass http://127.0.0.1:28101;' at {conf}:7" in (found[0].fix or "")
    # the whole path kept (no URI part), or the prefix kept by the URI part: nothing to say
    for fixed in (CONF.replace("28101/;", "28101;"),
                  CONF.replace("28101/;", "28101/app1/;")):
        conf.write_text(fixed)
        assert not [f for f in lint_nginx(str(conf)).findings
                    if f.code == "nginx_script_name_stripped"]
