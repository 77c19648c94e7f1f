"""Answers of tester T24's real Apache + mod_wsgi daemon-mode sites (several addresses and
ports, /tmp/t-real24): the fields as the endpoint gave them, per site and request."""

from __future__ import annotations

from typing import Any

LAB = "/tmp/t-real24/cases/lab/sites"


def t24_answer(label: str, instance_id: str, pid: int, ppid: int, settings: str, port: int,
               started_at: str, uptime_s: float, nonce: str) -> dict[str, Any]:
    """``label``'s answer to ``http://a.example.test:PORT/`` (daemon group named after the
    label, its script under the lab's sites)."""
    return {
        "schema": 1, "label": label, "instance_id": instance_id,
        "pid": pid, "ppid": ppid,
        "process_group": label, "application_group": "",
        "settings_module": {"environ": settings, "loaded": settings},
        "request": {"host": f"a.example.test:{port}", "server_name": "a.example.test",
                    "server_port": str(port), "scheme": "http", "script_name": "",
                    "path_info": "/__probe__", "request_uri": "/__probe__", "script_url": None,
                    "forwarded_host": None, "host_allowed": True, "forwarded_prefix": None,
                    "force_script_name": None, "forwarded_proto": None, "is_secure": False},
        "script_file": f"{LAB}/{label}/wsgi.py",
        "server": {"software": "Apache/2.4.71 (Debian) mod_wsgi/6.1.1 Python/3.11",
                   "mod_wsgi_version": "6.1.1", "multithread": True, "multiprocess": True,
                   "worker_id": None, "uwsgi": None, "listen": None, "hostname": "vm"},
        "started_at": started_at, "uptime_s": uptime_s, "nonce": nonce, "signature": None,
    }
