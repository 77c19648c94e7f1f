"""settings_mismatch's fix (no process shared with another instance): the settings named in
the WSGI script, where the process environment already holds the value run, and the reload
that makes the edit run.

Django reads ``DJANGO_SETTINGS_MODULE`` once per process, so an edit to the script does
nothing until the server loads it again: tester T30 assigned the variable in site1's
``wsgi.py`` as told, swept, got the same fix, and passed only after touching the
``--touch-reload`` file the answer's ``server.uwsgi.touch_reload`` listed. The reload is
worded by :mod:`.reload` from the answer, as every other fix's.

Where ``settings_module.environ`` holds the value run, it was in the environment when
Django was configured, and Django's ``startproject`` ``wsgi.py`` sets it with
``os.environ.setdefault()``, which keeps a value already there. Who put it there the answers
do not show: the script itself, the server's configuration (uWSGI's ``env =``, gunicorn's
``--env``), or the environment the server was started with (T30's uWSGI Emperor, started
from a shell that exported it: every vassal without an ``env =`` line of its own inherited
it). The fix names each place and the command that reads it; ``/proc/PID/environ`` holds the
environment a process was started with (a uWSGI master and its workers showed the Emperor's
value; uWSGI's own ``env =`` is set later and is not there: ``grep`` of the .ini tells it).
"""

from __future__ import annotations

from probe.diagnose.fronts import listen
from probe.diagnose.reload import reload_ways
from probe.diagnose.uwsgi_seen import uwsgi_seen
from probe.diagnose.wording import script_hint
from probe.endpoint_answer import EndpointAnswer
from probe.safe_text import quoted


def _held(answer: EndpointAnswer, instance: str, meant: str | None) -> str:
    """Where the environment holds the value run: each place it may come from and the check
    that tells; empty where ``settings_module.environ`` does not hold it."""
    held = answer.settings_environ
    if held is None or held != answer.settings or held == meant:
        return ""
    seen = uwsgi_seen(answer)
    master = seen.master_pid if seen is not None and seen.master_pid else None
    pid = master or answer.pid
    whose = (f"its master's, pid {master}, server.uwsgi.master_pid" if master else
             f"pid {answer.pid}'s" if answer.pid is not None else "the answering process's")
    proc = (f"'tr \"\\0\" \"\\n\" < /proc/{pid if pid is not None else 'PID'}/environ | "
            f"grep DJANGO_SETTINGS_MODULE' (the environment as started: {whose})")
    script = f"'grep -n DJANGO_SETTINGS_MODULE' of {instance}'s WSGI script{script_hint(answer)}"
    at = listen(answer)
    binds = f" that binds {at} (server.listen)" if at else ""
    if seen is not None:
        where = (f"an 'env = DJANGO_SETTINGS_MODULE={held}' line in the uWSGI configuration "
                 f"(the vassal .ini or command line){binds}, or the environment uWSGI was "
                 f"started with (a uWSGI Emperor's, which every vassal without an env = line "
                 f"of its own inherits, and keeps across reloads)")
        checks = (f"{script} and of that configuration, and {proc}, tell which; "
                  f"'env = DJANGO_SETTINGS_MODULE={meant}' in that configuration sets it "
                  f"for that vassal alone, where the script keeps os.environ.setdefault()")
    else:
        where = ("the server's command line or unit (gunicorn's --env, systemd's "
                 "Environment=), or the environment the server was started with")
        checks = (f"{script}, the command line ('ps -ww -o args= -p "
                  f"{answer.ppid if answer.ppid not in (None, 0, 1) else pid}'), and {proc}, "
                  f"tell which")
    return (f" The process environment already holds {quoted(held)} (settings_module.environ), "
            f"which os.environ.setdefault() (Django's startproject wsgi.py) keeps: it comes "
            f"from the WSGI script itself, {where}; the answers do not show which: {checks}.")


def settings_fix(instance: str, meant: str | None, answer: EndpointAnswer) -> str:
    """The fix of a plain settings_mismatch: the assignment (or the manifest), where the
    environment holds the value, and the reload that makes either edit run."""
    assign = (f"os.environ['DJANGO_SETTINGS_MODULE'] = {meant!r}" if meant else
              "os.environ['DJANGO_SETTINGS_MODULE'] = ...")
    return (f"Set DJANGO_SETTINGS_MODULE to {meant!r} in {instance}'s WSGI "
            f"script{script_hint(answer)} by assignment ({assign}), or correct the manifest."
            f"{_held(answer, instance, meant)} Django reads the variable once per process, so "
            f"the edit runs only once the server loads the application again: "
            f"{reload_ways([answer], capital=False)}. Then probe again: "
            f"settings_module.loaded should say {meant!r}.")
