"""``--save-baseline FILE`` replaces only a baseline (or an empty file): any other existing
file is refused with one line and exit 2 before a request is sent, so a typo cannot destroy
unrelated data; a new baseline is 0600 whatever the umask (it names every host and path
swept), a baseline replaced keeps its mode (probe.baseline.refuse_other_file, save). The
sweeps are the real command (click's runner) against a real server on loopback."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from probe.cli import main
from tests.loopback_wsgi import serve

REFUSED = ("probe: --save-baseline {path}: the file exists and is not a wsgi-probe baseline: "
           "not overwritten; give another path, or remove it first\n")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    """A manifest of one URL of a loopback server, and the paths it was asked for."""
    asked: list[str] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        asked.append(environ["PATH_INFO"])
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]

    with serve(app) as port:
        (tmp_path / "m.toml").write_text(
            f'[probe]\nsamples = 1\n[instances.a]\nlabel = "a"\n'
            f'urls = ["http://127.0.0.1:{port}/"]\n')
        yield tmp_path, asked


def sweep(where: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["sweep", "-m", str(where / "m.toml"), "--timeout", "5",
                                     "--no-extra-probes", *args])


@pytest.mark.parametrize("content", [
    "not json\n", "{}", '{"kind": "something-else", "schema": 1}', "[1, 2]",
    '  {"entries": [], "kind": "wsgi-probe-baselinex"}', "{ not json",
], ids=["text", "empty-object", "other-kind", "list", "near-kind", "broken-object"])
def test_a_file_that_is_not_a_baseline_is_refused_before_probing(
        site: tuple[Path, list[str]], content: str) -> None:
    where, asked = site
    other = where / "notes.txt"
    other.write_text(content)
    result = sweep(where, "--save-baseline", str(other))
    assert result.exit_code == 2, result.output
    assert result.output == REFUSED.format(path=other)
    assert other.read_text() == content
    assert asked == []  # refused before the sweep


def test_a_baseline_reordered_or_an_empty_file_is_replaced(
        site: tuple[Path, list[str]]) -> None:
    where, asked = site
    baseline = where / "base.json"
    assert sweep(where, "--save-baseline", str(baseline)).exit_code == 1
    # Keys sorted (jq -S): "kind" is no longer first; the whole file tells.
    baseline.write_text(json.dumps(json.loads(baseline.read_text()), sort_keys=True))
    assert sweep(where, "--save-baseline", str(baseline)).exit_code == 1
    assert baseline.read_text().startswith('{\n  "kind": "wsgi-probe-baseline"')
    for name, blank in (("empty.json", ""), ("blank.json", "\n \n")):  # mktemp's: nothing lost
        (where / name).write_text(blank)
        assert sweep(where, "--save-baseline", str(where / name)).exit_code == 1
        assert json.loads((where / name).read_text())["kind"] == "wsgi-probe-baseline"
    assert len(asked) == 4


def test_a_new_baseline_is_0600_and_a_replaced_one_keeps_its_mode(
        site: tuple[Path, list[str]]) -> None:
    where, _ = site
    baseline = where / "base.json"
    mask = os.umask(0o022)
    try:
        assert sweep(where, "--save-baseline", str(baseline)).exit_code == 1
        assert stat.S_IMODE(baseline.stat().st_mode) == 0o600
        baseline.chmod(0o640)
        assert sweep(where, "--save-baseline", str(baseline)).exit_code == 1
        assert stat.S_IMODE(baseline.stat().st_mode) == 0o640
        # A report (-o) is not a baseline: it still follows the umask, as open() would.
        assert sweep(where, "-o", str(where / "report.txt")).exit_code == 1
        assert stat.S_IMODE((where / "report.txt").stat().st_mode) == 0o644
    finally:
        os.umask(mask)


def test_o_replaces_any_file_as_curl_o_does(site: tuple[Path, list[str]]) -> None:
    where, _ = site
    notes = where / "notes.txt"
    notes.write_text("not a report\n")
    assert sweep(where, "-o", str(notes)).exit_code == 1
    assert "notes.txt" not in notes.read_text() and notes.read_text() != "not a report\n"
