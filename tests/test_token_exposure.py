"""Where ``probe sweep`` sends the token unprotected, it says so on stderr: one line for plain
HTTP to addresses that are not loopback, one for ``--no-sni`` (docs/security.md#what-the-probe-
sends-and-keeps). Said, not refused: a private network may be meant."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from probe.cli import main

CLEAR = "probe: warning: the probe token is sent in clear text (http) to "
NO_SNI = "probe: warning: --no-sni: no certificate name is checked before the probe token is sent"


def warnings(tmp_path: Path, urls: list[str], *args: str, token: bool = True) -> list[str]:
    (tmp_path / "token").write_text("s3cret\n")
    listed = ", ".join(f'"{u}"' for u in urls)
    setting = f'token_file = "{tmp_path / "token"}"\n' if token else ""
    (tmp_path / "m.toml").write_text(f'[probe]\n{setting}timeout = 0.3\nsamples = 1\n'
                                     f'[instances.a]\nlabel = "a"\nurls = [{listed}]\n')
    result = CliRunner().invoke(main, ["sweep", "-m", str(tmp_path / "m.toml"), *args],
                                env={"WSGI_PROBE_TOKEN": ""})
    assert result.exit_code == 1, result.output
    return [line for line in result.stderr.splitlines() if "warning" in line]


def test_plain_http_beyond_loopback_is_named_once(tmp_path: Path) -> None:
    urls = ["http://www.example.invalid/", "http://www.example.invalid/b/",
            "http://other.invalid:8080/", "http://127.0.0.1:9/", "http://[::1]:9/",
            "http://localhost:9/", "https://tls.invalid/"]
    assert warnings(tmp_path, urls) == [CLEAR + "www.example.invalid:80, other.invalid:8080"]


@pytest.mark.parametrize(("urls", "args", "token"), [
    (["http://127.0.0.1:9/", "http://localhost:9/"], (), True),
    (["http://www.example.invalid/"], ("--connect", "127.0.0.1:9"), True),  # goes to loopback
    (["http://www.example.invalid/"], (), False),  # no token, nothing to say
    (["https://www.example.invalid/"], (), True),
])
def test_nothing_said_where_nothing_is_exposed(tmp_path: Path, urls: list[str],
                                               args: tuple[str, ...], token: bool) -> None:
    assert warnings(tmp_path, urls, *args, token=token) == []


def test_connect_names_the_address_the_token_goes_to(tmp_path: Path) -> None:
    got = warnings(tmp_path, ["http://127.0.0.1:9/"], "--connect", "192.0.2.1:9",
                   "--timeout", "0.1")
    assert got == [CLEAR + "192.0.2.1:9"]


def test_no_sni_says_that_no_name_is_checked(tmp_path: Path) -> None:
    got = warnings(tmp_path, ["https://a.invalid/"], "--no-sni", "--connect", "127.0.0.1:9")
    assert got == [NO_SNI + " (to 127.0.0.1:9): any server there with a certificate your CA "
                   "bundle trusts, for whatever name, receives it"]
