"""Who may set the endpoint's code version, and what cannot hang its lookup (security report 1).

The lookup walks up from the WSGI script to ``/`` at wrap(), i.e. while the application is
imported. A ``.git`` FIFO in any directory above used to block that import (every page timed
out), and anyone who could create a ``.git`` above the script (a 1777 directory) chose
``code.version``. As git since CVE-2022-24765: only what root or the script's owner owns
counts, the first marker found ends the search, and every file is read without waiting.
The tests run as root; ``nobody`` plays the other local user.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.contrib.test_endpoint_code_version import VARIABLES, repository, run_script

NOBODY = 65534
FAKE_COMMIT = "1" * 40

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")


@pytest.fixture(autouse=True)
def _no_ambient_version(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def chown_tree(top: Path, uid: int = NOBODY) -> None:
    os.lchown(top, uid, uid)
    for root, dirs, files in os.walk(top):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, uid)


def shared_dir(parent: Path) -> Path:
    """A directory anyone may create files in, as /tmp."""
    shared = parent / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    return shared


def planted_git(where: Path, head: str = FAKE_COMMIT + "\n") -> Path:
    """A ``.git`` whose HEAD names ``head``, made by another user."""
    dot_git = where / ".git"
    (dot_git / "refs" / "heads").mkdir(parents=True)
    (dot_git / "HEAD").write_text(head, encoding="utf-8")
    chown_tree(dot_git)
    return dot_git


def run_unblocked(script: Path, fifo: Path) -> dict[str, Any]:
    """run_script in a thread: a FIFO opened for reading waits for a writer, forever."""
    found: list[dict[str, Any]] = []
    running = threading.Thread(target=lambda: found.append(run_script(script)), daemon=True)
    running.start()
    running.join(10)
    blocked = running.is_alive()
    if blocked:  # let the blocked open() return before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        running.join(10)
    assert not blocked, f"wrap() blocked on the FIFO {fifo}"
    return found[0]


@pytest.mark.parametrize("where", [".git", ".git/HEAD", ".git/refs/heads/main",
                                   ".git/packed-refs"])
def test_a_fifo_above_the_script_does_not_hang_the_import(tmp_path: Path, where: str) -> None:
    fifo = tmp_path / where
    if where != ".git":
        (tmp_path / ".git" / "refs" / "heads").mkdir(parents=True)
        if where != ".git/HEAD":
            (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    os.mkfifo(fifo)
    code = run_unblocked(tmp_path / "proj" / "app" / "wsgi.py", fifo)
    assert (code["version"], code["version_source"]) == (None, None)


def test_a_git_planted_in_a_shared_directory_is_not_believed(tmp_path: Path) -> None:
    shared = shared_dir(tmp_path)
    planted_git(shared)
    code = run_script(shared / "proj" / "app" / "wsgi.py")
    assert (code["version"], code["version_source"]) == (None, None)


def test_a_planted_git_ends_the_search_as_in_git(tmp_path: Path) -> None:
    # git stops at a repository it does not trust ("dubious ownership"): it does not go on
    # to the one above, nor does the endpoint.
    repository(tmp_path / "repo")
    shared = shared_dir(tmp_path / "repo")
    planted_git(shared)
    code = run_script(shared / "proj" / "wsgi.py")
    assert (code["version"], code["version_source"]) == (None, None)


def test_a_planted_version_file_is_not_believed(tmp_path: Path) -> None:
    shared = shared_dir(tmp_path)
    (shared / "REVISION").write_text("chosen-by-nobody\n", encoding="utf-8")
    chown_tree(shared / "REVISION")
    code = run_script(shared / "proj" / "app" / "wsgi.py")
    assert (code["version"], code["version_source"]) == (None, None)


def test_a_planted_link_to_a_real_checkout_is_not_believed(tmp_path: Path) -> None:
    # The link is nobody's, though what it points to is root's.
    repository(tmp_path / "repo")
    shared = shared_dir(tmp_path)
    (shared / ".git").symlink_to(tmp_path / "repo" / ".git")
    os.lchown(shared / ".git", NOBODY, NOBODY)
    (shared / "VERSION").symlink_to(tmp_path / "repo" / "mysite" / "settings.py")
    os.lchown(shared / "VERSION", NOBODY, NOBODY)
    code = run_script(shared / "proj" / "wsgi.py")
    assert (code["version"], code["version_source"]) == (None, None)


def test_a_git_file_naming_another_users_directory_is_not_believed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    planted_git(elsewhere)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / ".git").write_text(f"gitdir: {elsewhere / '.git'}\n", encoding="utf-8")
    code = run_script(tmp_path / "app" / "wsgi.py")
    assert (code["version"], code["version_source"]) == (None, None)


def test_the_scripts_owner_is_believed(tmp_path: Path) -> None:
    # A checkout deployed by its own user (here nobody), served by whoever: the same owner.
    commit = repository(tmp_path / "repo")
    script = tmp_path / "repo" / "mysite" / "wsgi.py"
    run_script(script)  # writes the script
    chown_tree(tmp_path / "repo")
    code = run_script(script)
    assert (code["version"], code["version_source"]) == (commit, f"git:{tmp_path}/repo/.git")


@pytest.mark.parametrize("name", ["REVISION", "VERSION", ".git"])
def test_a_hard_link_planted_in_a_shared_directory_is_not_believed(tmp_path: Path,
                                                                   name: str) -> None:
    # Where fs.protected_hardlinks is 0, another user may hard-link a file root owns into a
    # 1777 directory: the name is theirs to make, the owner (root) is not theirs.
    commit = repository(tmp_path / "repo")
    roots = tmp_path / "roots"
    roots.mkdir()
    (roots / "REVISION").write_text("chosen-by-nobody\n", encoding="utf-8")
    (roots / "VERSION").write_text("chosen-by-nobody\n", encoding="utf-8")
    (roots / ".git").write_text(f"gitdir: {tmp_path / 'repo' / '.git'}\n", encoding="utf-8")
    shared = shared_dir(tmp_path)
    os.link(roots / name, shared / name)
    code = run_script(shared / "proj" / "app" / "wsgi.py")
    assert (code["version"], code["version_source"]) == (None, None)
    assert commit != code["version"]


@pytest.mark.parametrize("mode", [0o755, 0o2755])
def test_a_hard_link_in_the_owners_own_directory_is_believed(tmp_path: Path,
                                                             mode: int) -> None:
    # A release tree copied with rsync --link-dest or cp -al: the unchanged REVISION is one
    # file under two names, both in directories only root may write.
    first, second = tmp_path / "releases" / "1", tmp_path / "releases" / "2"
    first.mkdir(parents=True)
    second.mkdir()
    (first / "REVISION").write_text("v42\n", encoding="utf-8")
    os.link(first / "REVISION", second / "REVISION")
    second.chmod(mode)
    code = run_script(second / "app" / "wsgi.py")
    assert (code["version"], code["version_source"]) == ("v42", f"file:{second / 'REVISION'}")
