"""``/whoami/``: what mod_wsgi and Django really use, computed without the probe endpoint.

The integration tests compare the endpoint's answer with this one, so nothing here may share
code with ``contrib/wsgi_endpoint.py``.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.http import HttpRequest, JsonResponse


def whoami(request: HttpRequest) -> JsonResponse:
    try:
        import mod_wsgi  # only importable inside Apache/mod_wsgi

        process_group: str | None = mod_wsgi.process_group
        application_group: str | None = mod_wsgi.application_group
    except ImportError:
        process_group = application_group = None
    return JsonResponse({
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "process_group": process_group,
        "application_group": application_group,
        "environ_settings": os.environ.get("DJANGO_SETTINGS_MODULE"),
        "loaded_settings": settings.SETTINGS_MODULE,
        "instance_name": settings.INSTANCE_NAME,
        "script_name": request.META.get("SCRIPT_NAME"),
        "path_info": request.META.get("PATH_INFO"),
        "server_name": request.META.get("SERVER_NAME"),
        "server_port": request.META.get("SERVER_PORT"),
    })
