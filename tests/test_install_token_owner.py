"""``probe endpoint --install --token-file``: a token file another user owns, or reaches
through a link they planted, or may write, is refused; ``--no-token`` over a token says so.

A security tester, as nobody, wrote ``/tmp/t37ww/x.token`` (0640, nobody:nogroup); root's
``--install --token-file`` adopted it (exit 0) and a real gunicorn's endpoint then answered
nobody's token. Another user's files are made by root with ``os.chown``; the install by
another user runs as nobody."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_install import SCRIPT, invoke, project, refused
from tests.test_install_safety import as_nobody, nobody_can_run_probe

NOBODY = 65534
OTHER = 1234
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="another user's files need root")


@pytest.fixture
def public() -> Iterator[Path]:
    """A sticky world-writable directory like /tmp, which nobody can reach."""
    where = Path(tempfile.mkdtemp(prefix="wsgi-probe-token-", dir="/tmp"))
    where.chmod(0o1777)
    yield where
    shutil.rmtree(where, ignore_errors=True)


def token_file(path: Path, owner: int, mode: int = 0o640) -> Path:
    path.write_text("attacker-known-token-123456\n")
    os.chown(path, owner, owner)
    path.chmod(mode)
    return path


def untouched(script: Path) -> None:
    assert script.read_bytes() == SCRIPT
    assert not (script.parent / "wsgi_endpoint.py").exists()


@as_root
def test_root_refuses_another_users_token_file(tmp_path: Path, public: Path) -> None:
    script = project(tmp_path)
    theirs = token_file(public / "x.token", NOBODY)
    line = refused(script, "--token-file", str(theirs))
    assert line == (f"probe: {theirs}: the token file is owned by nobody, not by root: that "
                    "user knows the token and may change it, and the endpoint would trust it; "
                    "give a token file of yours, or leave --token-file out to have one created; "
                    "nothing changed")
    untouched(script)
    assert theirs.read_text() == "attacker-known-token-123456\n"


@as_root
def test_root_takes_the_applications_own_token_file(tmp_path: Path) -> None:
    """Root installing for a script nobody owns: the user the install gives a created token
    file to may own an existing one; a third user may not."""
    script = project(tmp_path)
    os.chown(script, NOBODY, NOBODY)
    third = token_file(tmp_path / "third.token", OTHER)
    line = refused(script, "--token-file", str(third))
    assert f"owned by uid {OTHER}, not by root or the script's owner, nobody: " in line
    apps = token_file(tmp_path / "app.token", NOBODY)
    result = invoke("--install", str(script), "--token-file", str(apps))
    assert result.exit_code == 0, result.output
    assert f"token_file={str(apps)!r})".encode() in script.read_bytes()


@as_root
def test_a_link_another_user_planted_is_refused(tmp_path: Path, public: Path) -> None:
    script = project(tmp_path)
    mine = token_file(tmp_path / "mine.token", 0, 0o600)
    link = public / "x.token"
    link.symlink_to(mine)
    os.lchown(link, NOBODY, NOBODY)  # nobody may point it elsewhere once the endpoint uses it
    line = refused(script, "--token-file", str(link))
    assert line.startswith(f"probe: --token-file {link}: {link} is a symbolic link of uid "
                           f"{NOBODY} in {public}, a sticky world-writable directory"), line
    assert line.endswith("; nothing changed")
    untouched(script)


@pytest.mark.parametrize(("mode", "said"), [
    (0o666, "readable and writable by every user (mode 0666); 'chmod o-rw' it"),
    (0o622, "writable by every user (mode 0622); 'chmod o-rw' it"),
    (0o644, "readable by every user (mode 0644); 'chmod o-r' it"),
])
def test_a_token_file_every_user_may_write_is_refused_as_writable(
        tmp_path: Path, mode: int, said: str) -> None:
    script = project(tmp_path)
    open_token = token_file(tmp_path / "t.token", os.geteuid(), mode)
    assert refused(script, "--token-file", str(open_token)) == (
        f"probe: {open_token}: the token file is {said}, then run the command again; nothing "
        "changed")
    untouched(script)


def test_no_token_over_a_token_says_what_changes_and_what_stays(tmp_path: Path) -> None:
    script = project(tmp_path)
    assert invoke("--install", str(script)).exit_code == 0
    default = script.parent / "wsgi_endpoint.token"
    result = invoke("--install", str(script), "--no-token")
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith(
        "; the endpoint installed before answered the token; from now on it answers no "
        f"token, only loopback requests; the token file {default} is left as it was (remove "
        "it if nothing else uses it, and the manifest's token_file line)")
    given = tmp_path / "given.token"
    given.write_text("a-given-token\n")
    given.chmod(0o600)
    assert invoke("--install", str(script), "--token-file", str(given)).exit_code == 0
    result = invoke("--install", str(script), "--no-token")
    assert f"the token file {given} is left as it was" in result.stdout, result.output
    again = invoke("--install", str(script), "--no-token")  # nothing to say the second time
    assert "answered the token" not in again.stdout and "nothing changed" in again.stdout


def test_as_another_user_their_own_and_roots_files_only(request: pytest.FixtureRequest,
                                                        public: Path) -> None:
    if not nobody_can_run_probe(Path("/")):
        pytest.skip("needs root, /usr/bin/python3, and a checkout the user nobody can read")
    site = public / "site"
    site.mkdir()
    script = site / "wsgi.py"
    script.write_bytes(SCRIPT)
    for path in (site, script):
        os.chown(path, NOBODY, NOBODY)
    third = token_file(public / "third.token", OTHER, 0o640)
    os.chown(third, OTHER, NOBODY)  # nobody can read it through its group
    done = as_nobody("--install", str(script), "--token-file", str(third), cwd=public)
    assert (done.returncode, done.stdout) == (2, ""), done
    assert done.stderr == (
        f"probe: {third}: the token file is owned by uid {OTHER}, not by nobody, who runs this "
        "install, or root: that user knows the token and may change it, and the endpoint "
        "would trust it; give a token file of yours, or leave --token-file out to have one "
        "created; nothing changed\n")
    assert script.read_bytes() == SCRIPT
    roots = token_file(public / "root.token", 0)
    os.chown(roots, 0, NOBODY)
    done = as_nobody("--install", str(script), "--token-file", str(roots), cwd=public)
    assert (done.returncode, done.stderr) == (0, ""), done
