"""``setenv_settings``: R31's express 18204 httpd.conf copy (tests/t31_express_answers.py's
``express_conf`` with its --setenv line) warns at the SetEnv line; the same file without it,
or with SetEnv of another variable, does not."""

from __future__ import annotations

from pathlib import Path

from probe.lint import lint_paths
from probe.lint.findings import Severity
from tests import t31_express_answers as t31


def _findings(tmp_path: Path, text: str) -> list[tuple[str, int, Severity]]:
    root = tmp_path / "mod_wsgi-127.0.0.1:18204:0"
    (root / "htdocs").mkdir(parents=True)
    (root / "handler.wsgi").write_text("")
    conf = root / "httpd.conf"
    conf.write_text(text.replace("@ROOT@", str(root)))
    return [(f.code, f.line, f.severity) for f in lint_paths([conf]).findings]


def test_express_setenv_of_the_settings_module_warns_at_its_line(tmp_path: Path) -> None:
    text = t31.express_conf("@ROOT@", 18204, "shop.settings_prod")
    line = len(text.splitlines())
    assert ("setenv_settings", line, Severity.WARNING) in _findings(tmp_path, text)


def test_no_setenv_or_another_variable_is_quiet(tmp_path: Path) -> None:
    plain = t31.express_conf("@ROOT@", 18204)
    other = plain + "SetEnv 'LANG' 'C.UTF-8'\n"
    for text in (plain, other):
        assert not [f for f in _findings(tmp_path / str(len(text)), text)
                    if f[0] == "setenv_settings"]
