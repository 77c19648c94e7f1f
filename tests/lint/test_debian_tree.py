"""A Debian-style /etc/apache2 given as a directory: only apache2.conf and what it includes
is configuration; sites-available, envvars and keys are not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from probe.apache.config import parse_paths
from probe.cli import main
from probe.discover import discover_paths
from probe.lint import lint_paths, load_site
from probe.manifest import parse

SITE = """\
WSGIDaemonProcess {name}
<VirtualHost *:80>
    ServerName {name}.example.com
    WSGIScriptAlias / {root}/{name}/wsgi.py process-group={name}
</VirtualHost>
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """/etc/apache2 in miniature: 000-catch-all and shop enabled (symlinks), shop-old
    disabled (it defines the same daemon group as shop), envvars, an unreadable key."""
    etc = tmp_path / "apache2"
    for sub in ("sites-available", "sites-enabled", "mods-enabled", "conf-enabled", "keys"):
        (etc / sub).mkdir(parents=True)
    (etc / "apache2.conf").write_text(
        "User ${APACHE_RUN_USER}\n"
        "IncludeOptional mods-enabled/*.load\n"
        "Include ports.conf\n"
        "IncludeOptional conf-enabled/*.conf\n"
        "IncludeOptional sites-enabled/*.conf\n")
    # Debian's ports.conf: the VirtualHosts on *:80 are reached only where httpd listens on 80
    (etc / "ports.conf").write_text("Listen 80\n")
    (etc / "envvars").write_text("export APACHE_RUN_USER=www-data\n")
    (etc / "mods-enabled" / "wsgi.load").write_text("LoadModule wsgi_module mod_wsgi.so\n")
    available = etc / "sites-available"
    (available / "000-catch-all.conf").write_text(
        "<VirtualHost *:80>\n    ServerName default.invalid\n"
        "    <Location />\n        Require all denied\n    </Location>\n</VirtualHost>\n")
    (available / "shop.conf").write_text(SITE.format(name="shop", root=tmp_path))
    (available / "shop-old.conf").write_text(SITE.format(name="shop", root=tmp_path)
                                             .replace("shop.example.com", "old.example.com"))
    for enabled in ("000-catch-all.conf", "shop.conf"):
        (etc / "sites-enabled" / enabled).symlink_to(f"../sites-available/{enabled}")
    key = etc / "keys" / "server.key"
    key.write_text("-----BEGIN PRIVATE KEY-----\n")
    key.chmod(0)
    (etc / "keys" / "gone.pem").symlink_to(tmp_path / "nowhere.pem")  # unreadable, even as root
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "wsgi.py").write_text(
        'import os\nos.environ["DJANGO_SETTINGS_MODULE"] = "shop.settings"\n')
    return etc


def test_a_server_root_directory_reads_only_what_apache2_conf_includes(tree: Path) -> None:
    config = load_site([tree]).config
    assert [Path(f).relative_to(tree).as_posix() for f in config.files] == [
        "apache2.conf", "mods-enabled/wsgi.load", "ports.conf",
        "sites-enabled/000-catch-all.conf", "sites-enabled/shop.conf"]
    assert config.server_root == str(tree.resolve())
    assert not config.notes


def test_lint_of_the_directory_is_clean_and_uses_envvars(tree: Path) -> None:
    result = lint_paths([tree])
    assert result.findings == ()  # no duplicate_daemon from shop-old, no vhost_fallback
    user = next(d for d in load_site([tree]).config.directives if d.key == "user")
    assert user.args == ("www-data",)


def test_discover_of_the_directory_leaves_disabled_sites_out(tree: Path) -> None:
    manifest = parse(discover_paths([tree]), "discovered")
    assert {n: i.urls for n, i in manifest.instances.items()} == {
        "shop": ("http://shop.example.com/",)}
    assert manifest.probe.connect == "127.0.0.1:80"


def test_ps_config_numbers_only_the_enabled_daemon_groups(tree: Path) -> None:
    assert [d.name for d in load_site([tree]).daemons] == ["shop"]


def test_lint_cli_on_the_directory_exits_0(tree: Path) -> None:
    result = CliRunner().invoke(main, ["lint", str(tree)])
    assert result.exit_code == 0, result.output


def test_a_directory_without_a_main_config_reads_each_file_once(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.conf").write_text("ServerAlias one\n")
    (tmp_path / "a" / "two.conf").symlink_to("one.conf")
    (tmp_path / "b.conf").write_text("ServerAlias b\n")
    config = parse_paths([tmp_path, tmp_path / "b.conf", tmp_path / "a" / "one.conf"])
    assert [d.args for d in config.directives] == [("b",), ("one",)]
    assert [os.path.basename(f) for f in config.files] == ["b.conf", "one.conf"]


def test_a_file_already_included_is_not_read_again_at_the_top(tmp_path: Path) -> None:
    (tmp_path / "site.conf").write_text("ServerAlias site\n")
    (tmp_path / "main.conf").write_text("Include site.conf\n")
    config = parse_paths([tmp_path / "main.conf", tmp_path / "site.conf"])
    assert [d.args for d in config.directives] == [("site",)]
