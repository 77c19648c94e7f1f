"""Shared by the corpus tests: reading an entry, copying it where httpd and lint can read it,
the wrapper httpd needs to load a fragment, and the score of lint against the expectations."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from probe.lint import LintResult

CORPUS = Path(__file__).parent / "corpus"
ENTRIES = sorted(p.stem for p in CORPUS.glob("*.conf"))
MOD_WSGI = sorted(Path("/var/tmp/wsgi-probe-apache-venv").glob(
    "lib/python3*/site-packages/mod_wsgi/server/mod_wsgi-py*.so"))
MODULES = ["mpm_event", "authz_core", "authz_host", "authn_core", "access_compat", "alias",
           "rewrite", "mime", "dir", "env", "setenvif", "headers"]
HTTPD_ENV = {"PATH": "/usr/sbin:/usr/bin:/bin", "APACHE_LOG_DIR": "/tmp", "LANG": "C"}


def expectations(name: str) -> dict[str, Any]:
    return tomllib.loads((CORPUS / f"{name}.toml").read_text())


def is_new(name: str) -> bool:
    """Entries added for issue 23, after the rules were written: the measurement that
    matters is on these."""
    return expectations(name).get("set") == "new"


def subset(name: str) -> str:
    """``tuned`` (the rules were written on them), ``new`` (issue 23, the rules were then
    tuned on them too) or ``held-out`` (expectations committed before lint ever ran on
    them, rules not changed since)."""
    return str(expectations(name).get("set", "tuned"))


def front(name: str) -> str:
    """``apache`` (the default) or ``nginx``: which lint reads the entry (``probe lint`` or
    ``probe lint --front nginx``)."""
    return str(expectations(name).get("front", "apache"))


def module_path() -> str:
    return str(MOD_WSGI[0]) if MOD_WSGI else "/usr/lib/apache2/modules/mod_wsgi.so"


def copy(name: str, tmp_path: Path) -> Path:
    """The entry with ``@HERE@`` pointing at a copy of its scripts and ``@MODWSGI@`` at the
    test mod_wsgi."""
    scripts = CORPUS / "scripts"
    if not (tmp_path / "scripts").exists():
        shutil.copytree(scripts, tmp_path / "scripts")
    conf = tmp_path / f"{name}.conf"
    text = (CORPUS / f"{name}.conf").read_text()
    if front(name) == "nginx":
        text = nginx_etc(name, tmp_path, text)
    conf.write_text(text.replace("@HERE@", str(tmp_path)).replace("@MODWSGI@", module_path()))
    return conf


def nginx_etc(name: str, tmp_path: Path, text: str) -> str:
    """An nginx entry's ``/etc/nginx/`` pointed at a copy of ``nginx-etc/`` (Debian's
    uwsgi_params, a short mime.types), so its includes read the same files on a machine
    without nginx; its ``beside`` files copied next to it, for relative includes that nginx
    resolves in its conf directory."""
    etc = tmp_path / "nginx-etc"
    if not etc.exists():
        shutil.copytree(CORPUS / "nginx-etc", etc)
    for file in expectations(name).get("beside", []):
        shutil.copy(etc / file, tmp_path / file)
    return text.replace("/etc/nginx/", f"{etc}/")


def wrapper(conf: Path, tmp_path: Path) -> Path:
    """A main configuration httpd can load: the event MPM, the usual modules and the test
    mod_wsgi, then the entry."""
    loads = [f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so" for m in MODULES]
    path = tmp_path / "wrapper.conf"
    path.write_text("\n".join([
        f"ServerRoot {tmp_path}", f"PidFile {tmp_path}/httpd.pid",
        f"ErrorLog {tmp_path}/error.log", "TypesConfig /etc/mime.types", *loads,
        f"LoadModule wsgi_module {module_path()}", f"Include {conf}", ""]))
    return path


def httpd(flag: str, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["apache2", flag, "-f", str(config)], capture_output=True, text=True,
                          timeout=60, check=False, env=HTTPD_ENV)


@dataclass
class Score:
    """Failing findings (warnings and errors) against the expected ones, by (code, line)."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    entries: int = 0

    def add(self, expected: list[list[Any]], result: LintResult) -> None:
        want = sorted((str(c), int(n)) for c, n in expected)
        got = sorted((f.code, f.line) for f in result.findings if f.severity.fails)
        hits = 0
        left = list(got)
        for item in want:
            if item in left:
                left.remove(item)
                hits += 1
        self.true_positives += hits
        self.false_negatives += len(want) - hits
        self.false_positives += len(left)
        self.entries += 1

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    def cells(self) -> str:
        """Precision and recall as docs/lint.md's table writes them."""
        found = self.true_positives + self.false_positives
        expected = self.true_positives + self.false_negatives
        return (f"{self.precision:.0%} ({self.true_positives}/{found}) | "
                f"{self.recall:.0%} ({self.true_positives}/{expected})")

    def line(self, label: str) -> str:
        return (f"{label}: {self.entries} entries, precision {self.precision:.0%} "
                f"({self.true_positives}/{self.true_positives + self.false_positives}), "
                f"recall {self.recall:.0%} "
                f"({self.true_positives}/{self.true_positives + self.false_negatives})")
