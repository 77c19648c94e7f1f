"""``probe lint`` and ``probe discover`` on the corpus of real-world configurations
(``tests/lint/corpus/``, see its README): no false finding, every expected finding found,
and where ``apache2`` is installed, lint's "httpd will not start" agrees with
``apache2 -t`` on a loadable copy."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from probe.discover import discover_paths
from probe.lint import LintResult, lint_paths
from probe.lint.findings import Severity
from probe.manifest import parse

CORPUS = Path(__file__).parent / "corpus"
ENTRIES = sorted(p.stem for p in CORPUS.glob("*.conf"))
MOD_WSGI = sorted(Path("/var/tmp/wsgi-probe-apache-venv").glob(
    "lib/python3*/site-packages/mod_wsgi/server/mod_wsgi-py*.so"))
MODULES = ["mpm_event", "authz_core", "authz_host", "authn_core", "access_compat", "alias",
           "rewrite", "mime", "dir", "env", "setenvif", "headers"]


def expectations(name: str) -> dict[str, Any]:
    return tomllib.loads((CORPUS / f"{name}.toml").read_text())


def copy(name: str, tmp_path: Path) -> Path:
    """The entry with ``@HERE@`` pointing at a copy of its scripts."""
    scripts = CORPUS / "scripts"
    shutil.copytree(scripts, tmp_path / "scripts")
    conf = tmp_path / f"{name}.conf"
    conf.write_text((CORPUS / f"{name}.conf").read_text().replace("@HERE@", str(tmp_path)))
    return conf


def refused(result: LintResult) -> bool:
    return any(f.severity is Severity.ERROR and "httpd will not start" in f.message
               for f in result.findings)


def test_the_corpus_is_big_enough() -> None:
    assert len(ENTRIES) >= 30
    for name in ENTRIES:
        assert (CORPUS / f"{name}.toml").is_file(), name
        assert name in (CORPUS / "README.md").read_text(), name


@pytest.mark.parametrize("name", ENTRIES)
def test_lint_finds_exactly_what_an_expert_expects(name: str, tmp_path: Path) -> None:
    expected = expectations(name)
    result = lint_paths([copy(name, tmp_path)])
    failing = sorted([f.code, f.line] for f in result.findings if f.severity.fails)
    assert failing == sorted(expected["findings"]), result.findings
    notes = {f.code for f in result.findings if not f.severity.fails}
    assert set(expected.get("notes", [])) <= notes


@pytest.mark.parametrize("name", ENTRIES)
def test_discover_writes_a_valid_manifest(name: str, tmp_path: Path) -> None:
    expected = expectations(name)
    text = discover_paths([copy(name, tmp_path)])
    urls = sorted(u for i in parse(text).instances.values() for u in i.urls) \
        if "[instances." in text else []
    if "urls" in expected:
        assert urls == sorted(expected["urls"]), text


@pytest.mark.skipif(shutil.which("apache2") is None or not MOD_WSGI,
                    reason="needs Debian's apache2 and the test mod_wsgi")
@pytest.mark.parametrize("name", [n for n in ENTRIES
                                  if expectations(n).get("httpd", "skip") != "skip"])
def test_httpd_agrees_on_whether_it_starts(name: str, tmp_path: Path) -> None:
    expected = expectations(name)["httpd"]
    conf = copy(name, tmp_path)
    wrapper = tmp_path / "wrapper.conf"
    loads = [f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so" for m in MODULES]
    wrapper.write_text("\n".join([
        f"ServerRoot {tmp_path}", f"PidFile {tmp_path}/httpd.pid",
        f"ErrorLog {tmp_path}/error.log", *loads,
        f"LoadModule wsgi_module {MOD_WSGI[0]}", f"Include {conf}", ""]))
    done = subprocess.run(["apache2", "-t", "-f", str(wrapper)], capture_output=True,
                          text=True, timeout=60, check=False,
                          env={"PATH": "/usr/sbin:/usr/bin:/bin", "APACHE_LOG_DIR": "/tmp"})
    assert ("ok" if done.returncode == 0 else "refuses") == expected, done.stderr
    assert refused(lint_paths([wrapper])) == (expected == "refuses")


def test_discover_labels_instances_a_sweep_could_not_tell_apart(tmp_path: Path) -> None:
    # Two .wsgi scripts without wrap(label=...) or settings: a manifest of them as they are
    # would be refused (nothing tells them apart); discover proposes their names as labels.
    text = discover_paths([copy("addhandler-directory", tmp_path)])
    loaded = parse(text)
    assert [(i.name, i.label) for i in loaded.instances.values()] == [
        ("handlers", "handlers"), ("handlers-2", "handlers-2")]
    script = tmp_path / "scripts" / "handlers" / "status.wsgi"
    assert (f"# {script} gives no label, and nothing else here tells this instance apart: "
            f"install the endpoint with probe endpoint --install {script} --label handlers-2"
            ) in text
