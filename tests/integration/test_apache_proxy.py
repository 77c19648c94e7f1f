"""Apache httpd's mod_proxy in front of real gunicorn and waitress: ``sweep --config`` names
the ProxyPass or BalancerMember line that sends a URL to the wrong application (or to none),
and applying the fix it gives makes the sweep clean.

* ``ProxyPass /`` before ``ProxyPass /b/`` in a VirtualHost: the first that matches wins;
* ``<Location /b/>`` before ``<Location />``: the last matching section's ProxyPass wins;
* a BalancerMember at the other application's address;
* a ProxyPass to an address where nothing listens (503).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .apache import MODULES_DIR, ApacheError, ApacheUnavailable, free_port
from .conftest import ApacheFactory, unavailable
from .test_fleet_app_servers import probe_cli
from .test_scenarios import sweep
from .wsgi_servers import (
    WsgiServer,
    _start,
    ensure_servers_venv,
    make_readable,
    make_site,
    make_workdir,
    start_gunicorn,
)

pytestmark = pytest.mark.apache
TOKEN = "proxy-token-0123456789abcdef"  # mod_proxy adds X-Forwarded-*: a token is needed

MODULES = "".join(f'LoadModule {name}_module "{MODULES_DIR}/mod_{name}.so"\n' for name in (
    "proxy", "proxy_http", "proxy_balancer", "lbmethod_byrequests", "slotmem_shm"))


@dataclass
class Backends:
    a: WsgiServer  # site-a, gunicorn
    b: WsgiServer  # site-b, waitress
    bp: WsgiServer  # site-b, waitress told its prefix /b
    workdir: Path


def _site(workdir: Path, venv: Path, label: str, token: Path) -> Path:
    top = workdir / label
    top.mkdir()
    site = make_site(top, venv)
    settings = site / "mysite" / "settings.py"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "ALLOWED_HOSTS = []", 'ALLOWED_HOSTS = ["a.test", "b.test"]'), encoding="utf-8")
    done = probe_cli("endpoint", "--install", str(site / "mysite" / "wsgi.py"),
                     "--label", label, "--token-file", str(token))
    assert done.returncode == 0, done.stderr
    return site


@pytest.fixture(scope="module")
def backends() -> Iterator[Backends]:
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    workdir = make_workdir()
    started: list[WsgiServer] = []
    try:
        token = workdir / "token"
        token.write_text(TOKEN + "\n", encoding="utf-8")
        token.chmod(0o600)  # the servers and the probe run as this user
        a, b = _site(workdir, venv, "site-a", token), _site(workdir, venv, "site-b", token)
        make_readable(workdir)
        token.chmod(0o600)
        try:
            started.append(start_gunicorn(a, venv, worker_class="sync", workers=2,
                                          log_path=workdir / "a.log"))
            for name, prefix in (("b", ()), ("bp", ("--url-prefix=/b",))):
                port = free_port()
                started.append(_start("waitress", [
                    str(venv / "bin" / "waitress-serve"), f"--listen=127.0.0.1:{port}",
                    *prefix, "mysite.wsgi:application"], cwd=b, port=port,
                    log_path=workdir / f"{name}.log"))
        except ApacheError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield Backends(started[0], started[1], started[2], workdir)
    finally:
        for server in started:
            server.stop()
        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)


def _manifest(tmp_path: Path, backends: Backends, a_urls: list[str],
              b_urls: list[str]) -> Path:
    path = tmp_path / "manifest.toml"
    b = "" if not b_urls else f"""
[instances.site-b]
label = "site-b"
settings = "mysite.settings"
urls = {json.dumps(b_urls)}
"""
    a = "" if not a_urls else f"""
[instances.site-a]
label = "site-a"
settings = "mysite.settings"
urls = {json.dumps(a_urls)}
"""
    path.write_text(f"""\
[probe]
samples = 4
token_file = "{backends.workdir / "token"}"
{a}{b}""", encoding="utf-8")
    return path


def _row(report: dict[str, Any], url: str) -> dict[str, Any]:
    row: dict[str, Any] = next(t for t in report["targets"] if t["url"] == url)
    return row


def _line(conf: Path, text: str) -> int:
    lines = conf.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def _moved(site: str, line: str, above: str) -> str:
    """``site`` with the block starting at ``line`` (one line, or a <Location> section) put
    above the line ``above``."""
    rows = site.splitlines()
    start = next(i for i, r in enumerate(rows) if line in r)
    end = start + 1
    if rows[start].strip().startswith("<Location"):
        end = next(i for i in range(start, len(rows)) if "</Location>" in rows[i]) + 1
    block, rest = rows[start:end], rows[:start] + rows[end:]
    at = next(i for i, r in enumerate(rest) if above in r)
    return "\n".join(rest[:at] + block + rest[at:]) + "\n"


def _named_lines(fix: str) -> tuple[int, int]:
    """The two lines a 'Move the line at F:X above the one at F:Y' fix names."""
    found = re.findall(r"at \S+?:(\d+)", fix)
    assert len(found) >= 2, fix
    return int(found[0]), int(found[1])


def _sweep(apache: ApacheFactory, site: str, manifest: Path) -> tuple[dict[str, Any], Path]:
    server = apache(MODULES + site)
    _, report, _ = sweep(server, manifest, "--config", str(server.conf_path))
    return report, server.conf_path


def _text_at(conf: Path, line: int) -> str:
    return conf.read_text(encoding="utf-8").splitlines()[line - 1].strip()


FIRST_MATCH = """\
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPreserveHost On
    ProxyPass "/" "http://127.0.0.1:{a}/"
    ProxyPass "/b/" "http://127.0.0.1:{bp}/b/"
</VirtualHost>
"""

LAST_LOCATION = """\
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPreserveHost On
    <Location /b/>
        ProxyPass http://127.0.0.1:{bp}/b/
    </Location>
    <Location />
        ProxyPass http://127.0.0.1:{a}/
    </Location>
</VirtualHost>
"""


@pytest.mark.parametrize("template", [FIRST_MATCH, LAST_LOCATION],
                         ids=["first-proxypass", "last-location"])
def test_the_proxypass_that_takes_a_narrower_path_is_named_and_its_fix_works(
        apache: ApacheFactory, backends: Backends, tmp_path: Path, template: str) -> None:
    site = template.format(a=backends.a.port, bp=backends.bp.port)
    manifest = _manifest(tmp_path, backends, ["http://a.test/"], ["http://a.test/b/"])
    report, conf = _sweep(apache, site, manifest)
    row = _row(report, "http://a.test/b/")
    assert (row["verdict"], row["cause"]) == ("wrong_instance", "url_mapping"), json.dumps(report)
    meant, taken = _named_lines(row["fix"])
    assert f"127.0.0.1:{backends.bp.port}/b/" in _text_at(conf, meant), row["fix"]
    assert f"127.0.0.1:{backends.a.port}/" in _text_at(conf, taken), row["fix"]
    assert "WSGI" not in row["explanation"] + row["fix"]
    # the fix as written: the narrower rule (its <Location>) moved where it wins
    if template is FIRST_MATCH:
        fixed = _moved(site, "/b/", 'ProxyPass "/" ')
    else:
        fixed = _moved(site, "<Location />", "<Location /b/>")
    again, _ = _sweep(apache, fixed, manifest)
    assert all(t["verdict"] == "ok" for t in again["targets"]), again["targets"]


BALANCER = """\
<Proxy "balancer://app">
    BalancerMember "http://127.0.0.1:{a}"
    BalancerMember "http://127.0.0.1:{b}"
</Proxy>
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPreserveHost On
    ProxyPass "/" "balancer://app/"
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName b.test
    ProxyPreserveHost On
    ProxyPass "/" "http://127.0.0.1:{b}/"
</VirtualHost>
"""


def test_a_balancer_member_of_the_other_application_is_named(
        apache: ApacheFactory, backends: Backends, tmp_path: Path) -> None:
    site = BALANCER.format(a=backends.a.port, b=backends.b.port)
    manifest = _manifest(tmp_path, backends, ["http://a.test/"], ["http://b.test/"])
    report, conf = _sweep(apache, site, manifest)
    row = _row(report, "http://a.test/")
    assert row["cause"] == "wrong_upstream", row
    member = _line(conf, f'BalancerMember "http://127.0.0.1:{backends.b.port}"')
    # site-a's own address is a member already: the fix removes the other one (replacing it
    # by that address would list the member twice), as the test then does.
    assert row["fix"].startswith(f"At {conf}:{member}, remove that BalancerMember "
                                 f"127.0.0.1:{backends.b.port}"), row["fix"]
    fixed = site.replace(f'    BalancerMember "http://127.0.0.1:{backends.b.port}"\n', "")
    again, _ = _sweep(apache, fixed, manifest)
    assert all(t["verdict"] == "ok" for t in again["targets"]), again["targets"]


DOWN = """\
<VirtualHost *:@PORT@>
    ServerName b.test
    ProxyPreserveHost On
    <Location />
        ProxyPass http://127.0.0.1:{down}/
    </Location>
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPreserveHost On
    ProxyPass "/" "http://127.0.0.1:{a}/"
</VirtualHost>
"""


def test_a_proxypass_to_nothing_is_upstream_down_at_its_line(
        apache: ApacheFactory, backends: Backends, tmp_path: Path) -> None:
    down = free_port()
    site = DOWN.format(down=down, a=backends.a.port)
    manifest = _manifest(tmp_path, backends, ["http://a.test/"], ["http://b.test/"])
    report, conf = _sweep(apache, site, manifest)
    row = _row(report, "http://b.test/")
    assert (row["verdict"], row["cause"]) == ("http_error", "upstream_down"), row
    line = _line(conf, f"ProxyPass http://127.0.0.1:{down}/")
    assert f"at {conf}:{line} point the ProxyPass" in row["fix"], row["fix"]
    assert "mod_wsgi" not in row["explanation"] + row["fix"], row
    fixed = site.replace(f"127.0.0.1:{down}/", f"127.0.0.1:{backends.b.port}/")
    again, _ = _sweep(apache, fixed, manifest)
    assert all(t["verdict"] == "ok" for t in again["targets"]), again["targets"]


NO_HOST = """\
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPass "/" "http://127.0.0.1:{a}/"
</VirtualHost>
"""


def test_the_host_fix_names_the_virtualhost_and_adding_it_works(
        apache: ApacheFactory, backends: Backends, tmp_path: Path) -> None:
    site = NO_HOST.format(a=backends.a.port)
    manifest = _manifest(tmp_path, backends, ["http://a.test/"], [])
    report, conf = _sweep(apache, site, manifest)
    row = _row(report, "http://a.test/")
    assert row["verdict"] in ("host_mismatch", "host_rejected"), row
    vhost = _line(conf, "<VirtualHost")
    proxy = _line(conf, 'ProxyPass "/"')
    assert row["fix"].startswith("In <VirtualHost *:"), row["fix"]
    assert f"at {conf}:{vhost}, add 'ProxyPreserveHost On'" in row["fix"], row["fix"]
    assert f"ProxyPass at {conf}:{proxy}" in row["fix"], row["fix"]
    fixed = site.replace("    ServerName a.test\n", "    ServerName a.test\n"
                         "    ProxyPreserveHost On\n")
    again, _ = _sweep(apache, fixed, manifest)
    assert all(t["verdict"] == "ok" for t in again["targets"]), again["targets"]


STRIPPED = """\
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPreserveHost On
    ProxyPass "/b/" "http://127.0.0.1:{b}/"
</VirtualHost>
"""


def test_a_stripping_proxypass_gets_the_whole_path_fix_in_mod_proxy_words(
        apache: ApacheFactory, backends: Backends, tmp_path: Path) -> None:
    site = STRIPPED.format(b=backends.b.port)
    manifest = _manifest(tmp_path, backends, [], ["http://a.test/b/"])
    report, conf = _sweep(apache, site, manifest)
    row = _row(report, "http://a.test/b/")
    assert row["verdict"] == "mount_mismatch", row
    line = _line(conf, 'ProxyPass "/b/"')
    whole = f"ProxyPass /b/ http://127.0.0.1:{backends.b.port}/b/"
    assert row["fix"].startswith(f"At {conf}:{line}, pass the path whole: '{whole}'"), row["fix"]
    assert "--url-prefix=/b" in row["fix"] and "WSGIScriptAlias" not in row["fix"], row["fix"]
    # the fix: the whole path, to the waitress told its prefix (--url-prefix=/b)
    fixed = site.replace(f'"http://127.0.0.1:{backends.b.port}/"',
                         f'"http://127.0.0.1:{backends.bp.port}/b/"')
    again, _ = _sweep(apache, fixed, manifest)
    assert all(t["verdict"] == "ok" for t in again["targets"]), again["targets"]
