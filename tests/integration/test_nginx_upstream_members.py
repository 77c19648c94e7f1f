"""A real nginx balancing over an upstream group of labelled gunicorn members (a fleet tester's
lab: three members of one application, and a fourth application beside them).

* nginx short of ``worker_connections`` (64, the sweep's 32 requests at once) closes new
  connections before reading their request ("worker_connections are not enough, reusing
  connections"): the probe sends such a request once more on a new connection, and the sweep
  is not called unreachable; with too few connections for that to help (16) the fix names
  nginx's warn line as the candidate;
* a member of the group that is another application's (its ``server`` line) is named as
  that member, cause ``wrong_upstream``, not "different nginx servers";
* a member that is down answers none of a sweep's samples through the group: a finding
  names its ``server`` line.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .apache import ApacheUnavailable, free_port
from .conftest import unavailable
from .nginx import Nginx, start_kept, start_whoami, sweep_report
from .wsgi_servers import WsgiServer, ensure_servers_venv, make_workdir

MANIFEST = """[probe]
connect = "127.0.0.1:{port}"
token_env = "WSGI_PROBE_TOKEN"
samples = {samples}

[instances.site]
label = "site"
urls = ["http://site.example.com/", "http://site.example.com/admin/"]
"""
OTHER = """
[instances.other]
label = "other"
connect = "127.0.0.1:{port}"
urls = ["http://other.example.com/"]
"""


@dataclass
class Apps:
    members: list[WsgiServer]  # three gunicorn of the application labelled "site"
    other: WsgiServer  # another application (label "other")


@pytest.fixture(scope="module")
def apps() -> Iterator[Apps]:
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    workdir = make_workdir()
    started: list[WsgiServer] = []
    try:
        for n in range(3):
            started.append(start_whoami("site", venv, workdir / f"member-{n}"))
        started.append(start_whoami("other", venv, workdir))
        yield Apps(started[:3], started[3])
    finally:
        for server in started:
            server.stop()
        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)


@pytest.fixture
def running() -> Iterator[list[Nginx]]:
    started: list[Nginx] = []
    yield started
    for server in started:
        server.stop()


def upstream(members: list[str]) -> str:
    lines = "\n".join(f"        server {member};" for member in members)
    return f"""
    upstream app {{
{lines}
    }}
    server {{ listen 127.0.0.1:@P@ default_server; server_name _; return 444; }}
    server {{
        listen 127.0.0.1:@P@;
        server_name site.example.com;
        location / {{
            proxy_pass http://app;
            proxy_set_header Host $host;
        }}
    }}
"""


@dataclass
class Front:
    nginx: Nginx
    manifest: Path

    def sweep(self, *extra: str) -> dict[str, Any]:
        report = sweep_report(self.manifest, *extra)
        return report


def front(running: list[Nginx], tmp_path: Path, members: list[str], *, samples: int,
          worker_connections: int = 256, manifest_tail: str = "") -> Front:
    port = free_port()
    server = start_kept(upstream(members).replace("@P@", str(port)), port, running, tmp_path,
                        worker_connections)
    manifest = tmp_path / f"m-{len(running)}.toml"
    manifest.write_text(MANIFEST.format(port=port, samples=samples) + manifest_tail,
                        encoding="utf-8")
    return Front(server, manifest)


def address(server: WsgiServer) -> str:
    return f"127.0.0.1:{server.port}"


def test_nginx_short_of_connections_is_not_an_unreachable_site(
        apps: Apps, running: list[Nginx], tmp_path: Path) -> None:
    site = front(running, tmp_path, [address(m) for m in apps.members], samples=20,
                 worker_connections=64)
    # Before the probe sent such requests again, 11 of 15 of these sweeps said unreachable.
    for _ in range(5):
        report = site.sweep("--concurrency", "32")
        verdicts = {t["url"]: (t["verdict"], t["explanation"]) for t in report["targets"]}
        assert all(v == "ok" for v, _ in verdicts.values()), verdicts
    # What is true: nginx ran short and closed connections (else this test proves nothing).
    assert "worker_connections are not enough, reusing connections" in site.nginx.error_log()


def test_nginx_too_short_of_connections_is_named_as_a_candidate(
        apps: Apps, running: list[Nginx], tmp_path: Path) -> None:
    site = front(running, tmp_path, [address(m) for m in apps.members], samples=20,
                 worker_connections=16)
    report = site.sweep("--concurrency", "32")
    failed = [t for t in report["targets"] if t["verdict"] == "unreachable"]
    assert failed, report["targets"]
    for target in failed:
        assert "worker_connections are not enough, reusing connections" in target["fix"]
        assert "nginx's error log at warn level" in target["fix"]
    assert "sent twice" in json.dumps(report)
    assert "worker_connections are not enough, reusing connections" in site.nginx.error_log()


def test_a_member_of_another_application_is_named_by_its_server_line(
        apps: Apps, running: list[Nginx], tmp_path: Path) -> None:
    one, two, _ = apps.members
    members = [address(one), address(apps.other), address(two)]
    site = front(running, tmp_path, members, samples=9,
                 manifest_tail=OTHER.format(port=apps.other.port))
    conf = site.nginx.conf
    text = conf.read_text()
    line = {m: text[:text.index(f"server {m};")].count("\n") + 1 for m in members}
    # What is true: round robin hands a third of the requests to the other application.
    report = site.sweep("--config", str(conf))
    mixed = [t for t in report["targets"] if t["url"].startswith("http://site.")]
    assert mixed and all(t["verdict"] == "inconsistent" for t in mixed), mixed
    for target in mixed:
        assert target["cause"] == "wrong_upstream", target
        odd = f"{conf}:{line[address(apps.other)]}"
        assert target["fix"].startswith(f"At {odd}, remove 'server {address(apps.other)};' "
                                        "from upstream app"), target["fix"]
        assert "different nginx servers" not in target["fix"]
        assert (f"site answered through 'server {address(one)};' ({conf}:{line[address(one)]})"
                in target["explanation"]), target["explanation"]
        configured = {(e["claim"], e["source"]) for e in target["evidence"]
                      if e["kind"] == "configured"}
        assert (f"server {address(apps.other)};", odd) in configured
    # Without the configuration nothing is joined: the candidates stay open.
    alone = [t for t in site.sweep()["targets"] if t["url"].startswith("http://site.")]
    assert all(t["cause"] is None and "different nginx servers" in t["fix"] for t in alone)


def test_a_member_that_is_down_is_named_by_its_server_line(
        apps: Apps, running: list[Nginx], tmp_path: Path) -> None:
    one, two, three = apps.members
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    site = front(running, tmp_path, [address(one), address(two), dead], samples=6)
    conf = site.nginx.conf
    text = conf.read_text()
    line = text[:text.index(f"server {dead};")].count("\n") + 1
    report = site.sweep("--config", str(conf))
    # What is true: nginx passed each request it failed to the next member, every URL ok.
    assert {t["verdict"] for t in report["targets"]} == {"ok"}, report["targets"]
    assert "connect() failed (111: Connection refused) while connecting to upstream" \
        in site.nginx.error_log()
    [found] = [f for f in report["findings"] if f["code"] == "dead_member"]
    assert found["severity"] == "warning" and found["instances"] == ["site"], found
    assert found["explanation"].startswith(
        f"Member 'server {dead};' ({conf}:{line}) of upstream app answered none of 12 samples "
        f"of http://site.example.com/ and http://site.example.com/admin/ through nginx at "
        f"127.0.0.1:"), found["explanation"]
    assert f"{address(one)} ({conf}:{line - 2}): " in found["explanation"]
    assert "'connect() failed (111: Connection refused) while connecting to upstream'" \
        in found["explanation"]
    # Every member up: nothing to say; too few samples to have reached each: nothing either.
    up = front(running, tmp_path, [address(one), address(two), address(three)], samples=6)
    assert not [f for f in up.sweep("--config", str(up.nginx.conf))["findings"]
                if f["code"] == "dead_member"]
    few = front(running, tmp_path, [address(one), address(two), dead], samples=5)
    assert not [f for f in few.sweep("--config", str(few.nginx.conf))["findings"]
                if f["code"] == "dead_member"]


SHARED = """
    upstream app {{
        server {one};
        server {other};
    }}
    upstream site_app {{
        server {one};
    }}
    server {{ listen 127.0.0.1:@P@ default_server; server_name _; return 444; }}
    server {{
        listen 127.0.0.1:@P@;
        server_name site.example.com;
        location / {{
            proxy_pass http://{site_group};
            proxy_set_header Host $host;
        }}
    }}
    server {{
        listen 127.0.0.1:@P@;
        server_name other.example.com;
        location / {{
            proxy_pass http://app;
            proxy_set_header Host $host;
        }}
    }}
"""
OTHER_HERE = """
[instances.other]
label = "other"
urls = ["http://other.example.com/"]
"""


def shared_front(running: list[Nginx], tmp_path: Path, apps: Apps, site_group: str) -> Front:
    port = free_port()
    body = SHARED.format(one=address(apps.members[0]), other=address(apps.other),
                         site_group=site_group)
    server = start_kept(body.replace("@P@", str(port)), port, running, tmp_path)
    manifest = tmp_path / f"m-{len(running)}.toml"
    manifest.write_text(MANIFEST.format(port=port, samples=8) + OTHER_HERE, encoding="utf-8")
    return Front(server, manifest)


def test_a_group_two_applications_pass_to_is_split_not_emptied(
        apps: Apps, running: list[Nginx], tmp_path: Path) -> None:
    # A fleet re-test: site.example.com and other.example.com both pass to upstream app,
    # which holds one member of each. Each URL's fix said "remove" the other's member from
    # app: applied together they empty the group, applied alone they take the other
    # application's site from it.
    site = shared_front(running, tmp_path, apps, "app")
    conf = site.nginx.conf
    text = conf.read_text()
    passes = [f"{conf}:{text[:at].count(chr(10)) + 1}"
              for at in (text.index("proxy_pass http://app;"),
                         text.rindex("proxy_pass http://app;"))]
    report = site.sweep("--config", str(conf))
    found = {t["url"]: t for t in report["targets"]}
    for url, who, theirs, line in (
            ("http://site.example.com/", "site", "http://other.example.com/", passes[0]),
            ("http://other.example.com/", "other", "http://site.example.com/", passes[1])):
        target = found[url]
        # What is true: round robin over one member of each application.
        assert (target["verdict"], target["cause"]) == ("inconsistent", "wrong_upstream"), target
        assert target["fix"].startswith(f"Give {who} an upstream group of its own: upstream "
                                        f"app is also the route of {theirs}"), target["fix"]
        assert "remove" not in target["fix"].split(":")[0], target["fix"]
        assert f"in place of the line at {line}." in target["fix"], target["fix"]
    # The site's fix applied (its own group, the one member that is site's): its URLs answer
    # as meant, and the other application's URL keeps its route.
    fixed = shared_front(running, tmp_path, apps, "site_app")
    after = {t["url"]: t for t in fixed.sweep("--config", str(fixed.nginx.conf))["targets"]}
    assert {after[u]["verdict"] for u in after if u.startswith("http://site.")} == {"ok"}, after
    other = after["http://other.example.com/"]
    assert other["fix"].startswith(f"At {fixed.nginx.conf}:"), other["fix"]
    assert f"remove 'server {address(apps.members[0])};' from upstream app" in other["fix"]
