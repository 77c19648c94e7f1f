"""The Apache configuration reader: sections, includes, Define/${VAR}, quoting, tolerance."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.apache.config import (
    ConfigUnreadable,
    Directive,
    parse_paths,
    parse_text,
    split_args,
)


def names(nodes: tuple[Directive, ...]) -> list[str]:
    return [n.name for n in nodes]


def find(nodes: tuple[Directive, ...], key: str) -> list[Directive]:
    return [n for n in nodes if n.key == key]


def test_sections_nest_and_keep_line_numbers() -> None:
    config = parse_text(
        "# a comment\n"
        "ServerName main.example\n"
        "\n"
        "<VirtualHost *:80>\n"
        "    ServerName site-1.example.com\n"
        "    <Location />\n"
        "        Require all denied\n"
        "    </Location>\n"
        "</VirtualHost>\n",
        "site.conf",
    )
    assert names(config.directives) == ["ServerName", "VirtualHost"]
    vhost = config.directives[1]
    assert (vhost.file, vhost.line, vhost.args) == ("site.conf", 4, ("*:80",))
    location = vhost.body()[1]
    assert location.key == "location" and location.args == ("/",) and location.line == 6
    require = location.body()[0]
    assert (require.args, require.line) == (("all", "denied"), 7)
    assert not config.notes


def test_directive_names_are_case_insensitive_but_spelling_is_kept() -> None:
    config = parse_text("wsgiscriptalias / /srv/app.wsgi\n")
    assert config.directives[0].name == "wsgiscriptalias"
    assert config.directives[0].key == "wsgiscriptalias"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a b  c", ("a", "b", "c")),
        ('"/path with space/x.wsgi" opt=1', ("/path with space/x.wsgi", "opt=1")),
        ("'single quoted' x", ("single quoted", "x")),
        (r'"say \"hi\"" done', ('say "hi"', "done")),
        ("", ()),
        ("trailing#hash", ("trailing#hash",)),  # httpd has no comments after directives
    ],
)
def test_split_args_like_httpd(text: str, expected: tuple[str, ...]) -> None:
    assert split_args(text) == expected


def test_line_continuation_joins_lines_and_keeps_the_first_line_number() -> None:
    config = parse_text(
        "ServerName x\n"
        "WSGIDaemonProcess app \\\n"
        "    processes=2 \\\n"
        "    threads=15\n"
        "ServerAdmin a@b\n"
    )
    daemon = config.directives[1]
    assert daemon.args == ("app", "processes=2", "threads=15")
    assert daemon.line == 2
    assert config.directives[2].line == 5


def test_define_and_variables_apply_from_where_they_are_defined() -> None:
    config = parse_text(
        "ServerName ${HOST}\n"
        "Define HOST site-1.example.com\n"
        "Define ROOT /srv\n"
        "ServerAlias www.${HOST}\n"
        "WSGIScriptAlias / ${ROOT}/app/wsgi.py\n"
        "UnDefine ROOT\n"
        "DocumentRoot ${ROOT}\n"
    )
    by_name = {d.key: d for d in config.directives}
    assert by_name["servername"].args == ("${HOST}",)  # not defined yet: kept as written
    assert by_name["serveralias"].args == ("www.site-1.example.com",)
    assert by_name["wsgiscriptalias"].args == ("/", "/srv/app/wsgi.py")
    assert by_name["documentroot"].args == ("${ROOT}",)
    assert any("${HOST}" in note.message for note in config.notes)


def test_variables_fall_back_to_the_given_environment() -> None:
    config = parse_text("ErrorLog ${APACHE_LOG_DIR}/error.log\n",
                        environ={"APACHE_LOG_DIR": "/var/log/apache2"})
    assert config.directives[0].args == ("/var/log/apache2/error.log",)


def test_ifdefine_and_ifmodule_are_evaluated_and_flattened() -> None:
    config = parse_text(
        "Define WITH_SITE\n"
        "<IfDefine WITH_SITE>\n"
        "    ServerName yes.example\n"
        "</IfDefine>\n"
        "<IfDefine !WITH_SITE>\n"
        "    ServerName no.example\n"
        "    Define SHOULD_NOT_EXIST\n"
        "</IfDefine>\n"
        "<IfModule mod_wsgi.c>\n"
        "    WSGISocketPrefix run/wsgi\n"
        "</IfModule>\n"
        "<IfModule !mod_wsgi.c>\n"
        "    Redirect 503 /\n"
        "</IfModule>\n"
    )
    assert [(d.name, d.args) for d in config.directives] == [
        ("Define", ("WITH_SITE",)),
        ("ServerName", ("yes.example",)),
        ("WSGISocketPrefix", ("run/wsgi",)),
    ]
    assert "SHOULD_NOT_EXIST" not in config.defines


def test_include_globs_relative_to_server_root_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "sites-enabled").mkdir()
    (tmp_path / "sites-enabled" / "20-b.conf").write_text("ServerAlias b\n")
    (tmp_path / "sites-enabled" / "10-a.conf").write_text(
        "<VirtualHost *:80>\n  ServerName a\n</VirtualHost>\n")
    (tmp_path / "sites-enabled" / "notes.txt").write_text("ServerAlias not-included\n")
    main = tmp_path / "apache2.conf"
    main.write_text(f'ServerRoot "{tmp_path}"\nInclude sites-enabled/*.conf\n'
                    "IncludeOptional conf-enabled/*.conf\nServerAdmin last\n")
    config = parse_paths([main])
    # an IncludeOptional that read nothing stays where it was written, saying why
    assert names(config.directives) == ["ServerRoot", "VirtualHost", "ServerAlias",
                                        "IncludeOptional", "ServerAdmin"]
    assert [d.unread for d in config.directives] == ["", "", "", "matches no file", ""]
    vhost = config.directives[1]
    assert vhost.file == str(tmp_path / "sites-enabled" / "10-a.conf")
    assert vhost.line == 1
    assert config.directives[2].file.endswith("20-b.conf")
    assert str(main) in config.files and len(config.files) == 3
    assert not config.notes  # IncludeOptional of nothing is fine


def test_include_of_a_directory_reads_every_file_below_it(tmp_path: Path) -> None:
    (tmp_path / "conf.d" / "sub").mkdir(parents=True)
    (tmp_path / "conf.d" / "b.conf").write_text("ServerAlias b\n")
    (tmp_path / "conf.d" / "sub" / "c.conf").write_text("ServerAlias c\n")
    (tmp_path / "conf.d" / "a.conf").write_text("ServerAlias a\n")
    (tmp_path / "httpd.conf").write_text("Include conf.d\n")
    config = parse_paths([tmp_path / "httpd.conf"])
    assert [d.args[0] for d in config.directives] == ["a", "b", "c"]


def test_missing_include_is_a_note_and_reading_goes_on(tmp_path: Path) -> None:
    conf = tmp_path / "httpd.conf"
    conf.write_text("Include missing/*.conf\nServerName still-read\n")
    config = parse_paths([conf])
    assert [(d.key, d.unread) for d in config.directives] == [
        ("include", "matches no file"), ("servername", "")]
    assert len(config.notes) == 1 and "missing/*.conf" in config.notes[0].message
    assert config.notes[0].line == 1 and config.notes[0].fatal


def test_include_loop_does_not_recurse_forever(tmp_path: Path) -> None:
    conf = tmp_path / "loop.conf"
    conf.write_text(f"ServerAlias x\nInclude {conf}\n")
    config = parse_paths([conf])
    assert [(d.args, d.unread) for d in config.directives] == [
        (("x",), ""), ((str(conf),), "an include loop")]
    [note] = config.notes
    assert "includes itself" in note.message and note.fatal


def test_a_glob_include_matching_itself_is_skipped_at_once(tmp_path: Path) -> None:
    # Each file includes the glob that matched it: httpd stops with "Exceeded maximum
    # include depth"; reading the other matches at each level would be factorial.
    (tmp_path / "d").mkdir()
    for n in range(7):
        (tmp_path / "d" / f"{n}.conf").write_text(f"ServerAlias a{n}\nInclude d/*.conf\n")
    (tmp_path / "httpd.conf").write_text("Include d/*.conf\n")
    config = parse_paths([tmp_path / "httpd.conf"])
    assert len(config.files) == 8  # httpd.conf and each match once: not factorial
    assert [d.args[0] for d in config.directives if not d.unread] == [
        f"a{n}" for n in range(7)]
    assert len(config.notes) == 7 and all(n.fatal for n in config.notes)
    assert all("includes itself" in n.message for n in config.notes)


def test_a_file_included_twice_side_by_side_is_read_twice(tmp_path: Path) -> None:
    # Not a loop: httpd reads a shared snippet once per Include.
    (tmp_path / "snippet.conf").write_text("ServerAlias shared\n")
    (tmp_path / "httpd.conf").write_text("Include snippet.conf\nInclude snippet.conf\n")
    config = parse_paths([tmp_path / "httpd.conf"])
    assert [d.args[0] for d in config.directives] == ["shared", "shared"]
    assert not config.notes


def test_unclosed_and_stray_sections_are_notes_not_errors() -> None:
    config = parse_text(
        "</Directory>\n"
        "<VirtualHost *:80>\n"
        "  ServerName a\n"
    )
    assert names(config.directives) == ["VirtualHost"]
    assert config.directives[0].body()[0].args == ("a",)
    messages = " ".join(n.message for n in config.notes)
    assert "</Directory> without" in messages and "never closed" in messages
    assert all(n.fatal for n in config.notes)  # httpd refuses both


def test_an_undefined_variable_is_not_fatal() -> None:
    [note] = parse_text("ServerName ${NOPE}\n").notes
    assert not note.fatal


def test_macro_bodies_are_not_read_as_configuration() -> None:
    config = parse_text(
        "<Macro VHost $name>\n"
        "  <VirtualHost *:80>\n    ServerName $name\n  </VirtualHost>\n"
        "</Macro>\n"
        "ServerName real\n"
    )
    assert names(config.directives) == ["ServerName"]


def test_unreadable_path_raises_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigUnreadable, match=r"nope\.conf: cannot read"):
        parse_paths([tmp_path / "nope.conf"])


def test_debian_envvars_resolve_variables(tmp_path: Path) -> None:
    from probe.lint import load_site

    (tmp_path / "envvars").write_text(
        "unset HOME\nSUFFIX=\nexport APACHE_RUN_USER=www-data\n"
        "export APACHE_LOG_DIR=/var/log/apache2$SUFFIX\n")
    (tmp_path / "apache2.conf").write_text("User ${APACHE_RUN_USER}\n"
                                           "ErrorLog ${APACHE_LOG_DIR}/error.log\n")
    config = load_site([tmp_path / "apache2.conf"]).config
    assert [d.args[0] for d in config.directives] == ["www-data", "/var/log/apache2/error.log"]
    assert not config.notes
