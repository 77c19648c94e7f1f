"""A wrong_upstream fix never repoints a hand-over other URLs of the sweep go through and were
answered right by (probe.diagnose.nginx_shared_pass): tester T28's m1 (``location /app1``
without its slash took /app10/, root's) and m5 (no ``location /app2/``, so ``location /``
took /app2/), with and without --config, from the answers nginx 1.22 and gunicorn gave there
(cases m1-noslash and m5-missing-app2, their sweeps' JSON). Applied, the old
fixes sent /app1/ and / to root and app2.
"""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import parse
from probe.model import Cause, EvidenceKind, Observation, TargetResult, Verdict
from probe.nginx import load_nginx
from tests.nginx.sub_mounts import H, gunicorn_answer, sub_mount_manifest

APP1, APP2, ROOT = "127.0.0.1:28101", "127.0.0.1:28102", "127.0.0.1:28103"
MANIFEST = sub_mount_manifest("/app10/")
HEADERS = "proxy_set_header Host $host;"
APP1_LOCATION = (f"location /app1 {{ proxy_pass http://{APP1}; {HEADERS} "
                 f"proxy_set_header SCRIPT_NAME /app1; }}")
APP2_LOCATION = f"location /app2/ {{ proxy_pass http://{APP2}/; {HEADERS} }}"
ROOT_LOCATION = f"location / {{ proxy_pass http://{ROOT}; {HEADERS} }}"


def _conf(tmp_path: Path, *locations: str) -> ConfigJoin:
    path = tmp_path / "nginx.conf"
    lines = "\n".join(f"        {loc}" for loc in locations)
    path.write_text("events {}\nhttp {\n    server {\n        listen 127.0.0.1:28180;\n"
                    f"        server_name sub.example.test;\n{lines}\n    }}\n}}\n")
    return ConfigJoin(load_nginx(str(path)))


def _line(tmp_path: Path, text: str) -> str:
    path = tmp_path / "nginx.conf"
    number = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)
    return f"{path}:{number}"


def _answer(url: str, expected: str, label: str, listen: str, script_name: str,
            path_info: str) -> Observation:
    return gunicorn_answer(url, expected, label, listen, script_name, "127.0.0.1:28180",
                           path_info)


def _m1_answers() -> list[Observation]:
    return [_answer(f"{H}/app10/", "root", "app1", APP1, "/app1", "0/__probe__"),
            _answer(f"{H}/app1/", "app1", "app1", APP1, "/app1", "/__probe__"),
            _answer(f"{H}/app1/hello/", "app1", "app1", APP1, "/app1", "/hello/__probe__"),
            _answer(f"{H}/app2/", "app2", "app2", APP2, "/app2", "/__probe__"),
            _answer(f"{H}/app2/hello/", "app2", "app2", APP2, "/app2", "/hello/__probe__"),
            _answer(f"{H}/", "root", "root", ROOT, "", "/__probe__"),
            _answer(f"{H}/hello/", "root", "root", ROOT, "", "/hello/__probe__")]


def _m5_answers() -> list[Observation]:
    return [_answer(f"{H}/app2/", "app2", "root", ROOT, "", "/app2/__probe__"),
            _answer(f"{H}/app2/hello/", "app2", "root", ROOT, "", "/app2/hello/__probe__"),
            _answer(f"{H}/app1/", "app1", "app1", APP1, "/app1", "/__probe__"),
            _answer(f"{H}/app1/hello/", "app1", "app1", APP1, "/app1", "/hello/__probe__"),
            _answer(f"{H}/", "root", "root", ROOT, "", "/__probe__"),
            _answer(f"{H}/hello/", "root", "root", ROOT, "", "/hello/__probe__")]


def _one(answers: list[Observation], url: str, config: ConfigJoin | None = None,
         manifest: str = MANIFEST) -> TargetResult:
    report = diagnose(parse(manifest), answers, config=config)
    return next(t for t in report.targets if t.url == url)


def _no_repoint(found: TargetResult, *lines: str) -> None:
    fix = found.fix or ""
    assert "point its proxy_pass at" not in fix and "pass to root's" not in fix, fix
    assert "pass to app2's" not in fix, fix
    for line in lines:
        assert f"At {line}, pass" not in fix, fix


def test_m1_a_prefix_without_its_slash_is_the_location_not_its_proxy_pass(
        tmp_path: Path) -> None:
    config = _conf(tmp_path, APP1_LOCATION, APP2_LOCATION, ROOT_LOCATION)
    found = _one(_m1_answers(), f"{H}/app10/", config)
    location, proxy = _line(tmp_path, "location /app1 "), _line(tmp_path, "location /app1 ")
    assert (found.verdict, found.cause) == (Verdict.WRONG_INSTANCE, Cause.URL_MAPPING), found
    _no_repoint(found, proxy)
    fix = found.fix or ""
    assert fix.startswith(f"At {location}, write 'location /app1/' in place of "
                          f"'location /app1'."), fix
    root = _line(tmp_path, "location / ")
    assert (f"/app10/ then goes to 'location /' ({root}), which passes with 'proxy_pass "
            f"http://{ROOT};' ({root}), where root answers its own URL {H}/ (server.listen "
            f"'{ROOT}')") in fix, fix
    assert f"it passes {H}/app1/ (app1), {H}/app1/hello/ (app1) too" in fix, fix
    words = found.explanation or ""
    assert f"Its location /app1 ({location}, longest prefix match) takes /app10/: it is written " \
           f"without its trailing slash" in words, words
    assert "request.script_name '/app1' and request.path_info '0/__probe__'" in words, words
    claims = {(e.kind, e.claim) for e in found.evidence}
    assert (EvidenceKind.OBSERVED, "request.path_info = '0/__probe__'") in claims, claims
    assert (EvidenceKind.CONFIGURED, "longest prefix match") in claims, claims


def test_m1_without_config_the_split_tells_the_missing_slash(tmp_path: Path) -> None:
    found = _one(_m1_answers(), f"{H}/app10/")
    assert found.cause is None, found
    assert [c.cause for c in found.candidates] == [Cause.URL_MAPPING], found.candidates
    _no_repoint(found)
    words = found.explanation or ""
    assert "Either no server_name matches" not in words, words
    assert "request.script_name '/app1' and request.path_info '0/__probe__'" in words, words
    fix = found.fix or ""
    assert fix.startswith("Write the prefix location that passes app1's URLs with its "
                          "trailing slash, 'location /app1/' in place of 'location /app1'"), fix
    assert f"Leave its proxy_pass as it is: it passes {H}/app1/ (app1), {H}/app1/hello/ " \
           f"(app1)" in fix, fix


def test_m5_a_missing_location_is_added_not_location_slash_repointed(tmp_path: Path) -> None:
    config = _conf(tmp_path, APP1_LOCATION.replace("/app1 ", "/app1/ "), ROOT_LOCATION)
    found = _one(_m5_answers(), f"{H}/app2/", config)
    assert (found.verdict, found.cause) == (Verdict.WRONG_INSTANCE, Cause.URL_MAPPING), found
    root = _line(tmp_path, "location / ")
    _no_repoint(found, root)
    fix = found.fix or ""
    block = _line(tmp_path, "server {")
    assert fix.startswith(f"Add 'location /app2/ {{ proxy_pass http://ADDRESS; proxy_set_header "
                          f"Host $host; }}' to the server block at {block}, ADDRESS being app2's "
                          f"address, which this sweep did not see"), fix
    assert f"Leave its hand-over ('proxy_pass http://{ROOT}', {root}) as it is: it passes " \
           f"{H}/ (root), {H}/hello/ (root) too" in fix, fix
    words = found.explanation or ""
    assert f"Its location / ({root}, longest prefix match) takes /app2/: no location of that " \
           f"server block is written for /app2/" in words, words


def test_m5_the_address_is_written_where_app2_answered_its_own_url(tmp_path: Path) -> None:
    config = _conf(tmp_path, APP1_LOCATION.replace("/app1 ", "/app1/ "), ROOT_LOCATION)
    answers = [*_m5_answers(), _answer(f"{H}/app2/hello/", "app2", "app2", APP2, "/app2",
                                       "/hello/__probe__")]
    del answers[1]
    found = _one(answers, f"{H}/app2/", config)
    assert f"'location /app2/ {{ proxy_pass http://{APP2}; proxy_set_header Host $host; }}'" \
           in (found.fix or ""), found.fix


def test_m5_without_config_the_location_that_took_it_may_be_roots(tmp_path: Path) -> None:
    found = _one(_m5_answers(), f"{H}/app2/")
    assert found.cause is None, found
    assert [c.cause for c in found.candidates] == [Cause.URL_MAPPING, Cause.WRONG_UPSTREAM]
    fix = found.fix or ""
    assert "proxy_pass at" not in fix and "pass to app2's" not in fix, fix
    assert f"If it is the one that passes {H}/ (root), {H}/hello/ (root), leave its " \
           f"proxy_pass as it is" in fix, fix
    assert "add 'location /app2/ { proxy_pass http://ADDRESS; }' to that block" in fix, fix
    assert fix.endswith("If it is a location of /app2/'s own, point its proxy_pass there "
                        "instead."), fix


def test_a_location_only_the_wrong_url_goes_through_is_still_repointed(tmp_path: Path) -> None:
    """location /app2/ passing to root's port: no URL answered right goes through it, so its
    proxy_pass is the line to change."""
    config = _conf(tmp_path, APP1_LOCATION.replace("/app1 ", "/app1/ "),
                   f"location /app2/ {{ proxy_pass http://{ROOT}; {HEADERS} }}", ROOT_LOCATION)
    found = _one(_m5_answers(), f"{H}/app2/", config)
    assert found.cause is Cause.WRONG_UPSTREAM, found
    assert (found.fix or "").startswith(f"At {_line(tmp_path, 'location /app2/')}, pass to "
                                        f"app2's address"), found.fix
