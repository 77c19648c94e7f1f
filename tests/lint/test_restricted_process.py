"""``restricted_process``: a ``WSGIRestrictProcess`` in force for an application whose
process group is not in its list: mod_wsgi answers 500 ("WSGI0149: ... not a member of
allowed groups", wsgi_remote.c; the lint tester's a03 on real Apache), never "runs
embedded"."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.lint import lint_paths
from probe.lint.findings import ConfigFinding

SITE = """WSGIDaemonProcess tree
WSGIDaemonProcess other
WSGIScriptAlias /tree {d}/app.wsgi{option}
<Location /tree>
    WSGIRestrictProcess {allowed}
</Location>
"""


def _lint(tmp_path: Path, option: str, allowed: str) -> list[ConfigFinding]:
    conf = tmp_path / "site.conf"
    conf.write_text(SITE.format(d=tmp_path, option=option, allowed=allowed))
    return list(lint_paths([conf]).findings)


@pytest.mark.parametrize(("option", "allowed", "refused"), [
    ("", "tree", "''"),  # no group set: embedded mode, which the list does not allow
    (" process-group=other", "tree", "'other'"),  # a group outside the list
    (" process-group=tree", "tree", None),
    (" process-group=Tree", "tree", None),  # APR tables compare names without case
    (" process-group=%{GLOBAL}", "tree %{GLOBAL}", None),  # %{GLOBAL} allows embedded mode
])
def test_a_group_outside_the_list_is_refused_with_500(tmp_path: Path, option: str, allowed: str,
                                                      refused: str | None) -> None:
    found = [f for f in _lint(tmp_path, option, allowed) if f.code == "restricted_process"]
    if refused is None:
        assert found == []
        return
    [f] = found
    assert (f.line, f.severity.value) == (5, "error")
    assert f"mod_wsgi answers its requests with 500 (its error log: \"Daemon process called " \
           f"{refused} cannot be accessed by this WSGI application as not a member of allowed " \
           f"groups.\")" in f.message, f.message
    added = "%{GLOBAL}" if refused == "''" else "other"
    assert f"add {added} to WSGIRestrictProcess at {tmp_path / 'site.conf'}:5" in (f.fix or ""), \
        f.fix


def test_unused_daemon_says_the_request_is_refused_not_embedded(tmp_path: Path) -> None:
    findings = _lint(tmp_path, "", "tree")
    [unused] = [f for f in findings if f.code == "unused_daemon" and f.line == 1]
    assert "runs embedded" not in unused.message and "embedded in the Apache" \
        not in unused.message, unused.message
    assert (f"/tree ({tmp_path / 'site.conf'}:3) has no process group set, and "
            f"WSGIRestrictProcess tree ({tmp_path / 'site.conf'}:5) does not allow embedded "
            f"mode: mod_wsgi answers its requests with 500") in unused.message, unused.message
    assert "%{GLOBAL}" not in (unused.fix or "")
