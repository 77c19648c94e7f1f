"""A fleet behind a balancer, each server named by where it listens (a tester's nginx in front
of gunicorn, uWSGI and mod_wsgi-express): code_drift never names the balancer's address as a
server, and names each server once however many addresses reached it."""

from __future__ import annotations

from probe import manifest
from probe.exporter.metrics import url_families
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


# --- time zones across the servers of one instance ---------------------------------------------

PARIS = {"name": "CET", "utc_offset_s": 3600, "environ": "Europe/Paris"}
UTC = {"name": "UTC", "utc_offset_s": 0, "environ": "UTC"}
G1 = backend("gunicorn", "127.0.0.2:27001", 101, ppid=100, time_zone=UTC)
G2 = backend("gunicorn", "127.0.0.3:27001", 201, ppid=200, time_zone=UTC)
E3 = backend("express", None, 301, ppid=300, time_zone=PARIS)


def zones(report: Report) -> list[str]:
    return [f.explanation for f in report.findings if f.code == "time_zone_drift"]


def test_a_member_in_another_time_zone_is_a_warning_without_a_declared_time_zone() -> None:
    report = run([through(G1, E3, G2, G1, E3, G2)], UNVERSIONED)
    assert {t.verdict.value for t in report.targets} == {"ok"}
    (text,) = zones(report)
    assert report.status.value == "warning"
    assert ("'CET' (UTC offset 3600 s, time_zone.environ 'Europe/Paris') at 127.0.0.4:27001 "
            "(process_group '127.0.0.4:27001'; host vm, parent pid 300, reached through "
            "127.0.0.1:27080)") in text, text
    assert "127.0.0.2:27001 (server.listen" in text and "127.0.0.3:27001 (server.listen" in text
    assert f"{HAPROXY} (host" not in text, text
    assert "2 of the 3 servers run 'UTC' (UTC offset 0 s): set it on the others" in text, text
    assert "declare time_zone for shop in the manifest" in text, text


def test_one_time_zone_everywhere_or_a_declared_one_is_no_time_zone_drift() -> None:
    assert zones(run([through(G1, G2, G1)], UNVERSIONED)) == []
    declared = manifest.parse(SHOP.replace('code_version = "v2"\n', 'time_zone = "UTC"\n'),
                              "shop.toml")
    assert zones(run([through(G1, E3, G2)], declared)) == []


def test_a_declared_time_zone_says_how_many_samples_ran_in_another() -> None:
    declared = manifest.parse(SHOP.replace('code_version = "v2"\n', 'time_zone = "UTC"\n'),
                              "shop.toml")
    (found,) = run([through(G1, E3, G2, G1, E3, G2)], declared).targets
    assert found.verdict.value == "wrong_runtime", found.explanation
    # by where it listens, as code_drift names it (a re-tester's: 'pid 27809 on host vm', the
    # host every member of the fleet shares)
    assert f"2 of 6 samples (pid 301 at process_group '{EXPRESS}' (mod_wsgi-express's " \
        "HOST:PORT))" in found.explanation, found.explanation
    assert "running in time zone 'CET'" in found.explanation, found.explanation


# --- the exporter's instance_info at a balancer's address ---------------------------------------


def info_series(report: Report) -> set[tuple[tuple[str, str], ...]]:
    (info,) = [f for f in url_families(report.targets) if f.name == "wsgi_probe_instance_info"]
    return {tuple(sorted(s.labels.items())) for s in info.samples}


def test_instance_info_at_a_balancer_does_not_change_with_the_member_that_answered_last() -> None:
    # A tester's nginx before gunicorn and mod_wsgi-express: the express member's
    # process_group made a new series whenever it happened to answer last.
    first = info_series(run([through(G1, E3, G2)], UNVERSIONED))
    second = info_series(run([through(E3, G2, G1)], UNVERSIONED))
    assert first == second, (first, second)
    assert {dict(s)["process_group"] for s in first} == {"", EXPRESS}, first
