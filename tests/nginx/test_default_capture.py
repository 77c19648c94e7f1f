"""Re-tester R34's b-regex, the URL to refuse ``http://unknown.invalid/``: no server_name
matches it, the first block (``server_name ~^(?<site>[^.]+)\\.example\\.test$``) took it as
the default server, ``$site`` was empty and nginx passed to ``unix:/.../run/.sock`` (502,
error log "(2: No such file or directory)"). The fix said "start the application server
listening on unix:/.../run/.sock", which would serve every unknown name."""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import Target, parse
from probe.model import Observation, Sample, TargetResult
from probe.nginx import load_nginx
from tests.nginx.test_regex_order import FRONT, MANIFEST, REGEX

REFUSE = MANIFEST + """
[refuse]
urls = ["http://unknown.invalid/"]
"""


def _diagnosed(tmp_path: Path, url: str, expected: str | None,
               manifest: str = REFUSE) -> tuple[TargetResult, str]:
    conf = tmp_path / "nginx.conf"
    conf.write_text(REGEX)
    bad = Sample(1.0, 502, server="nginx/1.22.1", address=FRONT)
    report = diagnose(parse(manifest), [Observation(Target(url, expected, FRONT), (bad,) * 3)],
                      config=ConfigJoin(load_nginx(str(conf))))
    return report.targets[0], str(conf)


def test_a_name_to_refuse_that_the_default_took_gets_the_refusing_block(
        tmp_path: Path) -> None:
    found, conf = _diagnosed(tmp_path, "http://unknown.invalid/", None)
    assert found.cause is not None and found.cause.value == "default_server"
    words = found.explanation or ""
    assert ("unknown.invalid reached server block at " + conf + ":4 (server_name "
            "~^(?<site>[^.]+)\\.example\\.test$) only as the default server of its address "
            "(no server_name matches 'unknown.invalid' and no block is default_server for "
            "127.0.0.1:18382: the first block listening there answered, " + conf + ":5)"
            ) in words, words
    assert "nginx left it empty and passed to unix:/tmp/t-real34/run/.sock" in words, words
    fix = found.fix or ""
    assert "start the application server" not in fix, fix
    assert fix.startswith("unknown.invalid is to be refused and no block is meant for it: do "
                          "not start a server at unix:/tmp/t-real34/run/.sock"), fix
    assert ("server { listen 127.0.0.1:18382 default_server; return 444; }"
            in fix), fix


def test_an_instance_s_url_no_expression_matches_is_told_to_be_claimed(
        tmp_path: Path) -> None:
    manifest = MANIFEST.replace('"http://www3.other.test/"', '"http://www3.other.test/", '
                                '"http://other.invalid/"')
    found, _ = _diagnosed(tmp_path, "http://other.invalid/", "www", manifest)
    assert "No server_name on the address claims other.invalid: write it in the server_name " \
           "of the block meant for www" in (found.fix or ""), found.fix


def test_a_name_the_expression_matches_keeps_the_gateway_words(tmp_path: Path) -> None:
    """shop.example.test chose the block by its expression: its socket is the address."""
    found, _ = _diagnosed(tmp_path, "http://shop.example.test/", "shop")
    assert found.cause is not None and found.cause.value == "upstream_down"
    assert "start the application server listening on unix:/tmp/t-real34/run/shop.sock" in (
        found.fix or ""), found.fix
