"""``-o`` and ``--save-baseline`` through links another user could have planted
(probe.output_links), and what an existing file of another user lends the new one
(probe.output_file). Another user's link or file is made by root with ``os.lchown``: those
parts are skipped when the tests do not run as root."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from probe import output_file
from probe.cli import main
from probe.output_links import UnsafeLink, followed
from tests.monitoring_helpers import closed_port

NOBODY = 65534
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="another user's link needs root")


@pytest.fixture
def public(tmp_path: Path) -> Path:
    """A directory like /tmp: sticky, world-writable, root's (this user's when not root)."""
    where = tmp_path / "public"
    where.mkdir()
    where.chmod(0o1777)
    return where


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    secret = tmp_path / "private" / "shadow"
    secret.parent.mkdir()
    secret.write_text("root's secret\n")
    secret.chmod(0o600)
    return secret


def sweep(tmp_path: Path, *args: str) -> Result:
    manifest = tmp_path / "m.toml"
    manifest.write_text(f'[instances.a]\nlabel = "a"\nurls = ["http://127.0.0.1:{closed_port()}/"]\n')
    return CliRunner().invoke(main, ["sweep", "-m", str(manifest), "--timeout", "0.5", *args])


def planted(link: Path, target: Path, owner: int = NOBODY) -> Path:
    link.symlink_to(target)
    os.lchown(link, owner, owner)
    return link


@as_root
@pytest.mark.parametrize("option", ["-o", "--save-baseline"])
def test_another_users_link_in_a_sticky_directory_is_refused(
        tmp_path: Path, public: Path, victim: Path, option: str) -> None:
    link = planted(public / "evil-report.json", victim)
    result = sweep(tmp_path, option, str(link))
    assert result.exit_code == 2, result.output
    assert result.output == (
        f"probe: {option} {link}: cannot write: {link} is a symbolic link of uid {NOBODY} in "
        f"{public}, a sticky world-writable directory, where only links of this user or of "
        "the directory's owner are followed (the rule of fs.protected_symlinks): remove it "
        "or give another path\n")
    assert victim.read_text() == "root's secret\n"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o600 and link.is_symlink()


@as_root
def test_the_write_itself_refuses_a_link_planted_after_the_check(
        tmp_path: Path, public: Path, victim: Path) -> None:
    # A link anywhere on the way: a directory link too.
    planted(public / "dir", victim.parent)
    with pytest.raises(UnsafeLink):
        output_file.write(str(public / "dir" / "shadow"), ["report"])
    planted(public / "report.json", victim)
    with pytest.raises(UnsafeLink):
        output_file.write(str(public / "report.json"), ["report"])
    assert victim.read_text() == "root's secret\n"


@as_root
def test_links_the_kernel_would_follow_are_followed(
        tmp_path: Path, public: Path, victim: Path) -> None:
    # The directory owner's link (root's, in /tmp) and any link outside a sticky directory.
    planted(public / "roots.json", victim, owner=0)
    output_file.write(str(public / "roots.json"), ["one"])
    assert victim.read_text() == "one"
    planted(tmp_path / "plain.json", victim)
    output_file.write(str(tmp_path / "plain.json"), ["two"])
    assert victim.read_text() == "two"
    assert followed(str(public / "roots.json")) == str(victim)


def test_this_users_own_link_in_a_sticky_directory_is_followed(
        public: Path, victim: Path) -> None:
    (public / "mine.json").symlink_to(victim)
    output_file.write(str(public / "mine.json"), ["mine"])
    assert victim.read_text() == "mine" and (public / "mine.json").is_symlink()


@as_root
def test_another_users_planted_file_lends_neither_owner_nor_write_bits(public: Path) -> None:
    baseline = public / "baseline.json"
    baseline.write_text("{}")
    os.chown(baseline, NOBODY, NOBODY)
    baseline.chmod(0o666)
    output_file.write(str(baseline), ["mine now"])
    found = baseline.stat()
    assert (found.st_uid, found.st_gid) == (0, 0)
    assert stat.S_IMODE(found.st_mode) == 0o644


@as_root
def test_the_directory_owners_file_keeps_its_owner_not_its_write_bits(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    os.chown(logs, NOBODY, NOBODY)
    report = logs / "report.json"
    report.write_text("{}")
    os.chown(report, NOBODY, NOBODY)
    report.chmod(0o664)
    output_file.write(str(report), ["new"])
    found = report.stat()
    assert (found.st_uid, found.st_gid, stat.S_IMODE(found.st_mode)) == (NOBODY, NOBODY, 0o644)


def test_this_users_file_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared.json"
    shared.write_text("{}")
    shared.chmod(0o664)
    output_file.write(str(shared), ["new"])
    assert stat.S_IMODE(shared.stat().st_mode) == 0o664
