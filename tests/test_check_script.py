"""``probe check --write-client PATH``: the written plugin file answers as ``probe check``
does, through the resident checker or, without one, by handing over to the console script;
it starts without ``site`` and imports almost nothing; writing it never overwrites a file
that is not an earlier client. Its answers from real Apache and under nagios4 are in
tests/integration/test_check_server_apache.py and test_monitoring_daemons.py."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from probe.check import framing, script
from probe.errors import UsageError
from tests.monitoring_helpers import PROBE, check_server, same_check
from tests.test_check_server import BAD_MANIFEST, fake_server, plugin


def write_client(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PROBE, "check", "--write-client", str(path), *extra],
                          capture_output=True, text=True, timeout=60, check=False)


def run(client: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(client), *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd, check=False, stdin=subprocess.DEVNULL)


@pytest.fixture
def client(tmp_path: Path) -> Path:
    path = tmp_path / "check_wsgi_probe"
    written = write_client(path)
    assert (written.returncode, written.stderr) == (0, ""), written
    assert written.stdout == (f"probe check: wrote {path}; run it with the arguments of probe "
                              "check and --via SOCKET\n")
    return path


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Path]:
    sock = tmp_path / "check.sock"
    with check_server(sock):
        yield sock


def test_the_client_is_an_executable_script_started_without_site(client: Path) -> None:
    assert stat.S_IMODE(client.stat().st_mode) == 0o755
    first, mark = client.read_text().splitlines()[:2]
    assert first == f"#!{os.path.realpath(sys.executable)} -IS"
    assert mark.startswith(script.MARK)


@pytest.mark.parametrize("args", [
    ("-m", "missing.toml"),
    ("-m", "bad.toml", "-w", "nonsense"),
    ("-m", "bad.toml", "--bogus"),
    ("--help",),
    ("-V",),
])
@pytest.mark.parametrize("server", ["resident checker", "nothing serving", "another version"])
def test_the_client_answers_what_the_plugin_answers(args: tuple[str, ...], server: str,
                                                    client: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(BAD_MANIFEST)
    sock = tmp_path / "check.sock"
    standalone = plugin(*args, cwd=tmp_path)
    if server == "resident checker":
        with check_server(sock):
            written = run(client, *args, "--via", str(sock), cwd=tmp_path)
        # The server ran it (not the console script the client hands over to).
        assert sock.with_suffix(".log").read_text().splitlines()[-1] == (
            "probe check: stopped after 1 check")
    elif server == "another version":
        with fake_server(sock, framing.stale("0.0.1")):
            written = run(client, *args, "--via", str(sock), cwd=tmp_path)
    else:
        written = run(client, *args, "--via", str(sock), cwd=tmp_path)
    same_check(standalone, written)
    assert written.stderr == standalone.stderr


def test_without_via_the_client_is_the_plugin(client: Path, tmp_path: Path) -> None:
    same_check(plugin("-m", "missing.toml", cwd=tmp_path),
               run(client, "-m", "missing.toml", cwd=tmp_path))


def test_a_client_whose_environment_is_gone_says_so_in_one_line(tmp_path: Path) -> None:
    client = tmp_path / "check_wsgi_probe"
    client.write_text(script.text(os.path.realpath(sys.executable),
                                  *script.installed()[1:2], str(tmp_path / "gone" / "probe")))
    client.chmod(0o755)
    answer = run(client, "-m", "x.toml", cwd=tmp_path)
    assert answer.returncode == 3
    assert answer.stdout == (f"WSGI-PROBE UNKNOWN - cannot run {tmp_path}/gone/probe (No such "
                             "file or directory): write the client again with probe check "
                             "--write-client\n")


def test_the_client_imports_no_site_and_little_else(client: Path, served: Path,
                                                    tmp_path: Path) -> None:
    python, flags = client.read_text().splitlines()[0][2:].split()
    result = subprocess.run([python, flags, "-X", "importtime", str(client), "-m",
                             "missing.toml", "--via", str(served)], capture_output=True,
                            text=True, timeout=60, cwd=tmp_path, check=False)
    assert "cannot read manifest" in result.stdout, result
    modules = {line.rpartition("|")[2].strip() for line in result.stderr.splitlines()
               if line.startswith("import time:")}
    assert "probe.check.client" in modules, result.stderr
    assert {"site", "_distutils_hack", "socket", "enum", "typing", "re", "dataclasses",
            "probe.check.args", "probe.manifest"} & modules == set()
    assert {m for m in modules if m.startswith("probe")} == {
        "probe", "probe.check", "probe.check.client", "probe.check.framing",
        "probe.check.argv", "probe.defaults"}


def test_an_earlier_client_is_written_again(client: Path) -> None:
    client.write_text(client.read_text().replace("import sys", "import sys  # edited"))
    again = write_client(client)
    assert again.returncode == 0, again
    assert "# edited" not in client.read_text()


@pytest.mark.parametrize("existing", ["#!/bin/sh\necho important\n", "", "#!/bin/sh\n"])
def test_a_file_that_is_no_client_is_never_overwritten(tmp_path: Path, existing: str) -> None:
    path = tmp_path / "check_http"
    path.write_text(existing)
    refused = write_client(path)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == (f"probe: {path} exists and is not a client written by "
                              "wsgi-probe: not overwritten\n")
    assert path.read_text() == existing


def test_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    # Read to see whether it is an earlier client: a blocking open waited for a writer.
    path = tmp_path / "check_http"
    os.mkfifo(path)
    refused = write_client(path)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == (f"probe: {path}: cannot write: not a regular file; give the "
                              "path of a regular file\n")


@pytest.mark.parametrize(("args", "message"), [
    (["--write-client"], "--write-client needs the path of the file to write"),
    (["--write-client", "X", "-m", "site.toml"],
     "probe check --write-client takes no other option (each check brings its own): -m "
     "site.toml"),
    (["--write-client", "."], "{cwd} is a directory: give the path of the file to write"),
    (["--write-client", "no/such/dir/client"], "cannot write in {cwd}/no/such/dir: No such "
                                               "file or directory"),
])
def test_write_client_usage_errors_are_one_line(tmp_path: Path, args: list[str],
                                                message: str) -> None:
    refused = subprocess.run([*PROBE, "check", *args], capture_output=True, text=True,
                             timeout=60, cwd=tmp_path, check=False)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == f"probe: {message.format(cwd=tmp_path)}\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path", ["/opt/my env/bin/python", "/" + "x" * 201, ""])
def test_a_path_no_shebang_can_hold_is_refused(path: str) -> None:
    with pytest.raises(UsageError, match="cannot start a script"):
        script.text(path, "/opt/wsgi-probe/lib", "/opt/wsgi-probe/bin/probe")


@pytest.mark.parametrize("option", ["--serve", "--write-client"])
def test_what_runs_no_check_is_refused_by_the_server(option: str, client: Path, served: Path,
                                                     tmp_path: Path) -> None:
    """The client sends every argument but --via; the server runs checks only."""
    refused = run(client, "-m", "site.toml", option, str(tmp_path / "x"), "--via", str(served),
                  cwd=tmp_path)
    assert (refused.returncode, refused.stdout) == (
        3, f"WSGI-PROBE UNKNOWN - {option} cannot be sent to a check server\n")
    assert not (tmp_path / "x").exists()
