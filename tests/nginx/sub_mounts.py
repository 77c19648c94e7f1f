"""Tester T28's and re-tester R28's sub-URL mounts behind nginx 1.22 and gunicorn 27, as the
unit tests of tests/nginx/ rebuild them: the manifest of app1, app2 and root under one host,
and an answer of a gunicorn app seen through nginx (its samples carry nginx's Server header
and the front's address)."""

from __future__ import annotations

import dataclasses
from typing import Any

from probe.model import Observation
from tests.test_diagnose import ep, thrice

H = "http://sub.example.test"


def sub_mount_manifest(*root_paths: str) -> str:
    """app1 mounted at /app1, app2 at /app2 and root at the top, each with its mount's URL
    and hello/ below it; root with ``root_paths`` too."""
    root = "".join(f', "{H}{path}"' for path in root_paths)
    return f"""
[instances.app1]
label = "app1"
script_name = "/app1"
urls = ["{H}/app1/", "{H}/app1/hello/"]

[instances.app2]
label = "app2"
script_name = "/app2"
urls = ["{H}/app2/", "{H}/app2/hello/"]

[instances.root]
label = "root"
script_name = ""
urls = ["{H}/", "{H}/hello/"{root}]
"""


def through_nginx(url: str, expected: str, data: dict[str, Any], front: str) -> Observation:
    """Three samples of ``data`` for ``url``, as nginx at ``front`` passed them on."""
    observed = thrice(url, expected, data)
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address=front)
        for s in observed.samples))


def gunicorn_answer(url: str, expected: str, label: str, listen: str, mount: str,
                    front: str, path_info: str = "/__probe__") -> Observation:
    """``label``'s answer (no mod_wsgi groups, gunicorn on ``listen``) to ``url`` with
    SCRIPT_NAME ``mount`` and ``path_info``, through nginx at ``front``."""
    data = ep(label, host="sub.example.test", mount=mount, path_info=path_info,
              process_group="", application_group="")
    data["server"] = {"software": "gunicorn/27.0.1", "mod_wsgi_version": None,
                      "listen": listen}
    return through_nginx(url, expected, data, front)
