"""A fleet behind a balancer, each server named by where it listens (a tester's nginx in front
of gunicorn, uWSGI and mod_wsgi-express): code_drift never names the balancer's address as a
server, and names each server once however many addresses reached it."""

from __future__ import annotations

from probe import manifest
from probe.model import Report

from .test_diagnose import run
from .test_fleet_samples import B1, HAPROXY, SHOP, backend, through

EXPRESS = "127.0.0.4:27001"
OLD3 = backend("express", None, 301, ppid=300, version="v1")
UNVERSIONED = manifest.parse(SHOP.replace('code_version = "v2"\n', ""), "shop.toml")


def drift(report: Report) -> str:
    (text,) = [f.explanation for f in report.findings if f.code == "code_drift"]
    return text


def test_code_drift_names_a_mod_wsgi_express_member_by_its_daemon_group() -> None:
    text = drift(run([through(B1, OLD3, B1, OLD3)], UNVERSIONED))
    assert f"{HAPROXY} (host" not in text, text
    assert (f"{EXPRESS} (process_group '{EXPRESS}'; host vm, parent pid 300, reached through "
            f"{HAPROXY})") in text, text


def test_code_drift_names_one_server_once_when_probed_directly_and_through_the_balancer() -> None:
    text = drift(run([through(B1, OLD3, B1, OLD3), through(OLD3, OLD3, address=EXPRESS),
                      through(B1, B1, address="127.0.0.2:27001")], UNVERSIONED))
    assert text.count(f"{EXPRESS} (process_group") == 1, text
    assert text.count("127.0.0.2:27001 (server.listen") == 1, text
    assert "reached through" not in text.split(". ")[0], text
