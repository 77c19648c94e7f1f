"""``probe sweep --config PATH --apachectl`` on real Apache/mod_wsgi (scenario "ordering") with
the real ``apache2 -S`` (docs/cli.md): httpd's disagreements with the model of the
configuration, or why httpd could not be asked, are said on stderr, one line each; the sweep
runs and its report is the one made without ``--apachectl``.

The configurations are the running server's ``httpd.conf`` (absolute paths throughout, so
``apache2 -S -f FILE -d ROOT`` needs none of Debian's ``envvars``) and copies of it with one
change httpd and the model read differently.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from probe.cli import main

from .apache import MODULES_DIR, ApacheServer, scenario_manifest, scenario_template
from .conftest import ApacheFactory
from .daemons import warm

pytestmark = pytest.mark.apache

SUB = "http://site-1.example.com/suburl/"

# mod_macro's VirtualHost exists only once httpd expands the macro: the model expands it as
# mod_macro does, and agrees with httpd -S on it.
MACRO = """
LoadModule macro_module "{modules}/mod_macro.so"
<Macro Site $name>
<VirtualHost *:{port}>
    ServerName $name
</VirtualHost>
</Macro>
Use Site macro.example.com
"""


@pytest.fixture(scope="module")
def server(apache_module: ApacheFactory) -> ApacheServer:
    running = apache_module(scenario_template("ordering"))
    warm(running)
    return running


def sweep(server: ApacheServer, tmp_path: Path, *args: str,
          config: str | None = None) -> Result:
    site = tmp_path / "site.toml"
    named = f'[probe]\nconfig = "{config}"\n' if config else ""
    site.write_text(named + scenario_manifest("ordering").read_text(encoding="utf-8"))
    return CliRunner().invoke(main, ["sweep", "-m", str(site), "--connect", server.connect,
                                     "--format", "json", "--timeout", "30", *args])


def verdicts(result: Result) -> list[tuple[Any, ...]]:
    """What the report says of each URL, without its times and pids."""
    assert result.exit_code == 1, result.output  # the ordering scenario's one misroute
    report = json.loads(result.stdout)
    return [(t["url"], t["verdict"], t["cause"], t["explanation"], t["fix"],
             [(e["kind"], e["source"]) for e in t["evidence"] if e["kind"] == "configured"])
            for t in report["targets"]]


def copy_with(server: ApacheServer, tmp_path: Path, extra: str) -> Path:
    conf = tmp_path / "httpd.conf"
    conf.write_text(server.conf_path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return conf


@pytest.mark.parametrize("given", ["--config", "[probe] config"])
def test_httpd_and_the_model_agree_nothing_is_said(server: ApacheServer, tmp_path: Path,
                                                    given: str) -> None:
    conf = str(server.conf_path)
    args = ("--config", conf) if given == "--config" else ()
    checked = sweep(server, tmp_path, *args, "--apachectl",
                    config=None if args else conf)
    plain = sweep(server, tmp_path, "--config", conf)
    assert checked.stderr == "", checked.stderr
    assert verdicts(checked) == verdicts(plain)
    [sub] = [v for v in verdicts(checked) if v[0] == SUB]
    assert sub[2] == "alias_order" and sub[5], sub  # the configuration was joined


def test_a_macros_virtualhost_is_where_httpd_says(server: ApacheServer,
                                                  tmp_path: Path) -> None:
    conf = copy_with(server, tmp_path, MACRO.format(modules=MODULES_DIR, port=server.port))
    checked = sweep(server, tmp_path, "--config", str(conf), "--apachectl")
    assert checked.stderr == ""


def test_a_disagreement_is_one_line_and_the_report_is_unchanged(
        server: ApacheServer, tmp_path: Path) -> None:
    conf = copy_with(server, tmp_path, "BogusDirective on\n")
    checked = sweep(server, tmp_path, "--config", str(conf), "--apachectl")
    plain = sweep(server, tmp_path, "--config", str(conf))
    said = (f"{conf}:0: httpd -S could not run, nothing compared: /usr/sbin/apache2 -S -f "
            f"{conf} -d {conf.parent} failed: Invalid command 'BogusDirective', perhaps "
            f"misspelled or defined by a module not included in the server configuration")
    assert checked.stderr == "probe: warning: " + said + "\n"
    assert plain.stderr == ""
    assert verdicts(checked) == verdicts(plain)
    [sub] = [v for v in verdicts(checked) if v[0] == SUB]
    assert sub[2] == "alias_order" and all(s.startswith(f"{conf}:") for _, s in sub[5]), sub


def test_an_nginx_configuration_is_not_given_to_httpd(server: ApacheServer,
                                                      tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text("events {}\nhttp {\n    server {\n        listen 80;\n"
                    "        server_name site-1.example.com;\n    }\n}\n")
    checked = sweep(server, tmp_path, "--config", str(conf), "--apachectl")
    plain = sweep(server, tmp_path, "--config", str(conf))
    assert checked.stderr == (f"probe: warning: --apachectl: {conf} is an nginx "
                              "configuration; httpd -S is not run\n")
    assert verdicts(checked) == verdicts(plain)


@pytest.mark.parametrize("args", [["-m", str(scenario_manifest("ordering"))],
                                  ["http://site-1.example.com/"]], ids=["manifest", "urls"])
def test_apachectl_without_a_configuration_is_a_usage_error(args: list[str]) -> None:
    result = CliRunner().invoke(main, ["sweep", *args, "--apachectl"])
    assert result.exit_code == 2, result.output
    assert result.stderr == "probe: --apachectl needs --config PATH (or [probe] config)\n"
    assert result.stdout == ""
