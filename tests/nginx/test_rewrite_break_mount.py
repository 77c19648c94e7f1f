"""The path a ``rewrite ... break`` hands to proxy_pass, and the mount_mismatch words it
leads to: Seafile's published ``location /seafhttp { rewrite ^/seafhttp(.*)$ $1 break;
proxy_pass http://127.0.0.1:8082; }`` strips the prefix with its rewrite line, which a
tester's sweep called "the request's path, unchanged" at the proxy_pass line and fixed with
"keep proxy_pass stripping the prefix (a URI part such as '/')". The same with a real nginx
and waitress: tests/integration/test_nginx_rewrite_break.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from probe.diagnose import ConfigJoin, diagnose
from probe.front import PredictedRoute
from probe.manifest import parse
from probe.model import Observation, TargetResult
from probe.nginx import load_nginx
from tests.test_diagnose import ep, thrice

SEAFHTTP = """location /seafhttp {{
        rewrite ^/seafhttp(.*)$ $1 break;
        proxy_pass http://127.0.0.1:8082{uri};
        proxy_set_header Host $host;
    }}"""


def _conf(tmp_path: Path, server: str) -> Path:
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\nserver {\n    listen 127.0.0.1:18080;\n"
                    f"    server_name seafile.test;\n    {server}\n}}\n}}\n")
    return path


def _line(path: Path, text: str) -> str:
    lines = path.read_text().splitlines()
    return f"{path}:{next(n for n, t in enumerate(lines, 1) if text in t)}"


def _route(path: Path, url: str) -> PredictedRoute:
    return load_nginx(str(path)).route(url, "127.0.0.1:18080")


@pytest.mark.parametrize("uri", ["", "/"])
def test_a_rewrite_break_is_the_line_that_makes_the_path_passed(tmp_path: Path,
                                                                uri: str) -> None:
    path = _conf(tmp_path, SEAFHTTP.format(uri=uri))
    mount = _route(path, "http://seafile.test/seafhttp/files/a").step("mount")
    assert mount is not None and mount.decision == "/files/a"
    rewrite = _line(path, "rewrite ^/seafhttp")
    assert str(mount.source) == rewrite, mount
    assert mount.rule.startswith(f"rewrite ^/seafhttp(.*)$ $1 break at {rewrite} makes the "
                                 f"path /files/a"), mount.rule
    assert "unchanged" not in mount.rule
    # with or without a URI part, nginx passes the URI the rewrite made
    assert ("has no URI part" if not uri else "is ignored") in mount.rule


def test_a_rewrite_last_landing_in_the_same_location_names_the_rewrite(tmp_path: Path) -> None:
    path = _conf(tmp_path, "location /api/ {\n        rewrite ^/api/v1/(.*)$ /api/$1 last;\n"
                           "        proxy_pass http://127.0.0.1:8001;\n    }")
    mount = _route(path, "http://seafile.test/api/v1/x").step("mount")
    assert mount is not None and mount.decision == "/api/x"
    assert str(mount.source) == _line(path, "rewrite ^/api/v1/")
    assert "passes on unchanged" in mount.rule and "/api/x" in mount.rule, mount.rule


def test_a_path_no_rewrite_touches_is_still_proxy_passs(tmp_path: Path) -> None:
    path = _conf(tmp_path, "location / {\n        proxy_pass http://127.0.0.1:8000;\n    }")
    mount = _route(path, "http://seafile.test/x").step("mount")
    assert mount is not None and mount.rule == "the request's path, unchanged"
    assert str(mount.source) == _line(path, "proxy_pass")


MANIFEST = """
[instances.seafhttp]
label = "seafhttp"
urls = ["http://seafile.test/seafhttp/"]
"""


def _stripped(tmp_path: Path, software: str,
              settings: str | None = "mysite.settings") -> tuple[TargetResult, Path]:
    path = _conf(tmp_path, SEAFHTTP.format(uri=""))
    data = ep("seafhttp", host="seafile.test", mount="", path_info="/__probe__",
              process_group="", application_group="", settings=settings)
    data["server"] = {"software": software, "mod_wsgi_version": None,
                      "listen": "127.0.0.1:8082"}
    data["request"].update(host_allowed=None, force_script_name=None, forwarded_prefix=None)
    observed: Observation = thrice("http://seafile.test/seafhttp/", "seafhttp", data)
    observed = dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:18080")
        for s in observed.samples))
    report = diagnose(parse(MANIFEST), [observed], config=ConfigJoin(load_nginx(str(path))))
    target = report.targets[0]
    assert target.verdict.value == "mount_mismatch", target
    return target, path


def test_mount_mismatch_names_the_rewrite_that_strips_and_keeps_it(tmp_path: Path) -> None:
    target, path = _stripped(tmp_path, "waitress")
    rewrite = _line(path, "rewrite ^/seafhttp")
    assert "the request's path, unchanged" not in target.explanation
    assert f"rewrite ^/seafhttp(.*)$ $1 break at {rewrite} makes the path /" in \
        target.explanation, target.explanation
    fix = target.fix
    assert "URI part such as" not in fix and "write it 'location" not in fix, fix
    assert f"keep 'rewrite ^/seafhttp(.*)$ $1 break;' ({rewrite}) stripping the prefix" in fix
    assert "or remove that rewrite" in fix
    # waitress sets SCRIPT_NAME and strips its prefix only where it is there: both ways work
    assert "'--url-prefix=/seafhttp'" in fix and "kept or removed" in fix, fix


def test_gunicorns_script_name_header_needs_the_rewrite_removed(tmp_path: Path) -> None:
    target, path = _stripped(tmp_path, "gunicorn/23.0.0")
    assert f"with the rewrite at {_line(path, 'rewrite ^/seafhttp')} removed" in target.fix, \
        target.fix


def test_an_answer_without_django_gets_no_django_words(tmp_path: Path) -> None:
    # seafhttp (waitress, no Django: python.django_version and settings_module null) was told
    # to set FORCE_SCRIPT_NAME and that its admin login and APPEND_SLASH point outside
    target, _ = _stripped(tmp_path, "waitress", settings=None)
    words = target.explanation + target.fix
    for django in ("FORCE_SCRIPT_NAME", "admin login", "APPEND_SLASH", "Django settings",
                   "in Django"):
        assert django not in words, words
    assert "no Django shown (python.django_version, settings_module" in target.explanation
    assert "a middleware that sets SCRIPT_NAME from that header" in target.fix, target.fix
    assert "'--url-prefix=/seafhttp'" in target.fix


def test_an_answer_that_shows_django_keeps_its_words(tmp_path: Path) -> None:
    target, _ = _stripped(tmp_path, "waitress")
    assert "in Django set FORCE_SCRIPT_NAME = \"/seafhttp\"" in target.fix, target.fix
    assert "(admin login, APPEND_SLASH)" in target.explanation
