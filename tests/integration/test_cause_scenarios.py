"""The causes of issue 11 on real Apache + mod_wsgi + Django, one scenario each.

Same pattern as test_scenarios.py: ``scenarios/<name>/httpd.conf.in`` + ``manifest.toml``, Apache
started with it, ``probe sweep --format json`` run as a user would; every URL's verdict and cause,
the findings and the exit status are asserted exactly. Some scenarios need a step before the
sweep (a load order, a deploy to one daemon group, a second venv, a front proxy): each test says
which.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .apache import (
    SCENARIOS_DIR,
    ApacheServer,
    free_port,
    render,
    scenario_manifest,
    scenario_template,
)
from .conftest import ApacheFactory
from .test_scenarios import S1, S2, SUB, UNKNOWN, WWW1, WWW2, dig, probe_command, sweep

pytestmark = pytest.mark.apache

OK = ("ok", None)
Targets = dict[str, tuple[str | None, str, str | None]]


def usual(overrides: dict[str, tuple[str, str | None]]) -> Targets:
    """The usual sites (project-1: S1, WWW1; project-2: SUB, S2; refuse: WWW2, UNKNOWN)."""
    expected: dict[str, str | None] = {S1: "project-1", WWW1: "project-1", SUB: "project-2",
                                       S2: "project-2", WWW2: None, UNKNOWN: None}
    return {url: (inst, *overrides.get(url, OK)) for url, inst in expected.items()}


def check(server: ApacheServer, manifest: Path, targets: Targets, findings: set[str],
          observed: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Sweep and assert verdicts, causes, findings and exit status exactly; return the report."""
    status, report, context = sweep(server, manifest)
    got = {t["url"]: (t["expected"], t["verdict"], t["cause"]) for t in report["targets"]}
    assert got == targets, context
    for url, fields in (observed or {}).items():
        answer = next(t["observed"] for t in report["targets"] if t["url"] == url)
        assert {key: dig(answer, key) for key in fields} == fields, (url, context)
    assert sorted(f["code"] for f in report["findings"]) == sorted(findings), context
    problems = sum(verdict != "ok" for _inst, verdict, _cause in targets.values())
    assert report["summary"]["problems"] == problems, context
    assert status == (1 if problems else 0), context
    return report


def warm(server: ApacheServer, host: str, path: str = "/") -> None:
    response = server.get(path, host)
    assert response.status_code == 404, (host, path, response.status_code)  # Django's 404


def explanation(report: dict[str, Any], url: str) -> str:
    return str(next(t["explanation"] for t in report["targets"] if t["url"] == url))


def test_two_applications_in_one_interpreter(apache: ApacheFactory) -> None:
    # No warm-up: mod_wsgi preloads both scripts at daemon start (process-group= and
    # application-group= given), project-2's first, so project-1 runs project-2's settings.
    server = apache(scenario_template("globalgroup"))
    wrong = ("settings_mismatch", "shared_interpreter")
    report = check(
        server, scenario_manifest("globalgroup"), usual({S1: wrong, WWW1: wrong}),
        {"shared_interpreter"},
        observed={S1: {"label": "project-1", "process_group": "project-1",
                       "application_group": "",
                       "settings_module.loaded": "mysite.settings_two"}})
    assert "same application group '' (%{GLOBAL}" in explanation(report, S1)
    assert "with project-2" in explanation(report, S1)


def test_process_group_applied_too_broadly(apache: ApacheFactory) -> None:
    server = apache(scenario_template("groupscope"))
    warm(server, "site-1.example.com")
    report = check(
        server, scenario_manifest("groupscope"),
        usual({SUB: ("wrong_instance", "process_group_scope")}), set(),
        observed={SUB: {"label": "project-2", "process_group": "project-1",
                        "application_group": "site-1.example.com|/suburl"}})
    assert "also runs project-1" in explanation(report, SUB)


def test_time_zone_crossing_sub_interpreters(apache: ApacheFactory) -> None:
    server = apache(scenario_template("tzleak"))
    warm(server, "site-1.example.com")  # project-1 (America/Chicago) first,
    warm(server, "site-2.example.com")  # then project-3 sets TZ=Asia/Tokyo for the process
    targets: Targets = {S1: ("project-1", "wrong_runtime", "time_zone_leak"),
                        WWW1: ("project-1", "wrong_runtime", "time_zone_leak"),
                        S2: ("project-3", *OK), WWW2: (None, *OK), UNKNOWN: (None, *OK)}
    report = check(
        server, scenario_manifest("tzleak"), targets, {"embedded_shared_process"},
        observed={S1: {"time_zone.environ": "America/Chicago", "time_zone.name": "JST",
                       "time_zone.utc_offset_s": 32400},
                  S2: {"time_zone.environ": "Asia/Tokyo", "time_zone.name": "JST"}})
    assert "project-3, in the same process" in explanation(report, S1)


def test_one_daemon_group_of_an_instance_left_on_old_code(apache: ApacheFactory) -> None:
    script = (SCENARIOS_DIR.parent / "sites" / "project-2" / "wsgi.py").read_text(
        encoding="utf-8")
    server = apache(scenario_template("mixedcode"), files={"project-2b/wsgi.py": script})
    for host, path in (("site-1.example.com", "/"), ("site-1.example.com", "/suburl/"),
                       ("site-2.example.com", "/")):
        warm(server, host, path)
    # The deploy reaches group project-2-b only: its script changes, mod_wsgi restarts that
    # daemon process on its next request; group project-2 keeps the code it loaded.
    changed = server.sites / "project-2b" / "wsgi.py"
    later = changed.stat().st_mtime + 60
    os.utime(changed, (later, later))
    warm(server, "site-2.example.com")
    report = check(server, scenario_manifest("mixedcode"),
                   usual({SUB: ("mixed_code", "stale_code")}), set())
    mtimes = {t["url"]: dig(t["observed"], "code.script_mtime") for t in report["targets"]
              if t["url"] in (SUB, S2)}
    assert mtimes[SUB] is not None and mtimes[S2] is not None and mtimes[SUB] < mtimes[S2]
    # One server (one machine, one Apache parent): where script times are compared (issue 24).
    servers = {(dig(t["observed"], "server.hostname"), dig(t["observed"], "ppid"))
               for t in report["targets"] if t["url"] in (SUB, S2)}
    assert servers == {(socket.gethostname(), server.pid)}


def _site_packages(venv: Path) -> Path:
    (found,) = (venv / "lib").glob("python3*/site-packages")
    return found


@pytest.fixture
def other_venv() -> Iterator[Path]:
    """A second venv of the same Python, where www-data can read it (pytest's tmp is 0700)."""
    with tempfile.TemporaryDirectory(prefix="wsgi-probe-other-venv-", dir="/tmp") as top:
        Path(top).chmod(0o755)
        venv = Path(top) / "venv"
        subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)],
                       check=True, capture_output=True, timeout=120)
        yield venv


def test_python_home_of_another_environment(apache: ApacheFactory, other_venv: Path,
                                            tmp_path: Path) -> None:
    other = other_venv
    venv = apache.venv
    server = apache(scenario_template("wrongpython"),
                    extra={"OTHER_VENV": str(other),
                           "APACHE_SITE_PACKAGES": str(_site_packages(venv))})
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(render(scenario_manifest("wrongpython").read_text(encoding="utf-8"),
                               {"APACHE_VENV": str(venv)}), encoding="utf-8")
    report = check(server, manifest, usual({SUB: ("wrong_runtime", "wrong_python"),
                                            S2: ("wrong_runtime", "wrong_python")}), set(),
                   observed={S1: {"python.prefix": str(venv)},
                             S2: {"python.prefix": str(other)}})
    assert f"python.prefix is '{other}'" in explanation(report, S2)


def test_host_rewritten_by_a_front_proxy(apache: ApacheFactory,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # The proxy adds X-Forwarded-*: the backend's endpoints answer only with the token, which
    # the Apache processes (their daemons) and the probe get from the environment.
    monkeypatch.setenv("WSGI_PROBE_TOKEN", "frontproxy-scenario-token")
    backend = apache((SCENARIOS_DIR / "frontproxy" / "backend.conf.in").read_text(
        encoding="utf-8"))
    front = apache(scenario_template("frontproxy"), extra={"BACKEND_PORT": str(backend.port)})
    targets: Targets = {S1: ("project-1", *OK),
                        S2: ("project-2", "wrong_instance", "host_rewritten"),
                        UNKNOWN: (None, "served_unmapped", "host_rewritten")}
    # site-1 is ok but undecided: its Host is the backend's, X-Forwarded-Host its own name, and
    # ALLOWED_HOSTS ["*"] accepts either, so host_allowed true does not say which Django uses
    # (the scenario's settings leave USE_X_FORWARDED_HOST False: it uses the backend's).
    report = check(front, scenario_manifest("frontproxy"), targets, {"forwarded_host_undecided"},
                   observed={S2: {"label": "project-1",
                                  "request.host": f"127.0.0.1:{backend.port}",
                                  "request.forwarded_host": "site-2.example.com"}})
    assert "X-Forwarded-Host 'site-2.example.com'" in explanation(report, S2)
    [undecided] = report["findings"]
    assert undecided["explanation"].startswith(f"{S1} of project-1 reached the application "
                                               f"with Host '127.0.0.1:{backend.port}'"), \
        undecided


def test_https_without_sni_is_misdirected(apache: ApacheFactory, tmp_path: Path) -> None:
    import trustme

    ca = trustme.CA()
    certs = {name: ca.issue_cert(name).private_key_and_cert_chain_pem.bytes().decode()
             for name in ("site-1.example.com", "site-2.example.com")}
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    tls_port = free_port()
    apache(scenario_template("tlssni"), extra={"TLS_PORT": str(tls_port)},
           files={"tls/site-1.pem": certs["site-1.example.com"],
                  "tls/site-2.pem": certs["site-2.example.com"]})

    def tls_sweep(*options: str) -> tuple[int, dict[str, Any]]:
        done = subprocess.run(
            [*probe_command(), "sweep", "-m", str(scenario_manifest("tlssni")), "--connect",
             f"127.0.0.1:{tls_port}", "--ca-file", str(ca_file), "--format", "json",
             "--timeout", "30", *options],
            capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
        assert done.stdout.startswith("{"), done.stderr
        report: dict[str, Any] = json.loads(done.stdout)
        return done.returncode, report

    def verdicts(report: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
        return {t["url"]: (t["verdict"], t["cause"]) for t in report["targets"]}

    site1, site2 = "https://site-1.example.com/", "https://site-2.example.com/"
    status, report = tls_sweep()
    assert (status, verdicts(report)) == (0, {site1: OK, site2: OK}), report
    status, report = tls_sweep("--no-sni")
    assert verdicts(report) == {site1: OK, site2: ("no_endpoint", "tls_sni")}, report
    assert status == 1
    text = explanation(report, site2)
    # The certificate the server chose without SNI: its first VirtualHost's.
    assert "HTTP 421" in text and "DNS names: site-1.example.com" in text, text


def test_https_twin_without_the_daemon_group_runs_embedded(apache: ApacheFactory,
                                                            tmp_path: Path) -> None:
    """Issue 11 cause 3 (the certbot pattern): HTTPS runs the site embedded, HTTP in its group."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("site-1.example.com").private_key_and_cert_chain_pem.bytes().decode()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    tls_port = free_port()
    server = apache(scenario_template("sslembedded"), extra={"TLS_PORT": str(tls_port)},
                    files={"tls/site-1.pem": cert})
    http, https = (f"http://site-1.example.com:{server.port}/",
                   f"https://site-1.example.com:{tls_port}/")
    manifest = tmp_path / "sslembedded.toml"
    manifest.write_text(
        '[probe]\nconnect = "127.0.0.1"\ntimeout = 30.0\n'  # no port: each URL keeps its own
        + scenario_manifest("sslembedded").read_text(encoding="utf-8").replace(
            '["http://site-1.example.com/", "https://site-1.example.com/"]',
            f'["{http}", "{https}"]'),
        encoding="utf-8")
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(manifest), "--ca-file", str(ca_file),
         "--format", "json"],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    assert done.stdout.startswith("{"), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    got = {t["url"]: (t["verdict"], t["cause"]) for t in report["targets"]}
    assert got == {http: OK, https: ("wrong_instance", "daemon_group_unused")}, report
    assert done.returncode == 1
    https_target = next(t for t in report["targets"] if t["url"] == https)
    assert https_target["observed"]["process_group"] == ""  # embedded, as mod_wsgi says
    text = https_target["explanation"]
    assert "process group" in text and "project-1" in text, text
    assert "WSGIProcessGroup" in https_target["fix"], https_target["fix"]
