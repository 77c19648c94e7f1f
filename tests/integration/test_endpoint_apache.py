"""contrib/wsgi_endpoint.py inside real Apache/mod_wsgi with two real Django instances.

One code base (``mysite``), two WSGI scripts (``mysite.settings`` / ``mysite.settings_two``)
mounted at ``/`` and ``/suburl`` of site-1.example.com, in embedded and in daemon mode. The
endpoint's answer is compared with what the Django view ``/whoami/`` of the same mount computes
on its own (``mod_wsgi.process_group``/``application_group``, ``os.getpid()``, the settings
Django loaded, SCRIPT_NAME) and with Apache's process tree.
"""

from __future__ import annotations

import os
from typing import Any

import psutil
import pytest

from .apache import ApacheServer
from .apache_blocks import CATCH_ALL, daemons
from .conftest import ApacheFactory

pytestmark = pytest.mark.apache

HOST = "site-1.example.com"
TOKEN = "s3cret-probe-token-for-tests"

# (mount, label, process group in daemon mode, settings module it is written for)
MOUNTS = [
    ("", "project-1", "project-1", "mysite.settings"),
    ("/suburl", "project-2", "project-2", "mysite.settings_two"),
]

VHOSTS = "\n" + CATCH_ALL + """
<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    WSGIScriptAlias /suburl @SITES@/project-2/wsgi.py {group2}
    WSGIScriptAlias /tokened @SITES@/project-token/wsgi.py {group1}
    WSGIScriptAlias / @SITES@/project-1/wsgi.py {group1}
</VirtualHost>
"""

EMBEDDED = """
# one embedded-mode child process, so that both instances share it deterministically
StartServers 1
ServerLimit 1
ThreadsPerChild 8
ThreadLimit 8
MinSpareThreads 1
MaxSpareThreads 8
MaxRequestWorkers 8
""" + VHOSTS.format(group1="", group2="")

DAEMON = "\n" + daemons("project-1", "project-2") + VHOSTS.format(
    group1="process-group=project-1", group2="process-group=project-2")

TOKEN_FILES = {"project-token/probe-token": TOKEN + "\n"}


def settings_file(script: str | None, module: str | None) -> str | None:
    """The file the endpoint reports for the settings module ``module`` (settings_module.file):
    the module's path in the sites directory, above each site's WSGI script (the test sites
    share one ``mysite`` package there, tests/integration/sites)."""
    if script is None or module is None:
        return None
    return os.path.join(os.path.dirname(os.path.dirname(script)), *module.split(".")) + ".py"


def get_json(server: ApacheServer, path: str, host: str = HOST) -> dict[str, Any]:
    response = server.get(path, host)
    assert response.status_code == 200, (path, response.status_code, response.text[:500],
                                         server.error_log()[-3000:])
    assert response.headers["Content-Type"].startswith("application/json")
    data: dict[str, Any] = response.json()
    return data


def probe_and_truth(server: ApacheServer, mount: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The endpoint's answer and /whoami/'s for the same mount (probe first: it loads the app)."""
    return get_json(server, f"{mount}/__probe__"), get_json(server, f"{mount}/whoami/")


def assert_endpoint_tells_the_truth(probe: dict[str, Any], truth: dict[str, Any],
                                    mount: str, label: str) -> None:
    assert probe["schema"] == 1
    assert probe["label"] == label
    assert probe["pid"] == truth["pid"]
    assert probe["ppid"] == truth["ppid"]
    assert probe["process_group"] == truth["process_group"]
    assert probe["application_group"] == truth["application_group"]
    assert probe["settings_module"] == {
        "environ": truth["environ_settings"], "loaded": truth["loaded_settings"],
        "file": settings_file(probe["script_file"], truth["loaded_settings"])}
    assert probe["request"]["script_name"] == truth["script_name"] == mount
    assert probe["request"]["path_info"] == "/__probe__"
    assert probe["request"]["host"] == HOST
    assert probe["script_file"].endswith(f"/sites/{label}/wsgi.py")
    assert probe["server"]["mod_wsgi_version"]
    assert "mod_wsgi" in probe["server"]["software"]
    # mod_wsgi's default %{RESOURCE} application group: ServerName (port only when the Host
    # header carries one other than 80/443), "|", SCRIPT_NAME.
    assert truth["application_group"] == f"{HOST}|{mount}"


# ---------------------------------------------------------------------------------------------
# daemon mode: one server for the module (nothing here depends on load order)


@pytest.fixture(scope="module")
def daemon(apache_module: ApacheFactory) -> ApacheServer:
    return apache_module(DAEMON, files=TOKEN_FILES)


@pytest.mark.parametrize(("mount", "label", "group", "settings"), MOUNTS)
def test_daemon_mode_endpoint_reports_what_mod_wsgi_uses(
        daemon: ApacheServer, mount: str, label: str, group: str, settings: str) -> None:
    probe, truth = probe_and_truth(daemon, mount)
    assert_endpoint_tells_the_truth(probe, truth, mount, label)
    assert probe["process_group"] == group
    # separate processes: each instance keeps the settings its script sets
    assert probe["settings_module"] == {"environ": settings, "loaded": settings,
                                        "file": settings_file(probe["script_file"], settings)}
    # a daemon process is a child of the Apache parent, never the parent itself
    assert probe["pid"] != daemon.pid
    assert probe["ppid"] == daemon.pid
    process = psutil.Process(probe["pid"])
    assert process.pid in {p.pid for p in daemon.processes()}
    assert f"(wsgi:{group})" in " ".join(process.cmdline())


def test_daemon_mode_instances_run_in_separate_processes(daemon: ApacheServer) -> None:
    first = get_json(daemon, "/__probe__")
    second = get_json(daemon, "/suburl/__probe__")
    assert first["pid"] != second["pid"]
    assert first["instance_id"] != second["instance_id"]
    # the same copy answers again: one instance_id per loaded copy, hits count up
    again = get_json(daemon, "/__probe__")
    assert again["instance_id"] == first["instance_id"]
    assert again["hits"] > first["hits"]


def test_application_group_carries_a_non_default_port_from_the_host_header(
        daemon: ApacheServer) -> None:
    host = f"{HOST}:{daemon.port}"
    probe = get_json(daemon, "/suburl/__probe__", host=host)
    truth = get_json(daemon, "/suburl/whoami/", host=host)
    assert probe["application_group"] == truth["application_group"] == f"{host}|/suburl"
    assert probe["request"]["host"] == host


def test_non_probe_urls_reach_django_unchanged(daemon: ApacheServer) -> None:
    truth = get_json(daemon, "/suburl/whoami/")
    assert truth["instance_name"] == "two"
    assert truth["path_info"] == "/whoami/"
    missing = daemon.get("/suburl/no-such-page/", HOST)
    assert missing.status_code == 404
    assert "<h1>Not Found</h1>" in missing.text  # Django's own 404 page
    # the segment only counts as the last one, and only for GET/HEAD
    for response in (daemon.get("/__probe__/more", HOST),
                     daemon.session.post(daemon.url("/__probe__"), headers={"Host": HOST},
                                         timeout=15)):
        assert response.status_code == 404
        assert "<h1>Not Found</h1>" in response.text


def test_head_on_the_probe_url_has_no_body(daemon: ApacheServer) -> None:
    response = daemon.session.head(daemon.url("/suburl/__probe__"), headers={"Host": HOST},
                                   timeout=15)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.content == b""


def test_token_file_refuses_requests_without_the_token(daemon: ApacheServer) -> None:
    for headers in ({}, {"X-Probe-Token": "wrong"}, {"X-Probe-Token": TOKEN + "x"}):
        response = daemon.get("/tokened/__probe__", HOST, headers=headers)
        # not authorised: the request reaches Django, which has no such page
        assert response.status_code == 404, headers
        assert "<h1>Not Found</h1>" in response.text
        assert "project-token" not in response.text
    response = daemon.get("/tokened/__probe__", HOST, headers={"X-Probe-Token": TOKEN})
    assert response.status_code == 200
    probe = response.json()
    assert probe["label"] == "project-token"
    assert probe["request"]["script_name"] == "/tokened"
    assert TOKEN not in response.text


# ---------------------------------------------------------------------------------------------
# embedded mode: a fresh server per test, because which instance loads first matters


@pytest.mark.parametrize("first", ["", "/suburl"], ids=["project-1-first", "project-2-first"])
def test_embedded_mode_endpoint_reports_what_mod_wsgi_uses(
        apache: ApacheFactory, first: str) -> None:
    server = apache(EMBEDDED)
    order = [first] + [m for m, *_ in MOUNTS if m != first]
    answers = {mount: probe_and_truth(server, mount) for mount in order}
    workers = {p.pid for p in server.processes()}
    for mount, label, _group, _settings in MOUNTS:
        probe, truth = answers[mount]
        assert_endpoint_tells_the_truth(probe, truth, mount, label)
        assert probe["process_group"] == ""
        assert probe["ppid"] == server.pid
        assert probe["pid"] in workers
    # both instances live in the one child process, in two sub interpreters
    assert answers[""][0]["pid"] == answers["/suburl"][0]["pid"]
    assert answers[""][0]["application_group"] != answers["/suburl"][0]["application_group"]
    # ... and os.environ.setdefault() lets the first one loaded decide the settings of both
    settings_of_first = dict((m, s) for m, _l, _g, s in MOUNTS)[first]
    for mount in order:
        assert answers[mount][0]["settings_module"] == {
            "environ": settings_of_first, "loaded": settings_of_first,
            "file": settings_file(answers[mount][0]["script_file"], settings_of_first)}
