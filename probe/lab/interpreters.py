"""Simulated processes and Python sub interpreters, as mod_wsgi arranges them.

What matters for the ``environ_leak`` misroute, and is modelled here:

* A process has one C-level environment (``environ(7)``) and a pid.
* A sub interpreter created in that process builds its own ``os.environ`` as a
  **copy** of the C environment at that moment, like CPython does when each
  interpreter imports ``os``.
* Setting a key in an interpreter's ``os.environ`` also calls ``putenv()``: the
  value lands in the process's C environment, so every interpreter created
  **later** in the same process starts with it. Interpreters already created do
  not see it. ``os.environ.setdefault()`` keeps a value that is already there.
* Each interpreter has its own ``sys.modules``: every module, the probe endpoint
  included, is a separate copy with its own state.
* Processes share nothing: a daemon process group of mod_wsgi is a separate
  process, with its own C environment copied from the Apache parent at fork.

The real ``os.environ`` of the process running the lab is never touched: code run
"inside" a simulated interpreter gets :class:`SimulatedOs` / :class:`SimulatedSys`
objects (``import os`` in a script run by :meth:`SubInterpreter.run_script`
returns them, and the lab injects them into each endpoint copy).
See http://blog.dscpl.com.au/2012/10/requests-running-in-wrong-django.html and
https://modwsgi.readthedocs.io/en/master/user-guides/processes-and-threading.html
"""

from __future__ import annotations

import builtins
import os
import sys
import threading
import types
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

ModuleFactory = Callable[["SubInterpreter"], types.ModuleType]


class SimulatedProcess:
    """One OS process: a pid, a parent pid, a C environment, named sub interpreters."""

    def __init__(self, pid: int, ppid: int, process_group: str, c_environ: Mapping[str, str]):
        self.pid = pid
        self.ppid = ppid
        self.process_group = process_group
        self.c_environ: dict[str, str] = dict(c_environ)
        self._interpreters: dict[str, SubInterpreter] = {}
        self._lock = threading.RLock()
        # The main interpreter exists from process start, so its os.environ is the
        # environment the process was started with.
        self.interpreter("")

    def putenv(self, key: str, value: str) -> None:
        with self._lock:
            self.c_environ[key] = value

    def unsetenv(self, key: str) -> None:
        with self._lock:
            self.c_environ.pop(key, None)

    def interpreter(self, name: str) -> SubInterpreter:
        """The sub interpreter called ``name`` (mod_wsgi's application group), created on
        first use from the C environment as it is now. ``""`` is the main interpreter."""
        with self._lock:
            found = self._interpreters.get(name)
            if found is None:
                found = SubInterpreter(self, name)
                self._interpreters[name] = found
            return found

    def __repr__(self) -> str:
        return f"SimulatedProcess(pid={self.pid}, process_group={self.process_group!r})"


class SimulatedEnviron(MutableMapping[str, str]):
    """One interpreter's ``os.environ``: its own dict, writes go through to the process."""

    def __init__(self, process: SimulatedProcess):
        self._process = process
        self._data = dict(process.c_environ)  # the copy made when the interpreter starts

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __setitem__(self, key: str, value: str) -> None:
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"str expected, not {type(value).__name__}")
        self._process.putenv(key, value)  # what os.environ.__setitem__ does: putenv() first
        self._data[key] = value

    def __delitem__(self, key: str) -> None:
        self._process.unsetenv(key)
        del self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._data))

    def __len__(self) -> int:
        return len(self._data)

    def copy(self) -> dict[str, str]:
        return dict(self._data)

    def __repr__(self) -> str:
        return f"environ({self._data!r})"


class SimulatedOs(types.ModuleType):
    """The ``os`` module as seen from one simulated interpreter.

    ``environ``, ``getenv``, ``putenv``, ``unsetenv``, ``getpid`` and ``getppid`` are the
    simulated ones; ``environb`` and ``getenvb``, which would hand out the real process
    environment, are missing; every other attribute is the real ``os`` module's.
    """

    _REAL_ENVIRONMENT = frozenset({"environb", "getenvb"})

    def __init__(self, interpreter: SubInterpreter):
        super().__init__("os")
        process = interpreter.process
        self.environ = interpreter.environ
        self.getpid = lambda: process.pid
        self.getppid = lambda: process.ppid
        self.putenv = process.putenv  # like the real one: os.environ is not updated
        self.unsetenv = process.unsetenv

    def getenv(self, key: str, default: str | None = None) -> str | None:
        return self.environ.get(key, default)

    def __getattr__(self, name: str) -> Any:
        if name in self._REAL_ENVIRONMENT:
            raise AttributeError(f"os.{name} is not available in the demo lab (it would be "
                                 f"the real process environment): use os.environ")
        return getattr(os, name)


class SimulatedSys(types.ModuleType):
    """The ``sys`` module of one simulated interpreter: its own ``modules``, the rest real."""

    def __init__(self, interpreter: SubInterpreter):
        super().__init__("sys")
        self.modules = interpreter.modules

    def __getattr__(self, name: str) -> Any:
        return getattr(sys, name)


class SubInterpreter:
    """One named Python sub interpreter of a simulated process."""

    def __init__(self, process: SimulatedProcess, name: str):
        self.process = process
        self.name = name
        self.environ = SimulatedEnviron(process)
        self.modules: dict[str, types.ModuleType] = {}
        self.modules["os"] = SimulatedOs(self)
        self.modules["sys"] = SimulatedSys(self)
        self.importable: dict[str, ModuleFactory] = {}
        """Modules this interpreter can import beyond os and sys, made on first import."""
        self.lock = threading.RLock()
        """Held while a script loads, like the import lock mod_wsgi takes."""

    @property
    def os(self) -> SimulatedOs:
        module = self.modules["os"]
        assert isinstance(module, SimulatedOs)
        return module

    @property
    def sys(self) -> SimulatedSys:
        module = self.modules["sys"]
        assert isinstance(module, SimulatedSys)
        return module

    def import_module(self, name: str) -> types.ModuleType:
        """``import name`` inside this interpreter: once, then from its ``sys.modules``."""
        with self.lock:
            module = self.modules.get(name)
            if module is None:
                factory = self.importable.get(name)
                if factory is None:
                    raise ModuleNotFoundError(f"No module named {name!r} (in the demo lab)")
                module = factory(self)
                self.modules[name] = module
            return module

    def _import(
        self,
        name: str,
        globals: Mapping[str, object] | None = None,
        locals: Mapping[str, object] | None = None,
        fromlist: tuple[str, ...] | list[str] | None = (),
        level: int = 0,
    ) -> types.ModuleType:
        # The signature of builtins.__import__. "from a.b import c" needs a.b itself;
        # "import a.b" binds "a", which a script of this lab never does.
        if level != 0:
            raise ImportError("relative imports are not available in the demo lab")
        return self.import_module(name)

    def run_script(self, source: str, filename: str) -> dict[str, Any]:
        """Execute a WSGI script file's text in this interpreter; return its namespace.

        Its ``import`` statements resolve inside this interpreter (``os`` is this
        interpreter's simulated ``os``), which is how mod_wsgi loads a script.
        """
        scoped = dict(vars(builtins))
        scoped["__import__"] = self._import
        namespace: dict[str, Any] = {
            "__builtins__": scoped,
            "__name__": "_mod_wsgi_" + filename.replace("/", "_"),
            "__file__": filename,
        }
        code = compile(source, filename, "exec")
        with self.lock:
            exec(code, namespace)  # noqa: S102 - the lab's own WSGI scripts, see probe.lab.apps
        return namespace

    def __repr__(self) -> str:
        return f"SubInterpreter({self.name!r} in pid {self.process.pid})"


class ProcessTable:
    """The processes of one simulated Apache: the parent, one embedded-mode child, and
    one process per mod_wsgi daemon process group, all forked from the parent.

    Pids other than the parent's are made up: the lab is one real process.
    """

    def __init__(self, parent_pid: int, c_environ: Mapping[str, str]):
        self.parent_pid = parent_pid
        self._c_environ = dict(c_environ)
        self._next_pid = parent_pid + 1
        self._processes: dict[str, SimulatedProcess] = {}
        self._lock = threading.Lock()

    def process(self, process_group: str) -> SimulatedProcess:
        """The process serving ``process_group`` (``""``: the Apache child of embedded mode)."""
        with self._lock:
            found = self._processes.get(process_group)
            if found is None:
                # Forked from the parent, so it starts with the parent's environment,
                # not with anything another child changed.
                found = SimulatedProcess(
                    self._next_pid, self.parent_pid, process_group, self._c_environ
                )
                self._next_pid += 1
                self._processes[process_group] = found
            return found
