"""settings_mismatch's fix (no process shared with another instance): the settings named in
the WSGI script, where the process environment holds the value run, and the reload that
makes the edit run.

Django reads ``DJANGO_SETTINGS_MODULE`` once per process, so an edit to the script does
nothing until the server loads it again: tester T30 assigned the variable in site1's
``wsgi.py`` as told, swept, got the same fix, and passed only after touching the
``--touch-reload`` file the answer's ``server.uwsgi.touch_reload`` listed. The reload is
worded by :mod:`.reload` from the answer, as every other fix's.

Where ``settings_module.environ`` holds the value run, it was in the environment when
Django was configured, and Django's ``startproject`` ``wsgi.py`` sets it with
``os.environ.setdefault()``, which keeps a value already there, or sets it where none is.
Who put it there the answers do not show: the script itself, the server's configuration
(uWSGI's ``env =``, gunicorn's ``--env``), or the environment the server was started with
(T30's uWSGI Emperor, started from a shell that exported it: every vassal without an
``env =`` line of its own inherited it). The fix names each place and the command that reads
it; ``/proc/PID/environ`` holds the environment a process was started with (a uWSGI master
and its workers showed the Emperor's value; uWSGI's own ``env =`` and gunicorn's ``--env``
are set later and are not there: the .ini and the command line tell them). No server's words
say the environment "already" held it: where nothing had, setdefault() set it (tester T31's
express 18204, told its environment "already" held the value, had a ``/proc/PID/environ``
without it). Each server is worded in its own terms (:func:`.answer_names.server_kind`):
mod_wsgi-express's ``--setenv`` writes ``SetEnv``, a request's WSGI environ that Django never
reads, so its places are the environment it was started with and its server root's
``envvars``.
"""

from __future__ import annotations

from probe.diagnose.answer_names import server_kind
from probe.diagnose.fronts import express_address, listen
from probe.diagnose.reload import reload_ways
from probe.diagnose.uwsgi_seen import uwsgi_seen
from probe.diagnose.wording import script_hint
from probe.endpoint_answer import EndpointAnswer
from probe.safe_text import quoted


def held(answer: EndpointAnswer, instance: str, meant: str | None) -> str:
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
        before = ("the environment uWSGI was started with (a uWSGI Emperor's, which every "
                  "vassal without an env = line of its own inherits, and keeps across reloads)")
        later = (f"an 'env = DJANGO_SETTINGS_MODULE={held}' line in the uWSGI configuration "
                 f"(the vassal .ini or command line){binds} set it once uWSGI started")
        checks = (f"{proc} shows the first (uWSGI's env = is set later and is not there), "
                  f"{script} and of that configuration the others; 'env = "
                  f"DJANGO_SETTINGS_MODULE={meant}' in that configuration sets it for that "
                  f"vassal alone, where the script keeps os.environ.setdefault()")
        caveat = ""
    elif express_address(answer) is not None:
        return _express(answer, held, meant, script, proc)
    else:
        kind = server_kind(answer) or ""
        before, later, caveat = _WHERE.get(kind, _WHERE[""])
        command = (f"the command line ('ps -ww -o args= -p "
                   f"{answer.ppid if answer.ppid not in (None, 0, 1) else pid}')")
        checks = (f"{proc} shows the first" + (f" ({_NAMED[kind]} is not there), {command} "
                                               f"and {script} the others" if later else
                                               f" (no DJANGO_SETTINGS_MODULE there: the script "
                                               f"set it), with {script} and {command}"))
    # not "already": where nothing had set it, setdefault() itself put it there (tester
    # T31's express 18204: /proc/PID/environ without it)
    return (f" The process environment holds {quoted(held)} (settings_module.environ) once "
            f"the WSGI script ran: either {before} had it" + (f", or {later}," if later else "")
            + f" and os.environ.setdefault() (Django's startproject wsgi.py) kept it, or the "
            f"script set it itself (an assignment, or setdefault() where nothing had set "
            f"it){caveat}; the answers do not show which: {checks}.")


_WHERE = {
    "gunicorn": ("the environment gunicorn was started with (its unit's Environment= under "
                 "systemd, or the shell that started it)",
                 "gunicorn's --env (its command line, or raw_env in its configuration file) "
                 "set it once gunicorn started", ""),
    "mod_wsgi": ("the environment Apache was started with (its envvars file, which apachectl "
                 "reads, or systemd's Environment=)", "",
                 "; SetEnv and PassEnv are not where (they set a request's WSGI environ, "
                 "not os.environ, which Django reads)"),
    "waitress": ("the environment waitress-serve was started with (its unit's Environment= "
                 "under systemd, or the shell that started it)", "", ""),
    "": ("the environment the server was started with (its unit's Environment= under "
         "systemd, or the shell that started it)",
         "an option on the server's command line set it once the server started", ""),
}
"""Where each server's process environment is set, in its own words (uWSGI's: above): set
before it started, set by the server once started ("" where it has no such option), and what
is not where."""

_NAMED = {"gunicorn": "gunicorn's --env", "": "such an option"}
"""What sets the environment once started and so is not in /proc/PID/environ (gunicorn 27's
--env: its master's and worker's environ without it, checked)."""


def _express(answer: EndpointAnswer, held: str, meant: str | None, script: str,
             proc: str) -> str:
    """mod_wsgi-express: its --setenv writes SetEnv, a request's WSGI environ that Django
    never reads (tester T31's 18204 was told its environment 'already' held the value the
    script's setdefault() had put there); the environment it starts with is os.environ."""
    parent = answer.ppid if answer.ppid not in (None, 0, 1) else "PPID"
    wanted = meant or "..."
    return (f" The process environment holds {quoted(held)} (settings_module.environ) once "
            f"the WSGI script ran: the environment mod_wsgi-express was started with had it "
            f"(exported in the shell or unit that started it, or its server root's envvars, "
            f"which its apachectl reads), and os.environ.setdefault() (Django's startproject "
            f"wsgi.py) kept it; or none was there and the script set it. mod_wsgi-express's "
            f"--setenv is not where: it writes SetEnv in its httpd.conf, which sets a "
            f"request's WSGI environ, never os.environ, which Django reads. {proc} tells "
            f"which (no DJANGO_SETTINGS_MODULE there: the script set it), with {script} and "
            f"the command line ('ps -ww -o args= -p {parent}': its -f names the httpd.conf). "
            f"To set it outside the script, export DJANGO_SETTINGS_MODULE={wanted} in the "
            f"environment mod_wsgi-express starts with (or SERVER_ROOT/envvars), not "
            f"--setenv, and start it again.")


def settings_fix(instance: str, meant: str | None, answer: EndpointAnswer) -> str:
    """The fix of a plain settings_mismatch: the assignment (or the manifest), where the
    environment holds the value, and the reload that makes either edit run."""
    assign = (f"os.environ['DJANGO_SETTINGS_MODULE'] = {meant!r}" if meant else
              "os.environ['DJANGO_SETTINGS_MODULE'] = ...")
    return (f"Set DJANGO_SETTINGS_MODULE to {meant!r} in {instance}'s WSGI "
            f"script{script_hint(answer)} by assignment ({assign}), or correct the manifest."
            f"{held(answer, instance, meant)} Django reads the variable once per process, so "
            f"the edit runs only once the server loads the application again: "
            f"{reload_ways([answer], capital=False)}. Then probe again: "
            f"settings_module.loaded should say {meant!r}.")
