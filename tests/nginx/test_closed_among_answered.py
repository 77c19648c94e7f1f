"""A URL whose expected instance answered most samples while a few were closed without an
answer, as a re-test found it: nginx with 'worker_connections 64' swept at --concurrency 32
closed 1 of 1000 requests. No rule refuses that URL (it was answered), so 'return 444' and
[refuse] are not the fix, and nginx runs the configuration given: its worker_connections
line is cited against the sweep's concurrency."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import parse
from probe.model import Observation, TargetResult, Verdict
from probe.nginx import load_nginx
from tests.nginx.test_unanswered import SITES, _answered, _closed

MANIFEST = """
[probe]
concurrency = 32

[instances.alpha]
label = "alpha"
urls = ["http://alpha.test/", "http://www.alpha.test/"]
"""
URL = "http://alpha.test/"
ANSWERED = "3 of 5 requests were answered by the expected instance"


def _mostly_answered() -> Observation:
    """Three samples answered by alpha, then two closed without an answer."""
    answered, closed = _answered(), _closed(URL)
    return dataclasses.replace(answered, samples=(*answered.samples, *closed.samples))


def _conf(tmp_path: Path, connections: int) -> tuple[ConfigJoin, str]:
    path = tmp_path / "nginx.conf"
    path.write_text(f"events {{ worker_connections {connections}; }}\nhttp {{\n"
                    + SITES.format(www=" www.alpha.test", guard="") + "}\n")
    return ConfigJoin(load_nginx(str(path))), str(path)


def _target(config: ConfigJoin | None = None) -> TargetResult:
    other = dataclasses.replace(_answered(), target=dataclasses.replace(
        _answered().target, url="http://www.alpha.test/"))
    report = diagnose(parse(MANIFEST), [other, _mostly_answered()], config=config)
    return next(t for t in report.targets if t.url == URL)


def test_answered_samples_rule_out_a_rule_that_refuses_the_name() -> None:
    found = _target()
    assert found.verdict is Verdict.UNREACHABLE
    assert found.fix.startswith(ANSWERED)
    assert "return 444" not in found.fix and "[refuse]" not in found.fix
    assert "worker_connections are not enough" in found.fix


def test_worker_connections_at_most_twice_the_concurrency_is_cited(tmp_path: Path) -> None:
    config, path = _conf(tmp_path, 64)
    found = _target(config)
    assert "may not run this configuration" not in found.explanation
    assert f"'worker_connections 64;' ({path}:1)" in found.explanation
    assert "up to 32 requests at once" in found.explanation
    assert "'64 worker_connections are not enough, reusing connections'" in found.fix
    assert f"raise worker_connections at {path}:1" in found.fix
    assert "return 444" not in found.fix and "[refuse]" not in found.fix
    assert any(e.source == f"{path}:1" for e in found.evidence)


def test_enough_worker_connections_are_not_blamed(tmp_path: Path) -> None:
    config, _ = _conf(tmp_path, 1024)
    found = _target(config)
    assert "worker_connections 1024" not in found.explanation
    assert "may not run this configuration" not in found.explanation
    assert "3 of 5 requests were answered by alpha" in found.explanation
    assert "return 444" not in found.fix and "[refuse]" not in found.fix
