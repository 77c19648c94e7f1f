"""The own-daemon-group fix of two applications sharing an interpreter, applied to a real
Apache as printed (tester T26, Graham Dumpleton's classic cause (a)). Both WSGI scripts import
their code base by WSGIPythonPath alone, as ``django-admin startproject``'s do: the printed
fix once named no python-path=, and the new group answered 500 (ModuleNotFoundError), as
WSGIPythonPath reaches no daemon process. The fix now carries it, with its line; without it,
the 500's diagnosis names both lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .apache import SITES_SRC
from .apache_blocks import CATCH_ALL, ONE_CHILD, SUBURL_PAIR
from .conftest import ApacheFactory
from .test_evidence_scenarios import target
from .test_scenarios import sweep

pytestmark = pytest.mark.apache

SITE = (ONE_CHILD + "\nWSGIPythonPath @SITES@\nWSGIApplicationGroup %{GLOBAL}\n\n"
        + CATCH_ALL + "\n" + SUBURL_PAIR)
SUBURL, SITE2 = "http://site-1.example.com/suburl/", "http://site-2.example.com/"
_INSERT = re.compile(r"CODE_BASE = .*?sys\.path\.insert\(0, CODE_BASE\)\n", re.S)


def _scripts() -> dict[str, str]:
    """The test sites' scripts without their own sys.path insert: WSGIPythonPath imports."""
    scripts = {}
    for name in ("project-1/wsgi.py", "project-2/wsgi.py"):
        text, done = _INSERT.subn("", (SITES_SRC / name).read_text(encoding="utf-8"))
        assert done == 1, name
        scripts[name] = text
    return scripts


def _manifest(tmp_path: Path) -> Path:
    path = tmp_path / "global.toml"
    path.write_text(f"""\
[instances.project-1]
label = "project-1"
settings = "mysite.settings"
urls = ["http://site-1.example.com/"]

[instances.project-2]
label = "project-2"
settings = "mysite.settings_two"
urls = ["{SUBURL}", "{SITE2}"]
""", encoding="utf-8")
    return path


def _applied(line: str, sites: Path) -> str:
    """The site with the printed WSGIDaemonProcess line outside any VirtualHost and
    process-group= on project-2's WSGIScriptAlias lines, as the fix says."""
    line = line.replace(str(sites), "@SITES@")
    text = SITE.replace("WSGIApplicationGroup %{GLOBAL}\n",
                        f"WSGIApplicationGroup %{{GLOBAL}}\n{line}\n")
    return text.replace("project-2/wsgi.py\n", "project-2/wsgi.py process-group=project-2\n")


def test_the_printed_own_group_carries_wsgipythonpath_and_the_urls_answer(
        apache: ApacheFactory, tmp_path: Path) -> None:
    manifest, files = _manifest(tmp_path), _scripts()
    server = apache(SITE, files=files)
    assert server.get("/", "site-1.example.com").status_code == 404  # project-1 first
    _, report, context = sweep(server, manifest, "--config", str(server.conf_path))
    found = target(report, SITE2)
    assert (found["verdict"], found["cause"]) == ("settings_mismatch",
                                                  "shared_interpreter"), context
    conf = server.conf_path.read_text(encoding="utf-8").splitlines()
    path_line = 1 + next(i for i, t in enumerate(conf) if t.startswith("WSGIPythonPath"))
    printed = re.search(r"'(WSGIDaemonProcess project-2 [^']*)' outside any VirtualHost",
                        found["fix"])
    assert printed is not None, found["fix"]
    assert printed.group(1) == f"WSGIDaemonProcess project-2 python-path={server.sites}", \
        found["fix"]
    assert (f"python-path= from WSGIPythonPath at {server.conf_path}:{path_line}, which does "
            f"not reach daemon processes") in found["fix"]

    fixed = apache(_applied(printed.group(1), server.sites), files=files)
    assert fixed.get("/", "site-1.example.com").status_code == 404
    _, again, context = sweep(fixed, manifest)
    assert [(t["url"], t["verdict"]) for t in again["targets"]] == [
        ("http://site-1.example.com/", "ok"), (SUBURL, "ok"), (SITE2, "ok")], context


def test_the_group_without_python_path_fails_and_the_500_names_both_lines(
        apache: ApacheFactory, tmp_path: Path) -> None:
    manifest = _manifest(tmp_path)
    server = apache(_applied("WSGIDaemonProcess project-2", Path("/nowhere")), files=_scripts())
    assert server.get("/", "site-1.example.com").status_code == 404
    _, report, context = sweep(server, manifest, "--config", str(server.conf_path))
    assert "ModuleNotFoundError" in server.error_log(), context
    conf = server.conf_path.read_text(encoding="utf-8").splitlines()
    daemon = 1 + next(i for i, t in enumerate(conf) if t.startswith("WSGIDaemonProcess"))
    path_line = 1 + next(i for i, t in enumerate(conf) if t.startswith("WSGIPythonPath"))
    for url in (SUBURL, SITE2):
        found = target(report, url)
        assert found["verdict"] == "http_error", context
        assert "runs embedded in Apache" not in found["explanation"], found["explanation"]
        assert (f"WSGIDaemonProcess project-2 ({server.conf_path}:{daemon}) sets no "
                f"python-path=, while the main server's WSGIPythonPath "
                f"({server.conf_path}:{path_line})") in found["explanation"], found
        assert f"Add python-path={server.sites}" in found["fix"], found["fix"]
        assert "ModuleNotFoundError" in found["fix"], found["fix"]
