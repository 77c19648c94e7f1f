"""What runs inside the lab's sub interpreters: WSGI scripts, a stand-in for Django, the endpoint.

A script is real Python text, executed in a simulated interpreter
(:meth:`probe.lab.interpreters.SubInterpreter.run_script`), so the demo can show
the very file whose ``os.environ.setdefault`` causes the ``environ_leak``::

    import os
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings_two")
    from django.core.wsgi import get_wsgi_application
    application = get_wsgi_application()
    # >>> wsgi-probe endpoint >>> added by `probe endpoint --install`; ...
    ... (loads wsgi_endpoint.py from beside the script and wraps application)

``django.core.wsgi`` is a stand-in: Django is not needed (nor imported). Its
``get_wsgi_application()`` does what Django's does to the state the probe endpoint
reads: it reads ``DJANGO_SETTINGS_MODULE`` from the interpreter's ``os.environ``
(failing like Django when it is unset) and leaves a configured ``django.conf``
in the interpreter's ``sys.modules`` whose ``settings.SETTINGS_MODULE`` is that
value. So the endpoint's ``settings_module.loaded`` is what real Django would
report: the settings module the instance really runs with.

``wsgi_endpoint`` is a fresh copy of the real ``contrib/wsgi_endpoint.py``
(:func:`probe.endpoint_source.load_module`) per interpreter, given that
interpreter's ``os`` and ``sys``.
"""

from __future__ import annotations

import html
import json
import types
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from probe import endpoint_source, install
from probe.apache.names import SETTINGS_VARIABLE
from probe.lab.interpreters import SubInterpreter

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment



@dataclass(frozen=True)
class WsgiScript:
    """A ``wsgi.py`` in the style Django 1.4+ generates (``setdefault``), or with assignment."""

    path: str
    label: str
    settings: str
    setdefault: bool = True

    def source(self) -> str:
        name, value = (_literal(s) for s in (SETTINGS_VARIABLE, self.settings))
        if self.setdefault:
            line = f"os.environ.setdefault({name}, {value})"
        else:
            line = f"os.environ[{name}] = {value}"
        return (
            "import os\n"
            f"{line}\n"
            "from django.core.wsgi import get_wsgi_application\n"
            "application = get_wsgi_application()\n"
            "\n"
            # What `probe endpoint --install` appends: a plain `import wsgi_endpoint` fails
            # under mod_wsgi (the script's directory is not on sys.path).
            + install.render_block(self.label).decode("ascii")
        )


def _literal(text: str) -> str:
    # A double-quoted Python string literal, as a person would write it in wsgi.py.
    return json.dumps(text)


def _importlib_util(interpreter: SubInterpreter) -> types.ModuleType:
    """``importlib.util`` as the install block uses it, for a lab without files: the
    ``wsgi_endpoint.py`` "beside the script" is this interpreter's copy of the real endpoint."""

    class Loader:
        def exec_module(self, module: types.ModuleType) -> None:
            vars(module).update(vars(_endpoint_module(interpreter)))

    util = types.ModuleType("importlib.util")
    setattr(util, "spec_from_file_location",  # noqa: B010 - a module built at run time
            lambda name, path: types.SimpleNamespace(name=name, origin=path, loader=Loader()))
    setattr(util, "module_from_spec",  # noqa: B010 - a module built at run time
            lambda spec: types.ModuleType(spec.name))
    package = types.ModuleType("importlib")
    setattr(package, "util", util)  # noqa: B010 - a module built at run time
    return package


def load(script: WsgiScript, interpreter: SubInterpreter) -> WSGIApplication:
    """Load ``script`` into ``interpreter`` the way mod_wsgi does on the first request."""
    interpreter.importable.setdefault("django.core.wsgi", _django_wsgi_module)
    interpreter.importable.setdefault("wsgi_endpoint", _endpoint_module)
    interpreter.importable.setdefault("importlib.util", _importlib_util)
    namespace = interpreter.run_script(script.source(), script.path)
    application = namespace.get("application")
    if not callable(application):
        raise RuntimeError(f"{script.path} defines no 'application'")
    app: WSGIApplication = application
    return app


class ImproperlyConfigured(Exception):
    """What Django raises when DJANGO_SETTINGS_MODULE is not set."""


@dataclass
class _Settings:
    SETTINGS_MODULE: str
    configured: bool = True


class DjangoSite:
    """The WSGI handler of a Django project, reduced to what the lab needs.

    Its pages come from the settings module it was configured with, so an instance
    that loaded another project's settings looks like that project, as in the blog
    post ("a duplicate of the first instance would be loaded instead").
    """

    def __init__(self, settings_module: str):
        self.settings_module = settings_module

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        title = html.escape(self.settings_module)
        if path in ("", "/"):
            status, body = "200 OK", f"<h1>Welcome</h1><p>Django site of {title}</p>\n"
        else:
            status, body = "404 Not Found", f"<h1>Not Found</h1><p>{html.escape(path)}</p>\n"
        data = body.encode("utf-8")
        start_response(
            status,
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data)))],
        )
        return [data]


def _django_wsgi_module(interpreter: SubInterpreter) -> types.ModuleType:
    module = types.ModuleType("django.core.wsgi")

    def get_wsgi_application() -> WSGIApplication:
        # django.setup() -> settings._setup(): os.environ.get(ENVIRONMENT_VARIABLE)
        settings_module = interpreter.environ.get(SETTINGS_VARIABLE)
        if not settings_module:
            raise ImproperlyConfigured(f"{SETTINGS_VARIABLE} is not set")
        conf = types.ModuleType("django.conf")
        conf.settings = _Settings(settings_module)  # type: ignore[attr-defined]
        interpreter.modules["django.conf"] = conf
        return DjangoSite(settings_module)

    module.get_wsgi_application = get_wsgi_application  # type: ignore[attr-defined]
    return module


def _endpoint_module(interpreter: SubInterpreter) -> types.ModuleType:
    module = endpoint_source.load_module("wsgi_endpoint")
    # The endpoint reads os.environ, os.getpid(), os.getppid() and sys.modules through
    # its module globals "os" and "sys": rebinding them puts this copy inside the
    # simulated interpreter. Nothing else in it depends on the process.
    attributes: dict[str, Any] = vars(module)
    attributes["os"] = interpreter.os
    attributes["sys"] = interpreter.sys
    return module
