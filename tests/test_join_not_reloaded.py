"""A configuration whose route reaches the expected instance while another instance answered
at an address: no line of it is the cause, the fix is a reload of that server (a tester's
fleet of three Apache servers: the mount order fixed on disk on all three, one not reloaded,
was told to reorder the lines that already were in order). A file that opens no Listen for
the address is another server's and says nothing about that one."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe import manifest
from probe.diagnose import diagnose
from probe.front_config import load_front
from probe.manifest import Target
from probe.model import EvidenceKind, Observation, Report, TargetResult

from .test_diagnose import answered, ep

SITE = """\
Listen @LISTEN@
WSGIDaemonProcess project-1
WSGIDaemonProcess project-2
<VirtualHost *:8080>
    ServerName default.invalid
    <Location />
        Require all denied
    </Location>
</VirtualHost>
<VirtualHost *:8080>
    ServerName site-1.example.com
    WSGIScriptAlias /suburl /srv/project-2/wsgi.py process-group=project-2
    WSGIScriptAlias / /srv/project-1/wsgi.py process-group=project-1
</VirtualHost>
"""
MANIFEST = """\
[probe]
connect = ["127.0.0.1:8080", "127.0.0.2:8080", "127.0.0.3:8080"]
[instances.project-1]
label = "project-1"
urls = ["http://site-1.example.com/"]
[instances.project-2]
label = "project-2"
urls = ["http://site-1.example.com/suburl/"]
"""
SITE1 = "http://site-1.example.com/"
SUB = SITE1 + "suburl/"
RIGHT = ep("project-2", host="site-1.example.com", mount="/suburl", pid=102)
SWALLOWED = ep("project-1", host="site-1.example.com", path_info="/suburl/__probe__",
               pid=101)


def _swept(tmp_path: Path, stale: tuple[str, ...], listen: str = "8080") -> tuple[Path, Report]:
    conf = tmp_path / "httpd.conf"
    conf.write_text(SITE.replace("@LISTEN@", listen), encoding="utf-8")
    observations = []
    for host in ("127.0.0.1", "127.0.0.2", "127.0.0.3"):
        at = f"{host}:8080"
        observations.append(Observation(Target(SITE1, "project-1", at), (answered(
            ep("project-1", host="site-1.example.com", pid=101)),)))
        answer = SWALLOWED if host in stale else RIGHT
        observations.append(Observation(Target(SUB, "project-2", at), (answered(answer),)))
    report = diagnose(manifest.parse(MANIFEST, "m.toml"), observations,
                      config=load_front(str(conf), {}))
    return conf, report


def _at(report: Report, url: str, address: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url and t.address == address)


def test_a_server_not_reloaded_gets_a_reload_not_the_lines_it_already_has(
        tmp_path: Path) -> None:
    conf, report = _swept(tmp_path, ("127.0.0.3",))
    found = _at(report, SUB, "127.0.0.3:8080")
    assert found.verdict.value == "wrong_instance" and found.cause is None, found
    # the causes of a line are contradicted by the route read: none left to check
    assert found.candidates == (), found.candidates
    assert "Cause undetermined" not in found.explanation, found.explanation
    assert "not running this configuration as read" in found.explanation, found.explanation
    assert (f"It routes this URL to project-2's mount (WSGIScriptAlias /suburl is the first "
            f"WSGIScriptAlias of this server to match /suburl/, {conf}:12), so no line of it "
            f"is the cause (alias_order and url_mapping ruled out).") in found.explanation, \
        found.explanation
    assert found.fix.startswith(
        "Reload the server at 127.0.0.3:8080: the configuration given sends this URL to "
        "project-2 "
        f"(WSGIScriptAlias /suburl is the first WSGIScriptAlias of this server to match "
        f"/suburl/, {conf}:12), and the answer there came from project-1 (observed "
        f"process_group 'project-1', observed script_name '', observed script_file "
        f"'/srv/project-1/wsgi.py')"), found.fix
    assert ("127.0.0.1:8080 and 127.0.0.2:8080 answered it as the configuration predicts "
            "(observed script_file '/srv/project-2/wsgi.py', observed process_group "
            "'project-2', observed script_name '/suburl'): they run it.") in found.fix, found.fix
    assert "-f and -d and the files it Includes ('ss -ltnp sport = :" in found.fix, found.fix
    assert "apache2ctl -S" not in found.fix, found.fix  # re-tester R31: the system's file
    assert "Make the mount" not in found.fix and "first WSGIScriptAlias that matches" \
        not in found.fix, found.fix
    observed = [e for e in found.evidence if e.kind is EvidenceKind.OBSERVED]
    assert any(e.claim.endswith(" at 127.0.0.1:8080") for e in observed), observed
    # the servers that run it are untouched
    assert _at(report, SUB, "127.0.0.1:8080").verdict.value == "ok"


def test_servers_not_reloaded_are_a_plural_list(tmp_path: Path) -> None:
    _, report = _swept(tmp_path, ("127.0.0.2", "127.0.0.3"))
    found = _at(report, SUB, "127.0.0.3:8080")
    assert ("127.0.0.1:8080 answered it as the configuration predicts (observed script_file "
            "'/srv/project-2/wsgi.py'") in found.fix, found.fix
    assert ": it runs it." in found.fix, found.fix
    said = [f.explanation for f in report.findings if f.code == "backends_disagree"]
    assert said == [f"The backends of {SUB} disagree: 127.0.0.2:8080 and 127.0.0.3:8080 serve "
                    f"/suburl/ from project-1 (wrong_instance); 127.0.0.1:8080 serves it from "
                    f"project-2 as expected."], said


def test_a_file_that_opens_no_listen_for_the_address_says_nothing_of_it(
        tmp_path: Path) -> None:
    conf, report = _swept(tmp_path, ("127.0.0.3",), listen="127.0.0.1:8080")
    found = _at(report, SUB, "127.0.0.3:8080")
    assert (f"The configuration given opens no Listen for 127.0.0.3:8080: it listens at "
            f"127.0.0.1:8080 ({conf}:1), so it is not the configuration of the server there "
            f"and says nothing about it") in found.explanation, found.explanation
    assert "it predicts" not in found.explanation, found.explanation
    assert "Reload" not in found.fix, found.fix
    assert any(e.kind is EvidenceKind.CONFIGURED and e.source == f"{conf}:1"
               for e in found.evidence), found.evidence


def test_without_config_the_server_that_differs_is_said_before_the_lines() -> None:
    # A re-tester's fleet, swept without --config: A and B answer /suburl/ with project-2,
    # C (not reloaded) with project-1; the reorder fix alone changed nothing on C.
    observations = []
    for host in ("127.0.0.1", "127.0.0.2", "127.0.0.3"):
        at = f"{host}:8080"
        observations.append(Observation(Target(SITE1, "project-1", at), (answered(
            ep("project-1", host="site-1.example.com", pid=101)),)))
        answer = SWALLOWED if host == "127.0.0.3" else RIGHT
        observations.append(Observation(Target(SUB, "project-2", at), (answered(answer),)))
    report = diagnose(manifest.parse(MANIFEST, "m.toml"), observations)
    found = _at(report, SUB, "127.0.0.3:8080")
    assert found.verdict.value == "wrong_instance", found
    assert ("The same URL got project-2's answer at 127.0.0.1:8080 and 127.0.0.2:8080 in this "
            "sweep: what differs is the server at 127.0.0.3:8080") in found.explanation, \
        found.explanation
    assert found.fix.startswith("First compare the server at 127.0.0.3:8080 with the one at "
                                "127.0.0.1:8080: where its configuration on disk is theirs, "
                                "reload it"), found.fix
    assert "Else: " in found.fix, found.fix  # the lines' check stays, after it
    assert "reload it ('apachectl -k graceful' on that server)" in found.fix, found.fix
    # the same fleet answered by gunicorn: no Apache words
    gunicorn = [Observation(o.target, tuple(dataclasses.replace(x, endpoint=dataclasses.replace(
        x.endpoint, raw={**x.endpoint.raw, "server": {"software": "gunicorn/23.0.0"}}))
        if x.endpoint is not None else x for x in o.samples)) for o in observations]
    other = _at(diagnose(manifest.parse(MANIFEST, "m.toml"), gunicorn), SUB, "127.0.0.3:8080")
    assert "what differs is the server at 127.0.0.3:8080" in other.explanation
    assert "apachectl" not in other.fix and "its front and its application server" \
        in other.fix, other.fix
    # the answer names its Apache (ppid): that Apache's own graceful, not the system's
    # apachectl, which controls another one where it was started with -f (tester T38)
    named = [Observation(o.target, tuple(dataclasses.replace(x, endpoint=dataclasses.replace(
        x.endpoint, ppid=4242)) if x.endpoint is not None else x for x in o.samples))
        for o in observations]
    by_pid = _at(diagnose(manifest.parse(MANIFEST, "m.toml"), named), SUB, "127.0.0.3:8080")
    assert ("reload it ('$(ps -ww -o args= -p 4242 | sed \"s/ -k [a-z-]*//g\") -k graceful': "
            "the command line of its Apache, pid 4242, the answer's ppid, with -k graceful in "
            "place of its -k; 'apachectl -k graceful' where it shows no -f)") in by_pid.fix, \
        by_pid.fix
    # one address alone: nothing to compare with, the words as before
    alone = diagnose(manifest.parse(MANIFEST, "m.toml"), observations[4:])
    assert "what differs is the server" not in _at(alone, SUB, "127.0.0.3:8080").explanation
