"""Odd input from a file or the command line: one line, never a traceback.

Examples for what an adversary tried (issue 9), then properties (hypothesis):
any manifest text or bytes, any ``--connect`` value and any URL either loads
or is refused with one printable line naming where.
"""

from __future__ import annotations

import os
import string
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from probe import manifest
from probe.cli import main
from probe.errors import ManifestError, ProbeError

MINIMAL = '[instances.p]\nlabel = "p"\nurls = ["http://a.example/"]\n'


def one_line_error(text: str) -> None:
    assert text, "an error must say something"
    assert "\n" not in text and "\r" not in text
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text), text
    text.encode("utf-8")


def sweep_error(*args: str) -> str:
    result = CliRunner().invoke(main, ["sweep", *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    one_line_error(lines[0])
    return lines[0]


def test_dev_zero_is_refused_without_reading_it() -> None:
    assert sweep_error("-m", "/dev/zero") == "probe: /dev/zero: not a regular file"


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "manifest.fifo"
    os.mkfifo(fifo)  # with no writer, a blocking open for reading would wait forever
    assert sweep_error("-m", str(fifo)) == f"probe: {fifo}: not a regular file"


def test_a_huge_manifest_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_bytes(MINIMAL.encode() + b"#" * (manifest.MAX_MANIFEST_BYTES + 1))
    assert sweep_error("-m", str(big)) == (
        f"probe: {big}: larger than {manifest.MAX_MANIFEST_BYTES} bytes: not a manifest")


def test_control_characters_in_a_toml_key_are_escaped(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text('[instances."a\\nb\\u001b[31m"]\nurls = ["x"]\n', encoding="utf-8")
    line = sweep_error("-m", str(path))
    assert "instances.a\\x0ab\\x1b[31m.urls[0]" in line


@pytest.mark.parametrize("segment", ["a?b#c", "..", ".", "a b", "a%2fb", "é"])
def test_segments_that_are_not_one_plain_path_segment(segment: str) -> None:
    with pytest.raises(ManifestError, match=r"probe\.segment: must be one path segment"):
        manifest.parse(f'[probe]\nsegment = "{segment}"\n' + MINIMAL)


# -- properties -------------------------------------------------------------------------------

ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=300)
TOML_PIECES = st.lists(st.sampled_from([
    "[probe]\n", "[instances.p]\n", "[instances.\"a\\u0007\"]\n", "[refuse]\n",
    'urls = ["http://a.example/"]\n', "urls = []\n", 'urls = ["http://a.example/", 5]\n',
    "timeout = nan\n", "timeout = inf\n", "timeout = 1e308\n", "timeout = -0.0\n",
    'connect = "127.0.0.1:²"\n', 'connect = "h:80:90"\n', 'connect = "127.0.0.1"\n',
    'segment = "a?b"\n', 'segment = ".."\n', "samples = 99999999999999999999\n",
    "statuses = [999]\n", 'label = "\\u0000"\n', "concurrency = 0\n", "x = 1\n",
    '"\\u001b" = 1\n', "[[instances]]\n", "= \n", '[instances."p"]\nurls = "x"\n',
]), max_size=8).map("".join)


def load_or_refuse(text: str) -> None:
    try:
        manifest.parse(text, "site.toml")
    except ManifestError as exc:
        one_line_error(str(exc))
        assert str(exc).startswith("site.toml: ")


@settings(max_examples=400, deadline=None)
@given(text=ANY_TEXT | TOML_PIECES)
def test_any_manifest_text(text: str) -> None:
    load_or_refuse(text)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300) | TOML_PIECES.map(str.encode))
def test_any_manifest_bytes(data: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("m") / "site.toml"
    path.write_bytes(data)
    try:
        manifest.load(path)
    except ManifestError as exc:
        one_line_error(str(exc))


CONNECT = (ANY_TEXT
           | st.text(string.digits + ".:[]/abc-²٣", max_size=25)
           | st.builds(lambda h, p: f"{h}:{p}", st.sampled_from(["127.0.0.1", "[::1]", "h", "::1"]),
                       st.integers(-5, 70000) | st.text(max_size=4)))


@settings(max_examples=400, deadline=None)
@given(value=CONNECT)
def test_any_connect_value(value: str) -> None:
    try:
        host, port = manifest.parse_address(value, "--connect")
    except ProbeError as exc:
        one_line_error(str(exc))
        return
    assert host and ":" not in host.strip(":0123456789abcdefABCDEF%.")
    assert port is None or 1 <= port <= 65535


URL = (ANY_TEXT
       | st.builds("{}://{}{}{}".format,
                   st.sampled_from(["http", "https", "ftp", "HTTP", ""]),
                   st.sampled_from(["a.example", "例え.jp", "user:pw@h", "[::1", "[::1]", "h:²",
                                    "h:99999", "", "h\x00", "bücher.example", "h:80:90"]),
                   st.sampled_from(["", ":80", ":", ":0"]),
                   st.sampled_from(["/", "", "/a b", "/?q", "/#f", "/\ud800", "/..", "/\r\n"])))


@settings(max_examples=400, deadline=None)
@given(url=URL)
def test_any_url(url: str) -> None:
    try:
        manifest.check_url(url, "URL")
    except ProbeError as exc:
        one_line_error(str(exc))
