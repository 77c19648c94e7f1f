"""Answers of tester T24's real Apache + mod_wsgi daemon-mode sites (several addresses and
ports): the fields as the endpoint gave them, per site and request."""

from __future__ import annotations

from typing import Any

from tests.real_answers import apache_server, real_answer, request

LAB = "/tmp/t-real24/cases/lab/sites"


def t24_answer(label: str, instance_id: str, pid: int, ppid: int, settings: str, port: int,
               started_at: str, uptime_s: float, nonce: str) -> dict[str, Any]:
    """``label``'s answer to ``http://a.example.test:PORT/`` (daemon group named after the
    label, its script under the lab's sites)."""
    return real_answer(
        label, instance_id, pid, ppid, process_group=label, application_group="",
        settings=(settings, settings),
        request=request(f"a.example.test:{port}", "a.example.test", str(port),
                        request_uri="/__probe__"),
        script_file=f"{LAB}/{label}/wsgi.py", server=apache_server(multithread=True),
        started_at=started_at, uptime_s=uptime_s, nonce=nonce, signature=None)


def m2_project_4() -> dict[str, Any]:
    """project-4's answer to http://a.example.test:31782/ at 127.0.0.1:31782 in T24's m2 sweep
    (out/m2.noconf.json): ``<VirtualHost 127.0.0.1:31782>``, meant for [::1], took it."""
    return t24_answer(
        "project-4", "b6baa711b0748482bd6e77358031ae26", 14352, 14347, "mysite.settings_three",
        31782, "2026-12-07T15:16:03.092+00:00", 0.045, "rnAgogeyETCX65uhcS9aTcrMQuBmEmL9")


def m2_manifest(*, settings: bool, refuse: bool) -> str:
    """The m2 manifest: project-1 at 127.0.0.1, project-4 at [::1], both on port 31782;
    ``settings``: each instance's settings written, ``refuse``: an unknown name to refuse."""
    one = 'settings = "mysite.settings"\n' if settings else ""
    four = 'settings = "mysite.settings_three"\n' if settings else ""
    refused = '\n[refuse]\nurls = ["http://unknown.invalid:31782/"]\n' if refuse else ""
    return f"""\
[probe]
connect = "127.0.0.1"

[instances.project-1]
label = "project-1"
{one}process_group = "project-1"
urls = ["http://a.example.test:31782/"]

[instances.project-4]
label = "project-4"
{four}process_group = "project-4"
connect = "[::1]"
urls = ["http://d.example.test:31782/"]
{refused}"""
