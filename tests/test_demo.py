"""``probe demo``: the zero-setup first run (issue 4)."""

from __future__ import annotations

import io
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from probe import demo, manifest
from probe.environment import Environment
from probe.lab import scenario
from probe.lab.apache import LabConfig, render_lab_config
from probe.lab.router import RoutingConfig, ScriptAlias, VirtualHost
from probe.lab.server import LabServer
from probe.lint import LintResult, lint_paths

CAUSES = ("alias_order", "environ_leak", "vhost_fallback")


def probe_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "probe", *args]


def test_demo_shows_the_three_misroutes_and_exits_0() -> None:
    done = subprocess.run(probe_command("demo"), capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    for cause in CAUSES:
        assert cause in done.stdout
    assert "SIMULATED" in done.stdout
    assert "probe sweep -m" in done.stdout  # how to point it at a real server
    assert "wrong_instance (alias_order)" in done.stdout
    assert "settings_mismatch (environ_leak)" in done.stdout
    assert "served_unmapped (vhost_fallback)" in done.stdout
    # The lab answers at once: no request may have waited for a timeout.
    assert "timed out" not in done.stdout and "unreachable" not in done.stdout


def test_demo_serve_keeps_the_lab_up_until_interrupted(tmp_path: Path) -> None:
    process = subprocess.Popen(probe_command("demo", "--serve"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        seen = ""
        deadline = time.monotonic() + 20
        while "curl" not in seen and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            seen += line
        commands = re.findall(r"probe sweep -m (\S+\.toml) --connect (\S+)", seen)
        assert commands, seen
        manifest_path, connect = commands[-1]
        loaded = manifest.load(manifest_path)  # a valid manifest, with the lab's address in it
        assert loaded.probe.connect == connect
        assert set(loaded.instances) == {"project-1", "project-2"}
        answer = requests.get(f"http://{connect}/__probe__",
                              headers={"Host": "site-2.example.com"}, timeout=5)
        assert answer.json()["label"] == "project-2"
        swept = subprocess.run(probe_command("sweep", "-m", manifest_path, "--format", "json"),
                               capture_output=True, text=True, timeout=60, check=False)
        assert swept.returncode == 1  # problems found, as they should be
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
        assert process.returncode == 0, err
        assert not Path(manifest_path).exists()
        assert "site-2.example.com /__probe__" in err  # routing decisions are logged
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_demo_port_in_use_is_a_usage_error() -> None:
    def app(environ: object, start_response: object) -> list[bytes]:
        return []

    with LabServer(app) as taken:
        done = subprocess.run(probe_command("demo", "--port", str(taken.port)),
                              capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert f"127.0.0.1:{taken.port}" in done.stderr


def test_demo_exits_1_when_the_lab_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(demo, "run_sweep", broken)
    assert demo.run(out=io.StringIO()) == 1


def lint_lab(config: LabConfig, tmp_path: Path) -> LintResult:
    """``probe lint`` on the httpd.conf the lab prints, with its WSGI scripts written out."""
    where = {path: tmp_path / path.lstrip("/") for path in config.scripts}
    for path, script in config.scripts.items():
        where[path].parent.mkdir(parents=True, exist_ok=True)
        where[path].write_text(script.source())
    pattern = "|".join(re.escape(path) for path in config.scripts)
    conf = tmp_path / "httpd.conf"
    conf.write_text(re.sub(pattern, lambda m: str(where[m.group(0)]), render_lab_config(config)))
    return lint_paths([conf])


def test_lint_finds_the_three_misroutes_in_the_demos_httpd_conf(tmp_path: Path) -> None:
    result = lint_lab(scenario.CLASSIC, tmp_path)
    assert {f.code for f in result.findings} == set(CAUSES)


def fixed_config() -> RoutingConfig:
    p1, p2 = scenario.PROJECT_1, scenario.PROJECT_2
    return RoutingConfig(
        (
            VirtualHost("default.invalid", deny_all=True),
            VirtualHost("site-1.example.com", server_aliases=("www.site-1.example.com",),
                        script_aliases=(ScriptAlias("/suburl", p2, "project-2"),
                                        ScriptAlias("/", p1, "project-1"))),
            VirtualHost("site-2.example.com", server_aliases=("www.site-2.example.com",),
                        script_aliases=(ScriptAlias("/", p2, "project-2"),)),
        ),
        daemon_process_groups=("project-1", "project-2"),
    )


def test_lint_is_clean_on_the_fixed_lab(tmp_path: Path) -> None:
    assert lint_lab(LabConfig(fixed_config(), scenario.SCRIPTS), tmp_path).findings == ()


def test_demo_self_check_fails_when_the_misroutes_are_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the blog post's fixes applied the sweep is clean, and the demo must say it failed."""
    fixed = fixed_config()
    monkeypatch.setattr(scenario, "CLASSIC", LabConfig(fixed, scenario.SCRIPTS))
    out = io.StringIO()
    assert demo.run(out=out) == 1
    assert "OK: 6 URLs, 6 ok, 0 problems" in out.getvalue()


@pytest.mark.parametrize("width", [80, 160])
def test_demo_renders_for_the_terminal_width(width: int) -> None:
    """Prose, httpd.conf and the report fit the width; no URL or instance name is cut."""
    from probe.environment import Environment

    out = io.StringIO()
    assert demo.run(env=Environment(stdout=out, width=width)) == 0
    lines = out.getvalue().splitlines()
    assert [line for line in lines if len(line) > width] == []
    assert "…" not in out.getvalue()
    for url in ("http://site-1.example.com/suburl/", "http://www.site-2.example.com/",
                "http://unknown.invalid/"):
        assert any(url in line for line in lines), url
    assert not [line for line in lines if line.endswith("-")]  # nothing broken at a hyphen
    # The report's problems come before its ok URLs.
    text = out.getvalue()
    report = text[text.index("Sweeping it"):]
    assert report.index("site-1.example.com/suburl/") < report.index("www.site-1.example.com/")
    if width == 160:
        assert any(line.startswith("┃ URL") and "settings" in line for line in lines)
        # Prose wraps at 100 even on a wide screen: long lines read badly.
        assert max(len(line) for line in lines if line.startswith("No real server")) <= 100


@pytest.mark.parametrize("width", [80, 160])
def test_demo_shows_the_form_install_writes(width: int) -> None:
    """Not a plain ``import wsgi_endpoint``: it fails under mod_wsgi, gunicorn and uWSGI."""
    from probe.environment import Environment
    from probe.install import BEGIN, END

    out = io.StringIO()
    assert demo.run(env=Environment(stdout=out, width=width)) == 0
    text = out.getvalue()
    assert "import wsgi_endpoint\n" not in text
    assert f"    {BEGIN}" in text and f"    {END}" in text
    if width == 160:  # wide enough for the block itself
        assert "spec_from_file_location(\"wsgi_endpoint\", path)" in text
        assert "wsgi_endpoint.wrap(application, label='project-2')" in text


def test_a_catch_all_in_a_fix_is_for_the_port_the_lab_listens_on() -> None:
    # The lab's VirtualHosts listen on its loopback port, not on the URLs' port 80: a fix
    # written from the URL would name <VirtualHost *:80>, which the lab has not.
    out = io.StringIO()
    assert demo.run(env=Environment(stdout=out, width=200)) == 0
    report = out.getvalue().split("\n[1] ", 1)[1]  # the report, after the intro's httpd.conf
    ports = set(re.findall(r"<VirtualHost \*:(\d+)>", report))
    assert len(ports) == 1 and "80" not in ports, ports


def test_the_restart_advice_is_said_for_the_lab() -> None:
    """The report's restart asks ps about the lab's parent (ppid in its answers): this process,
    no Apache. The demo says what that means in the lab, the report's words unchanged."""
    import os

    out = io.StringIO()
    assert demo.run(env=Environment(stdout=out, width=100)) == 0
    text = " ".join(out.getvalue().split())
    assert f"'ps -ww -o args= -p {os.getpid()}' shows (its Apache" in text
    # every item whose fix edits the lab's httpd.conf ends with that restart too
    assert (f"In the lab, the Apache that [1], [2], [3] and [4] restart by what 'ps -ww -o "
            f"args= -p {os.getpid()}' shows is this demo process, pid {os.getpid()}: it plays the "
            f"simulated Apache's parent, given as ppid in the lab's answers") in text, text
    assert "The lab is restarted by running probe demo again" in text


def test_lab_restart_finds_the_items_that_ask_ps_about_the_parent() -> None:
    report = ("[1] http://a/: ok\n    nothing\n[2] http://b/: settings_mismatch\n    run what "
              "'ps -ww -o args= -p\n    41' shows\nWARNING embedded_shared_process\n    pid 42\n")
    said = demo._lab_restart(report, 41, [42])
    assert said.startswith("In the lab, the Apache that [2] restarts by what 'ps -ww -o args= "
                           "-p 41' shows is this demo process, pid 41"), said
    assert "(its child's pid, 42, is made up)" in said
    assert demo._lab_restart(report, 40, [42]) == ""
    both = report.replace("nothing", "run what 'ps -ww -o args= -p 41' shows")
    assert demo._lab_restart(both, 41, [42]).startswith(
        "In the lab, the Apache that [1] and [2] restart by what")
