"""Who can read the token file ``probe endpoint --install`` creates, and ``--group``.

A re-tester installed as root beside a root-owned WSGI script: the token file was created
root:root, mode 0640, and mod_wsgi's daemon, running as www-data, could not read it; the
endpoint answered nobody, its log saying "cannot read the probe token file ...:
PermissionError". The summary now says where the application's user is set and what to
change; ``--group`` gives a new file the application's group; the endpoint's line names the
user it runs as.
"""

from __future__ import annotations

import grp
import os
from pathlib import Path

import pytest

from probe import install_token
from probe.diagnose.wording import UNREADABLE_FILE_LOG
from probe.endpoint_source import load_module
from probe.install_files import InstallRefused, Snapshot
from tests.test_install import invoke, project, refused

# As root any group will do; another user can give only one of its own.
OTHER = "daemon" if os.geteuid() == 0 else grp.getgrgid(os.getegid()).gr_name


def test_the_summary_says_how_another_user_reads_the_token(tmp_path: Path) -> None:
    script = project(tmp_path)
    said = invoke("--install", str(script)).stdout
    token = script.parent / "wsgi_endpoint.token"
    assert "where it runs as another user (mod_wsgi daemon mode: WSGIDaemonProcess " \
           "user=/group=" in said, said
    assert f"'chgrp GROUP {token}' with that group (--group GROUP sets it" in said
    assert "logs 'cannot read the probe token file'" in said


def test_group_gives_the_new_token_file_the_application_s_group(tmp_path: Path) -> None:
    script = project(tmp_path)
    result = invoke("--install", str(script), "--group", OTHER)
    assert result.exit_code == 0, result.output
    token = script.parent / "wsgi_endpoint.token"
    assert token.stat().st_gid == grp.getgrnam(OTHER).gr_gid
    assert f"or in group {OTHER} can read it)" in result.stdout, result.stdout
    assert "where it runs as another user" not in result.stdout


def test_group_does_not_change_an_existing_token_file(tmp_path: Path) -> None:
    script = project(tmp_path)
    assert invoke("--install", str(script)).exit_code == 0
    token = script.parent / "wsgi_endpoint.token"
    if token.stat().st_gid == grp.getgrnam(OTHER).gr_gid:
        pytest.skip("the file already has the only group this user can give")
    result = invoke("--install", str(script), "--group", OTHER)
    assert result.exit_code == 2 and result.stdout == ""
    assert f"'chgrp {OTHER} {token}'" in result.stderr and token.stat().st_gid != grp.getgrnam(
        OTHER).gr_gid


def test_an_unknown_group_is_refused(tmp_path: Path) -> None:
    script = project(tmp_path)
    assert "--group 'no-such-group-xq': no such group" in refused(
        script, "--group", "no-such-group-xq")
    assert not (script.parent / "wsgi_endpoint.token").exists()


def test_group_with_no_token_is_a_usage_error(tmp_path: Path) -> None:
    said = refused(project(tmp_path), "--no-token", "--group", OTHER)
    assert "--group and --no-token exclude each other" in said


def test_a_user_not_in_the_group_is_refused(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(os, "getegid", lambda: 1000)
    monkeypatch.setattr(os, "getgroups", lambda: [1000])
    script = Snapshot(b"", (0, 0, 0, 0), 0o644, 1000, 1000)
    with pytest.raises(InstallRefused, match="this user is not in that group"):
        install_token.plan(tmp_path / "wsgi.py", script, None, 4242)
    assert install_token.plan(tmp_path / "wsgi.py", script, None, 1000).owner == (1000, 1000)


def test_the_endpoint_names_its_user_when_the_file_is_not_readable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    endpoint = load_module("token_group_endpoint")

    def denied(path: object, *args: object) -> bytes:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(endpoint, "_token_bytes", denied)
    endpoint.wrap(lambda environ, start_response: [], token_file=str(tmp_path / "t"))
    line = capsys.readouterr().err
    user, group = os.geteuid(), os.getegid()
    import pwd
    names = (pwd.getpwuid(user).pw_name, grp.getgrgid(group).gr_name)
    assert (f"cannot read the probe token file {tmp_path / 't'} (wrap(token_file=...)): "
            f"PermissionError (this process runs as user {names[0]}, group {names[1]}); "
            f"the probe endpoint answers nobody") in line, line
    # The sweep quotes this line for the user to look for: each part it writes out is in it.
    quoted = UNREADABLE_FILE_LOG.split("'")[1]
    assert all(part.strip() in line for part in quoted.split("...")), (quoted, line)
