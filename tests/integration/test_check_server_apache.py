"""``probe check --via`` against real Apache/mod_wsgi (scenarios healthy, ordering): the
resident checker gives the answer the standalone plugin gives, for an ok sweep and for a
misroute, with the client's working directory and environment."""

from __future__ import annotations

import contextlib
import gc
import io
import os
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from types import CodeType, FrameType

import pytest

from probe.check import server as check_server_module
from tests.monitoring_helpers import PROBE, check_server, same_check

from .apache import ApacheServer, scenario_manifest, scenario_template
from .conftest import ApacheFactory
from .daemons import warm

pytestmark = pytest.mark.apache


@pytest.fixture(scope="module", params=["healthy", "ordering"])
def lab(request: pytest.FixtureRequest, apache_module: ApacheFactory,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ApacheServer, Path]]:
    name: str = request.param
    server = apache_module(scenario_template(name))
    warm(server)
    sock = tmp_path_factory.mktemp("served") / "check.sock"
    with check_server(sock):
        yield name, server, sock


def plugin(server: ApacheServer, *args: str, cwd: Path | None = None,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PROBE, "check", "--connect", server.connect, "-t", "60", *args],
                          capture_output=True, text=True, timeout=120, check=False, cwd=cwd,
                          env=env, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("extra", [(), ("-v", "--perfdata-urls"), ("-vv", "-w", "0", "-c", "3")])
def test_the_resident_checker_answers_as_the_plugin(lab: tuple[str, ApacheServer, Path],
                                                    extra: tuple[str, ...]) -> None:
    name, server, sock = lab
    manifest = str(scenario_manifest(name))
    standalone = plugin(server, "-m", manifest, *extra)
    via = plugin(server, "-m", manifest, *extra, "--via", str(sock))
    same_check(standalone, via)
    expected = {"healthy": (0, "WSGI-PROBE OK - "), "ordering": (2, "WSGI-PROBE CRITICAL - ")}
    if "-w" in extra and name == "ordering":
        expected[name] = (1, "WSGI-PROBE WARNING - ")
    assert (via.returncode, via.stdout[:len(expected[name][1])]) == expected[name], via.stdout


@pytest.mark.parametrize("serving", [True, False], ids=["resident checker", "nothing serving"])
def test_the_written_client_answers_as_the_plugin(lab: tuple[str, ApacheServer, Path],
                                                  tmp_path: Path, serving: bool) -> None:
    """``probe check --write-client``'s file, run as Nagios runs a plugin: the answer of the
    standalone plugin, from a resident checker or, with nothing serving the socket, from
    the console script it hands over to (its own interpreter has none of the packages a
    sweep needs)."""
    name, server, _ = lab
    client = tmp_path / "check_wsgi_probe"
    subprocess.run([*PROBE, "check", "--write-client", str(client)], check=True,
                   capture_output=True, timeout=60)
    manifest = str(scenario_manifest(name))
    sock = tmp_path / "check.sock"
    with contextlib.ExitStack() as stack:
        if serving:
            stack.enter_context(check_server(sock))
        written = subprocess.run(
            [str(client), "--connect", server.connect, "-t", "60", "-m", manifest, "-v",
             "--perfdata-urls", "--via", str(sock)],
            capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    same_check(plugin(server, "-m", manifest, "-v", "--perfdata-urls"), written)
    assert written.stdout.startswith({"healthy": "WSGI-PROBE OK - ",
                                      "ordering": "WSGI-PROBE CRITICAL - "}[name]), written
    if serving:  # the server ran it, not the console script the client hands over to
        assert sock.with_suffix(".log").read_text().splitlines()[-1] == (
            "probe check: stopped after 1 check")


def test_the_clients_directory_and_environment_are_the_checks(
        lab: tuple[str, ApacheServer, Path], tmp_path: Path) -> None:
    """A relative manifest path is read in the client's directory, and the token comes
    from the client's environment (with a token, the lab's unsigned answers are not live)."""
    name, server, sock = lab
    shutil.copy(scenario_manifest(name), tmp_path / "site.toml")
    env = {**os.environ, "WSGI_PROBE_TOKEN": "a-token-the-lab-does-not-know"}
    for environ in (None, env):
        standalone = plugin(server, "-m", "site.toml", cwd=tmp_path, env=environ)
        via = plugin(server, "-m", "site.toml", "--via", str(sock), cwd=tmp_path, env=environ)
        same_check(standalone, via)
        assert ("not_live" in via.stdout) == (environ is not None), via.stdout


def test_a_warm_server_imports_nothing_per_check(lab: tuple[str, ApacheServer, Path]) -> None:
    """What a check imports lazily, the server imports before it forks: otherwise every
    child would import it again (the cost the resident checker exists to remove)."""
    name, server, _ = lab
    check_server_module.warm()
    before = set(sys.modules)
    out, saved = io.StringIO(), sys.stdout
    sys.stdout = out
    try:
        code = check_server_module.check(
            ["-m", str(scenario_manifest(name)), "--connect", server.connect, "-t", "60"],
            lambda timeout, stage: None)
    finally:
        sys.stdout = saved
    assert code == (0 if name == "healthy" else 2), out.getvalue()
    assert set(sys.modules) - before == set()


def called_functions(run: Callable[[], object]) -> set[CodeType]:
    """The code of every Python function ``run`` called in this thread."""
    seen: set[CodeType] = set()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call":
            seen.add(frame.f_code)

    # Garbage left by earlier tests (a Popen's __del__) would otherwise be finalized by a
    # collection inside ``run`` and counted as its calls.
    gc.collect()
    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return seen


@pytest.mark.parametrize("extra", [(), ("-v", "--perfdata-urls"), ("-vv", "-w", "0", "-c", "3")])
def test_a_warm_server_runs_nothing_for_the_first_time_per_check(
        lab: tuple[str, ApacheServer, Path], extra: tuple[str, ...]) -> None:
    """The warm-up checks (probe/check/warmup.py) ran every function a check of real Apache
    runs: a child starts with none of its first-use costs (byte-code specialised, caches
    filled, libcurl and OpenSSL set up), not only with its modules imported. Each cause of a
    problem has its own words, which no warm-up can foresee: a check that finds one (the
    ordering scenario) may run those for the first time, and nothing else."""
    name, server, _ = lab
    out, saved = io.StringIO(), sys.stdout
    sys.stdout = out
    try:
        # A server warms up once, in a fresh process: urlsplit's cache (lru_cache) still
        # holds the warm-up's URLs from the earlier parameters' warm-ups here, so it would
        # skip the function a fresh server's warm-up runs.
        urllib.parse.urlsplit.cache_clear()  # type: ignore[attr-defined]  # an lru_cache
        warmed = called_functions(check_server_module.warm)
        ran = called_functions(lambda: check_server_module.check(
            ["-m", str(scenario_manifest(name)), "--connect", server.connect, "-t", "60",
             *extra], lambda timeout, stage: None))
    finally:
        sys.stdout = saved
    assert out.getvalue().startswith("WSGI-PROBE "), out.getvalue()
    tests = str(Path(__file__).parents[1])
    causes = str(Path(check_server_module.__file__).parents[1] / "diagnose")
    first_time = sorted(f"{code.co_filename}:{code.co_firstlineno} {code.co_name}"
                        for code in ran - warmed if not code.co_filename.startswith(tests)
                        and not (name == "ordering" and code.co_filename.startswith(causes)))
    assert not first_time, "\n".join(first_time)
