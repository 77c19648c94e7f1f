"""``probe discover`` given several separate httpd configurations: tester T38's fleet of three
Apache + mod_wsgi members on 127.0.0.2-4, each started with its own ``-f mN/httpd.conf``
(tests/discover_fleet_t38/). Discover read the three files as one httpd: "httpd also listens
on 127.0.0.3, 127.0.0.4" (three servers), one ``connect``, and m3's and m4's scripts "no URL
that can be probed". Files of one server (a main file and what it includes) stay one."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from probe.discover import discover_paths
from probe.manifest import parse

FIXTURES = Path(__file__).parent / "discover_fleet_t38"
PROJECTS = ("alpha", "beta", "gamma")


def _member(tmp_path: Path, n: int, edit: tuple[str, str] = ("", "")) -> Path:
    """Member ``n``'s directory as T38's fleet.sh built it; ``edit`` replaces a line."""
    member = tmp_path / f"m{n}"
    for project in PROJECTS:
        script = member / "sites" / project / project / "wsgi.py"
        script.parent.mkdir(parents=True)
        script.write_text((FIXTURES / "wsgi.py.in").read_text().replace("@PROJECT@", project))
    text = (FIXTURES / "httpd.conf").read_text()
    for placeholder, value in (("@MEMBER@", str(member)), ("@N@", str(n)),
                               ("@MODULES@", "/usr/lib/apache2/modules"),
                               ("@MODWSGI@", "/nonexistent/mod_wsgi.so"),
                               ("@VENV@", "/nonexistent/venv")):
        text = text.replace(placeholder, value)
    if edit[0]:
        assert edit[0] in text
        text = text.replace(edit[0], edit[1])
    (member / "httpd.conf").write_text(text)
    return member / "httpd.conf"


def _discover(paths: list[Path]) -> tuple[str, dict[str, Any]]:
    text = discover_paths(paths)
    parse(text)  # the manifest parser takes what discover writes
    return text, tomllib.loads(text)


def test_three_members_are_three_servers_in_one_manifest(tmp_path: Path) -> None:
    confs = [_member(tmp_path, n) for n in (2, 3, 4)]
    text, manifest = _discover(confs)
    assert "also listens" not in text
    assert "no URL that can be probed" not in text
    assert manifest["probe"]["connect"] == ["127.0.0.2:18480", "127.0.0.3:18480",
                                            "127.0.0.4:18480"]
    assert "config" not in manifest["probe"]  # each member has its own
    assert set(manifest["instances"]) == set(PROJECTS)
    beta = manifest["instances"]["beta"]
    assert beta["urls"] == ["http://beta.example.com:18480/", "http://www.beta.example.com:18480/"]
    assert (beta["label"], beta["settings"], beta["process_group"]) == (
        "beta", "beta.settings", "beta")
    assert "connect" not in beta  # every member mounts it: probed at each
    for conf in confs:  # each member's file named with why it is a server, and its mount
        assert f"# {conf}: a whole configuration (ServerRoot at {conf}:1, PidFile at " \
               f"{conf}:10" in text
        assert f"Listen {conf.parent.name.replace('m', '127.0.0.')}:18480 at {conf}:3" in text
        assert f"/beta/wsgi.py at {conf}:47" in text
    assert "differs" not in text and "only" not in text
    assert manifest["refuse"]["urls"] == ["http://unknown.invalid:18480/"]


def test_what_one_member_says_otherwise_is_named_with_its_file(tmp_path: Path) -> None:
    # T38's fleet.sh variants: ALPHA_ALIAS empty, another beta settings; m4 without beta
    m2 = _member(tmp_path, 2)
    m3 = _member(tmp_path, 3, ("    ServerAlias www.alpha.example.com\n", ""))
    beta3 = tmp_path / "m3/sites/beta/beta/wsgi.py"
    beta3.write_text(beta3.read_text().replace("'beta.settings'", "'beta.settings_m3'"))
    m4 = _member(tmp_path, 4, ('WSGIScriptAlias / "' + str(tmp_path / "m4/sites/beta/beta/wsgi.py")
                               + '"', ""))
    text, manifest = _discover([m2, m3, m4])
    beta = manifest["instances"]["beta"]
    assert beta["settings"] == "beta.settings"  # the first member's, written
    assert (f'{m3} differs: settings "beta.settings_m3" (setdefault in {beta3}:14) where '
            f'{m2} gives "beta.settings", written here') in text
    assert f"mounted by {m2}, {m3} only, not by {m4}" in text
    # an instance's connect is one address: the first member that mounts it
    assert beta["connect"] == "127.0.0.2:18480"
    assert "the other members that mount it are not probed for it" in text
    alpha = manifest["instances"]["alpha"]
    assert "http://www.alpha.example.com:18480/" in alpha["urls"]
    assert f"; only {m2}, {m4} name it" in text
    assert "connect" not in alpha


def test_one_servers_main_file_and_its_pieces_stay_one_server(tmp_path: Path) -> None:
    main = _member(tmp_path, 2)
    text = main.read_text()
    cut = text.index("<VirtualHost")
    sites = tmp_path / "m2" / "sites-enabled"
    sites.mkdir()
    for i, block in enumerate(text[cut:].split("\n\n")):
        (sites / f"{i}.conf").write_text(block + "\n")
    main.write_text(text[:cut] + f"IncludeOptional {sites}/*.conf\n")
    pieces = sorted(sites.iterdir())
    for paths in ([main, *pieces], [main, main]):  # the main file and what it includes
        written, manifest = _discover(paths)
        assert manifest["probe"]["connect"] == "127.0.0.2:18480", written
        assert "separate" not in written
    # pieces without their main file: no Listen of their own, one server as before
    written, manifest = _discover(pieces)
    assert "separate" not in written


def test_members_that_listen_on_every_address_get_no_connect_and_the_check(
        tmp_path: Path) -> None:
    # one configuration per machine (web1, web2), each 'Listen 18480': where each runs is
    # not in the files
    confs = [_member(tmp_path, n, (f"Listen 127.0.0.{n}:18480", "Listen 18480"))
             for n in (2, 3)]
    text, manifest = _discover(confs)
    assert "connect" not in manifest["probe"]
    assert ("no connect: the 2 servers' Listen lines give no address of their own" in text
            and 'connect = ["ADDRESS:PORT", ...]' in text)
