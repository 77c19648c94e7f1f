"""A real gunicorn serving the test Django project with URL patterns of the test's own, the
endpoint installed without a token: the shape of a tester's Taiga behind nginx, where what
the patterns carry (the whole path, or the path below a mount) decides the verdict."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .endpoint_sites import app_servers
from .wsgi_servers import WsgiServer

PING_VIEW = """from django.http import HttpResponse
from django.urls import path


def ping(request):
    return HttpResponse("pong")


urlpatterns = [path("{route}", ping)]
"""


@contextmanager
def patterns_gunicorn(name: str, route: str, *, host: str, label: str,
                      token: str) -> Iterator[WsgiServer]:
    """gunicorn (two workers) with one page at ``route`` (``api/v1/ping/``: the patterns carry
    the whole path; ``ping/``: they carry the path below the mount), Django refusing other
    Hosts than ``host``; ``WSGI_PROBE_TOKEN`` is in its environment for the tests' sweeps."""
    def patterns(project: Path) -> None:
        (project / "mysite" / "urls.py").write_text(PING_VIEW.replace("{route}", route))

    with app_servers() as servers:
        project = servers.site(label, f"\nDEBUG = False\nALLOWED_HOSTS = [{host!r}]\n",
                               before=patterns)
        yield servers.gunicorn(name, project, workers=2, token=token)
