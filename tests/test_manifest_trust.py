"""No probe token is read for a manifest another user could have written, nor from a token
file another user could have planted (probe.manifest_trust).

A security tester, as the user nobody, wrote a 0666 manifest in /tmp naming a root-only
one-line file as ``token_file`` and their own listener as the URL: root's ``probe sweep``
sent the file's line there as ``X-Probe-Token``. Here a real listener on loopback records
every request's headers; another user's files are made by root with ``os.chown``, and the
same rules are checked for the user nobody's own sweep."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from probe.cli import main
from tests.token_listener import Listener, listening

NOBODY = 65534
OTHER = 1234
"""A user who is neither root nor nobody (no such account is needed to own a file)."""
SECRET = "AKIA-ROOT-ONLY-SECRET-42"
ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3")
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="another user's files need root")


@pytest.fixture
def listener() -> Iterator[Listener]:
    """Any user's listener on loopback: what each request carried as X-Probe-Token."""
    with listening() as server:
        yield server


@pytest.fixture
def public() -> Iterator[Path]:
    """A sticky world-writable directory like /tmp, which nobody can reach."""
    where = Path(tempfile.mkdtemp(prefix="wsgi-probe-trust-", dir="/tmp"))
    where.chmod(0o1777)
    yield where
    shutil.rmtree(where, ignore_errors=True)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "root-secret"
    path.write_text(SECRET + "\n")
    path.chmod(0o600)
    return path


def manifest(path: Path, listener: Listener, token_file: Path | None, *, owner: int = 0,
             mode: int = 0o644) -> Path:
    token = f'[probe]\ntoken_file = "{token_file}"\n' if token_file else ""
    path.write_text(f'{token}[instances.a]\nlabel = "a"\n'
                    f'urls = ["http://127.0.0.1:{listener.server_address[1]}/"]\n')
    os.chown(path, owner, owner)
    path.chmod(mode)
    return path


def sweep(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.delenv("WSGI_PROBE_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["sweep", "-m", str(path), "--timeout", "5",
                                       "--samples", "1", "--no-extra-probes"])
    return result.exit_code, result.output


def refusal(path: Path, why: str) -> str:
    return (f"probe: {path}: no probe token is read for this manifest: {why}, so another user "
            "could choose the URLs the token is sent to and the file it is read from; make it "
            "this user's or root's and 'chmod go-w' it (and its directories), or probe "
            "without a token; nothing was sent\n")


@pytest.mark.parametrize(("owner", "mode", "why"), [
    (NOBODY, 0o644, "it is owned by nobody (uid 65534), another user"),
    (0, 0o666, "it is writable by every user (mode 0666)"),
    (0, 0o664, "it is writable by group root (mode 0664)"),
])
def test_a_manifest_another_user_can_write_gets_no_token(
        public: Path, secret: Path, listener: Listener, monkeypatch: pytest.MonkeyPatch,
        owner: int, mode: int, why: str) -> None:
    path = manifest(public / "m.toml", listener, secret, owner=owner, mode=mode)
    assert sweep(path, monkeypatch) == (2, refusal(path, why))
    assert listener.tokens == []  # nothing sent at all
    # Without a token to send, the same manifest is swept: nothing secret goes anywhere.
    path.chmod(0o644)
    os.chown(path, 0, 0)
    manifest(path, listener, None, owner=owner, mode=mode)
    assert sweep(path, monkeypatch)[0] == 1
    assert listener.tokens == [None]


def test_a_directory_another_user_can_write_gets_no_token(
        tmp_path: Path, secret: Path, listener: Listener,
        monkeypatch: pytest.MonkeyPatch) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chown(theirs, NOBODY, NOBODY)  # they may rename root's manifest and put theirs there
    path = manifest(theirs / "m.toml", listener, secret)
    assert sweep(path, monkeypatch) == (2, refusal(
        path, f"its directory {theirs} is owned by nobody (uid 65534), another user"))
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    open_dir.chmod(0o777)  # world-writable without the sticky bit
    path = manifest(open_dir / "m.toml", listener, secret)
    assert sweep(path, monkeypatch) == (2, refusal(
        path, f"its directory {open_dir} is writable by every user without the sticky bit "
              "(mode 0777)"))
    assert listener.tokens == []


def test_this_users_manifest_sends_its_token(
        public: Path, secret: Path, listener: Listener, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root's own 0644 manifest in a sticky directory: nobody else can change it.
    path = manifest(public / "m.toml", listener, secret)
    assert sweep(path, monkeypatch)[0] == 1
    assert listener.tokens == [SECRET]


def test_a_token_file_another_user_planted_is_not_read(
        public: Path, tmp_path: Path, secret: Path, listener: Listener,
        monkeypatch: pytest.MonkeyPatch) -> None:
    safe = tmp_path / "m.toml"
    link = public / "tok.token"
    link.symlink_to(secret)
    os.lchown(link, NOBODY, NOBODY)
    code, said = sweep(manifest(safe, listener, link), monkeypatch)
    assert code == 2 and said.startswith(f"probe: token file '{link}' is not read: {link} is "
                                         f"a symbolic link of uid {NOBODY} in {public}"), said
    theirs = public / "x.token"
    theirs.write_text("attacker-known-token-123456\n")
    os.chown(theirs, NOBODY, NOBODY)
    theirs.chmod(0o640)
    assert sweep(manifest(safe, listener, theirs), monkeypatch) == (2, (
        f"probe: token file '{theirs}' is not read: {theirs} is owned by nobody (uid 65534) in "
        f"{public}, a sticky world-writable directory where any user may leave a file, so "
        "that user chose the token and may change it; give a token file of this user's or "
        "root's; nothing was sent\n"))
    assert listener.tokens == []
    # The application's user's token file where only root may create files: read.
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    theirs = app_dir / "wsgi_endpoint.token"
    theirs.write_text("the-applications-token\n")
    os.chown(theirs, NOBODY, NOBODY)
    assert sweep(manifest(safe, listener, theirs), monkeypatch)[0] == 1
    assert listener.tokens == ["the-applications-token"]


def as_nobody(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "WSGI_PROBE"))}
    packages = next(p for p in sys.path if p.endswith("site-packages"))
    return subprocess.run([str(SYSTEM_PYTHON), "-m", "probe", *args], cwd=cwd,
                          env={**env, "PYTHONPATH": f"{ROOT}:{packages}", "NO_COLOR": "1"},
                          user=NOBODY, group=NOBODY, extra_groups=[], capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.skipif(not SYSTEM_PYTHON.exists(), reason="nobody runs the system's Python")
def test_as_another_user_root_is_trusted_and_a_third_user_is_not(
        public: Path, listener: Listener) -> None:
    token = public / "nobody.token"
    token.write_text("nobodys-token\n")
    os.chown(token, NOBODY, NOBODY)
    token.chmod(0o600)
    args = ("sweep", "--timeout", "5", "--samples", "1", "--no-extra-probes", "-m")
    roots = manifest(public / "root.toml", listener, token)
    done = as_nobody(*args, str(roots), cwd=public)
    assert (done.returncode, done.stderr) == (1, ""), done
    assert listener.tokens == ["nobodys-token"]
    third = manifest(public / "third.toml", listener, token, owner=OTHER)
    done = as_nobody(*args, str(third), cwd=public)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == refusal(third, f"it is owned by uid {OTHER}, another user")
    assert listener.tokens == ["nobodys-token"]


def test_check_and_the_exporter_refuse_it_too(
        public: Path, secret: Path, listener: Listener, monkeypatch: pytest.MonkeyPatch) -> None:
    from probe.credentials import read_token
    from probe.errors import ManifestError
    from probe.manifest import load

    monkeypatch.delenv("WSGI_PROBE_TOKEN", raising=False)
    path = manifest(public / "m.toml", listener, secret, mode=0o666)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSGI_PROBE")}
    result = subprocess.run([sys.executable, "-m", "probe", "check", "-m", str(path),
                             "--timeout", "5"], capture_output=True, text=True, timeout=120,
                            check=False, env={**env, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 3, result
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"WSGI-PROBE UNKNOWN - {path}: no probe token is read"), first
    # The exporter reads the token for its manifest (at start and at each reload) the same way.
    with pytest.raises(ManifestError, match="writable by every user"):
        read_token(load(path).probe, {}, manifest_file=load(path).source)
    # A token from the environment is refused for it as well: the manifest chose its URLs.
    path.write_text(path.read_text().replace(f'token_file = "{secret}"', ""))
    with pytest.raises(ManifestError, match="writable by every user"):
        read_token(load(path).probe, {"WSGI_PROBE_TOKEN": "t"}, manifest_file=str(path))
    assert listener.tokens == []
