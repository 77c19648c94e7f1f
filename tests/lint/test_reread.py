"""A site file Included twice (sites-enabled, and again from a conf-enabled file): the
duplicate WSGIDaemonProcess and the shadowed VirtualHost are one line read twice, so lint
names the two Include lines and the fix removes one, not "rename one of them"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from probe.lint import lint_paths

SITE = """\
<VirtualHost *:80>
    ServerName weblate.example.org
    WSGIDaemonProcess weblate python-path=/srv/weblate
    WSGIScriptAlias / /srv/weblate/wsgi.py process-group=weblate
</VirtualHost>
"""


def test_a_file_read_twice_names_both_includes(tmp_path: Path) -> None:
    (tmp_path / "sites-enabled").mkdir()
    (tmp_path / "conf-enabled").mkdir()
    site = tmp_path / "sites-enabled" / "weblate.conf"
    site.write_text(SITE)
    again = tmp_path / "conf-enabled" / "weblate-again.conf"
    again.write_text(f"Include {site}\n")
    top = tmp_path / "httpd.conf"
    (tmp_path / "sites-enabled" / "other.conf").write_text(
        SITE.replace("weblate", "other").replace(":80", ":81"))
    # conf-enabled first, as Debian's apache2.conf: the glob over sites-enabled reads the
    # file second, and removing it would drop every site: the single Include goes.
    top.write_text(f"Listen 80\nIncludeOptional {tmp_path}/conf-enabled/*.conf\n"
                   f"IncludeOptional {tmp_path}/sites-enabled/*.conf\n")
    found = {f.code: f for f in lint_paths([top]).findings}
    dup = found["duplicate_daemon"]
    assert (dup.file, dup.line) == (str(site), 3)
    assert "already defined at" not in dup.message, dup.message
    assert f"Include at {again}:1 and {top}:3" in dup.message, dup.message
    assert dup.fix == (f"remove the Include at {again}:1 (it reads {site} again, also "
                       f"read by the Include at {top}:3), so that the file is read once"), dup.fix
    shadowed = found["vhost_shadowed"]
    assert f"Include at {again}:1 and {top}:3" in shadowed.message, shadowed.message
    assert shadowed.fix is not None and shadowed.fix.startswith(
        f"remove the Include at {again}:1"), shadowed.fix


# Every rule family that compares lines: the main server's WSGIScriptAlias, ProxyPass and
# WSGIPythonPath (pairs of lines), an IP-based VirtualHost beside a '*' one (lists of them).
EVERYTHING = """\
WSGIPythonPath /srv
WSGIDaemonProcess g1 python-path=/srv
WSGIScriptAlias /a /srv/a/wsgi.py process-group=g1
WSGIScriptAlias /a/b /srv/b/wsgi.py process-group=g1
ProxyPass /p http://127.0.0.1:9000/p
ProxyPass /p/x http://127.0.0.1:9001/p/x
<VirtualHost *:8080>
    ServerName s.example.com
    WSGIScriptAlias / /srv/s/wsgi.py
</VirtualHost>
<VirtualHost 127.0.0.1:8080>
    ServerName local.example.com
    WSGIScriptAlias / /srv/l/wsgi.py
</VirtualHost>
"""


def _places(text: str | None, file: Path) -> list[str]:
    return re.findall(rf"{re.escape(str(file))}:\d+", text or "")


@pytest.mark.parametrize("twice", ["Include", "IncludeOptional"])
def test_a_file_read_twice_gives_each_finding_once(tmp_path: Path, twice: str) -> None:
    """Read once and read twice (two Includes, or an IncludeOptional glob and an Include):
    the same findings at the same lines, plus those that say the file is read twice; none
    names one file:line twice, nor a line as the earlier copy of itself."""
    (tmp_path / "sites").mkdir()
    site = tmp_path / "sites" / "site.conf"
    site.write_text(EVERYTHING)
    head = "Listen 8080\nListen 127.0.0.1:8080\n"
    once = tmp_path / "once.conf"
    once.write_text(f"{head}Include {site}\n")
    first = f"IncludeOptional {tmp_path}/sites/*.conf" if twice == "IncludeOptional" else \
        f"Include {site}"
    top = tmp_path / "httpd.conf"
    top.write_text(f"{head}{first}\nInclude {site}\n")
    single = lint_paths([once]).findings
    double = lint_paths([top]).findings
    keys = [(f.code, f.file, f.line) for f in double]
    assert len(keys) == len(set(keys)), keys
    for f in double:
        for text in (f.message, f.fix):
            places = _places(text, site)
            assert len(places) == len(set(places)), (f.code, text)
        own = re.escape(f"{f.file}:{f.line}")
        assert not re.search(rf"(?:first|earlier \S+ \S+) at {own}(?!\d)", f.message), \
            (f.code, f.message)  # no line as the earlier copy of itself
    by_key = {(f.code, f.line): f for f in double}
    for f in single:  # a finding of the file read once is still there, as it was
        again = by_key.get((f.code, f.line))
        assert again is not None, f
        # The Listen lines are in the top file: its name is the one difference.
        assert (again.message.replace(str(top), "TOP"), str(again.fix).replace(
            str(top), "TOP")) == (f.message.replace(str(once), "TOP"),
                                  str(f.fix).replace(str(once), "TOP")), (f, again)
    extra = [f for f in double if (f.code, f.line) not in {(s.code, s.line) for s in single}]
    assert extra and all("is read 2 times" in f.message for f in extra), extra
