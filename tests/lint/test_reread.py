"""A site file Included twice (sites-enabled, and again from a conf-enabled file): the
duplicate WSGIDaemonProcess and the shadowed VirtualHost are one line read twice, so lint
names the two Include lines and the fix removes one, not "rename one of them"."""

from __future__ import annotations

from pathlib import Path

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
