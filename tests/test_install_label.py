"""``probe endpoint --install``'s default label where several WSGI scripts share a directory.

A re-tester installed the endpoint in site1.wsgi, site2.wsgi and site3.wsgi of one project
directory, chain/: all three answered label 'chain', so the probe could not tell the sites
apart. Each is named by its file name there; a script alone keeps its directory's name
(Django's mysite/mysite/wsgi.py, with asgi.py beside it, is 'mysite').
"""

from __future__ import annotations

import json
from pathlib import Path

from probe.apache.scripts import analyse
from tests.test_install import SCRIPT, invoke, project, serve_once


def _sites(tmp_path: Path, names: tuple[str, ...]) -> list[Path]:
    chain = tmp_path / "project" / "chain"
    chain.mkdir(parents=True)
    scripts = [chain / name for name in names]
    for script in scripts:
        script.write_bytes(SCRIPT)
    return scripts


def test_scripts_sharing_a_directory_are_labelled_by_their_names(tmp_path: Path) -> None:
    scripts = _sites(tmp_path, ("site1.wsgi", "site2.wsgi", "site3.wsgi"))
    for script in scripts:
        result = invoke("--install", str(script))
        assert result.exit_code == 0, result.output
        others = ", ".join(s.name for s in scripts if s != script)
        assert (f"(label {script.stem!r}: the script's name, since other WSGI scripts share "
                f"its directory ({others}); --label gives another") in result.output
    assert [analyse(s.read_text()).label for s in scripts] == ["site1", "site2", "site3"]
    # importlib loads no .wsgi by file location: the same bytes as .py, in the same place
    as_py = scripts[1].with_name("site2_as_py.py")
    as_py.write_bytes(scripts[1].read_bytes())
    served, stderr = serve_once(as_py)
    assert json.loads(served["/__probe__"][1])["label"] == "site2" and stderr == ""


def test_a_script_installed_alone_first_is_named_for_installing_again(tmp_path: Path) -> None:
    """Two .py scripts: the first install sees no other (a .py counts only with a block);
    the second names the first, still labelled 'chain', and a second run relabels it."""
    first, second = _sites(tmp_path, ("one.py", "two.py"))
    assert "(label 'chain')" in invoke("--install", str(first)).output
    said = invoke("--install", str(second)).output
    assert "(label 'two': the script's name" in said
    assert ("one.py answers with the directory's name 'chain' from an earlier install: run "
            "--install on it again to give it its own") in said
    assert "(label 'one': the script's name" in invoke("--install", str(first)).output
    assert analyse(first.read_text()).label == "one"


def test_a_django_project_keeps_its_directory_name(tmp_path: Path) -> None:
    script = project(tmp_path)
    (script.parent / "asgi.py").write_text("application = object()\n")
    (script.parent / "settings.py").write_text("DEBUG = False\n")
    result = invoke("--install", str(script))
    assert result.exit_code == 0 and "(label 'mysite') with" in result.output, result.output


def test_a_given_label_is_used_as_it_is(tmp_path: Path) -> None:
    first, _ = _sites(tmp_path, ("site1.wsgi", "site2.wsgi"))
    result = invoke("--install", str(first), "--label", "shop")
    assert "(label 'shop') with" in result.output, result.output
    assert analyse(first.read_text()).label == "shop"
