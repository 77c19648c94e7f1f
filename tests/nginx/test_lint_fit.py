"""The lint finding named beside an nginx diagnosis fits its cause (re-tester R22, no_host
with --config nginx): three server blocks pass to one Apache with name-based VirtualHosts and
no ``proxy_set_header Host``. site2's URL reached site1 (Apache's first site) with Host
'127.0.0.1:...': the cause is the Host not passed on, and "The hand-over's target is not what
is wrong" was followed by lint's ``nginx_shared_backend`` at the same proxy_pass line ("this
line was copied from the other site and passes to the wrong one"). Only where the pass line is
the cause is that finding named.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe.diagnose import diagnose
from probe.front_config import load_front
from probe.manifest import parse
from probe.model import Cause, Observation, TargetResult
from tests.test_diagnose import ep, thrice

APACHE = "127.0.0.1:51231"
MANIFEST = "".join(f"""
[instances.site{n}]
label = "site{n}"
process_group = "site{n}"
settings = "chain.settings_site{n}"
urls = ["http://site{n}.example:48497/"]
""" for n in (1, 2, 3))


def blocks(tmp_path: Path, host: str = "") -> Path:
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + "".join(
        f"""    server {{ listen 127.0.0.1:48497; server_name site{n}.example;
        location / {{
            proxy_pass http://{APACHE}/;{host}
        }}
    }}
""" for n in (1, 2, 3)) + "}\n")
    return path


def site1_answers(n: int, received: str) -> Observation:
    """site{n}'s URL answered by site1 (Apache's first VirtualHost), with Host ``received``."""
    data = ep("site1", host=received, pid=32378, process_group="site1", application_group="",
              settings="chain.settings_site1")
    observed = thrice(f"http://site{n}.example:48497/", f"site{n}", data)
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:48497")
        for s in observed.samples))


def site2(path: Path, received: str) -> TargetResult:
    report = diagnose(parse(MANIFEST), [site1_answers(1, received), site1_answers(2, received)],
                      config=load_front(str(path), {}))
    return next(t for t in report.targets if t.url == "http://site2.example:48497/")


def test_a_host_not_passed_on_names_no_finding_about_the_pass_target(tmp_path: Path) -> None:
    found = site2(blocks(tmp_path), APACHE)
    assert found.cause is Cause.HOST_REWRITTEN, (found.cause, found.explanation)
    assert "The hand-over's target is not what is wrong" in found.explanation
    assert "nginx_shared_backend" not in found.fix, found.fix
    assert "passes to the wrong one" not in found.fix, found.fix


def test_a_wrong_pass_line_keeps_it(tmp_path: Path) -> None:
    """Each site its own gunicorn (which serves whatever Host it gets), site2's block passes
    to site1's (copied): the pass line is the cause, and lint's finding there is named."""
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + "".join(
        f"""    server {{ listen 127.0.0.1:48497; server_name site{n}.example;
        location / {{
            proxy_pass http://127.0.0.1:800{1 if n == 2 else n}/;
        }}
    }}
""" for n in (1, 2, 3)) + "}\n")
    data = ep("site1", host="127.0.0.1:8001", pid=32378, process_group="",
              application_group="", settings="chain.settings_site1")
    data["server"] = {"software": "gunicorn/23.0.0", "listen": "127.0.0.1:8001"}
    observed = thrice("http://site2.example:48497/", "site2", data)
    wrong = dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:48497")
        for s in observed.samples))
    manifest = MANIFEST.replace('process_group = "site2"\n', "")
    report = diagnose(parse(manifest), [wrong], config=load_front(str(path), {}))
    found = report.targets[0]
    assert found.cause is Cause.WRONG_UPSTREAM, (found.cause, found.explanation)
    assert f"probe lint says at {path}:10: nginx_shared_backend" in found.fix, found.fix
