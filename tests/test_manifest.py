"""probe/manifest.py: the TOML manifest (docs/manifest.md)."""

from __future__ import annotations

import json
import os
import textwrap
from dataclasses import fields, replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probe import manifest
from probe.credentials import read_token
from probe.errors import ManifestError
from probe.manifest import ANY_INSTANCE, Instance, Manifest, ProbeSettings, Target
from probe.urls import split_usual

CONTRACT_EXAMPLE = """\
[probe]                       # all optional
connect = "127.0.0.1:8080"    # send every request here; Host header and TLS SNI stay the URL's
segment = "__probe__"
token_env = "WSGI_PROBE_TOKEN"
timeout = 5.0                 # seconds per request
samples = 3                   # requests per URL
concurrency = 32

[instances.project-1]         # the key is the instance name
label = "project-1"           # optional: what wrap(label=...) says
settings = "mysite.settings"  # optional: expected DJANGO_SETTINGS_MODULE
process_group = "project-1"   # optional
application_group = "..."     # optional
urls = ["http://site-1.example.com/", "http://www.site-1.example.com/"]

[instances.project-2]
label = "project-2"
settings = "mysite.settings_two"
urls = ["http://site-1.example.com/suburl/", "http://site-2.example.com/"]

[refuse]                      # URLs that must NOT be served by any instance
urls = ["http://www.site-2.example.com/", "http://unknown.invalid/"]
statuses = [403, 404, 421]    # what counts as refused (default shown); so does a closed connection
"""

MINIMAL = """\
[instances.p]
label = "p"
urls = ["http://a.example/"]
"""


def parse(text: str) -> Manifest:
    return manifest.parse(textwrap.dedent(text), "site.toml")


def error_of(text: str) -> str:
    with pytest.raises(ManifestError) as info:
        parse(text)
    return str(info.value)


# --- the documented example --------------------------------------------------------------------


def test_documented_example_parses() -> None:
    m = manifest.parse(CONTRACT_EXAMPLE, "site.toml")
    assert m.source == "site.toml"
    assert m.probe == ProbeSettings(
        connect="127.0.0.1:8080", connects=("127.0.0.1:8080",), segment="__probe__",
        token_env="WSGI_PROBE_TOKEN",
        timeout=5.0, samples=3, concurrency=32,
    )
    assert list(m.instances) == ["project-1", "project-2"]
    assert m.instances["project-1"] == Instance(
        name="project-1",
        urls=("http://site-1.example.com/", "http://www.site-1.example.com/"),
        label="project-1",
        settings="mysite.settings",
        process_group="project-1",
        application_group="...",
    )
    p2 = m.instances["project-2"]
    assert (p2.label, p2.settings, p2.process_group, p2.application_group) == (
        "project-2", "mysite.settings_two", None, None,
    )
    assert m.refuse_urls == ("http://www.site-2.example.com/", "http://unknown.invalid/")
    assert m.refuse_statuses == frozenset({403, 404, 421})


def test_targets_in_manifest_order_then_refuse() -> None:
    m = manifest.parse(CONTRACT_EXAMPLE, "site.toml")
    assert m.targets() == [
        Target("http://site-1.example.com/", "project-1"),
        Target("http://www.site-1.example.com/", "project-1"),
        Target("http://site-1.example.com/suburl/", "project-2"),
        Target("http://site-2.example.com/", "project-2"),
        Target("http://www.site-2.example.com/", None),
        Target("http://unknown.invalid/", None),
    ]


def test_defaults_when_probe_table_is_absent() -> None:
    m = parse(MINIMAL)
    assert m.probe == ProbeSettings()
    assert (m.probe.segment, m.probe.timeout, m.probe.samples, m.probe.concurrency) == (
        "__probe__", 5.0, 3, 32,
    )
    assert m.probe.connect is None
    assert m.refuse_urls == ()
    assert m.refuse_statuses == frozenset({403, 404, 421})


def test_only_refuse_urls_is_a_valid_manifest() -> None:
    m = parse('[refuse]\nurls = ["http://x.example/"]\nstatuses = [410]\n')
    assert m.instances == {}
    assert m.targets() == [Target("http://x.example/", None)]
    assert m.refuse_statuses == frozenset({410})


def test_load_reads_a_file_and_names_it(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text(CONTRACT_EXAMPLE, encoding="utf-8")
    m = manifest.load(path)
    assert m.source == str(path)
    assert len(m.targets()) == 6


# --- error messages: file and key path --------------------------------------------------------


def test_error_message_names_file_and_key_path_exactly() -> None:
    text = CONTRACT_EXAMPLE.replace(
        '"http://site-2.example.com/"]', '"site-2.example.com"]'
    )
    assert error_of(text) == (
        "site.toml: instances.project-2.urls[1]: not an http(s) URL: 'site-2.example.com'"
    )


def test_load_error_message_starts_with_the_path(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text('[instances.p]\nurls = ["http://ok.example/", "nope"]\n', encoding="utf-8")
    with pytest.raises(ManifestError) as info:
        manifest.load(path)
    assert str(info.value) == f"{path}: instances.p.urls[1]: not an http(s) URL: 'nope'"


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('probes = 1\n' + MINIMAL, "probes"),
        ('[probe]\nsamles = 3\n' + MINIMAL, "probe.samles"),
        ('[instances.p]\nurls = ["http://a.example/"]\nsetings = "x"\n', "instances.p.setings"),
        (MINIMAL + '[refuse]\nurl = ["http://b.example/"]\n', "refuse.url"),
    ],
    ids=["top", "probe", "instance", "refuse"],
)
def test_unknown_keys_are_errors_at_every_level(text: str, path: str) -> None:
    message = error_of(text)
    assert message.startswith(f"site.toml: {path}: unknown key (expected one of: ")


def test_unknown_key_lists_the_allowed_keys() -> None:
    message = error_of('[instances.p]\nurls = ["http://a.example/"]\nsetings = "x"\n')
    assert message.endswith(
        "(expected one of: application_group, code_version, connect, django_version, label, "
        "process_group, python_prefix, python_version, restarted_after, script_name, settings, "
        "time_zone, urls)"
    )


def test_toml_syntax_error_keeps_line_and_column() -> None:
    text = '[probe]\nsamples = 3\ntimeout = = 5\n' + MINIMAL
    message = error_of(text)
    assert message.startswith("site.toml: TOML syntax error: ")
    assert "line 3, column 11" in message


SEGMENT = "must be one path segment of letters, digits and ._~- (not . or ..), not"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("samples = true", "site.toml: probe.samples: must be int, not True"),
        ('timeout = "5"', "site.toml: probe.timeout: must be int or float, not '5'"),
        ("concurrency = 2.5", "site.toml: probe.concurrency: must be int, not 2.5"),
        ("connect = 8080", "site.toml: probe.connect: must be str or list, not 8080"),
        ("timeout = 0",
         "site.toml: probe.timeout: must be more than 0 and at most 86400 seconds, not 0"),
        ("timeout = nan",
         "site.toml: probe.timeout: must be more than 0 and at most 86400 seconds, not nan"),
        ("timeout = inf",
         "site.toml: probe.timeout: must be more than 0 and at most 86400 seconds, not inf"),
        ("timeout = 1e308",
         "site.toml: probe.timeout: must be more than 0 and at most 86400 seconds, not 1e+308"),
        ("samples = 0", "site.toml: probe.samples: must be at least 1"),
        ("concurrency = 0", "site.toml: probe.concurrency: must be at least 1"),
        ("samples = 9223372036854775807",
         "site.toml: probe.samples: must be at most 10000, not 9223372036854775807"),
        ("samples = 10001", "site.toml: probe.samples: must be at most 10000, not 10001"),
        ("concurrency = 9223372036854775807",
         "site.toml: probe.concurrency: must be at most 1000, not 9223372036854775807"),
        ('segment = "a/b"', f"site.toml: probe.segment: {SEGMENT} 'a/b'"),
        ('segment = ""', f"site.toml: probe.segment: {SEGMENT} ''"),
        ('segment = "a?b#c"', f"site.toml: probe.segment: {SEGMENT} 'a?b#c'"),
        ('segment = ".."', f"site.toml: probe.segment: {SEGMENT} '..'"),
        ('connect = "localhost:"',
         "site.toml: probe.connect: not HOST or HOST:PORT: 'localhost:'"),
        ('connect = "h:0"', "site.toml: probe.connect: not HOST or HOST:PORT: 'h:0'"),
        ('connect = "h:99999"', "site.toml: probe.connect: not HOST or HOST:PORT: 'h:99999'"),
        ('connect = "localhost:http"',
         "site.toml: probe.connect: not HOST or HOST:PORT: 'localhost:http'"),
    ],
)
def test_probe_table_values_are_checked(table: str, message: str) -> None:
    assert error_of(f"[probe]\n{table}\n" + MINIMAL) == message


def test_timeout_may_be_an_integer() -> None:
    m = parse("[probe]\ntimeout = 2\n" + MINIMAL)
    assert m.probe.timeout == 2


@pytest.mark.parametrize(
    ("value", "host", "port"),
    [
        ("127.0.0.1:8080", "127.0.0.1", 8080),
        ("[::1]:8443", "::1", 8443),
        ("h.example:1", "h.example", 1),
    ],
)
def test_parse_connect(value: str, host: str, port: int) -> None:
    assert manifest.parse_connect(value, "--connect") == (host, port)


@pytest.mark.parametrize(("value", "host"), [("127.0.0.1", "127.0.0.1"), ("::1", "::1"),
                                             ("[::1]", "::1"), ("localhost", "localhost")])
def test_connect_without_a_port(value: str, host: str) -> None:
    assert manifest.parse_address(value, "--connect") == (host, None)
    assert parse(f'[probe]\nconnect = "{value}"\n' + MINIMAL).probe.connect == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("probe = 3\n" + MINIMAL, "site.toml: probe: must be a table"),
        ("instances = 3\n", "site.toml: instances: must be a table"),
        ("[instances]\np = 3\n", "site.toml: instances.p: must be a table"),
        ('[instances.p]\nurls = "http://a.example/"\n',
         "site.toml: instances.p.urls: must be a list of URLs"),
        ("[instances.p]\nurls = []\n", "site.toml: instances.p.urls: give at least one URL"),
        ('[instances.p]\nlabel = "x"\n', "site.toml: instances.p.urls: give at least one URL"),
        ('[instances.p]\nurls = ["http://a.example/"]\nsettings = 3\n',
         "site.toml: instances.p.settings: must be a string, not 3"),
        ('[instances.p]\nurls = ["http://a.example/"]\nlabel = true\n',
         "site.toml: instances.p.label: must be a string, not True"),
        ('[instances."*"]\nurls = ["http://a.example/"]\n',
         "site.toml: instances.*: '*' is reserved for command-line URLs"),
        ('[instances.""]\nlabel = "a"\nurls = ["http://a.example/"]\n',
         "site.toml: instances.'': give the instance a name"),
        ('[instances." "]\nlabel = "a"\nurls = ["http://a.example/"]\n',
         "site.toml: instances.' ': give the instance a name"),
        ("[instances.p]\nurls = [3]\n", "site.toml: instances.p.urls[0]: not a string: 3"),
        ('[instances.p]\nurls = ["ftp://a.example/"]\n',
         "site.toml: instances.p.urls[0]: not an http(s) URL: 'ftp://a.example/'"),
        ('[instances.p]\nurls = ["http:///path"]\n',
         "site.toml: instances.p.urls[0]: not an http(s) URL: 'http:///path'"),
        ('[instances.p]\nurls = ["http://a.example:99999/"]\n',
         "site.toml: instances.p.urls[0]: not a valid URL: 'http://a.example:99999/'"),
        ('[instances.p]\nurls = ["http://a.example:0/"]\n',
         "site.toml: instances.p.urls[0]: port 0 is no port a server listens on: "
         "'http://a.example:0/'"),
        ('[instances.p]\nurls = ["http://a.example/?x=1"]\n',
         "site.toml: instances.p.urls[0]: a probe URL takes no query or fragment: "
         "'http://a.example/?x=1'"),
        ('[instances.p]\nurls = ["http://a.example/#top"]\n',
         "site.toml: instances.p.urls[0]: a probe URL takes no query or fragment: "
         "'http://a.example/#top'"),
        ('[refuse]\nurls = ["http://a.example/", 5]\n',
         "site.toml: refuse.urls[1]: not a string: 5"),
        ("", "site.toml: no [instances.NAME] tables and no [refuse] urls: nothing to probe"),
        ("[refuse]\nstatuses = [403]\n",
         "site.toml: no [instances.NAME] tables and no [refuse] urls: nothing to probe"),
    ],
)
def test_structure_errors(text: str, message: str) -> None:
    assert error_of(text) == message


@pytest.mark.parametrize("statuses", ["403", "[true]", "[99]", "[600]", '["403"]'])
def test_refuse_statuses_must_be_http_status_codes(statuses: str) -> None:
    text = f'[refuse]\nurls = ["http://a.example/"]\nstatuses = {statuses}\n'
    assert error_of(text) == "site.toml: refuse.statuses: must be a list of HTTP status codes"


def test_load_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "none.toml"
    with pytest.raises(ManifestError) as info:
        manifest.load(path)
    assert str(info.value) == f"{path}: cannot read manifest: No such file or directory"


def test_a_byte_order_mark_is_no_statement(tmp_path: Path) -> None:
    """Windows editors start UTF-8 with one; tomllib took it for a statement at 1:1."""
    path = tmp_path / "site.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'[instances.a]\nlabel = "a"\nurls = ["http://a.example/"]\n')
    assert [t.url for t in manifest.load(path).targets()] == ["http://a.example/"]


def test_load_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(b'[instances.p]\nlabel = "caf\xe9"\nurls = ["http://a.example/"]\n')
    with pytest.raises(ManifestError) as info:
        manifest.load(path)
    assert str(info.value) == f"{path}: not UTF-8 text"


# --- the same URL twice -----------------------------------------------------------------------


def test_duplicate_url_across_instances() -> None:
    text = """\
    [instances.a]
    urls = ["http://site.example/x/"]
    [instances.b]
    urls = ["http://SITE.example/x"]
    """
    assert error_of(text) == (
        "site.toml: instances.b.urls: 'http://SITE.example/x' is already listed in instances.a"
    )


def test_duplicate_url_between_instance_and_refuse() -> None:
    text = """\
    [instances.a]
    urls = ["http://site.example/"]
    [refuse]
    urls = ["http://site.example:80/"]
    """
    assert error_of(text) == (
        "site.toml: refuse.urls: 'http://site.example:80/' is already listed in instances.a"
    )


def test_duplicate_url_within_one_instance() -> None:
    text = '[instances.a]\nurls = ["https://s.example/", "https://s.example:443"]\n'
    assert error_of(text) == (
        "site.toml: instances.a.urls: 'https://s.example:443' is already listed in instances.a"
    )


def test_an_idn_host_and_its_idna_form_are_one_url() -> None:
    """Both send xn--bcher-kva.example: probed twice, one URL would hold two verdicts."""
    text = ('[instances.a]\nurls = ["http://bücher.example/"]\n'
            '[instances.b]\nurls = ["http://xn--bcher-kva.example/"]\n')
    assert error_of(text) == ("site.toml: instances.b.urls: 'http://xn--bcher-kva.example/' is "
                              "already listed in instances.a")


def test_same_host_other_scheme_port_or_path_is_not_a_duplicate() -> None:
    text = """\
    [instances.a]
    label = "a"
    urls = ["http://s.example/", "https://s.example/", "http://s.example:8080/"]
    [instances.b]
    label = "b"
    urls = ["http://s.example/b/"]
    """
    m = parse(text)
    assert len(m.targets()) == 4


# --- command-line URLs ------------------------------------------------------------------------


def test_from_urls_expects_any_instance() -> None:
    m = manifest.from_urls(["http://a.example/", "https://b.example/x/", "http://a.example/"])
    assert m.source == "command line"
    assert list(m.instances) == [ANY_INSTANCE]
    assert m.targets() == [
        Target("http://a.example/", "*"),
        Target("https://b.example/x/", "*"),
    ]
    assert m.refuse_urls == ()
    assert m.probe == ProbeSettings()


def test_from_urls_keeps_given_probe_settings() -> None:
    settings = ProbeSettings(samples=1, timeout=0.5)
    m = manifest.from_urls(["http://a.example/"], settings)
    assert m.probe is settings


def test_from_urls_rejects_a_bad_url() -> None:
    with pytest.raises(ManifestError) as info:
        manifest.from_urls(["http://a.example/", "a.example"])
    assert str(info.value) == "command line: URL[1]: not an http(s) URL: 'a.example'"


# --- probe_url --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "segment", "probe_url"),
    [
        ("http://site-1.example.com/suburl/", "__probe__", "http://site-1.example.com/suburl/__probe__"),
        ("http://site-1.example.com/suburl", "__probe__", "http://site-1.example.com/suburl/__probe__"),
        ("http://site-1.example.com/", "__probe__", "http://site-1.example.com/__probe__"),
        ("http://site-1.example.com", "__probe__", "http://site-1.example.com/__probe__"),
        ("https://s.example:8443/a/b/", "hc", "https://s.example:8443/a/b/hc"),
    ],
)
def test_probe_url_joins_path_and_segment(url: str, segment: str, probe_url: str) -> None:
    joined = Target(url, "x").probe_url(segment)
    assert joined == probe_url
    assert not joined.endswith("/")


# --- command-line overrides -------------------------------------------------------------------


def test_with_probe_overrides_and_keeps_the_rest() -> None:
    m = manifest.parse(CONTRACT_EXAMPLE, "site.toml")
    changed = m.with_probe(samples=1, timeout=0.5, connect=None, ca_file="/tmp/ca.pem")
    assert changed.probe.samples == 1
    assert changed.probe.timeout == 0.5
    assert changed.probe.ca_file == "/tmp/ca.pem"
    assert changed.probe.connect == "127.0.0.1:8080"  # None leaves the manifest's value
    assert changed.probe.concurrency == 32
    assert changed.instances == m.instances
    assert changed.refuse_urls == m.refuse_urls
    assert changed.refuse_statuses == m.refuse_statuses
    assert changed.source == "site.toml"
    assert m.probe.samples == 3  # the original is untouched


def test_with_probe_without_changes_is_the_same_manifest() -> None:
    m = parse(MINIMAL)
    assert m.with_probe(samples=None, connect=None) is m


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"samples": 0}, "command line: --samples: must be at least 1"),
        ({"timeout": -1.0},
         "command line: --timeout: must be more than 0 and at most 86400 seconds, not -1.0"),
        ({"concurrency": 0}, "command line: --concurrency: must be at least 1"),
        ({"samples": 10**20},
         "command line: --samples: must be at most 10000, not 100000000000000000000"),
        ({"concurrency": 1001}, "command line: --concurrency: must be at most 1000, not 1001"),
        ({"connect": "no host"}, "command line: --connect: not HOST or HOST:PORT: 'no host'"),
        ({"samples": "3"}, "command line: --samples: must be int, not '3'"),
        ({"token_file": 5}, "command line: --token-file: must be str, not 5"),
    ],
)
def test_with_probe_validates_overrides(changes: dict[str, object], message: str) -> None:
    m = parse(MINIMAL)
    with pytest.raises(ManifestError) as info:
        m.with_probe(**changes)
    assert str(info.value) == message


def test_with_probe_rejects_an_unknown_setting() -> None:
    with pytest.raises(ManifestError) as info:
        parse(MINIMAL).with_probe(sampels=2)
    assert "sampels: unknown key" in str(info.value)


# --- the token (probe.credentials) ------------------------------------------------------------


def test_token_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WSGI_PROBE_TOKEN", "  s3cret\n")
    assert read_token(ProbeSettings(), os.environ) == "s3cret"


def test_token_env_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WSGI_PROBE_TOKEN", "default")
    monkeypatch.setenv("SITE_TOKEN", "mine")
    m = parse('[probe]\ntoken_env = "SITE_TOKEN"\n' + MINIMAL)
    assert read_token(m.probe, os.environ) == "mine"


def test_no_token_when_variable_is_unset_or_blank(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WSGI_PROBE_TOKEN", raising=False)
    assert read_token(ProbeSettings(), os.environ) is None
    monkeypatch.setenv("WSGI_PROBE_TOKEN", "   ")
    assert read_token(ProbeSettings(), os.environ) is None


def test_token_file_wins_over_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WSGI_PROBE_TOKEN", "from-env")
    path = tmp_path / "token"
    path.write_text("from-file\n", encoding="utf-8")
    assert read_token(ProbeSettings(token_file=str(path)), os.environ) == "from-file"


def test_unreadable_token_file_is_a_manifest_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    with pytest.raises(ManifestError) as info:
        read_token(ProbeSettings(token_file=str(missing)), os.environ)
    assert str(info.value) == (
        f"token file {str(missing)!r} cannot be read: No such file or directory"
    )


@pytest.mark.parametrize("text", ["", "\n", "  \t\n\n"])
def test_empty_token_file_is_a_manifest_error(tmp_path: Path, text: str) -> None:
    """Sent as a token, an empty one made every signed answer read as forged (CRITICAL on
    every URL) for what is a set-up mistake of the probing side."""
    path = tmp_path / "token"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError) as info:
        read_token(ProbeSettings(token_file=str(path)), os.environ)
    assert str(info.value) == (f"token file {str(path)!r} is empty: it should hold the token "
                               f"the endpoints were given")


@pytest.mark.parametrize(("text", "problem"), [
    ("root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n", "holds 2 lines, not one token"),
    ("t0k\x1b[2Jen\n", "holds a control character, not one token"),
    ("t" * 1025, "holds 1025 characters, not one token (at most 1024)"),
])
def test_a_token_file_that_is_no_token_is_a_manifest_error_naming_it(
        tmp_path: Path, text: str, problem: str) -> None:
    """Tester T25's D5: a file given by mistake (/etc/shadow) failed every sweep with a line
    that did not name it; on one line it would have been sent as X-Probe-Token."""
    path = tmp_path / "token"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError) as info:
        read_token(ProbeSettings(token_file=str(path)), os.environ)
    assert str(info.value) == (f"token file {str(path)!r} {problem}: it should hold the token "
                               f"the endpoints were given, on one line; nothing was sent")
    assert "root:" not in str(info.value) and "\x1b" not in str(info.value)
    path.write_text("  s3cr3t+tökén/Ω=42 \n", encoding="utf-8")  # the rule keeps real tokens
    assert read_token(ProbeSettings(token_file=str(path)), os.environ) == "s3cr3t+tökén/Ω=42"


def test_a_token_variable_that_is_no_token_is_a_manifest_error_naming_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROBE_T", "one\ntwo")
    with pytest.raises(ManifestError) as info:
        read_token(ProbeSettings(token_env="PROBE_T"), os.environ)
    assert str(info.value) == ("$PROBE_T holds 2 lines, not one token: it should hold the "
                               "token the endpoints were given; nothing was sent")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_token_file_without_permission(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("x", encoding="utf-8")
    path.chmod(0)
    with pytest.raises(ManifestError) as info:
        read_token(ProbeSettings(token_file=str(path)), os.environ)
    assert "Permission denied" in str(info.value)


def test_token_file_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as info:
        read_token(ProbeSettings(token_file=str(tmp_path)), os.environ)
    assert str(info.value).startswith(f"token file {str(tmp_path)!r} cannot be read: ")


def test_sni_false_needs_connect_to_an_ip_address() -> None:
    base = '[instances.p]\nlabel = "p"\nurls = ["https://a.example/"]\n'
    m = manifest.parse('[probe]\nsni = false\nconnect = "127.0.0.1:8443"\n' + base, "s.toml")
    assert m.probe.sni is False
    with pytest.raises(ManifestError, match=r"s.toml: probe.sni: probing without SNI needs"):
        manifest.parse('[probe]\nsni = false\n' + base, "s.toml")
    with pytest.raises(ManifestError, match=r"probe.sni: probing without SNI needs"):
        manifest.parse('[probe]\nsni = false\nconnect = "localhost:8443"\n' + base, "s.toml")
    with pytest.raises(ManifestError, match=r"probe.sni: must be bool"):
        manifest.parse('[probe]\nsni = "no"\n' + base, "s.toml")
    loaded = manifest.parse(base, "s.toml")
    with pytest.raises(ManifestError, match=r"command line: --no-sni: probing without SNI"):
        loaded.with_probe(sni=False)
    assert loaded.with_probe(sni=False, connect="[::1]:8443").probe.sni is False


def test_config_is_a_path_relative_to_the_manifest(tmp_path: Path) -> None:
    body = '\n[instances.a]\nlabel = "a"\nurls = ["http://a.example.com/"]\n'
    path = tmp_path / "m.toml"
    path.write_text('[probe]\nconfig = "conf/httpd.conf"\n' + body)
    assert manifest.load(path).probe.config == str(tmp_path / "conf/httpd.conf")
    path.write_text('[probe]\nconfig = "/etc/apache2"\n' + body)
    assert manifest.load(path).probe.config == "/etc/apache2"
    with pytest.raises(ManifestError, match=r"probe.config: must be str"):
        manifest.parse("[probe]\nconfig = 1\n" + body, "m.toml")
    with pytest.raises(ManifestError, match=r"probe.config: must name a configuration"):
        manifest.parse('[probe]\nconfig = " "\n' + body, "m.toml")
# --- instances a sweep could not tell apart (issue 24) ------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ('[instances.a]\nurls = ["http://a.example/"]\n'
     '[instances.b]\nlabel = "b"\nurls = ["http://b.example/"]\n',
     "site.toml: instances.a declares no label, settings, process_group or application_group, "
     "so any answer to its URLs would count as its own (a default server's too): declare at least "
     "the label given to wrap(label=...) or the DJANGO_SETTINGS_MODULE"),
    ('[instances.a]\nurls = ["http://a.example/"]\n[instances.b]\nurls = ["http://b.example/"]\n',
     "site.toml: instances.a and instances.b declare no label, settings, process_group or "
     "application_group, so any answer to their URLs would count as theirs (a default "
     "server's too): declare at least the label given to wrap(label=...) or the "
     "DJANGO_SETTINGS_MODULE"),
    ('[instances.a]\nlabel = "x"\nsettings = "s"\nurls = ["http://a.example/"]\n'
     '[instances.b]\nlabel = "x"\nsettings = "s"\nurls = ["http://b.example/"]\n',
     'site.toml: instances.a and instances.b cannot be told apart: both declare label = "x", '
     'settings = "s" where they declare the same fields, so an answer from one would count as '
     "the other's; give each its own label (wrap(label=...)) or declare the process_group, "
     "application_group or settings that differ"),
    # b adds a process group: a's "label x" still accepts every answer of b.
    ('[instances.a]\nlabel = "x"\nurls = ["http://a.example/"]\n'
     '[instances.b]\nlabel = "x"\nprocess_group = "g"\nurls = ["http://b.example/"]\n'
     '[instances.c]\nsettings = "s"\nlabel = "x"\nurls = ["http://c.example/"]\n',
     "site.toml: instances.a, instances.b and instances.c cannot be told apart: all declare "
     'label = "x" where'),
])
def test_instances_that_cannot_be_told_apart_are_refused(text: str, message: str) -> None:
    with pytest.raises(ManifestError) as info:
        manifest.parse(text, "site.toml")
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("text", [
    # the same label, told apart by the settings both declare
    '[instances.a]\nlabel = "x"\nsettings = "s1"\nurls = ["http://a.example/"]\n'
    '[instances.b]\nlabel = "x"\nsettings = "s2"\nurls = ["http://b.example/"]\n',
    # one daemon group, two application groups
    '[instances.a]\nprocess_group = "g"\napplication_group = "a|"\nurls = ["http://a.example/"]\n'
    '[instances.b]\nprocess_group = "g"\napplication_group = "b|"\nurls = ["http://b.example/"]\n',
    # nothing in common to compare: each is recognised by its own field
    '[instances.a]\nlabel = "x"\nurls = ["http://a.example/"]\n'
    '[instances.b]\nsettings = "s"\nurls = ["http://b.example/"]\n',
])
def test_instances_told_apart_are_accepted(text: str) -> None:
    assert set(manifest.parse(text, "site.toml").instances) == {"a", "b"}


@pytest.mark.parametrize("url", ["http://user:secret@site.example/", "https://u@site.example/x/",
                                 "http://:secret@site.example:8080/"])
def test_a_url_with_credentials_is_refused_without_echoing_them(url: str) -> None:
    with pytest.raises(ManifestError) as info:
        manifest.parse(f'[instances.p]\nlabel = "p"\nurls = ["{url}"]\n', "site.toml")
    message = str(info.value)
    assert message.startswith("site.toml: instances.p.urls[0]: a probe URL takes no "
                              "user:password@ (the endpoint is authorised by X-Probe-Token: "
                              "give --token-file): '")
    assert "secret" not in message and "user" not in message.split("'")[1]
    assert "***@site.example" in message


def test_a_command_line_url_with_credentials_is_a_usage_error() -> None:
    from click.testing import CliRunner

    from probe.cli import main

    done = CliRunner().invoke(main, ["sweep", "http://user:secret@site.example/"])
    assert done.exit_code == 2
    assert done.stderr == ("probe: command line: URL[0]: a probe URL takes no user:password@ "
                           "(the endpoint is authorised by X-Probe-Token: give --token-file): "
                           "'http://***@site.example/'\n")


@settings(max_examples=2000, deadline=None)
@given(st.sampled_from(["http://", "https://", "HTTP://", "http:", ""]),
       st.text(alphabet="ab.:[]@1/", max_size=8), st.text(alphabet="ab/%.?#", max_size=8))
def test_the_probe_url_is_the_urls_path_and_the_segment_as_urlsplit_reads_them(
        scheme: str, netloc: str, path: str) -> None:
    """probe_url skips urlsplit for the usual URL (every URL of a sweep passes there): the
    same URL as urlsplit's parts give, for any URL, checked or not."""
    url = scheme + netloc + path
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    wanted = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/__probe__"
    assert Target(url, None).probe_url("__probe__") == wanted


@settings(max_examples=2000, deadline=None)
@given(st.sampled_from(["http://", "https://", "HTTP://", "http:", "ftp://", ""]),
       st.text(alphabet="aB.:[]@1/", max_size=8), st.text(alphabet="ab/%.?#;", max_size=8))
def test_the_usual_urls_split_as_urlsplit_splits_them(scheme: str, netloc: str,
                                                      path: str) -> None:
    url = scheme + netloc + path
    usual = split_usual(url)
    try:
        parts = urlsplit(url)
    except ValueError:  # the manifest refuses those before any is split
        return
    assert usual is None or usual == tuple(parts[:3])


def test_a_target_at_an_address_is_the_target_replaced() -> None:
    """Target.at lists every field (it skips dataclasses.replace's cost): a field added to
    Target and not to it fails here."""
    target = Target("http://a.example/x/", "one", None)
    assert target.at("127.0.0.1:8001") == replace(target, address="127.0.0.1:8001")
    assert len(fields(Target)) == 3


_URL_PARTS = (
    st.sampled_from(["http", "https", "HTTP", "ftp", "http:", ""]),
    st.sampled_from(["a", "A.Example", "a..b", "-a", "127.0.0.1", "[::1]", "", "u@h", "ü",
                     "a_b", "exa%mple", "a%2F", "ex<a>", "[::1]x", "हिन्दी", "ü%", "a\u3002b"]),
    st.sampled_from(["", ":", ":0", ":80", ":0080", ":443", ":65535", ":65536", ":99999",
                     ":123456", ":x", ":²"]),
    st.lists(st.sampled_from(["/", "a", "A", "%41", ":", "@", "~", "?", "#", "b=c", " ",
                              "\\", "ü", "\t", "\x00", ";", "'", "//"]), max_size=5),
)


@given(*_URL_PARTS)
@settings(max_examples=400)
def test_usual_urls_are_read_as_the_full_checks_read_them(
        scheme: str, host: str, port: str, path: list[str]) -> None:
    # The fast regex of _url_list: the same URLs refused, the same key for the others.
    url = f"{scheme}://{host}{port}{''.join(path)}"
    keys: dict[str, str] = {}
    try:
        manifest._url_list([url], "m.toml", "urls", keys)
    except ManifestError as exc:
        with pytest.raises(ManifestError) as slow:
            manifest._checked(url, lambda: "m.toml: urls[0]")
        assert str(slow.value) == str(exc)
    else:
        assert keys == {url: manifest._normal(manifest._checked(url, lambda: "where"))}


BAD_HOST = "not a host name (letters, digits and - . _) or an IP address"


@pytest.mark.parametrize("url", ["http://exa%mple.com/", "http://site\\x/", "http://ex<a>.com/",
                                 "http://example.com%2F/", "https://[::1]x/", "http://a\u3002b/",
                                 "http://ex%41mple.com/", "http://" + "ü" * 64 + ".example/"])
def test_a_host_libcurl_cannot_send_is_refused_when_read(url: str) -> None:
    """libcurl refuses these hosts only when sending ("Bad hostname"): the sweep then called
    the URL unreachable and blamed the server."""
    with pytest.raises(ManifestError) as info:
        manifest.parse(f'[instances.p]\nlabel = "p"\nurls = [{json.dumps(url)}]\n', "site.toml")
    assert str(info.value) == f"site.toml: instances.p.urls[0]: {BAD_HOST}: {url!r}"
    from click.testing import CliRunner

    from probe.cli import main

    done = CliRunner().invoke(main, ["sweep", url])
    assert (done.exit_code, done.stderr) == (2, f"probe: command line: URL[0]: {BAD_HOST}: "
                                                f"{url!r}\n")


@pytest.mark.parametrize("url", ["http://a_b.example/", "http://bücher.example/",
                                 "http://हिन्दी.example/x/", "http://xn--bcher-kva.example/",
                                 "https://127.0.0.1:8443/", "http://[::1]:8080/",
                                 "http://[fe80::1%25eth0]/", "http://Site-1.Example.COM./"])
def test_the_hosts_libcurl_sends_are_read(url: str) -> None:
    assert manifest.check_url(url, "URL") == url
