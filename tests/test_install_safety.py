"""``probe endpoint --install/--uninstall`` never loses a user's byte or a file's property.

The user's files (their own ``wsgi_endpoint.py``, symbolic and hard links, owner, group and
mode, odd line endings, marker lines inside strings, edits made while the command runs) are
kept exactly, or the command refuses with one line and exit 2 before touching anything.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probe import install
from probe.install_files import InstallRefused
from tests.test_install import ENDPOINT, SCRIPT, invoke, one_line, project, refused, serve_once

ROOT = Path(__file__).resolve().parents[1]
NOBODY = 65534


def installed(script: Path, *args: str) -> Result:
    result = invoke("--install", str(script), *args)
    assert result.exit_code == 0, result.output
    return result


def uninstalled(script: Path) -> Result:
    result = invoke("--install", str(script), "--uninstall")
    assert result.exit_code == 0, result.output
    return result


# -- a wsgi_endpoint.py that is not ours --------------------------------------------------------

def test_install_refuses_to_overwrite_the_users_own_wsgi_endpoint(tmp_path: Path) -> None:
    script = project(tmp_path)
    theirs = script.parent / "wsgi_endpoint.py"
    theirs.write_bytes(b"# my own module\n")
    result = invoke("--install", str(script))
    assert result.exit_code == 2
    assert "wsgi_endpoint.py: is there and is not a copy of wsgi-probe's endpoint" in \
        one_line(result)
    assert theirs.read_bytes() == b"# my own module\n"
    assert script.read_bytes() == SCRIPT
    assert not (script.parent / "wsgi_endpoint.token").exists()


def test_an_edited_copy_of_ours_is_theirs(tmp_path: Path) -> None:
    script = project(tmp_path)
    installed(script)
    endpoint = script.parent / "wsgi_endpoint.py"
    endpoint.write_bytes(ENDPOINT + b"# a local change\n")
    assert invoke("--install", str(script), "--label", "other").exit_code == 2
    uninstalled(script)
    assert endpoint.read_bytes() == ENDPOINT + b"# a local change\n"
    assert script.read_bytes() == SCRIPT


def test_a_script_named_wsgi_endpoint_is_refused(tmp_path: Path) -> None:
    script = tmp_path / "wsgi_endpoint.py"
    script.write_bytes(SCRIPT)
    result = invoke("--install", str(script))
    assert result.exit_code == 2
    assert "the script is named wsgi_endpoint.py" in one_line(result)
    assert script.read_bytes() == SCRIPT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wsgi_endpoint.py"]


# -- markers inside strings -------------------------------------------------------------------

def test_marker_lines_in_a_docstring_are_not_a_block(tmp_path: Path) -> None:
    content = (b'"""Docs that quote the block:\n' + install.BEGIN.encode() + b"\nx\n"
               + install.END.encode() + b'\n"""\n' + SCRIPT + b"S = '''\n"
               + install.BEGIN.encode() + b"\n'''\n")
    script = project(tmp_path, content)
    installed(script)
    data = script.read_bytes()
    assert data.startswith(content)
    served, _ = serve_once(script)
    assert served["/__probe__"][0] == "200 OK"  # the block is code, not inside a string
    first = script.read_bytes()
    installed(script)
    assert script.read_bytes() == first
    uninstalled(script)
    assert script.read_bytes() == content


def test_a_marker_comment_without_its_end_is_refused(tmp_path: Path) -> None:
    script = project(tmp_path, SCRIPT + install.BEGIN.encode() + b"\n")
    assert "no '# <<< wsgi-probe endpoint <<<' line" in refused(script)


# -- line endings -----------------------------------------------------------------------------

ENDINGS = {
    "cr": SCRIPT.replace(b"\n", b"\r"),
    "cr-end-after-lf": SCRIPT + b"# end\r",
    "cr-cr": SCRIPT.replace(b"\n", b"\r") + b"\r",
    "crlf-then-lf": SCRIPT.replace(b"\n", b"\r\n", 3),
    "lf-then-cr": SCRIPT + b"X = 1\rY = 2\r",
    "no-eol-cr": SCRIPT.replace(b"\n", b"\r").rstrip(b"\r"),
}


@pytest.mark.parametrize("original", ENDINGS.values(), ids=ENDINGS.keys())
def test_any_line_ending_round_trips(tmp_path: Path, original: bytes) -> None:
    script = project(tmp_path, original)
    installed(script)
    first = script.read_bytes()
    assert first.startswith(original.rstrip(b"\r"))
    served, stderr = serve_once(script)
    assert served["/__probe__"][0] == "200 OK", stderr
    result = installed(script)
    assert "nothing changed" in result.stdout
    assert script.read_bytes() == first
    uninstalled(script)
    assert script.read_bytes() == original


LINE = st.sampled_from([b"\n", b"\r\n", b"\r"])
COMMENT = st.text(st.characters(exclude_categories=["Cs"],
                                exclude_characters="\r\n\x0c\x0b\x1c\x1d\x1e\x85\u2028\u2029"
                                                     "\x00"),
                  max_size=30).map(lambda t: b"#" + t.encode("utf-8"))
STATEMENT = st.sampled_from([b"x = 1", b"", b"    ", b"import os", b"s = 'a\\tb'",
                             b"t = '''" + install.BEGIN.encode() + b"'''",
                             b"# " + install.END.encode()[2:]])


@st.composite
def scripts(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(st.one_of(COMMENT, STATEMENT), max_size=8))
    lines.insert(draw(st.integers(0, len(lines))), b"application = object()")
    ends = [draw(LINE) for _ in lines]
    data = b"".join(line + end for line, end in zip(lines, ends, strict=True))
    return data[:-len(ends[-1])] if draw(st.booleans()) else data


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(original=scripts())
def test_install_uninstall_round_trips_any_script(tmp_path: Path, original: bytes) -> None:
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    script = work / "wsgi.py"
    script.write_bytes(original)
    plan = install.plan_install(script, "x", ENDPOINT, no_token=True)
    install.apply(plan)
    once = script.read_bytes()
    compile(once, "wsgi.py", "exec")
    again = install.plan_install(script, "x", ENDPOINT, no_token=True)
    assert not again.changed  # install twice == install once
    install.apply(install.plan_uninstall(script))
    assert script.read_bytes() == original
    assert not (work / "wsgi_endpoint.py").exists()


# -- links, owner, mode -----------------------------------------------------------------------

def test_a_symlinked_script_keeps_its_link_and_the_target_is_edited(tmp_path: Path) -> None:
    release = tmp_path / "releases" / "1"
    release.mkdir(parents=True)
    target = release / "wsgi.py"
    target.write_bytes(SCRIPT)
    site = tmp_path / "site"
    site.mkdir()
    link = site / "wsgi.py"
    link.symlink_to(target)
    installed(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes().startswith(SCRIPT) and install.BEGIN.encode() in target.read_bytes()
    assert (site / "wsgi_endpoint.py").read_bytes() == ENDPOINT  # beside the link: __file__
    uninstalled(link)
    assert link.is_symlink() and target.read_bytes() == SCRIPT


@pytest.mark.parametrize("points_to", ["a-file", "nowhere"])
def test_a_symlink_at_wsgi_endpoint_is_refused(tmp_path: Path, points_to: str) -> None:
    script = project(tmp_path)
    other = tmp_path / "a-file"
    other.write_bytes(ENDPOINT)
    link = script.parent / "wsgi_endpoint.py"
    link.symlink_to(tmp_path / points_to)
    result = invoke("--install", str(script))
    assert result.exit_code == 2
    assert "wsgi_endpoint.py: is a symbolic link" in one_line(result)
    assert link.is_symlink() and os.readlink(link) == str(tmp_path / points_to)
    assert other.read_bytes() == ENDPOINT
    assert script.read_bytes() == SCRIPT


def test_hard_links_stay_one_file(tmp_path: Path) -> None:
    script = project(tmp_path)
    twin = tmp_path / "deployed-copy.py"
    os.link(script, twin)
    inode = script.stat().st_ino
    installed(script)
    assert script.stat().st_ino == inode == twin.stat().st_ino
    assert twin.read_bytes() == script.read_bytes() != SCRIPT
    uninstalled(script)
    assert twin.read_bytes() == SCRIPT and twin.stat().st_nlink == 2


@pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")
def test_owner_group_and_mode_are_kept_and_new_files_belong_to_the_scripts_owner(
        tmp_path: Path) -> None:
    script = project(tmp_path)
    os.chown(script, 1234, 1235)
    script.chmod(0o664)
    installed(script)
    info = script.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (1234, 1235, 0o664)
    endpoint = (script.parent / "wsgi_endpoint.py").stat()
    assert (endpoint.st_uid, endpoint.st_gid, stat.S_IMODE(endpoint.st_mode)) == \
        (1234, 1235, 0o664)
    token = (script.parent / "wsgi_endpoint.token").stat()
    assert (token.st_uid, token.st_gid, stat.S_IMODE(token.st_mode)) == (1234, 1235, 0o640)
    uninstalled(script)
    info = script.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (1234, 1235, 0o664)


SYSTEM_PYTHON = Path("/usr/bin/python3")


def as_nobody(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``probe endpoint ...`` run by the user nobody: the system's Python (this one may live
    where nobody cannot reach), with this checkout and this environment's packages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "WSGI_PROBE"))}
    packages = next(p for p in sys.path if p.endswith("site-packages"))
    return subprocess.run([str(SYSTEM_PYTHON), "-m", "probe", "endpoint", *args], cwd=cwd,
                          env={**env, "PYTHONPATH": f"{ROOT}:{packages}"}, user=NOBODY,
                          group=NOBODY, extra_groups=[], capture_output=True, text=True,
                          timeout=120, check=False)


def nobody_can_run_probe(cwd: Path) -> bool:
    return (os.geteuid() == 0 and SYSTEM_PYTHON.exists()
            and as_nobody("--help", cwd=cwd).returncode == 0)


def test_in_a_sticky_directory_a_refused_install_leaves_nothing(
        request: pytest.FixtureRequest) -> None:
    if not nobody_can_run_probe(Path("/")):
        pytest.skip("needs root, /usr/bin/python3, and a checkout the user nobody can read")
    # pytest's tmp_path is in a directory only root may enter
    sticky = Path(tempfile.mkdtemp(prefix="wsgi-probe-sticky-", dir="/tmp"))
    request.addfinalizer(lambda: shutil.rmtree(sticky, ignore_errors=True))
    sticky.chmod(0o1777)
    script = sticky / "wsgi.py"
    script.write_bytes(SCRIPT)
    script.chmod(0o644)  # root's, not writable by nobody
    done = as_nobody("--install", str(script), cwd=sticky)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1 and "cannot write it" in done.stderr
    assert sorted(p.name for p in sticky.iterdir()) == ["wsgi.py"]
    # writable by all: nobody edits it in place (a rename would fail in a sticky directory)
    script.chmod(0o666)
    done = as_nobody("--install", str(script), cwd=sticky)
    assert done.returncode == 0, done.stderr
    assert script.stat().st_uid == 0 and install.BEGIN.encode() in script.read_bytes()
    done = as_nobody("--install", str(script), "--uninstall", cwd=sticky)
    assert done.returncode == 0, done.stderr
    assert script.read_bytes() == SCRIPT and script.stat().st_uid == 0


# -- edits made while the command runs ---------------------------------------------------------

@pytest.mark.parametrize("edit", ["append", "same-size", "replace-file"])
def test_an_edit_made_meanwhile_is_not_overwritten(tmp_path: Path, edit: str) -> None:
    script = project(tmp_path)
    plan = install.plan_install(script, "x", ENDPOINT)
    stamp = script.stat().st_mtime_ns
    if edit == "append":
        script.write_bytes(SCRIPT + b"EDITED = 1\n")
    elif edit == "same-size":
        script.write_bytes(SCRIPT.replace(b"the site", b"THE SITE"))
        os.utime(script, ns=(stamp, stamp))  # even with the old modification time
    else:
        fresh = script.with_name("fresh.py")
        fresh.write_bytes(SCRIPT)
        fresh.replace(script)  # same bytes, another file (a deploy)
    edited = script.read_bytes()
    with pytest.raises(InstallRefused, match="changed while this command ran"):
        install.apply(plan)
    assert script.read_bytes() == edited
    assert sorted(p.name for p in script.parent.iterdir()) == ["wsgi.py"]


def test_an_endpoint_file_put_there_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    script = project(tmp_path)
    plan = install.plan_install(script, "x", ENDPOINT)
    (script.parent / "wsgi_endpoint.py").write_bytes(b"# theirs, just now\n")
    with pytest.raises(InstallRefused, match="File exists"):
        install.apply(plan)
    assert (script.parent / "wsgi_endpoint.py").read_bytes() == b"# theirs, just now\n"
    assert script.read_bytes() == SCRIPT
    assert not (script.parent / "wsgi_endpoint.token").exists()


def test_a_failed_write_puts_the_old_bytes_back(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from probe import install_files

    path = tmp_path / "f"
    path.write_bytes(b"old content\n")
    real = os.pwrite
    calls: list[int] = []

    def half_then_full(fd: int, data: bytes | memoryview, offset: int) -> int:
        calls.append(offset)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(fd, bytes(data)[:3], offset)

    monkeypatch.setattr(os, "pwrite", half_then_full)
    fd = os.open(path, os.O_RDWR)
    try:
        with pytest.raises(OSError, match="No space"):
            install_files.write_through(fd, b"old content\n", b"old content\nand a block\n")
    finally:
        os.close(fd)
    monkeypatch.undo()
    assert path.read_bytes() == b"old content\n"


# -- files that are not files ------------------------------------------------------------------

def test_a_fifo_as_the_script_is_one_line_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "wsgi.py"
    os.mkfifo(fifo)
    for args in ([], ["--uninstall"], ["--dry-run"]):
        done = subprocess.run([sys.executable, "-m", "probe", "endpoint", "--install", str(fifo),
                               *args], capture_output=True, text=True, timeout=60, check=False,
                              cwd=ROOT)
        assert done.returncode == 2, done.stderr
        assert done.stderr == f"probe: {fifo}: not a regular file; nothing changed\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wsgi.py"]


def test_dev_zero_as_the_script_is_one_line(tmp_path: Path) -> None:
    result = invoke("--install", "/dev/zero")
    assert result.exit_code == 2
    assert one_line(result) == "probe: /dev/zero: not a regular file; nothing changed"


def test_a_huge_script_is_refused(tmp_path: Path) -> None:
    script = project(tmp_path, SCRIPT + b"#" * (4 * 1024 * 1024))
    assert "larger than 4194304 bytes" in refused(script)


# -- where application is bound; the one-line message -----------------------------------------

@pytest.mark.parametrize("content", [
    b"import os\nif os.environ.get('X'):\n    application = 1\nelse:\n    application = 2\n",
    b"try:\n    from a import application\nexcept ImportError:\n    application = None\n",
    b"try:\n    pass\nfinally:\n    application = 1\n",
    b"with open(__file__) as application:\n    pass\n",
    b"while True:\n    application = 1\n    break\n",
    b"if (application := object()):\n    pass\n",
    b"import application.wsgi\n",
    b"if True:\n    def application(environ, start_response):\n        return []\n",
], ids=["if-else", "try-except", "finally", "with-as", "while", "walrus", "import-dotted",
        "def-in-if"])
def test_application_bound_in_module_level_blocks_is_found(tmp_path: Path,
                                                           content: bytes) -> None:
    assert invoke("--install", str(project(tmp_path, content)), "--dry-run").exit_code == 0


@pytest.mark.parametrize("content", [
    b"def make():\n    def inner():\n        application = 1\n    return inner\n",
    b"if True:\n    def make():\n        application = 1\n",
    b"try:\n    def make():\n        global_ = 1\n        application = 2\nexcept E:\n    pass\n",
    b"class Config:\n    application = 1\n",
    b"f = lambda: [application for application in ()]\n",
    b"x = [application for application in range(3)]\n",
], ids=["nested-def", "def-in-if", "def-in-try", "class-body", "lambda", "comprehension"])
def test_application_bound_only_in_a_nested_scope_is_refused(tmp_path: Path,
                                                             content: bytes) -> None:
    assert "defines no 'application'" in refused(project(tmp_path, content))


def test_the_success_message_is_one_line_whatever_the_path(tmp_path: Path) -> None:
    odd = tmp_path / "new\nline\x1b[2J"
    odd.mkdir()
    script = odd / "wsgi.py"
    script.write_bytes(SCRIPT)
    result = installed(script, "--label", "odd")
    assert len(result.stdout.splitlines()) == 1, result.stdout
    assert "new\\x0aline\\x1b[2J" in result.stdout
    assert "\x1b" not in result.stdout
    assert len(uninstalled(script).stdout.splitlines()) == 1
