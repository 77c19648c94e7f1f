"""Real mod_wsgi-express backends (``start-server --host 127.0.0.1 --port N``, as a tester's
checkin2015 fleet) behind Apache httpd's mod_proxy_balancer. Their answers leave
``server.listen`` null; mod_wsgi-express names its daemon group after its host and port, and
that process_group is where the sweep reads each answer's member from:

* one member where nothing listens: httpd fails over (AH00959), every URL reads ok, and
  ``sweep --config`` names that member's line (``dead_member``); both up, nothing is said;
* ``ProxyPass "/checkin/" "balancer://mycluster/"`` takes /checkin off: the sweep said ok
  (a mod_wsgi answer was taken to set its own SCRIPT_NAME); it is ``mount_mismatch``, and
  the fix it gives (the prefix kept on the ProxyPass, ``--mount-point /checkin``) applied to a
  real mod_wsgi-express makes the URLs ok.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .apache import ApacheError, free_port
from .conftest import ApacheFactory
from .test_apache_proxy import MODULES, _line
from .test_fleet_app_servers import probe_cli
from .test_scenarios import sweep
from .wsgi_servers import WsgiServer, make_readable, make_site, make_workdir, start_express

pytestmark = pytest.mark.apache
TOKEN = "express-token-0123456789abcdef"  # mod_proxy adds X-Forwarded-*: a token is needed


@dataclass
class Fleet:
    one: WsgiServer
    two: WsgiServer
    project: Path
    workdir: Path
    venv: Path


@pytest.fixture(scope="module")
def fleet(apache_venv: Path) -> Iterator[Fleet]:
    workdir = make_workdir()
    started: list[WsgiServer] = []
    try:
        project = express_project(workdir, apache_venv, "checkin")
        try:
            for n in (1, 2):
                started.append(start_express(project, apache_venv, processes=1,
                                             server_root=workdir / f"express-{n}"))
        except ApacheError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield Fleet(started[0], started[1], project, workdir, apache_venv)
    finally:
        for server in started:
            server.stop()
        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)


def express_project(workdir: Path, venv: Path, name: str) -> Path:
    """``startproject`` in ``workdir/name`` for mod_wsgi-express: ALLOWED_HOSTS ``name.test``,
    the endpoint installed (label ``name``) with ``workdir/token`` (TOKEN), the tree readable
    by the daemons (www-data under root)."""
    token = workdir / "token"
    token.write_text(TOKEN + "\n", encoding="utf-8")
    _guard(token)
    top = workdir / name
    top.mkdir()
    project = make_site(top, venv)
    settings = project / "mysite" / "settings.py"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "ALLOWED_HOSTS = []", f'ALLOWED_HOSTS = ["{name}.test"]'), encoding="utf-8")
    done = probe_cli("endpoint", "--install", str(project / "mysite" / "wsgi.py"),
                     "--label", name, "--token-file", str(token))
    assert done.returncode == 0, done.stderr
    make_readable(workdir)  # mod_wsgi-express's daemons run as www-data under root
    _guard(token)  # make_readable opened it to all: the install refuses that
    return project


def _guard(token: Path) -> None:
    """The token readable by its owner and by the group the daemons run as (www-data under
    root, as start_express starts them), by no one else: the install refuses it otherwise."""
    if os.geteuid() == 0:
        shutil.chown(token, group="www-data")
    token.chmod(0o640)


def _manifest(tmp_path: Path, fleet: Fleet, urls: list[str], declared: str = "") -> Path:
    path = tmp_path / "manifest.toml"
    path.write_text(f"""\
[probe]
samples = 4
token_file = "{fleet.workdir / "token"}"

[instances.checkin]
label = "checkin"
settings = "mysite.settings"
{declared}urls = {json.dumps(urls)}
""", encoding="utf-8")
    return path


BALANCED = """\
<Proxy "balancer://mycluster">
    BalancerMember "http://127.0.0.1:{one}"
    BalancerMember "http://127.0.0.1:{two}"
</Proxy>
<VirtualHost *:@PORT@>
    ServerName checkin.test
    ProxyPreserveHost On
    ProxyPass "{path}" "balancer://mycluster{target}"
</VirtualHost>
"""

ROOT = ["http://checkin.test/", "http://checkin.test/admin/"]
SUB = ["http://checkin.test/checkin/", "http://checkin.test/checkin/admin/"]


def test_a_member_down_is_named_by_the_express_daemon_groups(
        apache: ApacheFactory, fleet: Fleet, tmp_path: Path) -> None:
    dead = free_port()  # nothing listens there
    manifest = _manifest(tmp_path, fleet, ROOT)
    server = apache(MODULES + BALANCED.format(one=fleet.one.port, two=dead, path="/",
                                              target="/"))
    conf = server.conf_path
    _, report, context = sweep(server, manifest, "--config", str(conf))
    assert {t["verdict"] for t in report["targets"]} == {"ok"}, context
    # What the answers say: no server.listen, the daemon group named 127.0.0.1:PORT.
    observed = report["targets"][0]["observed"]
    assert observed["server"]["listen"] is None, observed
    assert observed["process_group"] == f"127.0.0.1:{fleet.one.port}", observed
    assert f"AH00959: ap_proxy_connect_backend disabling worker for (127.0.0.1:{dead})" \
        in server.error_log(), server.error_log()[-2000:]
    [found] = [f for f in report["findings"] if f["code"] == "dead_member"]
    member = _line(conf, f'BalancerMember "http://127.0.0.1:{dead}"')
    alive = _line(conf, f'BalancerMember "http://127.0.0.1:{fleet.one.port}"')
    assert found["explanation"].startswith(
        f"Member BalancerMember 127.0.0.1:{dead} ({conf}:{member}) of balancer://mycluster "
        f"answered none of 8 samples"), found["explanation"]
    assert f"by process_group where server.listen is null, as mod_wsgi-express names its " \
        f"daemon group after its --host and --port, HOST:PORT (127.0.0.1:{fleet.one.port} " \
        f"({conf}:{alive}): 8 answers)" in found["explanation"], found["explanation"]

    both = apache(MODULES + BALANCED.format(one=fleet.one.port, two=fleet.two.port, path="/",
                                            target="/"))
    _, up, context = sweep(both, manifest, "--config", str(both.conf_path))
    assert {t["verdict"] for t in up["targets"]} == {"ok"}, context
    assert not [f for f in up["findings"] if f["code"] == "dead_member"], up["findings"]


def test_a_stripped_prefix_is_mount_mismatch_and_mount_point_fixes_it(
        apache: ApacheFactory, fleet: Fleet, tmp_path: Path) -> None:
    manifest = _manifest(tmp_path, fleet, SUB)
    server = apache(MODULES + BALANCED.format(one=fleet.one.port, two=fleet.two.port,
                                              path="/checkin/", target="/"))
    conf = server.conf_path
    _, report, context = sweep(server, manifest, "--config", str(conf))
    assert {t["verdict"] for t in report["targets"]} == {"mount_mismatch"}, context
    row = report["targets"][0]
    assert row["observed"]["request"]["script_name"] == "", row["observed"]
    assert "mod_wsgi answered from behind a proxy (request.forwarded_host = 'checkin.test')" \
        in row["explanation"], row["explanation"]
    line = _line(conf, 'ProxyPass "/checkin/"')
    assert row["fix"].startswith(
        f"At {conf}:{line}, pass the path whole: 'ProxyPass /checkin/ "
        f"balancer://mycluster/checkin/'"), row["fix"]
    assert "started with '--mount-point /checkin'" in row["fix"], row["fix"]
    # the ProxyPass edit is read by the running Apache only once it restarts: said last
    assert "the BalancerMember lines stay as they are. After the edit, restart Apache " \
        "gracefully" in row["fix"], row["fix"]
    assert row["fix"].count("restart Apache gracefully") == 1, row["fix"]

    # The fix applied: a mod_wsgi-express told its mount point, the prefix kept.
    try:
        mounted = start_express(fleet.project, fleet.venv, processes=1,
                                server_root=fleet.workdir / "express-mounted",
                                options=["--mount-point", "/checkin"])
    except ApacheError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        fixed = apache(MODULES + BALANCED.replace(
            '    BalancerMember "http://127.0.0.1:{two}"\n', "").format(
            one=mounted.port, path="/checkin/", target="/checkin/"))
        _, again, context = sweep(fixed, manifest, "--config", str(fixed.conf_path))
        # Applied to one member only: the members disagree, said member by member.
        half = apache(MODULES + BALANCED.format(one=mounted.port, two=fleet.two.port,
                                                path="/checkin/", target="/checkin/"))
        _, split, half_context = sweep(half, manifest, "--config", str(half.conf_path))
    finally:
        mounted.stop()
    assert {t["verdict"] for t in again["targets"]} == {"ok"}, context
    assert again["targets"][0]["observed"]["request"]["script_name"] == "/checkin", context
    assert {t["verdict"] for t in split["targets"]} == {"mount_mismatch"}, half_context
    row = split["targets"][0]
    one, two = f"127.0.0.1:{mounted.port}", f"127.0.0.1:{fleet.two.port}"
    assert "the mod_wsgi-express members behind the proxy disagree on the mount: " in \
        row["explanation"], row["explanation"]
    assert f"{one} answered request.script_name '/checkin', request.path_info '/__probe__'" \
        in row["explanation"] and f"{two} answered request.script_name '', request.path_info " \
        f"'/checkin/__probe__'" in row["explanation"], row["explanation"]
    # the member to restart named by its BalancerMember line in that very sentence, and
    # the one that already answers too (a re-tester's named it by its address only)
    at = half.conf_path
    assert row["fix"].startswith(
        f"Start the mod_wsgi-express at {two} (BalancerMember at {at}:{_line(at, two)}) with "
        f"'--mount-point /checkin' too, as the mod_wsgi-express at {one} (BalancerMember at "
        f"{at}:{_line(at, one)}) already answers"), row["fix"]
    assert "--config" not in row["fix"], row["fix"]


def test_the_whole_path_passed_to_two_members_is_fixed_with_mount_point_on_each(
        apache: ApacheFactory, fleet: Fleet, tmp_path: Path) -> None:
    # script_name declared: a whole path with SCRIPT_NAME '' is otherwise undecided
    manifest = _manifest(tmp_path, fleet, SUB, 'script_name = "/checkin"\n')
    server = apache(MODULES + BALANCED.format(one=fleet.one.port, two=fleet.two.port,
                                              path="/checkin/", target="/checkin/"))
    conf = server.conf_path
    _, report, context = sweep(server, manifest, "--config", str(conf))
    assert {t["verdict"] for t in report["targets"]} == {"mount_mismatch"}, context
    one, two = f"127.0.0.1:{fleet.one.port}", f"127.0.0.1:{fleet.two.port}"
    for row in report["targets"]:
        fix = row["fix"]
        assert "WSGIScriptAlias" not in fix and "Not FORCE_SCRIPT_NAME" not in fix, fix
        assert "'--mount-point /checkin'" in fix, fix
        assert f"'{one}' and '{two}'" in fix or f"'{two}' and '{one}'" in fix, fix
        assert f"BalancerMember {one} ({conf}:{_line(conf, one)})" in fix, fix
        assert f"BalancerMember {two} ({conf}:{_line(conf, two)})" in fix, fix
