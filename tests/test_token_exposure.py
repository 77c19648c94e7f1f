"""Where ``probe sweep`` sends the token unprotected, it says so on stderr: one line for plain
HTTP to addresses that are not loopback, one for ``--no-sni`` (docs/security.md#what-the-probe-
sends-and-keeps). Plain HTTP is said, not refused: a private network may be meant. Without SNI
no certificate name is checked, so the token is not sent unless ``--send-token-unverified``
(``send_token_unverified = true``) says so; ``probe check`` and ``probe exporter`` say the
same (tests/test_token_exposure_monitoring.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from probe.cli import main
from probe.manifest import parse
from probe.token_exposure import token_exposure

CLEAR = "probe: warning: the probe token is sent in clear text (http) to "
NO_SNI = "probe: warning: --no-sni: no certificate name is checked before the probe token is sent"


def warnings(tmp_path: Path, urls: list[str], *args: str, token: bool = True,
             status: int = 1, mode: int = 0o600) -> list[str]:
    (tmp_path / "token").write_text("s3cret\n")
    (tmp_path / "token").chmod(mode)
    listed = ", ".join(f'"{u}"' for u in urls)
    setting = f'token_file = "{tmp_path / "token"}"\n' if token else ""
    (tmp_path / "m.toml").write_text(f'[probe]\n{setting}timeout = 0.3\nsamples = 1\n'
                                     f'[instances.a]\nlabel = "a"\nurls = [{listed}]\n')
    result = CliRunner().invoke(main, ["sweep", "-m", str(tmp_path / "m.toml"), *args],
                                env={"WSGI_PROBE_TOKEN": ""})
    assert result.exit_code == status, result.output
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


@pytest.mark.parametrize("mode", [0o644, 0o604])
def test_a_token_file_every_user_may_read_is_said(tmp_path: Path, mode: int) -> None:
    token = tmp_path / "token"
    assert warnings(tmp_path, ["http://127.0.0.1:9/"], mode=mode) == [
        f"probe: warning: the token file {token} is readable by every user (mode "
        f"{mode:04o}); 'chmod o-r' it"]
    assert warnings(tmp_path, ["http://127.0.0.1:9/"], mode=0o640) == []


@pytest.mark.parametrize(("mode", "what"), [(0o666, "readable and writable"),
                                           (0o622, "writable")])
def test_a_token_file_every_user_may_write_is_said_so(tmp_path: Path, mode: int,
                                                     what: str) -> None:
    # Anyone may replace the token the endpoint trusts: "readable" alone hid that.
    token = tmp_path / "token"
    assert warnings(tmp_path, ["http://127.0.0.1:9/"], mode=mode) == [
        f"probe: warning: the token file {token} is {what} by every user (mode {mode:04o}): "
        "anyone may read or replace the token; 'chmod o-rw' it"]


def test_connect_names_the_address_the_token_goes_to(tmp_path: Path) -> None:
    got = warnings(tmp_path, ["http://127.0.0.1:9/"], "--connect", "192.0.2.1:9",
                   "--timeout", "0.1")
    assert got == [CLEAR + "192.0.2.1:9"]


def test_no_sni_with_the_opt_in_says_that_no_name_is_checked(tmp_path: Path) -> None:
    got = warnings(tmp_path, ["https://a.invalid/"], "--no-sni", "--connect", "127.0.0.1:9",
                   "--send-token-unverified")
    assert got == [NO_SNI + " (to 127.0.0.1:9): any server there with a certificate your CA "
                   "bundle trusts, for whatever name, receives it"]


def test_no_sni_with_a_token_is_refused_without_the_opt_in(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("s3cret\n")
    (tmp_path / "token").chmod(0o600)
    (tmp_path / "m.toml").write_text(
        f'[probe]\ntoken_file = "{tmp_path / "token"}"\nsni = false\nconnect = "127.0.0.1:9"\n'
        '[instances.a]\nlabel = "a"\nurls = ["https://a.invalid/", "http://a.invalid/"]\n')
    result = CliRunner().invoke(main, ["sweep", "-m", str(tmp_path / "m.toml")],
                                env={"WSGI_PROBE_TOKEN": ""})
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"probe: {tmp_path / 'm.toml'}: --no-sni (sni = false) with a probe token: no "
        "certificate name would be checked before the token is sent to 127.0.0.1:9, so it is "
        "not sent; probe without the token, or give --send-token-unverified "
        "(send_token_unverified = true in [probe]) to send it all the same"]
    # The manifest key is the flag's.
    text = (tmp_path / "m.toml").read_text().replace(
        "sni = false\n", "sni = false\nsend_token_unverified = true\n")
    (tmp_path / "m.toml").write_text(text)
    result = CliRunner().invoke(main, ["sweep", "-m", str(tmp_path / "m.toml"),
                                       "--timeout", "0.3", "--samples", "1"],
                                env={"WSGI_PROBE_TOKEN": ""})
    assert result.exit_code == 1, result.output
    assert [line for line in result.stderr.splitlines() if "warning" in line] == [
        NO_SNI + " (to 127.0.0.1:9): any server there with a certificate your CA bundle "
        "trusts, for whatever name, receives it"]


def test_no_sni_without_a_token_or_https_is_not_refused(tmp_path: Path) -> None:
    assert warnings(tmp_path, ["https://a.invalid/"], "--no-sni", "--connect", "127.0.0.1:9",
                    token=False) == []
    assert warnings(tmp_path, ["http://a.invalid/"], "--no-sni", "--connect", "127.0.0.1:9") \
        == []



def exposed(urls: list[str]) -> list[str]:
    """What the warning says of ``urls``, sending nothing (some are not loopback)."""
    listed = ", ".join(f'"{u}"' for u in urls)
    return token_exposure(parse(f'[instances.a]\nlabel = "a"\nurls = [{listed}]\n'), "t")


@pytest.mark.parametrize("url", [
    "http://[::ffff:127.0.0.1]:9/", "http://127.1:9/", "http://2130706433:9/",
    "http://0x7f.1:9/", "http://localhost.:9/", "http://LocalHost:9/"])
def test_loopback_written_another_way_is_loopback(url: str) -> None:
    assert exposed([url]) == []


@pytest.mark.parametrize(("url", "named"), [
    ("http://[::ffff:192.0.2.1]:9/", "[::ffff:192.0.2.1]:9"), ("http://10.1:9/", "10.1:9"),
    ("http://localhost.invalid:9/", "localhost.invalid:9"), ("http://[::2]:9/", "[::2]:9")])
def test_what_only_looks_like_loopback_is_named(url: str, named: str) -> None:
    assert exposed([url]) == [CLEAR.removeprefix("probe: warning: ") + named]
