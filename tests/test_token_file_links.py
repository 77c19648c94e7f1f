"""No token is read through a symbolic link another user placed on the token file's path
(probe.token_file).

T37: root's ``probe endpoint --install`` gave the token file to the application's user
(nobody), in nobody's directory, as documented. nobody replaced it with a link to a root-only
one-line file; root's ``probe sweep``, with root's own 0644 manifest, read that file through
the link and sent its line as ``X-Probe-Token`` to the manifest's URL, exit 0. Here a real
listener on loopback records what each request carried; nobody's links are made by root and
given to nobody with ``os.lchown``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from probe import token_file
from probe.cli import main
from probe.credentials import read_token
from probe.errors import ManifestError
from probe.manifest import ProbeSettings
from tests.token_listener import Listener, listening

NOBODY = 65534
SECRET = "AKIA-ROOT-ONLY-SECRET-42"
ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="another user's links need root")


@pytest.fixture
def listener() -> Iterator[Listener]:
    """The application's URL: what each request carried as X-Probe-Token."""
    with listening() as server:
        yield server


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "root-only" / "secret"
    path.parent.mkdir(mode=0o700)
    path.write_text(SECRET + "\n")
    path.chmod(0o600)
    return path


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """The application's directory, nobody's (not sticky), as the install leaves it."""
    where = tmp_path / "app"
    where.mkdir(mode=0o755)
    os.chown(where, NOBODY, NOBODY)
    return where


def nobodys_link(link: Path, target: Path) -> Path:
    link.symlink_to(target)
    os.lchown(link, NOBODY, NOBODY)
    return link


def sweep(tmp_path: Path, listener: Listener, token: Path,
          monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Root's own 0644 manifest naming ``token`` as its token file, swept."""
    manifest = tmp_path / "m.toml"
    manifest.write_text(f'[probe]\ntoken_file = "{token}"\n[instances.a]\nlabel = "a"\n'
                        f'urls = ["http://127.0.0.1:{listener.server_address[1]}/"]\n')
    manifest.chmod(0o644)
    monkeypatch.delenv("WSGI_PROBE_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["sweep", "-m", str(manifest), "--timeout", "5",
                                       "--samples", "1", "--no-extra-probes"])
    return result.exit_code, result.output


def refusal(token: Path, link: Path) -> str:
    return (f"probe: token file '{token}' is not read: {link} is a symbolic link of nobody "
            "(uid 65534), not of this user or root: its owner chooses the file it names; "
            "remove it or name the token file by a path without it; nothing was sent\n")


def test_the_apps_user_link_in_place_of_the_token_file_is_not_followed(
        tmp_path: Path, app: Path, secret: Path, listener: Listener,
        monkeypatch: pytest.MonkeyPatch) -> None:
    token = nobodys_link(app / "wsgi_endpoint.token", secret)
    assert sweep(tmp_path, listener, token, monkeypatch) == (2, refusal(token, token))
    assert listener.tokens == []


def test_a_link_of_theirs_on_a_directory_above_is_not_followed(
        tmp_path: Path, app: Path, secret: Path, listener: Listener,
        monkeypatch: pytest.MonkeyPatch) -> None:
    keys = nobodys_link(app / "keys", secret.parent)
    token = keys / secret.name
    assert sweep(tmp_path, listener, token, monkeypatch) == (2, refusal(token, keys))
    # Reached through root's own link to nobody's directory: nobody's link is still refused.
    via = tmp_path / "srv"
    via.symlink_to(app)
    assert sweep(tmp_path, listener, via / "keys" / secret.name, monkeypatch) == (
        2, refusal(via / "keys" / secret.name, keys))
    assert listener.tokens == []


def test_the_documented_flow_still_reads_the_apps_users_token_file(
        tmp_path: Path, app: Path, listener: Listener, monkeypatch: pytest.MonkeyPatch) -> None:
    token = app / "wsgi_endpoint.token"
    token.write_text("the-applications-token\n")
    os.chown(token, NOBODY, NOBODY)
    token.chmod(0o640)
    assert sweep(tmp_path, listener, token, monkeypatch)[0] == 1
    mine = tmp_path / "mine.token"  # root's own link to it is followed
    mine.symlink_to(token)
    assert sweep(tmp_path, listener, mine, monkeypatch)[0] == 1
    assert listener.tokens == ["the-applications-token"] * 2


@pytest.mark.parametrize("swapped", ["wsgi_endpoint.token", "sub"])
def test_a_link_placed_after_the_check_is_not_followed(
        app: Path, secret: Path, monkeypatch: pytest.MonkeyPatch, swapped: str) -> None:
    (app / "sub").mkdir()
    token = app / "sub" / "wsgi_endpoint.token"
    token.write_text("the-applications-token\n")
    checked = token_file.resolved

    def then_swapped(path: str) -> str:
        real = checked(path)  # the path as checked: no link on it yet
        victim = app / swapped if swapped == "sub" else token
        victim.rename(app / "old")
        nobodys_link(victim, secret.parent if swapped == "sub" else secret)
        return real

    monkeypatch.setattr(token_file, "resolved", then_swapped)
    if swapped == "sub":
        (secret.parent / token.name).symlink_to(secret)  # so the swapped path leads to it
    with pytest.raises(ManifestError) as refused:
        read_token(ProbeSettings(token_file=str(token)), {})
    assert str(refused.value) == (
        f"token file '{token}' cannot be read: {swapped} became a symbolic link (of nobody "
        "(uid 65534)) after the path was checked: it is not followed")


def test_check_refuses_it_too(tmp_path: Path, app: Path, secret: Path,
                              listener: Listener) -> None:
    token = nobodys_link(app / "wsgi_endpoint.token", secret)
    manifest = tmp_path / "m.toml"
    manifest.write_text(f'[probe]\ntoken_file = "{token}"\n[instances.a]\nlabel = "a"\n'
                        f'urls = ["http://127.0.0.1:{listener.server_address[1]}/"]\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSGI_PROBE")}
    result = subprocess.run([sys.executable, "-m", "probe", "check", "-m", str(manifest),
                             "--timeout", "5"], capture_output=True, text=True, timeout=120,
                            check=False, env={**env, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 3, result
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"WSGI-PROBE UNKNOWN - token file '{token}' is not read: {token} "
                            "is a symbolic link of nobody"), first
    assert listener.tokens == []
