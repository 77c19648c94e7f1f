"""A file that is no web server configuration at all (a wsgi-probe manifest, JSON) given
where one is expected: ``probe lint``, ``probe discover`` and ``probe sweep --config``
refuse it in one line with exit status 2 instead of reading it as an Apache configuration
with nothing in it. Apache fragments without a VirtualHost still read as Apache's."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from probe.cli import main
from probe.front import FrontKind
from probe.front_files import NotThatFront, choose, detect, require_configuration

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


# -- what decides: httpd's own directive names (probe.apache.directive_names) -----------------

PYTHON = {
    "one_import.py": "import os\n",
    "module.py": "import os\nfrom pathlib import Path\n\n\ndef f():\n    return 1\n",
    "script.wsgi": "def application(environ, start_response):\n    return []\n",
}
# Files of modules httpd does not ship: no name in the list, named as modules name theirs.
OTHER_MODULES = {
    "passenger.conf": "PassengerRoot /usr/lib/ruby/vendor_ruby/phusion_passenger\n"
                      "PassengerDefaultRuby /usr/bin/ruby\n",
    "security.conf": "SecRuleEngine On\nSecRequestBodyAccess On\n",
    "php.conf": "php_value upload_max_filesize 64M\nphp_admin_flag engine on\n",
}
CORPUS = Path(__file__).parent / "lint" / "corpus"


@pytest.mark.parametrize("name", sorted(PYTHON))
def test_python_is_no_apache_configuration(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, PYTHON[name])
    first = PYTHON[name].split()[0]
    with pytest.raises(NotThatFront) as refused:
        choose([path], "auto")
    assert str(refused.value) == (f"{path}: not an apache or nginx configuration (no line in "
                                  f"it is a directive httpd knows; line 1 starts with "
                                  f"{first!r})")
    result = CliRunner().invoke(main, ["lint", path])
    assert result.exit_code == 2 and result.stderr == f"probe: {refused.value}\n"
    assert result.stdout == ""


@pytest.mark.parametrize("name", sorted(OTHER_MODULES))
def test_other_modules_directives_still_read_as_apache(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, OTHER_MODULES[name])
    assert choose([path], "auto") is FrontKind.APACHE


def test_a_known_directive_among_python_lines_decides(tmp_path: Path) -> None:
    # The shape a real file has: one line of httpd's and anything beside it.
    path = write(tmp_path, "mixed.conf", "import os\nWSGIScriptAlias / /srv/app.wsgi\n")
    assert choose([path], "auto") is FrontKind.APACHE


def test_a_fragment_of_ordinary_directives_is_apache_when_asked(tmp_path: Path) -> None:
    # --front apache takes what detection calls Apache's: every directive httpd ships counts.
    path = write(tmp_path, "header.conf", FRAGMENTS["header.conf"])
    assert choose([path], "apache") is FrontKind.APACHE


def _front_of(conf: Path) -> FrontKind:
    """The front a corpus entry is written for (its .toml says nginx; Apache otherwise)."""
    entry = conf.with_suffix(".toml")
    marked = entry.exists() and tomllib.loads(entry.read_text(encoding="utf-8")).get("front")
    return FrontKind.NGINX if marked == "nginx" else FrontKind.APACHE


def test_every_real_world_configuration_reads_as_its_own_front() -> None:
    confs = sorted(CORPUS.glob("*.conf"))
    assert len(confs) > 100
    assert sum(_front_of(c) is FrontKind.NGINX for c in confs) > 20
    assert [c.name for c in confs if detect(str(c)) is not _front_of(c)] == []
    scripts = sorted(p for p in (CORPUS / "scripts").rglob("*.wsgi"))
    assert len(scripts) > 50
    for script in scripts:  # the WSGI scripts beside them are Python: refused, each
        with pytest.raises(NotThatFront, match="is a directive httpd knows"):
            choose([str(script)], "auto")


# Debian's /etc/haproxy/haproxy.cfg as shipped (shortened), then a balancer over two
# backends as a fleet's operator writes it: its `timeout`, `user`, `group` are also httpd
# directive names, which made it lint "clean" as Apache's.
HAPROXY = {
    "debian": ("global\n\tlog /dev/log\tlocal0\n\tuser haproxy\n\tgroup haproxy\n\tdaemon\n\n"
               "defaults\n\tlog\tglobal\n\tmode\thttp\n\ttimeout connect 5000\n"
               "\terrorfile 503 /etc/haproxy/errors/503.http\n"),
    "balancer": ("# shop pool\ndefaults\n    mode http\n    timeout client 10s\n"
                 "frontend shop\n    bind 127.0.0.1:27080\n    default_backend pool\n"
                 "backend pool\n    balance roundrobin\n    server web1 127.0.0.2:8000 check\n"),
}


@pytest.mark.parametrize("name", sorted(HAPROXY))
@pytest.mark.parametrize("command", ["lint", "lint --front apache", "discover", "sweep"])
def test_an_haproxy_configuration_is_refused_in_one_line(tmp_path: Path, name: str,
                                                         command: str) -> None:
    path = write(tmp_path, "haproxy.cfg", HAPROXY[name])
    assert detect(path) is FrontKind.UNKNOWN
    args = [*command.split(), path] if command != "sweep" else [
        "sweep", "--config", path, "http://127.0.0.1:9/"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "an HAProxy configuration" in lines[0], result.output
    first = "global" if name == "debian" else "defaults"
    assert f"(line {1 if name == 'debian' else 2}: '{first}')" in lines[0]


# A tester's haproxy.cfg of one `listen` section (valid for `haproxy -c`): read as Apache's
# (its `Listen`, `timeout`), it linted clean and discover wrote connect "127.0.0.1:0".
LISTEN_ONLY = ("# one listen section\nlisten web\n    bind 127.0.0.1:8191\n    mode http\n"
               "    timeout client 30s\n    balance roundrobin\n"
               "    server app1 127.0.0.1:8101 check\n")


@pytest.mark.parametrize("command", ["lint", "lint --front apache", "discover", "sweep"])
def test_an_haproxy_listen_section_is_refused_in_one_line(tmp_path: Path,
                                                          command: str) -> None:
    path = write(tmp_path, "listen.cfg", LISTEN_ONLY)
    assert detect(path) is FrontKind.UNKNOWN
    args = [*command.split(), path] if command != "sweep" else [
        "sweep", "--config", path, "http://127.0.0.1:9/"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "an HAProxy configuration (line 2: 'listen web')" in lines[0], \
        result.output


@pytest.mark.parametrize("text", ["Listen 8080\nServerName a\n", "listen 127.0.0.1:8080\n",
                                  "Listen [::]:443 https\n", "Listen *:80\n",
                                  "Listen localhost:8080\n    ServerName x\n"])
def test_httpds_listen_is_not_haproxys(tmp_path: Path, text: str) -> None:
    assert detect(write(tmp_path, "ports.conf", text)) is FrontKind.APACHE
