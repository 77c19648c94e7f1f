"""The endpoint's code version, found at wrap() without the user's help (issue 24).

Each source is built as a deploy leaves it (a variable, a Capistrano REVISION file, a real git
checkout made by git, a worktree, packed refs), then a WSGI script in it calls wrap() as
mod_wsgi runs a script, and the answer's ``code`` says what was found and where.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.contrib.test_wsgi_endpoint import ENDPOINT, Inner, call, environ_for, load_endpoint

VARIABLES: tuple[str, ...] = load_endpoint().CODE_VERSION_VARIABLES


@pytest.fixture(autouse=True)
def _no_ambient_version(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def run_script(script: Path, arguments: str = "") -> dict[str, Any]:
    """Write a WSGI script that loads the endpoint by path and wraps, run it, probe it."""
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(
        f"import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('we_version', {str(ENDPOINT)!r})\n"
        f"we = importlib.util.module_from_spec(spec)\n"
        f"spec.loader.exec_module(we)\n"
        f"application = we.wrap(lambda e, s: [], {arguments})\n", encoding="utf-8")
    namespace: dict[str, Any] = {"__file__": str(script), "__name__": "wsgi_under_test"}
    exec(compile(script.read_text(encoding="utf-8"), str(script), "exec"), namespace)  # noqa: S102 - runs the WSGI script as mod_wsgi does
    code: dict[str, Any] = call(namespace["application"], environ_for()).json["code"]
    return code


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, text=True, capture_output=True,
                          check=True, timeout=60)
    return done.stdout.strip()


def repository(top: Path) -> str:
    """A git repository with one commit of a Django-like layout; returns the commit."""
    top.mkdir(parents=True)
    git(top, "init", "-q", "-b", "main")
    (top / "mysite").mkdir()
    (top / "mysite" / "settings.py").write_text("DEBUG = False\n", encoding="utf-8")
    git(top, "add", ".")
    git(top, "commit", "-q", "-m", "first")
    return git(top, "rev-parse", "HEAD")


def test_nothing_found_is_null(tmp_path: Path) -> None:
    code = run_script(tmp_path / "plain" / "mysite" / "wsgi.py")
    assert (code["version"], code["version_source"]) == (None, None)


def test_a_deploy_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RENDER_GIT_COMMIT", "  4f9c2e1\n")
    monkeypatch.setenv("GIT_COMMIT", "older-choice")
    code = run_script(tmp_path / "mysite" / "wsgi.py")
    assert (code["version"], code["version_source"]) == ("4f9c2e1", "env:RENDER_GIT_COMMIT")
    monkeypatch.setenv("WSGI_PROBE_CODE_VERSION", "2026.12.06-1")
    code = run_script(tmp_path / "mysite" / "wsgi.py")
    assert (code["version"], code["version_source"]) == (
        "2026.12.06-1", "env:WSGI_PROBE_CODE_VERSION")


def test_a_variable_that_is_no_version_is_skipped(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WSGI_PROBE_CODE_VERSION", "\x1b[31mred")
    monkeypatch.setenv("SOURCE_VERSION", "x" * 500)
    monkeypatch.setenv("GIT_REV", "abc123")
    code = run_script(tmp_path / "mysite" / "wsgi.py")
    assert (code["version"], code["version_source"]) == ("abc123", "env:GIT_REV")


def test_the_explicit_version_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WSGI_PROBE_CODE_VERSION", "from-env")
    code = run_script(tmp_path / "mysite" / "wsgi.py", "code_version='v7'")
    assert (code["version"], code["version_source"]) == ("v7", "wrap")
    code = run_script(tmp_path / "mysite" / "wsgi.py", "version='v6'")
    assert (code["version"], code["version_source"]) == ("v6", "wrap")


def test_capistrano_revision_file(tmp_path: Path) -> None:
    # Capistrano: /var/www/app/releases/STAMP/REVISION beside the code; current -> that release.
    release = tmp_path / "app" / "releases" / "20261206070000"
    release.mkdir(parents=True)
    (release / "REVISION").write_text("9e1d2c3b4a5f60718293a4b5c6d7e8f901234567\n",
                                      encoding="utf-8")
    (tmp_path / "app" / "current").symlink_to(release)
    code = run_script(tmp_path / "app" / "current" / "mysite" / "wsgi.py")
    assert code["version"] == "9e1d2c3b4a5f60718293a4b5c6d7e8f901234567"
    assert code["version_source"] == f"file:{tmp_path}/app/current/REVISION"


def test_the_nearest_marker_wins(tmp_path: Path) -> None:
    repository(tmp_path / "repo")
    (tmp_path / "repo" / "mysite" / "VERSION").write_text("1.4.2\nnotes\n", encoding="utf-8")
    code = run_script(tmp_path / "repo" / "mysite" / "wsgi.py")
    assert (code["version"], code["version_source"]) == (
        "1.4.2", f"file:{tmp_path}/repo/mysite/VERSION")


def test_git_checkout_on_a_branch(tmp_path: Path) -> None:
    commit = repository(tmp_path / "repo")
    code = run_script(tmp_path / "repo" / "mysite" / "wsgi.py")
    assert (code["version"], code["version_source"]) == (commit, f"git:{tmp_path}/repo/.git")


def test_git_packed_refs_and_a_detached_head(tmp_path: Path) -> None:
    top = tmp_path / "repo"
    first = repository(top)
    git(top, "pack-refs", "--all")
    assert not (top / ".git" / "refs" / "heads" / "main").exists()
    assert run_script(top / "mysite" / "wsgi.py")["version"] == first
    (top / "mysite" / "more.py").write_text("X = 1\n", encoding="utf-8")
    git(top, "add", ".")
    git(top, "commit", "-q", "-m", "second")
    git(top, "checkout", "-q", "--detach", first)
    assert run_script(top / "mysite" / "wsgi.py")["version"] == first


def test_git_worktree(tmp_path: Path) -> None:
    top = tmp_path / "repo"
    repository(top)
    git(top, "branch", "release")
    git(top, "worktree", "add", "-q", str(tmp_path / "deployed"), "release")
    (tmp_path / "deployed" / "mysite" / "more.py").write_text("X = 1\n", encoding="utf-8")
    git(tmp_path / "deployed", "add", ".")
    git(tmp_path / "deployed", "commit", "-q", "-m", "release only")
    release = git(tmp_path / "deployed", "rev-parse", "HEAD")
    assert (tmp_path / "deployed" / ".git").is_file()
    code = run_script(tmp_path / "deployed" / "mysite" / "wsgi.py")
    assert (code["version"], code["version_source"]) == (
        release, f"git:{tmp_path}/deployed/.git")


@pytest.mark.parametrize("head", ["ref: refs/heads/../../../etc/passwd\n", "garbage\n", "",
                                  "ref: refs/heads/missing\n"])
def test_a_broken_checkout_is_null_not_an_error(tmp_path: Path, head: str) -> None:
    top = tmp_path / "repo"
    repository(top)
    (top / ".git" / "HEAD").write_text(head, encoding="utf-8")
    code = run_script(top / "mysite" / "wsgi.py")
    assert (code["version"], code["version_source"]) == (None, None)


def test_an_unreadable_marker_is_null(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "REVISION").write_bytes(b"\xff\xfe\x00binary")
    code = run_script(tmp_path / "app" / "wsgi.py")
    assert (code["version"], code["version_source"]) == (None, None)


def test_found_once_at_wrap_not_per_request(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "REVISION").write_text("r1\n", encoding="utf-8")
    we = load_endpoint("we_once")
    app = we.wrap(Inner())
    assert call(app, environ_for()).json["code"]["version"] != "r2"
    namespace: dict[str, Any] = {"__file__": str(tmp_path / "app" / "wsgi.py"), "we": we,
                                 "Inner": Inner}
    exec("application = we.wrap(Inner())", namespace)  # noqa: S102 - a script's wrap() call
    (tmp_path / "app" / "REVISION").write_text("r2\n", encoding="utf-8")
    assert call(namespace["application"], environ_for()).json["code"]["version"] == "r1"


def test_a_ref_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    """HEAD names a ref with ``..``: a file elsewhere that looks like a commit is not used."""
    top = tmp_path / "repo"
    repository(top)
    (tmp_path / "elsewhere").write_text("ab" * 20 + "\n", encoding="utf-8")
    (top / ".git" / "HEAD").write_text("ref: refs/heads/../../../../elsewhere\n", encoding="utf-8")
    code = run_script(top / "mysite" / "wsgi.py")
    assert (code["version"], code["version_source"]) == (None, None)
