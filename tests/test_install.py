"""``probe endpoint --install``: the guarded block, idempotence, exact uninstall, refusals.

The block is executed for real (in a fresh interpreter, as a WSGI server would import the
script) against a working and against deliberately broken endpoint files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from probe import endpoint_source, install
from probe.apache.scripts import analyse
from probe.cli import main
from probe.install_files import MAX_SCRIPT_BYTES

ENDPOINT = endpoint_source.read().encode("utf-8")

# Django's startproject wsgi.py, minus Django: the application answers every path itself.
SCRIPT = b'''"""WSGI config for mysite project."""

import os

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"the site itself"]
'''

# Imports the script the way a WSGI server does (a module with __file__) and calls its
# application twice: on a page and on the probe URL.
RUNNER = textwrap.dedent("""
    import importlib.util, json, sys
    from wsgiref.util import setup_testing_defaults

    spec = importlib.util.spec_from_file_location("the_wsgi_script", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = {}
    for path in ("/", "/__probe__"):
        environ = {"PATH_INFO": path, "REMOTE_ADDR": "127.0.0.1"}
        if len(sys.argv) > 2:
            environ["HTTP_X_PROBE_TOKEN"] = sys.argv[2]
        setup_testing_defaults(environ)
        statuses = []
        body = b"".join(module.application(environ, lambda s, h, e=None: statuses.append(s)))
        out[path] = [statuses[0], body.decode("utf-8")]
    print(json.dumps(out))
""")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, ["endpoint", *args])


def project(tmp_path: Path, content: bytes = SCRIPT) -> Path:
    package = tmp_path / "mysite" / "mysite"
    package.mkdir(parents=True)
    script = package / "wsgi.py"
    script.write_bytes(content)
    return script


def serve_once(script: Path, python: str = sys.executable) -> tuple[dict[str, Any], str]:
    """(status and body of / and /__probe__, stderr) from a fresh interpreter.

    The probe request carries the token of the token file the install made, if there is one.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "WSGI_PROBE"))}
    token = script.parent / "wsgi_endpoint.token"
    args = [token.read_text(encoding="ascii").strip()] if token.exists() else []
    done = subprocess.run([python, "-c", RUNNER, str(script), *args], capture_output=True,
                          text=True,
                          env=env, cwd=script.parent.parent.parent, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result, done.stderr


def one_line(result: Result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- install -----------------------------------------------------------------------------------


def test_install_wraps_application_and_the_endpoint_answers(tmp_path: Path) -> None:
    script = project(tmp_path)
    result = invoke("--install", str(script))
    assert result.exit_code == 0, result.output
    assert (script.parent / "wsgi_endpoint.py").read_bytes() == ENDPOINT
    assert script.read_bytes().startswith(SCRIPT)
    served, stderr = serve_once(script)
    assert served["/"] == ["200 OK", "the site itself"]
    status, body = served["/__probe__"]
    assert status == "200 OK"
    answer = json.loads(body)
    assert answer["label"] == "mysite"  # the script's directory
    assert answer["settings_module"]["environ"] == "mysite.settings"
    assert stderr == ""


def test_the_label_is_given_and_readable_by_discover(tmp_path: Path) -> None:
    script = project(tmp_path)
    assert invoke("--install", str(script), "--label", "shop 'eu' ü").exit_code == 0
    assert analyse(script.read_text(encoding="utf-8")).label == "shop 'eu' ü"
    served, _ = serve_once(script)
    assert json.loads(served["/__probe__"][1])["label"] == "shop 'eu' ü"


def test_the_label_of_a_linked_script_is_the_link_s_directory(tmp_path: Path) -> None:
    # Capistrano's layout: the server is given /srv/site/wsgi.py, a link into this release.
    release = tmp_path / "srv" / "releases" / "2026-12-01"
    release.mkdir(parents=True)
    (release / "wsgi.py").write_bytes(SCRIPT)
    site = tmp_path / "srv" / "site"
    site.mkdir()
    link = site / "wsgi.py"
    link.symlink_to(release / "wsgi.py")
    result = invoke("--install", str(link))
    assert result.exit_code == 0, result.output
    assert "(label 'site')" in result.output
    # Loaded by the path the server was given, as mod_wsgi loads WSGIScriptAlias's.
    served, stderr = serve_once(link)
    assert json.loads(served["/__probe__"][1])["label"] == "site" and stderr == ""


def test_the_script_directory_is_not_put_on_sys_path(tmp_path: Path) -> None:
    script = project(tmp_path, SCRIPT + b"import sys\nPATH_BEFORE = list(sys.path)\n")
    assert invoke("--install", str(script)).exit_code == 0
    script.write_bytes(script.read_bytes() + b"assert sys.path == PATH_BEFORE, sys.path\n"
                       b"assert 'wsgi_endpoint' not in sys.modules\n")
    serve_once(script)


def test_install_twice_changes_nothing(tmp_path: Path) -> None:
    script = project(tmp_path)
    assert invoke("--install", str(script)).exit_code == 0
    first = script.read_bytes()
    stamp = script.stat().st_mtime_ns
    again = invoke("--install", str(script))
    assert again.exit_code == 0
    assert "nothing changed" in again.stdout
    assert script.read_bytes() == first
    assert script.stat().st_mtime_ns == stamp
    assert first.count(install.BEGIN.encode()) == 1


def test_install_again_with_another_label_replaces_the_block_and_keeps_later_code(
        tmp_path: Path) -> None:
    script = project(tmp_path)
    assert invoke("--install", str(script), "--label", "one").exit_code == 0
    script.write_bytes(script.read_bytes() + b"LATER = 1\n")
    assert invoke("--install", str(script), "--label", "two").exit_code == 0
    text = script.read_bytes()
    assert text.count(install.BEGIN.encode()) == 1
    assert b"label='two'" in text and b"label='one'" not in text
    assert text.endswith(install.END.encode() + b"\nLATER = 1\n")


def shipped_endpoints() -> list[bytes]:
    """Every contrib/wsgi_endpoint.py of this repository's history (git), oldest last."""
    root = Path(__file__).resolve().parents[1]
    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("no git history here")
    commits = subprocess.run(["git", "log", "--format=%H", "--", "contrib/wsgi_endpoint.py"],
                             cwd=root, capture_output=True, text=True, check=True,
                             timeout=60).stdout.split()
    versions = []
    for commit in commits:
        shown = subprocess.run(["git", "show", f"{commit}:contrib/wsgi_endpoint.py"], cwd=root,
                               capture_output=True, check=False, timeout=60)
        if shown.returncode == 0 and shown.stdout:  # (the file began empty: never shipped)
            versions.append(shown.stdout)
    return versions


def test_every_endpoint_ever_shipped_is_known_as_ours() -> None:
    from probe import endpoint_versions

    versions = [*shipped_endpoints(), ENDPOINT]
    missing = {endpoint_versions.digest(v) for v in versions} - endpoint_versions.SHIPPED
    assert not missing, f"add to probe/endpoint_versions.py SHIPPED: {sorted(missing)}"
    assert endpoint_versions.digest(b"") not in endpoint_versions.SHIPPED


def test_install_refreshes_an_outdated_endpoint_file(tmp_path: Path) -> None:
    script = project(tmp_path)
    assert invoke("--install", str(script)).exit_code == 0
    older = shipped_endpoints()[-1]
    assert older != ENDPOINT
    (script.parent / "wsgi_endpoint.py").write_bytes(older)
    assert invoke("--install", str(script)).exit_code == 0
    assert (script.parent / "wsgi_endpoint.py").read_bytes() == ENDPOINT


def test_dry_run_prints_a_diff_and_writes_nothing(tmp_path: Path) -> None:
    script = project(tmp_path)
    result = invoke("--install", str(script), "--dry-run")
    assert result.exit_code == 0
    assert script.read_bytes() == SCRIPT
    assert not (script.parent / "wsgi_endpoint.py").exists()
    lines = result.stdout.splitlines()
    # git's a/ b/ before the absolute path, without a double slash (issue 24)
    assert lines[0] == f"--- a/{str(script).lstrip('/')}"
    assert lines[1] == f"+++ b/{str(script).lstrip('/')}"
    assert "//" not in lines[0] + lines[1]
    assert f"+{install.BEGIN}" in "\n".join(lines)
    assert "+    import sys" in lines
    # it is a real patch: applied, it gives what --install writes
    if shutil.which("patch") is None:
        pytest.skip("no patch(1) to apply the diff with")
    # the header's path is the file's: patch -p1 from / finds it without being told
    subprocess.run(["patch", "-s", "-p1", "-d", "/"], input=result.stdout, text=True,
                   check=True, capture_output=True, timeout=30)
    other = tmp_path / "other"
    other.mkdir()
    installed = other / "installed.py"
    installed.write_bytes(SCRIPT)
    install.apply(install.plan_install(installed, "mysite", ENDPOINT))
    assert script.read_bytes() == installed.read_bytes()


# -- uninstall ---------------------------------------------------------------------------------

ORIGINALS = {
    "startproject": SCRIPT,
    "no-newline-at-end": SCRIPT.rstrip(b"\n"),
    "blank-lines-at-end": SCRIPT + b"\n\n\n",
    "crlf": SCRIPT.replace(b"\n", b"\r\n"),
    "latin-1": b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + SCRIPT,
    "one-line": b"from elsewhere import application",
}


@pytest.mark.parametrize("original", ORIGINALS.values(), ids=ORIGINALS.keys())
def test_uninstall_restores_the_script_byte_for_byte(tmp_path: Path, original: bytes) -> None:
    script = project(tmp_path, original)
    assert invoke("--install", str(script)).exit_code == 0
    assert script.read_bytes() != original
    result = invoke("--install", str(script), "--uninstall")
    assert result.exit_code == 0, result.output
    assert script.read_bytes() == original
    assert not (script.parent / "wsgi_endpoint.py").exists()


def test_the_block_uses_the_scripts_line_ending(tmp_path: Path) -> None:
    script = project(tmp_path, ORIGINALS["crlf"])
    assert invoke("--install", str(script)).exit_code == 0
    assert b"\n" not in script.read_bytes().replace(b"\r\n", b"")
    served, _ = serve_once(script)
    assert served["/__probe__"][0] == "200 OK"


def test_uninstall_keeps_the_mode(tmp_path: Path) -> None:
    script = project(tmp_path)
    script.chmod(0o640)
    assert invoke("--install", str(script)).exit_code == 0
    assert script.stat().st_mode & 0o7777 == 0o640
    assert (script.parent / "wsgi_endpoint.py").stat().st_mode & 0o7777 == 0o640
    assert invoke("--install", str(script), "--uninstall").exit_code == 0
    assert script.stat().st_mode & 0o7777 == 0o640


def test_uninstall_keeps_an_endpoint_file_another_script_uses(tmp_path: Path) -> None:
    script = project(tmp_path)
    other = script.parent / "wsgi_two.py"
    other.write_bytes(SCRIPT)
    for path in (script, other):
        assert invoke("--install", str(path)).exit_code == 0
    assert invoke("--install", str(script), "--uninstall").exit_code == 0
    assert script.read_bytes() == SCRIPT
    assert (script.parent / "wsgi_endpoint.py").read_bytes() == ENDPOINT


@pytest.mark.parametrize("blank", [b"\n", b""])
@pytest.mark.parametrize("later", [b"from whitenoise import WhiteNoise\n", b""])
def test_uninstall_after_the_blank_lines_were_edited_keeps_the_last_line_whole(
        tmp_path: Path, blank: bytes, later: bytes) -> None:
    """One or both blank lines before the block removed by hand, code added after it: the
    script's last line keeps its line ending (it was joined to the code after the block)."""
    script = project(tmp_path)
    assert invoke("--install", str(script)).exit_code == 0
    edited = script.read_bytes().replace(b"\n\n\n# >>>", b"\n" + blank + b"# >>>") + later
    assert edited != script.read_bytes()
    script.write_bytes(edited)
    assert invoke("--install", str(script), "--uninstall").exit_code == 0
    assert script.read_bytes() == SCRIPT + later
    compile(script.read_bytes(), str(script), "exec")


def test_install_refuses_a_script_the_block_would_take_past_the_size_limit(
        tmp_path: Path) -> None:
    """Under the limit before, over it after: --uninstall could not read it back."""
    script = project(tmp_path, SCRIPT + b"#" * (MAX_SCRIPT_BYTES - len(SCRIPT) - 200)
                     + b"\n")
    assert "would be larger than" in refused(script)
    assert invoke("--install", str(script), "--dry-run").exit_code == 2


def test_uninstall_keeps_an_endpoint_file_a_wsgi_script_uses(tmp_path: Path) -> None:
    """.wsgi is mod_wsgi's usual name for a script."""
    script = project(tmp_path)
    other = script.parent / "site2.wsgi"
    other.write_bytes(SCRIPT)
    for path in (script, other):
        assert invoke("--install", str(path)).exit_code == 0
    assert invoke("--install", str(script), "--uninstall").exit_code == 0
    assert (script.parent / "wsgi_endpoint.py").read_bytes() == ENDPOINT


@pytest.mark.parametrize("code", [
    b"from wsgi_endpoint import wrap\napplication = wrap(application)\n",
    b"import wsgi_endpoint as w\napplication = w.wrap(application)\n"])
def test_refuses_a_script_that_wraps_by_hand_under_another_name(tmp_path: Path,
                                                                code: bytes) -> None:
    """Its own wrap, without the token, would answer before the one installed."""
    script = project(tmp_path, SCRIPT + code)
    said = refused(script)
    assert "wsgi.py:12: already calls wsgi_endpoint.wrap() by hand, without a token" in said
    assert "remove its import and call (lines 11, 12)" in said


def test_uninstall_says_which_lines_edited_into_the_block_went_with_it(tmp_path: Path) -> None:
    script = project(tmp_path)
    assert invoke("--install", str(script)).exit_code == 0
    plain = invoke("--install", str(script), "--uninstall")
    assert "removed with it" not in plain.stdout
    assert invoke("--install", str(script)).exit_code == 0
    script.write_bytes(script.read_bytes().replace(
        b"    import sys\n", b"    import sys\n    sys.path.insert(0, '/srv/lib')\n"))
    said = invoke("--install", str(script), "--uninstall")
    assert said.exit_code == 0 and script.read_bytes() == SCRIPT
    assert "removed with it, lines no install writes: \"sys.path.insert(0, '/srv/lib')\"" in (
        said.stdout)


def test_uninstall_keeps_a_file_that_is_not_ours(tmp_path: Path) -> None:
    # (written after the install: install itself refuses to replace a file not ours)
    script = project(tmp_path)
    assert invoke("--install", str(script)).exit_code == 0
    (script.parent / "wsgi_endpoint.py").write_bytes(b"# somebody's own\n")
    assert invoke("--install", str(script), "--uninstall").exit_code == 0
    assert (script.parent / "wsgi_endpoint.py").read_bytes() == b"# somebody's own\n"


def test_uninstall_without_a_block_changes_nothing(tmp_path: Path) -> None:
    script = project(tmp_path)
    result = invoke("--install", str(script), "--uninstall")
    assert result.exit_code == 0
    assert "nothing changed" in result.stdout
    assert script.read_bytes() == SCRIPT


def test_uninstall_dry_run_shows_the_removal(tmp_path: Path) -> None:
    script = project(tmp_path)
    assert invoke("--install", str(script)).exit_code == 0
    installed = script.read_bytes()
    result = invoke("--install", str(script), "--uninstall", "--dry-run")
    assert result.exit_code == 0
    assert f"-{install.END}" in result.stdout.splitlines()
    assert script.read_bytes() == installed


# -- refusals: exit 2, one line, nothing changed -----------------------------------------------


def refused(script: Path, *args: str) -> str:
    before = script.read_bytes() if script.is_file() else None
    result = invoke("--install", str(script), *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    line = one_line(result)
    assert line.startswith("probe: ")
    if before is not None:
        assert script.read_bytes() == before
    assert not (script.parent / "wsgi_endpoint.py").exists()
    assert not (script.parent / "wsgi_endpoint.token").exists()
    return line


def test_refuses_a_script_without_application(tmp_path: Path) -> None:
    script = project(tmp_path, b"def app(environ, start_response):\n    return []\n")
    assert "defines no 'application'" in refused(script)


@pytest.mark.parametrize("content", [
    b"application = make()\n",
    b"from mysite.wsgi import application\n",
    b"import hello as application\n",
    b"try:\n    application = a()\nexcept ImportError:\n    application = b()\n",
    b"class application:\n    pass\n",
    b"application: object = make()\n",
    b"for application in []:\n    pass\n",
], ids=["assign", "from-import", "import-as", "try", "class", "annotated", "for"])
def test_application_bound_at_module_level_is_found(tmp_path: Path, content: bytes) -> None:
    assert invoke("--install", str(project(tmp_path, content)), "--dry-run").exit_code == 0


def test_application_bound_only_inside_a_function_is_not_enough(tmp_path: Path) -> None:
    script = project(tmp_path, b"def make():\n    application = 1\n    return application\n")
    assert "defines no 'application'" in refused(script)


def test_refuses_a_read_only_script(tmp_path: Path) -> None:
    script = project(tmp_path)
    script.chmod(0o444)
    assert "cannot write it (mode 0444)" in refused(script)


def test_refuses_a_read_only_directory_even_as_root(tmp_path: Path) -> None:
    """Root may write anywhere, yet a read-only directory is one somebody decided should
    not change, as a read-only script is."""
    script = project(tmp_path)
    script.parent.chmod(0o555)
    try:
        assert "cannot write in this directory" in refused(script)
        assert not (script.parent / "wsgi_endpoint.py").exists()
    finally:
        script.parent.chmod(0o755)


def test_refuses_a_directory(tmp_path: Path) -> None:
    script = project(tmp_path)
    assert "is a directory" in refused(script.parent)


def test_refuses_a_missing_file(tmp_path: Path) -> None:
    assert "cannot read" in refused(tmp_path / "nowhere" / "wsgi.py")


def test_refuses_a_script_that_does_not_parse(tmp_path: Path) -> None:
    script = project(tmp_path, b"application = (\n")
    assert "SyntaxError line 1" in refused(script)


def test_refuses_a_script_that_already_wraps_by_hand(tmp_path: Path) -> None:
    """A re-tester's WSGI files wrapped by hand without a token, and the refusal said only
    'remove those lines': it says what to add to the call too, and leaves the file as it was."""
    content = (SCRIPT + b"import wsgi_endpoint\n"
               b"application = wsgi_endpoint.wrap(application, label='x')\n")
    script = project(tmp_path, content)
    said = refused(script)
    token = script.parent / "wsgi_endpoint.token"
    assert "wsgi.py:12: already calls wsgi_endpoint.wrap() by hand, without a token" in said
    assert f"add token_file={str(token)!r} to that call" in said
    assert f"'[probe] token_file = \"{token}\"' in the probe's manifest" in said
    assert "remove its import and call (lines 11, 12) and run --install again" in said
    assert "WSGIDaemonProcess group=" in said
    assert script.read_bytes() == content and not token.exists()
    assert sorted(p.name for p in script.parent.iterdir()) == ["wsgi.py"]


def test_a_token_file_given_is_the_one_the_refusal_names(tmp_path: Path) -> None:
    script = project(tmp_path, SCRIPT + b"import wsgi_endpoint\n"
                     b"application = wsgi_endpoint.wrap(application)\n")
    given = tmp_path / "secret" / "probe.token"
    said = refused(script, "--token-file", str(given))
    assert f"add token_file={str(given)!r} to that call" in said


def test_a_hand_wrap_with_a_token_is_the_endpoint(tmp_path: Path) -> None:
    script = project(tmp_path, SCRIPT + b"import wsgi_endpoint\n"
                     b"application = wsgi_endpoint.wrap(\n    application,\n"
                     b"    token_file='/etc/probe.token')\n")
    said = refused(script)
    assert "wsgi.py:12: already calls wsgi_endpoint.wrap() by hand, with a token" in said
    assert "that call is the endpoint; give the probe the same token" in said
    assert "add token_file" not in said


def test_refuses_a_script_the_block_would_not_compile_after(tmp_path: Path) -> None:
    script = project(tmp_path, b"application = 1 + \\")
    # the original does not compile either, so this is refused by the parser: use one that does
    assert "SyntaxError" in refused(script)
    script.write_bytes(b"application = 1\nx = '''\n'''")
    assert invoke("--install", str(script), "--dry-run").exit_code == 0


@pytest.mark.parametrize("label", ["", "  "])
def test_refuses_an_empty_label_saying_so(tmp_path: Path, label: str) -> None:
    said = refused(project(tmp_path), "--label", label)
    assert f"--label {label!r}: give a name" in said and "control" not in said


def test_refuses_a_label_with_control_characters(tmp_path: Path) -> None:
    assert "--label" in refused(project(tmp_path), "--label", "a\nb")


def test_an_endpoint_path_that_cannot_be_written_is_refused(tmp_path: Path) -> None:
    script = project(tmp_path)
    (script.parent / "wsgi_endpoint.py").mkdir()
    result = invoke("--install", str(script))
    assert result.exit_code == 2
    assert "wsgi_endpoint.py: is a directory; nothing changed" in one_line(result)
    assert script.read_bytes() == SCRIPT


def test_a_failed_write_leaves_the_script_and_nothing_else(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = project(tmp_path)

    def full(fd: int, old: bytes, new: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(install, "write_through", full)
    result = invoke("--install", str(script))
    assert result.exit_code == 2
    assert "cannot write: No space left on device" in one_line(result)
    assert script.read_bytes() == SCRIPT
    # the endpoint and token files created before the script's write are taken back
    assert sorted(p.name for p in script.parent.iterdir()) == ["wsgi.py"]


@pytest.mark.parametrize("args", [["--label", "x"], ["--dry-run"], ["--uninstall"],
                                  ["--no-token"], ["--token-file", "t"]])
def test_install_options_without_install_are_usage_errors(args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert "go with --install" in one_line(result)


def test_plain_endpoint_still_prints_the_file() -> None:
    result = CliRunner().invoke(main, ["endpoint"])
    assert result.exit_code == 0
    assert result.stdout_bytes == ENDPOINT


# -- the guard, executed: a broken endpoint never breaks the application -----------------------

BROKEN = {
    "syntax-error": b"def wrap(:\n",
    "wrap-raises": b"def wrap(application, **kwargs):\n    raise RuntimeError('boom\\nsecond')\n",
    "import-raises": b"import no_such_module_anywhere\n",
    "exits-at-import": b"raise SystemExit(3)\n",
    "no-wrap": b"X = 1\n",
}


@pytest.mark.parametrize("content", [*BROKEN.values(), None], ids=[*BROKEN.keys(), "missing"])
def test_a_broken_endpoint_leaves_the_application_serving(tmp_path: Path,
                                                          content: bytes | None) -> None:
    script = project(tmp_path)
    assert invoke("--install", str(script)).exit_code == 0
    endpoint = script.parent / "wsgi_endpoint.py"
    if content is None:
        endpoint.unlink()
    else:
        endpoint.write_bytes(content)
    served, stderr = serve_once(script)
    assert served["/"] == ["200 OK", "the site itself"]
    assert served["/__probe__"] == ["200 OK", "the site itself"]  # the application's own
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"wsgi-probe: the probe endpoint is not loaded in {script}")


def test_a_missing_file_global_is_reported_not_raised(tmp_path: Path) -> None:
    # a server that executes the script without __file__ (exec of its source)
    script = project(tmp_path)
    assert invoke("--install", str(script)).exit_code == 0
    code = (f"ns = {{}}\nexec(compile(open({str(script)!r}).read(), 'wsgi', 'exec'), ns)\n"
            "print(ns['application'].__name__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "application"
    assert "KeyError: '__file__'" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def installed_pythons(versions: str) -> list[str]:
    """pyenv's interpreters whose version matches the glob ``versions`` (e.g. ``3.[5-8]``)."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    return [str(p / "bin" / "python") for p in sorted(root.glob(f"{versions}.*"))
            if (p / "bin" / "python").exists()]


def test_an_old_python_runs_the_application_without_the_endpoint(tmp_path: Path) -> None:
    pythons = installed_pythons("3.[5-8]")
    if not pythons:
        pytest.skip("no Python older than 3.9 on this machine")
    script = project(tmp_path)
    assert invoke("--install", str(script)).exit_code == 0
    served, stderr = serve_once(script, pythons[0])
    assert served["/__probe__"] == ["200 OK", "the site itself"]
    assert "it needs 3.9 or newer" in stderr
    assert len(stderr.splitlines()) == 1


def test_the_block_is_python_2_and_3_syntax() -> None:
    import ast

    block = install.render_block("x").decode("ascii")
    for version in ((3, 4), (3, 9)):
        ast.parse(block, feature_version=version)
    assert "f\"" not in block and "f'" not in block  # no f-strings
    for python2 in installed_pythons("2.7")[:1]:
        subprocess.run([python2, "-c", "import sys; compile(sys.stdin.read(), 'b', 'exec')"],
                       input=block, text=True, check=True, timeout=60)
