"""The shape of a real endpoint answer, for the modules that keep testers' answers
(tests/stale_answers.py, stale_answers_r23.py, t24_answers.py, t26_answers.py,
t29_answers.py, t30_answers.py, t30_apache_answers.py, t30_settings_answers.py): each of
those keeps only the values its servers gave, and these builders put them in the fields, in
the order, the endpoint writes them."""

from __future__ import annotations

from typing import Any

# Apache httpd and mod_wsgi as every tester's Debian machine reported them
APACHE_MOD_WSGI = "Apache/2.4.71 (Debian) mod_wsgi/6.1.1 Python/3.11"
GUNICORN_27 = "gunicorn/27.0.1"
UWSGI_2031 = "uWSGI/2.0.31"
# the interpreter and Django of the testers' sites, where an answer keeps its python field
PYTHON: dict[str, Any] = {"version": "3.11.2", "implementation": "cpython",
                          "django_version": "5.2.20"}


def server(software: str, *, mod_wsgi_version: str | None = None, multithread: bool = False,
           multiprocess: bool = True, worker_id: int | None = None,
           uwsgi: dict[str, Any] | None = None, listen: str | None = None) -> dict[str, Any]:
    """An answer's ``server`` field (every tester's machine was named vm)."""
    return {"software": software, "mod_wsgi_version": mod_wsgi_version,
            "multithread": multithread, "multiprocess": multiprocess, "worker_id": worker_id,
            "uwsgi": uwsgi, "listen": listen, "hostname": "vm"}


def uwsgi(master_pid: int, *, pidfile: tuple[str, ...] = (), touch_reload: tuple[str, ...] = (),
          master_fifo: tuple[str, ...] = ()) -> dict[str, Any]:
    """A ``server.uwsgi`` field of uWSGI 2.0.31 (master_pid 0: started without --master), the
    files its --pidfile, --touch-reload and --master-fifo options named."""
    return {"version": "2.0.31", "master_pid": master_pid, "pidfile": list(pidfile),
            "touch_reload": list(touch_reload), "master_fifo": list(master_fifo)}


def uwsgi_server(master_pid: int, listen: str, *, worker_id: int = 1,
                 touch_reload: tuple[str, ...] = ()) -> dict[str, Any]:
    """The ``server`` field of a uWSGI 2.0.31 worker answering itself on ``listen``, started
    with no --pidfile nor --master-fifo (T30's Emperor vassals)."""
    return server(UWSGI_2031, worker_id=worker_id, listen=listen,
                  uwsgi=uwsgi(master_pid, touch_reload=touch_reload))


def uwsgi_case_server(case: str, master_pid: int, worker_id: int, listen: str) -> dict[str, Any]:
    """The ``server`` field of a uWSGI that T23's case scripts started in the directory
    ``case``: --pidfile uwsgi.pid, and with --master (master_pid not 0) --touch-reload
    reload.trigger and --master-fifo fifo too."""
    master = master_pid != 0
    return server(UWSGI_2031, worker_id=worker_id, listen=listen, uwsgi=uwsgi(
        master_pid, pidfile=(case + "uwsgi.pid",),
        touch_reload=(case + "reload.trigger",) if master else (),
        master_fifo=(case + "fifo",) if master else ()))


def apache_server(*, multithread: bool, multiprocess: bool = True) -> dict[str, Any]:
    """The ``server`` field of an application under Apache + mod_wsgi 6.1.1."""
    return server(APACHE_MOD_WSGI, mod_wsgi_version="6.1.1", multithread=multithread,
                  multiprocess=multiprocess)


def request(host: str, server_name: str, server_port: str, *, script_name: str = "",
            path_info: str = "/__probe__", request_uri: str | None = None,
            host_allowed: bool = True, force_script_name: str | None = None) -> dict[str, Any]:
    """An answer's ``request`` field for a plain http request (nothing forwarded)."""
    return {"host": host, "server_name": server_name, "server_port": server_port,
            "scheme": "http", "script_name": script_name, "path_info": path_info,
            "request_uri": request_uri, "script_url": None, "forwarded_host": None,
            "host_allowed": host_allowed, "forwarded_prefix": None,
            "force_script_name": force_script_name, "forwarded_proto": None,
            "is_secure": False}


def code(version: str, version_source: str, script_mtime: str | None = None,
         first_loaded_at: str | None = None) -> dict[str, Any]:
    """An answer's ``code`` field; ``first_loaded_at`` given where the endpoint also counted
    the script's loads (one in every answer kept)."""
    fields: dict[str, Any] = {"version": version, "version_source": version_source}
    if script_mtime is not None:
        fields["script_mtime"] = script_mtime
    if first_loaded_at is not None:
        fields.update(script_loads=1, first_loaded_at=first_loaded_at)
    return fields


def real_answer(label: str, instance_id: str, pid: int, ppid: int, *,
                server: dict[str, Any], started_at: str,
                process_group: str | None = None, application_group: str | None = None,
                settings: tuple[str, str] = ("mysite.settings", "mysite.settings"),
                settings_file: str | None = None, request: dict[str, Any] | None = None,
                script_file: str | None = None, python: dict[str, Any] | None = None,
                code: dict[str, Any] | None = None, **after: Any) -> dict[str, Any]:
    """One answer: ``settings`` is (environ, loaded), ``settings_file`` the settings module's
    file where the endpoint reported it; ``request``, ``python`` and ``code`` only where the
    answer kept them; ``after`` the fields that follow started_at, in order."""
    modules: dict[str, Any] = {"environ": settings[0], "loaded": settings[1]}
    if settings_file is not None:
        modules["file"] = settings_file
    answer: dict[str, Any] = {
        "schema": 1, "label": label, "instance_id": instance_id, "pid": pid, "ppid": ppid,
        "process_group": process_group, "application_group": application_group,
        "settings_module": modules}
    if request is not None:
        answer["request"] = request
    answer["script_file"] = script_file
    answer["server"] = server
    if python is not None:
        answer["python"] = dict(python)  # a copy: a test may change one answer's field
    if code is not None:
        answer["code"] = code
    answer["started_at"] = started_at
    answer.update(after)
    return answer
