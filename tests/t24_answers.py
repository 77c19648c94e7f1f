"""Answers of tester T24's real Apache + mod_wsgi daemon-mode sites (several addresses and
ports, /tmp/t-real24): the fields as the endpoint gave them, per site and request."""

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
