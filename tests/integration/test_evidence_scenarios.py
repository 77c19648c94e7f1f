"""Causes from evidence on real Apache + mod_wsgi + Django: one scenario per rule of the route
prediction (a wildcard alias in an earlier VirtualHost, a duplicate ServerName in an
earlier-included file, a RewriteRule [PT] before mod_wsgi, the section merge deciding the
daemon group), each with near misses that stay ``ok``, each swept without and with
``--config``; and a configuration changed on disk but not reloaded."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from .apache import ApacheServer, scenario_manifest, scenario_template
from .conftest import ApacheFactory
from .evidence_check import assert_sourced
from .test_scenarios import probe_command

pytestmark = pytest.mark.apache

Got = dict[str, tuple[str, str | None]]


def sweep(server: ApacheServer, manifest: Path, *options: str) -> dict[str, Any]:
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(manifest), "--connect", server.connect,
         "--format", "json", "--timeout", "30", *options],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    assert done.stdout.startswith("{"), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert_sourced(report)
    return report


def verdicts(report: dict[str, Any]) -> Got:
    return {t["url"]: (t["verdict"], t["cause"]) for t in report["targets"]}


def target(report: dict[str, Any], url: str) -> dict[str, Any]:
    found: dict[str, Any] = next(t for t in report["targets"] if t["url"] == url)
    return found


def sources(found: dict[str, Any]) -> list[str]:
    return [e["source"] for e in found["evidence"] if e["kind"] == "configured"]


def line_of(path: Path, text: str) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    return f"{path}:{next(i for i, line in enumerate(lines, 1) if text in line)}"


def both(server: ApacheServer, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    manifest = scenario_manifest(name)
    return sweep(server, manifest), sweep(server, manifest, "--config", str(server.conf_path))


OK = ("ok", None)
S1, S2 = "http://site-1.example.com/", "http://site-2.example.com/"
WWW1, WWW2 = "http://www.site-1.example.com/", "http://www.site-2.example.com/"


def test_wildcard_alias_in_an_earlier_vhost(apache: ApacheFactory) -> None:
    server = apache(scenario_template("wildcard"))
    without, with_config = both(server, "wildcard")
    org = "http://site-2.example.org/"
    assert verdicts(with_config) == {S1: OK, WWW1: OK, org: OK,
                                     S2: ("wrong_instance", "vhost_shadowed")}
    wrong = target(with_config, S2)
    assert line_of(server.conf_path, "ServerAlias *.example.com") in sources(wrong)
    # lint tells the same story, at site-2's VirtualHost line
    assert f"probe lint reports vhost_shadowed at {line_of(server.conf_path, '<VirtualHost')}" \
        not in wrong["explanation"]  # the first <VirtualHost> line is site-1's: not that one
    site2 = server.conf_path.read_text().splitlines()
    later = [i for i, line in enumerate(site2, 1) if line.startswith("<VirtualHost")][-1]
    assert f"probe lint reports vhost_shadowed at {server.conf_path}:{later}" in \
        wrong["explanation"]
    assert "ServerAlias *.example.com" in wrong["fix"] or \
        line_of(server.conf_path, "ServerAlias *.example.com") in wrong["fix"]
    # Without the configuration the answers and the extra request cannot tell a wildcard
    # of the default site from a name nobody claims: both stay candidates.
    assert verdicts(without) == {S1: OK, WWW1: OK, org: OK, S2: ("wrong_instance", None)}
    assert {c["cause"] for c in target(without, S2)["candidates"]} == \
        {"vhost_fallback", "vhost_shadowed"}
    assert any(e["kind"] == "probed" for e in target(without, S2)["evidence"])


def test_duplicate_server_name_in_an_earlier_included_file(apache: ApacheFactory) -> None:
    old = ("<VirtualHost *:${SITE_PORT}>\n    ServerName site-2.example.com\n"
           "    WSGIScriptAlias / ${SITES_DIR}/project-1/wsgi.py process-group=project-1\n"
           "</VirtualHost>\n")
    real = ("<VirtualHost *:${SITE_PORT}>\n    ServerName site-2.example.com\n"
            "    ServerAlias www.site-2.example.com\n"
            "    WSGIScriptAlias / ${SITES_DIR}/project-2/wsgi.py process-group=project-2\n"
            "</VirtualHost>\n")
    server = apache(scenario_template("dupname"), files={"conf.d/00-old-site-2.conf": old,
                                                          "conf.d/10-site-2.conf": real})
    without, with_config = both(server, "dupname")
    assert verdicts(with_config) == {S1: OK, WWW2: OK, S2: ("wrong_instance", "vhost_shadowed")}
    old_path = server.sites / "conf.d" / "00-old-site-2.conf"
    assert f"{old_path}:2" in sources(target(with_config, S2))
    assert f"{old_path}:2" in target(with_config, S2)["fix"]
    real_path = server.sites / "conf.d" / "10-site-2.conf"
    assert f"probe lint reports vhost_shadowed at {real_path}:1" in target(with_config, S2)[
        "explanation"]
    # Without it: www.site-2 (same site name, same mount) got project-2, site-2 project-1:
    # one name and mount, two applications, so two sites have the name (observed).
    assert verdicts(without) == {S1: OK, WWW2: OK, S2: ("wrong_instance", "vhost_shadowed")}
    claims = [e["claim"] for e in target(without, S2)["evidence"] if e["kind"] == "observed"]
    assert claims == ["application_group = 'site-2.example.com|', label = 'project-1'",
                      "application_group = 'site-2.example.com|', label = 'project-2'"]


def test_rewrite_pt_takes_a_sub_url_before_mod_wsgi(apache: ApacheFactory) -> None:
    server = apache(scenario_template("rewritept"))
    without, with_config = both(server, "rewritept")
    sub, sub2 = S1 + "suburl/", S1 + "suburl2/"
    others = {S1: OK, sub2: OK, S2: OK, S2 + "suburl/": OK}
    assert verdicts(with_config) == {**others, sub: ("wrong_instance", "url_mapping")}
    rule = line_of(server.conf_path, "RewriteRule ^/suburl/")
    assert rule in sources(target(with_config, sub)) and rule in target(with_config, sub)["fix"]
    assert verdicts(without) == {**others, sub: ("wrong_instance", None)}
    found = target(without, sub)
    assert {c["cause"] for c in found["candidates"]} == {"alias_order", "url_mapping"}
    assert "script_name ''" in found["explanation"]


def test_section_merge_order_decides_the_daemon_group(apache: ApacheFactory) -> None:
    server = apache(scenario_template("sectionorder"))
    server.get("/", "site-1.example.com")  # project-1 answers from its group first
    without, with_config = both(server, "sectionorder")
    sub = S1 + "suburl/"
    others = {S1: OK, S2: OK, S2 + "suburl/": OK}
    assert verdicts(with_config) == {**others, sub: ("wrong_instance", "process_group_scope")}
    group_line = line_of(server.conf_path, "<Location />")
    deciding = f"{server.conf_path}:{int(group_line.rsplit(':', 1)[1]) + 1}"
    assert deciding in sources(target(with_config, sub))
    assert deciding in target(with_config, sub)["fix"]
    assert verdicts(without) == {**others, sub: ("wrong_instance", "process_group_scope")}


def test_configuration_changed_on_disk_but_not_reloaded(apache: ApacheFactory) -> None:
    server = apache(scenario_template("ordering"))
    text = server.conf_path.read_text(encoding="utf-8")
    root = next(line for line in text.splitlines() if "WSGIScriptAlias / " in line
                and "project-1" in line and "site-1" not in line)
    sub = next(line for line in text.splitlines() if "WSGIScriptAlias /suburl" in line)
    fixed = text.replace(root + "\n" + sub, sub + "\n" + root, 1)
    assert fixed != text
    server.conf_path.write_text(fixed, encoding="utf-8")  # fixed on disk, not reloaded
    report = sweep(server, scenario_manifest("ordering"), "--config", str(server.conf_path))
    found = target(report, S1 + "suburl/")
    assert found["verdict"] == "wrong_instance" and found["cause"] is None
    assert "not running this configuration" in found["explanation"]
    # Its route reaches project-2's mount: no line of it is the cause, so the causes of a
    # line are ruled out, and the fix is a reload, not the order the file already has.
    assert found["candidates"] == [], found["candidates"]
    assert "Cause undetermined" not in found["explanation"]
    assert "(alias_order and url_mapping ruled out)" in found["explanation"]
    assert found["fix"].startswith(f"Reload the server at 127.0.0.1:{server.port}: "), \
        found["fix"]
    # by the Apache the answer names (its ppid): this one runs with -f, not the system's
    assert f"'$(ps -ww -o args= -p {server.pid} | sed" in found["fix"], found["fix"]
    assert f"{server.conf_path}:{int(line_of(server.conf_path, sub).rsplit(':', 1)[1])}" \
        in found["fix"], found["fix"]
    assert "Make the mount" not in found["fix"], found["fix"]
    os.kill(server.pid, signal.SIGUSR1)  # the fix: a graceful restart reads the file again
    deadline = time.monotonic() + 30
    while True:  # old children finish their requests first
        after = sweep(server, scenario_manifest("ordering"), "--config", str(server.conf_path))
        if all(t["verdict"] == "ok" for t in after["targets"]) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert all(t["verdict"] == "ok" for t in after["targets"]), after["targets"]


def test_a_route_the_configuration_names_leaves_no_candidates(apache: ApacheFactory,
                                                               tmp_path: Path) -> None:
    """A manifest that gives site-2 to project-1: the configuration read names the site that
    took the name (file:line), so the candidates of the answers alone, each "sweep with
    --config", are no longer said beside it."""
    server = apache(scenario_template("healthy"))
    instance = f'[instances.project-1]\nlabel = "project-1"\nurls = ["{S1}", "{S2}page1/"]\n'
    alone, read = tmp_path / "alone.toml", tmp_path / "read.toml"
    alone.write_text(instance, encoding="utf-8")
    read.write_text(f'[probe]\nconfig = "{server.conf_path}"\n\n{instance}', encoding="utf-8")
    undecided = target(sweep(server, alone), S2 + "page1/")
    assert undecided["candidates"] and all("--config" in c["check"]
                                           for c in undecided["candidates"])
    found = target(sweep(server, read), S2 + "page1/")
    assert (found["verdict"], found["cause"]) == ("wrong_instance", None)
    assert found["candidates"] == []
    site_two = line_of(server.conf_path, "ServerName site-2.example.com")
    assert site_two in sources(found) and site_two in found["fix"]
    assert "--config" not in found["explanation"] + found["fix"]
