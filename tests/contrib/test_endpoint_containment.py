"""What the endpoint reaches while it answers must not run project code nor end the server.

It used to import any top-level module named ``uwsgi`` on the first probe request, under
every server: a project's own uwsgi.py ran inside a request, and its SystemExit went through
(only Exception was caught) and took the worker down (security report 3). uWSGI's module
is used only where uWSGI serves the request, from sys.modules, where uWSGI puts it before
it loads the application (seen with uWSGI 2.0.31). A SystemExit from code the endpoint
reaches is contained as any error is; KeyboardInterrupt is not (Ctrl-C stops a dev server).
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.contrib.test_endpoint_portability import UNDER_UWSGI, answer, fake_uwsgi, load
from tests.contrib.test_wsgi_endpoint import Inner, answered, call, environ_for

PROJECT_UWSGI = """\
import pathlib
pathlib.Path({marker!r}).write_text("imported")
raise SystemExit(3)
"""


@pytest.fixture
def project_uwsgi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project's own uwsgi.py on sys.path, as beside manage.py; returns its marker file."""
    marker = tmp_path / "imported"
    (tmp_path / "uwsgi.py").write_text(PROJECT_UWSGI.format(marker=str(marker)),
                                       encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "uwsgi", raising=False)
    return marker


@pytest.mark.parametrize("request_environ", [{"SERVER_SOFTWARE": "gunicorn/23.0.0"},
                                             {"SERVER_SOFTWARE": ""}, UNDER_UWSGI])
def test_a_projects_uwsgi_module_is_never_imported(project_uwsgi: Path,
                                                   request_environ: dict[str, Any]) -> None:
    doc = answer(load(), **request_environ)
    assert doc["server"]["worker_id"] is None and doc["server"]["listen"] is None
    assert not project_uwsgi.exists()
    assert "uwsgi" not in sys.modules


def test_a_loaded_uwsgi_module_is_used_only_under_uwsgi(monkeypatch: pytest.MonkeyPatch) -> None:
    module = fake_uwsgi(3)
    module.opt = {"http-socket": b"127.0.0.1:8001"}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "uwsgi", module)
    elsewhere = answer(load(), SERVER_SOFTWARE="gunicorn/23.0.0")["server"]
    assert (elsewhere["software"], elsewhere["worker_id"], elsewhere["listen"]) == (
        "gunicorn/23.0.0", None, None)
    under = answer(load(), **UNDER_UWSGI)["server"]
    assert (under["software"], under["worker_id"], under["listen"]) == (
        "uWSGI/2.0.28", 3, "127.0.0.1:8001")


class _Settings:
    """A configured Django's settings whose property raises what project code may raise."""

    def __init__(self, raised: BaseException) -> None:
        self.raised = raised

    @property
    def configured(self) -> bool:
        raise self.raised


def fake_django(monkeypatch: pytest.MonkeyPatch, raised: BaseException) -> None:
    conf = ModuleType("django.conf")
    conf.settings = _Settings(raised)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "django.conf", conf)
    monkeypatch.setitem(sys.modules, "django.http.request", ModuleType("django.http.request"))


def test_a_system_exit_from_code_it_reaches_is_contained(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake_django(monkeypatch, SystemExit(3))
    doc = answer(load())
    assert doc["settings_module"]["loaded"] is None
    assert doc["request"]["host_allowed"] is None


def test_a_system_exit_while_answering_goes_to_the_application(
        monkeypatch: pytest.MonkeyPatch) -> None:
    module = load()

    def exits(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise SystemExit(3)

    monkeypatch.setattr(module, "_document", exits)
    inner = Inner()
    assert not answered(call(module.wrap(inner), environ_for()))
    assert inner.calls == 1


def test_ctrl_c_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_django(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        answer(load())
