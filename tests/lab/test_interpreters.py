"""Simulated processes and sub interpreters: how DJANGO_SETTINGS_MODULE leaks, and when not."""

from __future__ import annotations

import os

import pytest

from probe.lab.interpreters import ProcessTable, SimulatedProcess

KEY = "DJANGO_SETTINGS_MODULE"


def setdefault_script(value: str) -> str:
    return f"import os\nos.environ.setdefault({KEY!r}, {value!r})\nseen = os.environ[{KEY!r}]\n"


def assign_script(value: str) -> str:
    return f"import os\nos.environ[{KEY!r}] = {value!r}\nseen = os.environ[{KEY!r}]\n"


@pytest.fixture
def process() -> SimulatedProcess:
    return SimulatedProcess(2001, 2000, "", {"PATH": "/usr/bin"})


def test_setdefault_leaks_into_a_later_interpreter_of_the_same_process(
    process: SimulatedProcess,
) -> None:
    first = process.interpreter("site-1.example.com|").run_script(
        setdefault_script("mysite.settings"), "/srv/project-1/wsgi.py")
    second = process.interpreter("site-2.example.com|").run_script(
        setdefault_script("mysite.settings_two"), "/srv/project-2/wsgi.py")
    assert first["seen"] == "mysite.settings"
    assert second["seen"] == "mysite.settings"  # inherited from the C environment
    assert process.c_environ[KEY] == "mysite.settings"


def test_assignment_does_not_leak(process: SimulatedProcess) -> None:
    first = process.interpreter("site-1.example.com|")
    first.run_script(assign_script("mysite.settings"), "/srv/project-1/wsgi.py")
    second = process.interpreter("site-2.example.com|").run_script(
        assign_script("mysite.settings_two"), "/srv/project-2/wsgi.py")
    assert second["seen"] == "mysite.settings_two"
    # The first interpreter's os.environ was copied before: the later putenv() does not reach it.
    assert first.environ[KEY] == "mysite.settings"
    assert process.c_environ[KEY] == "mysite.settings_two"


def test_an_interpreter_created_before_the_value_was_set_does_not_inherit_it(
    process: SimulatedProcess,
) -> None:
    early = process.interpreter("site-2.example.com|")
    process.interpreter("site-1.example.com|").run_script(
        setdefault_script("mysite.settings"), "/srv/project-1/wsgi.py")
    assert early.run_script(setdefault_script("mysite.settings_two"), "x.py")["seen"] == (
        "mysite.settings_two")


def test_separate_processes_share_nothing() -> None:
    table = ProcessTable(3000, {"PATH": "/usr/bin"})
    one, two = table.process("project-1"), table.process("project-2")
    assert one is not two and one.pid != two.pid
    assert one.ppid == two.ppid == 3000
    one.interpreter("site-1.example.com|").run_script(setdefault_script("mysite.settings"), "a.py")
    later = two.interpreter("site-2.example.com|").run_script(
        setdefault_script("mysite.settings_two"), "b.py")
    assert later["seen"] == "mysite.settings_two"
    assert one.c_environ[KEY] == "mysite.settings"  # each process its own C environment
    assert two.c_environ[KEY] == "mysite.settings_two"
    assert KEY not in table.process("project-3").c_environ  # forked from the untouched parent
    assert table.process("project-1") is one  # one process per group, kept


def test_interpreter_is_created_once_per_name(process: SimulatedProcess) -> None:
    assert process.interpreter("a|") is process.interpreter("a|")
    assert process.interpreter("a|") is not process.interpreter("b|")



def test_main_interpreter_exists_from_the_start(process: SimulatedProcess) -> None:
    process.putenv(KEY, "set later")
    assert KEY not in process.interpreter("").environ  # copied when the process started
    assert process.interpreter("a|").environ[KEY] == "set later"


def test_unset_goes_through_to_the_process(process: SimulatedProcess) -> None:
    first = process.interpreter("a|")
    first.environ[KEY] = "x"
    del first.environ[KEY]
    assert KEY not in process.c_environ
    assert KEY not in process.interpreter("b|").environ


def test_environ_values_must_be_strings(process: SimulatedProcess) -> None:
    with pytest.raises(TypeError):
        process.interpreter("a|").environ[KEY] = 1  # type: ignore[assignment]


def test_simulated_os_and_sys(process: SimulatedProcess) -> None:
    interpreter = process.interpreter("a|")
    namespace = interpreter.run_script(
        "import os\nimport sys\npid, ppid = os.getpid(), os.getppid()\n"
        "joined = os.path.join('a', 'b')\nmods = sys.modules\nversion = sys.version_info\n",
        "a.py")
    assert (namespace["pid"], namespace["ppid"]) == (2001, 2000)
    assert namespace["joined"] == os.path.join("a", "b")
    assert namespace["mods"] is interpreter.modules  # its own sys.modules
    assert namespace["mods"] is not process.interpreter("b|").modules


@pytest.mark.parametrize("name", ["environb", "getenvb"])
def test_the_real_environment_is_not_reachable_through_simulated_os(
        process: SimulatedProcess, name: str) -> None:
    simulated = process.interpreter("a|").os
    assert not hasattr(simulated, name)
    with pytest.raises(AttributeError, match=r"use os\.environ"):
        process.interpreter("a|").run_script(f"import os\nos.{name}\n", "a.py")


def test_unknown_import_fails_inside_the_lab(process: SimulatedProcess) -> None:
    with pytest.raises(ModuleNotFoundError):
        process.interpreter("a|").run_script("import django\n", "a.py")


def test_the_real_process_environment_is_never_touched(
    process: SimulatedProcess, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(KEY, raising=False)
    process.interpreter("a|").run_script(assign_script("mysite.settings"), "a.py")
    process.interpreter("b|").environ["WSGI_PROBE_LAB_TEST"] = "1"
    assert KEY not in os.environ
    assert "WSGI_PROBE_LAB_TEST" not in os.environ


def test_interpreter_starts_from_the_process_environment_not_the_callers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(KEY, "from.the.shell")
    table = ProcessTable(4000, {"PATH": "/usr/bin"})
    assert KEY not in table.process("").interpreter("a|").environ
