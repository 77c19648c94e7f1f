"""``mount_mismatch``'s nginx fix where the location is broader than the declared mount
(probe/diagnose/mount_broader.py): a tester's Taiga, ``location /api { proxy_pass
http://127.0.0.1:8001/api; }`` and ``script_name = "/api/v1"``, was told to write
``location /api/`` with a URI part '/' and X-Forwarded-Prefix /api/v1, which strips /api
only; applied, the next sweep asked for FORCE_SCRIPT_NAME "/api", against the declaration.
The fix is a location of the mount's own; the broad one is named with its line and not
rewritten (tests/integration/test_nginx_broader_location.py: the same with real servers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.diagnose import ConfigJoin
from probe.model import TargetResult, Verdict
from probe.nginx import load_nginx
from tests.test_mount_undecided import _obs, _sweep

BLOCK = ("'location /api/v1/ { proxy_pass http://127.0.0.1:8001/; proxy_set_header "
         "X-Forwarded-Prefix /api/v1; }'")
GUNICORN = ("'location /api/v1/ { proxy_pass http://127.0.0.1:8001; proxy_set_header "
            "SCRIPT_NAME /api/v1; }'")


def _swept(tmp_path: Path, location: str, proxy_pass: str, script_name: str,
           path_info: str, prefix: str | None = None) -> tuple[TargetResult, Path]:
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n  server {\n    listen 127.0.0.1:18080;\n"
                    "    server_name taiga.example.test;\n"
                    f"    location {location} {{ proxy_set_header Host $host; "
                    f"proxy_pass {proxy_pass}; }}\n  }}\n}}\n")
    observed = _obs(script_name, path_info, forwarded_prefix=prefix)
    report = _sweep(observed, "/api/v1", config=ConfigJoin(load_nginx(str(path))))
    return report.targets[0], path


def test_the_whole_path_under_a_broader_location(tmp_path: Path) -> None:
    target, path = _swept(tmp_path, "/api", "http://127.0.0.1:8001/api", "",
                          "/api/v1/__probe__")
    assert target.verdict is Verdict.MOUNT_MISMATCH, target.explanation
    fix = target.fix
    assert f"The nginx 'location /api' ({path}:6) is broader than the mount /api/v1" in fix, fix
    assert "is /api, not /api/v1, and the application would receive /v1/..." in fix, fix
    assert f"add {BLOCK}" in fix and "'location /api' copied into it" in fix, fix
    assert 'FORCE_SCRIPT_NAME = "/api/v1"' in fix and "Or, with gunicorn" in fix, fix
    assert GUNICORN in fix, fix
    # nothing written for the broader prefix
    assert "write it 'location /api/'" not in fix and "location /api/ " not in fix, fix
    assert "X-Forwarded-Prefix /api;" not in fix and '"/api"' not in fix, fix


def test_the_tester_fix_applied_strips_less_than_declared(tmp_path: Path) -> None:
    """What the old fix made: /api taken off, /v1/__probe__ received, X-Forwarded-Prefix
    /api/v1: judged against the declared /api/v1, not as a mount /api."""
    target, path = _swept(tmp_path, "/api/", "http://127.0.0.1:8001/", "", "/v1/__probe__",
                          prefix="/api/v1")
    assert target.verdict is Verdict.MOUNT_MISMATCH, target.explanation
    said = target.explanation
    assert "the front took /api off the path (/api/v1/__probe__ arrived as '/v1/__probe__'), " \
           "while the manifest declares script_name '/api/v1'" in said, said
    assert "it resolves /v1/__probe__ (PATH_INFO) against them, so its pages answer 404" \
        in said, said
    fix = target.fix
    assert f"The nginx 'location /api/' ({path}:6) is broader than the mount /api/v1: there " \
           f"proxy_pass with a URI part replaces /api/ by / ({path}:6): that takes off " \
           f"/api, not /api/v1" in fix, fix
    assert f"add {BLOCK}" in fix and GUNICORN in fix, fix
    assert "X-Forwarded-Prefix /api;" not in fix and '"/api"' not in fix, fix


@pytest.mark.parametrize("location", ["/api/v1/", "/api/v1"])
def test_a_location_of_the_mount_keeps_the_usual_words(tmp_path: Path,
                                                        location: str) -> None:
    target, _ = _swept(tmp_path, location, "http://127.0.0.1:8001/api", "",
                       "/api/v1/__probe__")
    assert target.verdict is Verdict.MOUNT_MISMATCH, target.explanation
    assert "broader than the mount" not in target.fix, target.fix
    assert "X-Forwarded-Prefix /api/v1;" in target.fix, target.fix


def test_without_the_configuration_the_mount_decides(tmp_path: Path) -> None:
    """The round after the old fix, swept without --config: the fix strips /api/v1, and
    the location it names is the mount's."""
    report = _sweep(_obs("", "/v1/__probe__", forwarded_prefix="/api/v1"), "/api/v1")
    fix = report.targets[0].fix
    assert "in the nginx location that proxies /api/v1/" in fix, fix
    assert "X-Forwarded-Prefix /api/v1;" in fix and 'FORCE_SCRIPT_NAME = "/api/v1"' in fix, fix
    assert "X-Forwarded-Prefix /api;" not in fix, fix
