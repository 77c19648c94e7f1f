"""A whole path passed with SCRIPT_NAME '' (probe/diagnose/mount_shape.py): a tester's healthy
Taiga, nginx's ``location /api { proxy_pass http://127.0.0.1:8001/api; }`` passing
``/api/v1/...`` unchanged to Django URL patterns ``api/v1/...``, was swept ``mount_mismatch``;
its fix (gunicorn's SCRIPT_NAME header /api/v1), applied, broke every API page. The answer
cannot tell that site from one whose patterns lack the prefix: ``ok`` with the
``mount_undecided`` warning, unless the instance declares ``script_name``
(docs/manifest.md), which the URL is then judged against."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from probe.diagnose import ConfigJoin, diagnose
from probe.errors import ManifestError
from probe.manifest import parse
from probe.model import Finding, Observation, Report, Status, Verdict
from probe.nginx import load_nginx
from tests.test_diagnose import ep, thrice

URL = "http://taiga.example.test/api/v1/"
CODE = "mount_undecided"


def _manifest(script_name: str | None = None) -> str:
    declared = "" if script_name is None else f'script_name = "{script_name}"\n'
    return f'[instances.taiga-back]\nlabel = "taiga"\n{declared}urls = ["{URL}"]\n'


def _obs(script_name: str, path_info: str, **request: Any) -> Observation:
    data = ep("taiga", host="taiga.example.test", mount=script_name, path_info=path_info,
              process_group="", application_group="")
    data["process_group"] = data["application_group"] = None
    data["server"] = {"software": "gunicorn/23.0.0", "mod_wsgi_version": None,
                      "listen": "127.0.0.1:8001"}
    data["request"].update({"forwarded_prefix": None, "force_script_name": None, **request})
    observed = thrice(URL, "taiga-back", data)
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:18080")
        for s in observed.samples))


WHOLE = _obs("", "/api/v1/__probe__")


def _sweep(observed: Observation, script_name: str | None = None,
           config: ConfigJoin | None = None) -> Report:
    return diagnose(parse(_manifest(script_name)), [observed], config=config)


def _undecided(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.code == CODE]


def test_the_whole_path_with_script_name_empty_is_ok_with_a_warning() -> None:
    report = _sweep(WHOLE)
    target = report.targets[0]
    assert target.verdict is Verdict.OK, target.explanation
    assert report.status is Status.WARNING
    [found] = _undecided(report)
    assert found.severity is Status.WARNING and found.instances == ("taiga-back",)
    said = found.explanation
    # what was observed, both outcomes, and the checks that decide
    assert "PATH_INFO '/api/v1/__probe__') and SCRIPT_NAME ''" in said, said
    assert "right if the application's URL patterns start with api/v1/" in said, said
    assert "wrong if they do not (then every page under /api/v1/ answers 404)" in said, said
    assert "a page of the application under /api/v1/ (http://taiga.example.test/api/v1/...)" \
        in said and "a 404 from the application itself" in said, said
    assert 'script_name = "" if the patterns carry' in said, said
    assert 'script_name = "/api/v1" if they do not' in said, said
    assert "[instances.taiga-back]" in said


def test_a_declared_script_name_decides() -> None:
    wrong = _sweep(WHOLE, "/api/v1")
    target = wrong.targets[0]
    assert target.verdict is Verdict.MOUNT_MISMATCH, target.explanation
    assert "the manifest declares script_name '/api/v1'" in target.explanation
    assert "/api/v1" in target.fix and not _undecided(wrong)
    right = _sweep(WHOLE, "")
    assert right.targets[0].verdict is Verdict.OK and not right.findings, right.findings


def test_the_prefix_told_against_a_declared_empty_script_name() -> None:
    """The tester's fix applied (SCRIPT_NAME /api/v1, PATH_INFO /__probe__): right by the
    manifest's URLs, wrong for an application whose patterns carry api/v1/."""
    told = _obs("/api/v1", "/__probe__")
    assert _sweep(told).targets[0].verdict is Verdict.OK
    target = _sweep(told, "").targets[0]
    assert target.verdict is Verdict.MOUNT_MISMATCH, target.explanation
    assert "received SCRIPT_NAME '/api/v1' and PATH_INFO '/__probe__', while the manifest " \
           "declares script_name ''" in target.explanation, target.explanation
    assert "remove what sets SCRIPT_NAME to '/api/v1'" in target.fix, target.fix
    assert 'script_name = "/api/v1" for taiga-back' in target.fix


@pytest.mark.parametrize("declared", [None, ""])
def test_the_decided_shapes_stay_problems(declared: str | None) -> None:
    stripped = _sweep(_obs("", "/__probe__"), declared).targets[0]
    assert stripped.verdict is Verdict.MOUNT_MISMATCH
    assert "took /api/v1 off the path" in stripped.explanation, stripped.explanation
    twice = _sweep(_obs("/api/v1", "/api/v1/__probe__"), declared).targets[0]
    assert twice.verdict is Verdict.MOUNT_MISMATCH
    assert "the prefix in both" in twice.explanation, twice.explanation
    # FORCE_SCRIPT_NAME with the whole path: wrong whatever the patterns hold
    forced = _sweep(_obs("", "/api/v1/__probe__", force_script_name="/api/v1")).targets[0]
    assert forced.verdict is Verdict.MOUNT_MISMATCH, forced.explanation


def test_the_configuration_given_is_cited(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n  server {\n    listen 127.0.0.1:18080;\n"
                    "    server_name taiga.example.test;\n"
                    "    location /api { proxy_set_header Host $host; "
                    "proxy_pass http://127.0.0.1:8001/api; }\n  }\n}\n")
    report = _sweep(WHOLE, config=ConfigJoin(load_nginx(str(path))))
    assert report.targets[0].verdict is Verdict.OK, report.targets[0].explanation
    [found] = _undecided(report)
    assert "The configuration given agrees that nothing is taken off:" in found.explanation
    assert f"{path}:6" in found.explanation, found.explanation


@pytest.mark.parametrize("value", ["/api/v1/", "api", "/", "/a b", 3])
def test_script_name_is_checked(value: object) -> None:
    with pytest.raises(ManifestError, match="script_name"):
        parse(_manifest().replace("urls =", f"script_name = {value!r}\nurls =".replace(
            "'", '"')))


def test_script_name_is_read() -> None:
    assert parse(_manifest("/api/v1")).instances["taiga-back"].script_name == "/api/v1"
    assert parse(_manifest("")).instances["taiga-back"].script_name == ""
    assert parse(_manifest()).instances["taiga-back"].script_name is None


# A shorter SCRIPT_NAME than the listed mount: the front split /api/v1/__probe__ at /api
# (uwsgi_param SCRIPT_NAME /api, or gunicorn's SCRIPT_NAME header /api). Right if the URL
# patterns start with v1/, wrong if they carry neither /api nor v1: the answers cannot tell.
SHORT = _obs("/api", "/v1/__probe__")
V2 = "http://taiga.example.test/api/v2/"


def _other(script_name: str, path_info: str) -> Observation:
    """The same instance's answer at another listed URL of the host, /api/v2/."""
    data = ep("taiga", host="taiga.example.test", mount=script_name, path_info=path_info,
              process_group="", application_group="")
    data["process_group"] = data["application_group"] = None
    data["server"] = {"software": "gunicorn/23.0.0", "mod_wsgi_version": None,
                      "listen": "127.0.0.1:8001"}
    data["request"].update({"forwarded_prefix": None, "force_script_name": None})
    observed = thrice(V2, "taiga-back", data)
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:18080")
        for s in observed.samples))


def test_a_shorter_script_name_than_the_listed_mount_is_undecided() -> None:
    report = _sweep(SHORT)
    target = report.targets[0]
    assert target.verdict is Verdict.OK, target.explanation
    [found] = _undecided(report)
    said = found.explanation
    assert "SCRIPT_NAME '/api' and PATH_INFO '/v1/__probe__' (request.script_name, " \
           "request.path_info)" in said, said
    assert "believes it is mounted at /api," in said, said
    assert "right if the application's URL patterns start with v1/" in said, said
    assert "wrong if they do not (then every page under /api/v1/ answers 404)" in said, said
    assert 'script_name = "/api" if the patterns carry' in said, said
    assert 'script_name = "/api/v1" if they do not' in said, said
    assert "whole path" not in said, said


def test_a_shorter_script_name_is_decided_by_a_declaration() -> None:
    wrong = _sweep(SHORT, "/api/v1").targets[0]
    assert wrong.verdict is Verdict.MOUNT_MISMATCH, wrong.explanation
    right = _sweep(SHORT, "/api")
    assert right.targets[0].verdict is Verdict.OK and not right.findings, right.findings


def test_a_shorter_script_name_is_decided_by_another_listed_url() -> None:
    """/api/v2/ of the same instance was told SCRIPT_NAME /api/v2: the front mounts it
    elsewhere than /api on this host."""
    m = parse(_manifest().replace(f'urls = ["{URL}"]', f'urls = ["{URL}", "{V2}"]'))
    report = diagnose(m, [SHORT, _other("/api/v2", "/__probe__")])
    target = report.targets[0]
    assert target.verdict is Verdict.MOUNT_MISMATCH, target.explanation
    said = target.explanation
    assert "received SCRIPT_NAME '/api' and PATH_INFO '/v1/__probe__'" in said, said
    assert "unless its URL patterns start with v1/" in said, said
    assert f"{V2} of the same instance received SCRIPT_NAME '/api/v2'" in said, said
    assert "whole path" not in said, said
    # the same split at the other URL agrees: still undecided, one warning for both
    agreed = diagnose(m, [SHORT, _other("/api", "/v2/__probe__")])
    assert [t.verdict for t in agreed.targets] == [Verdict.OK, Verdict.OK]
    assert len(_undecided(agreed)) == 1
