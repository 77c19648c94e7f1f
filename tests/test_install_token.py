"""``probe endpoint --install`` sets up a token by default; loopback-only is an explicit choice.

The token file is created beside the script (or where ``--token-file`` says) with O_EXCL,
readable by the script's owner and group only; the block passes it to ``wrap(token_file=)``;
the command prints the manifest line that gives the probe the same file.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import stat
import tomllib
from pathlib import Path

import pytest

from probe import install
from probe.credentials import read_token
from probe.install_files import InstallRefused
from probe.manifest import parse
from tests.test_install import ENDPOINT, SCRIPT, invoke, project, refused, serve_once

MANIFEST_LINE = re.compile(r"for the probe's manifest: (\[probe\] token_file = .*)$")


def manifest_line(stdout: str) -> str:
    match = MANIFEST_LINE.search(stdout.strip())
    assert match, stdout
    return match.group(1)


def test_the_default_install_creates_a_private_token_and_uses_it(tmp_path: Path) -> None:
    script = project(tmp_path)
    result = invoke("--install", str(script))
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 1
    token_file = script.parent / "wsgi_endpoint.token"
    info = token_file.stat()
    assert stat.S_IMODE(info.st_mode) == 0o640 and not info.st_mode & stat.S_IROTH
    token = token_file.read_text(encoding="ascii")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}\n", token)
    owner = f"{pwd.getpwuid(info.st_uid).pw_name}:{grp.getgrgid(info.st_gid).gr_name}"
    user, group = owner.split(":")
    assert (f"(mode 0640, owner {owner}: only an application running as {user} or in group "
            f"{group} can read it") in result.stdout
    assert b"token_file=os.path.join(here, 'wsgi_endpoint.token'))" in script.read_bytes()
    # with the token (serve_once sends it) the endpoint answers ...
    served, stderr = serve_once(script)
    assert served["/__probe__"][0] == "200 OK", stderr
    # ... without it, even from loopback, the application answers
    token_file.rename(token_file.with_suffix(".away"))
    served, stderr = serve_once(script)
    assert served["/__probe__"] == ["200 OK", "the site itself"]
    assert "cannot read the probe token file" in stderr


def test_the_printed_manifest_line_gives_the_probe_the_same_token(tmp_path: Path) -> None:
    odd = tmp_path / 'a "quoted" dïr'
    odd.mkdir()
    script = odd / "wsgi.py"
    script.write_bytes(SCRIPT)
    result = invoke("--install", str(script), "--label", "x")
    assert result.exit_code == 0, result.output
    line = manifest_line(result.stdout)
    table, _, assignment = line.partition(" ")
    assert table == "[probe]"
    text = f"{table}\n{assignment}\n[instances.x]\nlabel = \"x\"\nurls = [\"http://x.example/\"]\n"
    assert tomllib.loads(text)["probe"]["token_file"] == str(odd / "wsgi_endpoint.token")
    settings = parse(text, "m.toml").probe
    assert read_token(settings, {}) == (odd / "wsgi_endpoint.token").read_text().strip()


def test_installing_again_keeps_the_token_and_says_the_line_again(tmp_path: Path) -> None:
    script = project(tmp_path)
    first = invoke("--install", str(script))
    token = (script.parent / "wsgi_endpoint.token").read_bytes()
    again = invoke("--install", str(script))
    assert again.exit_code == 0
    assert "nothing changed" in again.stdout
    assert manifest_line(again.stdout) == manifest_line(first.stdout)
    assert (script.parent / "wsgi_endpoint.token").read_bytes() == token


def test_an_existing_private_token_file_is_used_as_it_is(tmp_path: Path) -> None:
    script = project(tmp_path)
    mine = tmp_path / "my.token"
    mine.write_bytes(b"my-own-token\n")
    mine.chmod(0o600)
    result = invoke("--install", str(script), "--token-file", str(mine))
    assert result.exit_code == 0, result.output
    assert mine.read_bytes() == b"my-own-token\n"
    assert stat.S_IMODE(mine.stat().st_mode) == 0o600
    assert f"token_file={str(mine)!r})".encode() in script.read_bytes()
    assert not (script.parent / "wsgi_endpoint.token").exists()
    assert json.dumps(str(mine)) in result.stdout


@pytest.mark.parametrize(("content", "mode", "why"), [
    (b"t0ken\n", 0o644, "readable by every user"),
    (b"\n", 0o600, "not a token file"),
    # Tester T25's D5: '--token-file /etc/shadow' was adopted (0640, several lines).
    (b"root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n", 0o640,
     "not a token file: it holds 2 lines, not one token"),
    (b"t0k\x1b[2Jen\n", 0o600, "not a token file: it holds a control character"),
    (b"t" * 1025 + b"\n", 0o600, "not a token file: it holds 1025 characters"),
    (b"\xff\xfe token\n", 0o600, "not a token file: it is not UTF-8 text"),
])
def test_a_token_file_that_cannot_be_used_is_refused(tmp_path: Path, content: bytes, mode: int,
                                                     why: str) -> None:
    script = project(tmp_path)
    token = script.parent / "wsgi_endpoint.token"
    token.write_bytes(content)
    token.chmod(mode)
    before = script.read_bytes()
    result = invoke("--install", str(script))
    assert result.exit_code == 2
    assert why in result.stderr and len(result.stderr.splitlines()) == 1
    assert str(token) in result.stderr and "root:" not in result.stderr
    assert token.read_bytes() == content and stat.S_IMODE(token.stat().st_mode) == mode
    assert script.read_bytes() == before
    assert not (script.parent / "wsgi_endpoint.py").exists()


def test_a_token_file_in_a_missing_directory_is_refused(tmp_path: Path) -> None:
    line = refused(project(tmp_path), "--token-file", str(tmp_path / "no" / "t"))
    assert "no such directory for the token file" in line


def test_a_token_file_made_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    script = project(tmp_path)
    plan = install.plan_install(script, "x", ENDPOINT)
    token = script.parent / "wsgi_endpoint.token"
    token.write_bytes(b"someone else's\n")
    with pytest.raises(InstallRefused, match="File exists"):
        install.apply(plan)
    assert token.read_bytes() == b"someone else's\n"
    assert script.read_bytes() == SCRIPT
    assert not (script.parent / "wsgi_endpoint.py").exists()  # taken back


def test_no_token_is_explicit_and_says_when_it_is_safe(tmp_path: Path) -> None:
    script = project(tmp_path)
    result = invoke("--install", str(script), "--no-token")
    assert result.exit_code == 0, result.output
    assert ("no token: it answers only loopback requests without a proxy header, which is "
            "safe only if no proxy on this machine forwards to the application") in result.stdout
    assert b"token_file" not in script.read_bytes()
    assert not (script.parent / "wsgi_endpoint.token").exists()
    served, _ = serve_once(script)
    assert served["/__probe__"][0] == "200 OK"


def test_switching_to_no_token_keeps_the_token_file_and_uninstall_says_so(
        tmp_path: Path) -> None:
    script = project(tmp_path)
    assert invoke("--install", str(script)).exit_code == 0
    token = (script.parent / "wsgi_endpoint.token").read_bytes()
    assert invoke("--install", str(script), "--no-token").exit_code == 0
    assert b"token_file" not in script.read_bytes()
    result = invoke("--install", str(script), "--uninstall")
    assert result.exit_code == 0
    assert "kept the token file" in result.stdout
    assert script.read_bytes() == SCRIPT
    assert (script.parent / "wsgi_endpoint.token").read_bytes() == token


def test_token_file_and_no_token_exclude_each_other(tmp_path: Path) -> None:
    assert "exclude each other" in refused(project(tmp_path), "--no-token", "--token-file", "t")


def test_the_docs_show_the_block_install_writes_by_default() -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "endpoint-protocol.md").read_text(
        encoding="utf-8")
    start = docs.index(install.BEGIN)
    end = docs.index(install.END, start) + len(install.END) + 1
    block = install.render_block("project-2",
                                 token_file="os.path.join(here, 'wsgi_endpoint.token')")
    assert docs[start:end] == block.decode("ascii")


@pytest.mark.parametrize(("groups", "owner"), [([1000, 4242], (1000, 4242)),
                                               ([1000], (1000, 1000))])
def test_the_planned_owner_is_the_one_the_kernel_will_give(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, groups: list[int],
        owner: tuple[int, int]) -> None:
    """Not root: the script's group only if it is one of this user's (the kernel refuses
    another), so the summary names the group the file really gets."""
    from probe import install_token
    from probe.install_files import Snapshot

    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(os, "getegid", lambda: 1000)
    monkeypatch.setattr(os, "getgroups", lambda: groups)
    script = Snapshot(b"", (0, 0, 0, 0), 0o644, 1000, 4242)
    assert install_token.plan(tmp_path / "wsgi.py", script, None).owner == owner
