"""``settings_path``'s fix outside mod_wsgi: the import path of a gunicorn, uWSGI or waitress
that found another project's settings package first, in that server's own terms.

gunicorn (read in its ``gunicorn/app/base.py``, 23.0): ``--pythonpath a,b`` inserts each
directory at the front of ``sys.path`` in turn, so ``b`` comes before ``a``, and both come
before ``--chdir``'s directory (inserted earlier) and before ``PYTHONPATH``'s; it does so once,
in the master's ``run()``: a HUP re-reads the configuration but keeps the path, so only a new
start changes it. Apache's ``python-path=`` is not named here: the answer says the server is
not mod_wsgi (``server.software``, ``server.uwsgi``).
"""

from __future__ import annotations

from probe.diagnose.answer_names import server_kind
from probe.diagnose.reload import reload_ways
from probe.endpoint_answer import EndpointAnswer


def _master(answer: EndpointAnswer) -> tuple[str, str]:
    """(the master as the answer names it, the ``ps`` that shows its options)."""
    ppid = answer.ppid
    if ppid in (None, 0, 1):
        return (f" (pid {answer.pid}'s parent, the answer names none)",
                f"'ps -ww -o args= -p $(ps -o ppid= -p {answer.pid})'")
    return f" (ppid {ppid}, the parent of pid {answer.pid})", f"'ps -ww -o args= -p {ppid}'"


def server_path_fix(answer: EndpointAnswer, instance: str, own: str | None, first: str,
                    theirs: str, script: str | None) -> str:
    """Put ``own`` (the directory that holds the instance's package, ``first`` as said) ahead
    of ``theirs`` on the import path of the server that gave ``answer``, and start it so."""
    kind = server_kind(answer)
    where = script or f"{instance}'s WSGI module"
    if kind == "gunicorn":
        master, ps = _master(answer)
        entry = own or "DIR"
        given = first if own else f"DIR, {first}"
        return (f"Start {instance}'s gunicorn with --pythonpath {given}, so that it "
                f"comes before {theirs}: gunicorn puts each directory of --pythonpath at the "
                f"front of sys.path in turn (the last of a comma-separated list first), ahead "
                f"of --chdir's directory and of PYTHONPATH, so {entry} goes alone or last in "
                f"that list. {ps} shows the options it runs with; where {theirs} is not among "
                f"them, PYTHONPATH in its environment or a sys.path line in {where} put it "
                f"there. gunicorn sets --pythonpath (or a config file's pythonpath) only when "
                f"it starts, and a HUP keeps the old path: stop its master{master} and start "
                f"gunicorn again.")
    if kind == "uwsgi":
        options = "its pythonpath= (--pythonpath) and chdir= options"
    elif kind == "waitress":
        options = "PYTHONPATH, or the directory waitress-serve starts in"
    else:
        options = ("its options (gunicorn --pythonpath, uWSGI pythonpath=) or PYTHONPATH; "
                   "the answer does not say which server it is")
    return (f"Put {first} first on the import path of {instance}'s server ({options}), "
            f"before {theirs}. Then {reload_ways([answer], capital=False)}.")


def server_module_places(answer: EndpointAnswer, script: str) -> str:
    """Where a server outside mod_wsgi names the WSGI module a package rename moves."""
    kind = server_kind(answer)
    named = {"gunicorn": "the module:variable gunicorn is started with (its command line's "
                         "last word, or a config file's wsgi_app)",
             "uwsgi": "uWSGI's module= or wsgi-file= option",
             "waitress": "the module:variable waitress-serve is given"}
    return (f"{named.get(kind or '', 'the module the server is started with')}, which loads "
            f"{script}")
