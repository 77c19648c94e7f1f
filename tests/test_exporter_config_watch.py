"""probe.exporter.config_watch: what counts as a change of the front configuration's files.

Real Apache configuration files in a temporary directory, read as the exporter reads them
(:func:`probe.front_config.manifest_front`); the reads are counted through the watch's seam.
"""

from __future__ import annotations

import os
from pathlib import Path

import structlog

from probe.exporter.config_watch import ConfigWatch, ManifestWatch
from probe.files import MAX_WATCHED_DIRS, include_dirs
from probe.front_config import FrontConfig, manifest_front

VHOST = "<VirtualHost *:80>\n    ServerName {name}\n</VirtualHost>\n"


class Reads:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0

    def __call__(self) -> FrontConfig:
        self.count += 1
        return manifest_front(str(self.path), {})


def site_names(watch: ConfigWatch) -> list[str]:
    join = watch.current()
    assert join is not None
    return sorted(os.path.basename(f) for f in join.front.files)


def setup(tmp_path: Path) -> tuple[Path, Path, Reads, ConfigWatch]:
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "a.conf").write_text(VHOST.format(name="a.example.com"))
    main = tmp_path / "httpd.conf"
    main.write_text(f'ServerName localhost\nIncludeOptional "{sites}/*.conf"\n')
    reads = Reads(main)
    return main, sites, reads, ConfigWatch(str(main), reads)


def test_a_file_replaced_with_the_same_size_and_time_is_a_change(tmp_path: Path) -> None:
    # Debian's layout: the included directory holds a link, the file is elsewhere (a
    # directory nobody includes, whose own times are not watched).
    _, sites, reads, watch = setup(tmp_path)
    available = tmp_path / "sites-available"
    available.mkdir()
    (sites / "a.conf").unlink()
    site = available / "a.conf"
    site.write_text(VHOST.format(name="a.example.com"))
    (sites / "a.conf").symlink_to(site)
    assert site_names(watch) == ["a.conf", "httpd.conf"] and reads.count == 2
    old = site.stat()
    # What an editor or a deployment does: write a new file, rename it over the old one.
    new = available / "a.conf.new"
    new.write_text(VHOST.format(name="b.example.com"))
    os.utime(new, ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(new, site)
    assert site.stat().st_size == old.st_size and site.stat().st_mtime_ns == old.st_mtime_ns
    site_names(watch)
    assert reads.count == 3


def test_a_file_added_to_or_removed_from_an_included_directory(tmp_path: Path) -> None:
    _, sites, reads, watch = setup(tmp_path)
    (sites / "b.conf").write_text(VHOST.format(name="b.example.com"))
    assert site_names(watch) == ["a.conf", "b.conf", "httpd.conf"] and reads.count == 2
    assert site_names(watch) == ["a.conf", "b.conf", "httpd.conf"] and reads.count == 2
    (sites / "a.conf").unlink()
    assert site_names(watch) == ["b.conf", "httpd.conf"] and reads.count == 3


def test_a_failure_is_retried_each_sweep_and_said_once_per_reason(tmp_path: Path) -> None:
    main, _, reads, watch = setup(tmp_path)
    kept = main.read_text()
    main.unlink()
    with structlog.testing.capture_logs() as logs:
        assert watch.current() is None and watch.current() is None
        os.mkfifo(main)
        assert watch.current() is None
        main.unlink()
        main.write_text(kept)
        assert watch.current() is not None and watch.current() is not None
    assert reads.count == 5  # three failed, one read again, then nothing changed
    assert [(e["log_level"], e["event"], e.get("error")) for e in logs] == [
        ("warning", "exporter_config_unread",
         f"[probe] config {main}: no such file or directory"),
        ("warning", "exporter_config_unread", f"{main}: cannot read: not a regular file"),
        ("info", "exporter_config_reread", None)]


def test_unreadable_at_start_is_said_at_start(tmp_path: Path) -> None:
    gone = tmp_path / "gone.conf"
    reads = Reads(gone)
    with structlog.testing.capture_logs() as logs:
        watch = ConfigWatch(str(gone), reads)
    assert [e["event"] for e in logs] == ["exporter_config_unread"] and reads.count == 1
    gone.write_text(VHOST.format(name="a.example.com"))
    assert site_names(watch) == ["gone.conf"] and reads.count == 2


def test_a_file_added_where_an_include_matched_nothing(tmp_path: Path) -> None:
    # Debian's sites-enabled before the first a2ensite: the include matched no file, so no
    # file read lives there, and only the include names the directory.
    main, _, reads, watch = setup(tmp_path)
    empty = tmp_path / "conf-enabled"
    empty.mkdir()
    main.write_text(main.read_text() + f'IncludeOptional "{empty}/*.conf"\n')
    assert site_names(watch) == ["a.conf", "httpd.conf"] and reads.count == 2
    assert site_names(watch) == ["a.conf", "httpd.conf"] and reads.count == 2
    (empty / "b.conf").write_text(VHOST.format(name="b.example.com"))
    assert site_names(watch) == ["a.conf", "b.conf", "httpd.conf"] and reads.count == 3


def test_a_file_added_where_an_nginx_include_matched_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "sites-enabled"
    empty.mkdir()
    main = tmp_path / "nginx.conf"
    main.write_text("events {}\nhttp {\n    include sites-enabled/*;\n}\n")
    reads = Reads(main)
    watch = ConfigWatch(str(main), reads)
    assert site_names(watch) == ["nginx.conf"] and reads.count == 1
    (empty / "a").write_text("server {\n    listen 80;\n    server_name a.example.com;\n}\n")
    assert site_names(watch) == ["a", "nginx.conf"] and reads.count == 2
    assert site_names(watch) == ["a", "nginx.conf"] and reads.count == 2


def test_a_file_added_in_a_directory_a_wildcard_matched(tmp_path: Path) -> None:
    # Include /srv/*/site.conf: /srv/app exists without its site.conf. Creating the file
    # changes neither /srv nor any file read: only /srv/app itself says so.
    main, _, reads, watch = setup(tmp_path)
    app = tmp_path / "srv" / "app"
    app.mkdir(parents=True)
    main.write_text(main.read_text() + f'IncludeOptional "{tmp_path}/srv/*/site.conf"\n')
    assert site_names(watch) == ["a.conf", "httpd.conf"] and reads.count == 2
    (app / "site.conf").write_text(VHOST.format(name="b.example.com"))
    assert site_names(watch) == ["a.conf", "httpd.conf", "site.conf"] and reads.count == 3
    # A new NAME is seen in /srv, and then its own new files in it.
    other = tmp_path / "srv" / "other"
    other.mkdir()
    assert site_names(watch) == ["a.conf", "httpd.conf", "site.conf"] and reads.count == 4
    (other / "site.conf").write_text(VHOST.format(name="c.example.com"))
    assert site_names(watch) == ["a.conf", "httpd.conf", "site.conf", "site.conf"]
    assert reads.count == 5


def test_the_directories_an_include_depends_on(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    for name in ("a", "b"):
        (tmp_path / "srv" / name / "conf").mkdir(parents=True)
    (tmp_path / "srv" / "file").touch()  # not a directory: nothing to watch in it
    assert include_dirs(f"{tmp_path}/sites/*.conf") == (f"{tmp_path}/sites",)
    assert include_dirs(f"{tmp_path}/*/site.conf") == (
        str(tmp_path), f"{tmp_path}/conf.d", f"{tmp_path}/srv")
    assert include_dirs(f"{tmp_path}/srv/*/conf/*.conf") == (
        f"{tmp_path}/srv", f"{tmp_path}/srv/a", f"{tmp_path}/srv/b", f"{tmp_path}/srv/a/conf",
        f"{tmp_path}/srv/b/conf")
    assert include_dirs(f"{tmp_path}/conf.d") == (f"{tmp_path}/conf.d",)
    assert include_dirs(f"{tmp_path}/ports.conf") == (str(tmp_path),)
    assert include_dirs("/*.conf") == ("/",)


def test_a_wildcard_over_a_whole_tree_watches_a_bounded_number(tmp_path: Path) -> None:
    for n in range(MAX_WATCHED_DIRS + 5):
        (tmp_path / f"d{n}").mkdir()
    assert len(include_dirs(f"{tmp_path}/*/site.conf")) == MAX_WATCHED_DIRS


def test_the_manifest_is_read_again_once_per_change(tmp_path: Path) -> None:
    manifest = tmp_path / "site.toml"
    manifest.write_text("[instances.a]\n")
    reads: list[int] = []
    watch = ManifestWatch(str(manifest), lambda: reads.append(1))
    watch.check()
    assert reads == []
    manifest.write_text("[instances.b]\n")
    watch.check()
    watch.check()
    assert len(reads) == 1
    watch.reload()  # SIGHUP: changed or not
    watch.check()
    assert len(reads) == 2
    manifest.unlink()  # read once (the reload says it cannot), not at every request
    watch.check()
    watch.check()
    assert len(reads) == 3
