"""The fix for a URL a ``rewrite`` sent to another location (inside an ``if`` or not): the
rewrite line, not the hand-over of the location it reached, which serves that location's
own URLs. tests/integration/test_nginx_rewrite_fidelity.py sweeps the same through nginx."""

from __future__ import annotations

from pathlib import Path

from probe.diagnose.config_reload import nginx_reload
from tests.nginx.test_route_fixes import ALPHA, GAMMA, _answer, _conf, _target

REWRITTEN = f"""    server {{ listen 127.0.0.1:18080; server_name alpha.test other.test;
        location / {{
            if ($host = other.test) {{
                rewrite ^/(.*)$ /a/$1 last;
            }}
            proxy_pass http://{GAMMA};
        }}
        location /a/ {{ proxy_pass http://{ALPHA}; }}
    }}
"""


def test_a_rewrite_in_an_if_is_the_line_to_fix(tmp_path: Path) -> None:
    config = _conf(tmp_path, REWRITTEN)
    wrong = _answer("http://other.test/", "gamma", "alpha", ALPHA, host="other.test")
    found = _target(config, wrong, url="http://other.test/")
    conf = tmp_path / "nginx.conf"
    assert found.cause is not None and found.cause.value == "wrong_upstream", found
    assert f"Its path is rewritten first, by rewrite ^/(.*)$ /a/$1 last at {conf}:6, inside " \
           f"the if at {conf}:5: the path matches, and if ($host = other.test) at {conf}:5 " \
           f"holds for this request ($host = 'other.test'): to /a/, which location /a/ " \
           f"({conf}:10) takes and passes to alpha ({conf}:10)." in found.explanation, \
        found.explanation
    assert found.fix is not None and found.fix.startswith(
        f"At {conf}:6, keep this URL out of that rewrite (its regular expression, or the "
        f"condition of the if it is in) so that it stays in location / ({conf}:4), or "
        f"rewrite it to a path whose location passes to gamma"), found.fix
    assert found.fix.endswith(f"The hand-over at {conf}:10 serves location /a/'s own URLs "
                              f"and stays as it is. {nginx_reload(str(conf))}"), found.fix


def test_a_rewrite_that_stays_in_its_location_leaves_the_hand_over_blamed(
        tmp_path: Path) -> None:
    """rewrite ... break keeps the request in its location: its proxy_pass decides."""
    config = _conf(tmp_path, REWRITTEN.replace("/a/$1 last;", "/a/$1 break;").replace(
        f"proxy_pass http://{GAMMA};", f"proxy_pass http://{ALPHA};"))
    wrong = _answer("http://other.test/", "gamma", "alpha", ALPHA, host="other.test")
    found = _target(config, wrong, url="http://other.test/")
    conf = tmp_path / "nginx.conf"
    assert found.fix is not None and found.fix.startswith(f"At {conf}:8, pass to gamma"), \
        found.fix


FALLBACK = f"""    server {{ listen 127.0.0.1:18080; server_name alpha.test;
        location / {{
            proxy_pass http://{ALPHA};
            error_page 502 503 = @fallback;
        }}
        location @fallback {{ proxy_pass http://{GAMMA}; }}
    }}
"""


def test_an_error_page_fallback_that_answered_names_the_hand_over(tmp_path: Path) -> None:
    config = _conf(tmp_path, FALLBACK)
    wrong = _answer("http://alpha.test/", "alpha", "gamma", GAMMA, host="alpha.test")
    found = _target(config, wrong, url="http://alpha.test/")
    conf = tmp_path / "nginx.conf"
    assert f"is where error_page 502 503 = @fallback at {conf}:6 sends the request: location " \
           f"@fallback ({conf}:8) passes to {GAMMA}. nginx goes there only when the hand-over " \
           f"at {conf}:5 ({ALPHA}) fails" in found.explanation, found.explanation
    assert found.fix is not None and found.fix.startswith(
        f"Make the hand-over at {conf}:5 answer: start alpha's application server on "
        f"{ALPHA}"), found.fix
    assert any(e.source == f"{conf}:6" for e in found.evidence), found.evidence


def test_without_server_listen_the_fallback_is_not_ruled_out(tmp_path: Path) -> None:
    """No server.listen: the hand-over or the fallback answered; the access log decides."""
    config = _conf(tmp_path, FALLBACK)
    wrong = _answer("http://alpha.test/", "alpha", "gamma", None, host="alpha.test")
    found = _target(config, wrong, url="http://alpha.test/")
    conf = tmp_path / "nginx.conf"
    assert f"whether the hand-over at {conf}:5 ({ALPHA}) answered, or a fallback after it " \
           f"failed, is not known: error_page 502 503 = @fallback at {conf}:6" \
        in found.explanation, found.explanation
    assert found.fix is not None and "$upstream_addr and $upstream_status" in found.fix, \
        found.fix
