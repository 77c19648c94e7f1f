"""A file that is no web server configuration at all (a wsgi-probe manifest, JSON) given
where one is expected: ``probe lint``, ``probe discover`` and ``probe sweep --config``
refuse it in one line with exit status 2 instead of reading it as an Apache configuration
with nothing in it. Apache fragments without a VirtualHost still read as Apache's."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from probe.cli import main
from probe.front import FrontKind
from probe.front_files import NotThatFront, choose, require_configuration

MANIFEST = """\
# written by probe discover
[probe]
config = "site.conf"

[[instances]]
name = "shop"
urls = [
    "http://shop.example.org/",
]
"""
JSON = '{\n  "instances": [\n    {"name": "shop"}\n  ]\n}\n'

# Fragments as they are met: included by a main configuration, or read alone.
FRAGMENTS = {
    "daemon.conf": "WSGIDaemonProcess shop processes=2 threads=15\n",
    "alias.conf": "Alias /static /srv/shop/static\n",
    "header.conf": "  Header always set X-Frame-Options DENY\n",
    "empty.conf": "",
    "comments.conf": "# the site is disabled for now\n#WSGIScriptAlias / /srv/x.wsgi\n\n",
    "section.conf": "<Directory /srv/shop>\n    Require all granted\n</Directory>\n",
    "crlf.conf": "RewriteEngine\r\n",
    "bom.conf": "\ufeffWSGIProcessGroup shop\n",
}


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("text", [MANIFEST, JSON], ids=["manifest", "json"])
def test_no_line_read_as_a_directive_is_no_configuration(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "m1.toml", text)
    with pytest.raises(NotThatFront, match="not an apache or nginx configuration"):
        require_configuration(path)
    with pytest.raises(NotThatFront):
        choose([path], "auto")


@pytest.mark.parametrize("name", sorted(FRAGMENTS))
def test_an_apache_fragment_still_reads_as_apache(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, FRAGMENTS[name])
    require_configuration(path)
    assert choose([path], "auto") is FrontKind.APACHE


def one_line_refusal(result: Result, path: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"probe: {path}: not an apache or nginx configuration (no line "
                             f"in it reads as a directive)\n")
    assert result.stdout == "" and "Traceback" not in result.output


def test_lint_discover_and_sweep_refuse_a_manifest(tmp_path: Path) -> None:
    manifest = write(tmp_path, "m1.toml", MANIFEST)
    runner = CliRunner()
    one_line_refusal(runner.invoke(main, ["lint", manifest]), manifest)
    out = tmp_path / "x.toml"
    one_line_refusal(runner.invoke(main, ["discover", manifest, "-o", str(out)]), manifest)
    assert not out.exists()
    one_line_refusal(runner.invoke(main, ["sweep", "--config", manifest,
                                          "http://127.0.0.1:9/"]), manifest)


def test_a_fragment_with_the_manifest_is_still_refused(tmp_path: Path) -> None:
    fragment = write(tmp_path, "alias.conf", FRAGMENTS["alias.conf"])
    manifest = write(tmp_path, "m1.toml", MANIFEST)
    one_line_refusal(CliRunner().invoke(main, ["lint", fragment, manifest]), manifest)


def test_a_fragment_lints_clean(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["lint", write(tmp_path, "alias.conf",
                                                     FRAGMENTS["alias.conf"])])
    assert result.exit_code == 0 and "clean: no findings" in result.output
