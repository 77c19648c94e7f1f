"""The end of a ``--config`` fix that edits the front's configuration: how the running front
reads the edit. Apache reads its configuration only when it starts or restarts, nginx only when
it starts, on ``nginx -s reload`` or a SIGHUP to its master; a fix written into the file of a
running front changes nothing until then (R26's c1 fix, applied to a running Apache, changed
nothing until it was restarted).

Said once per fix, after its words and before a block to copy (its last lines, printed
verbatim), and only where the fix cites a line of the configuration read and names no reload
of that front of its own (the refused Listen's, the group fixes', a reload advised); where it
names another server's reload (uWSGI's HUP), only an edit of the front's file said after it
(an alternative) gets the front's. Apache's is
the running Apache's own ``-k graceful`` (:mod:`.apache_graceful`), built from the ``ppid`` of
mod_wsgi answers (this URL's, else other URLs' at its address); with none, the check that finds
it. nginx's answers come from the application servers behind it, never nginx: its master is
found by ``ps``.
"""

from __future__ import annotations

import dataclasses
import re

from probe.diagnose.answer_names import server_kind
from probe.diagnose.apache_graceful import read_path
from probe.diagnose.fronts import express_address
from probe.diagnose.identify import SweepContext
from probe.diagnose.join_daemon_path import Answered, apache_restart, same_apache
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig, FrontKind
from probe.model import Cause, Observation, Verdict

_SAID = re.compile(r"\breload|\brestart|graceful|kill -HUP", re.IGNORECASE)
"""A fix that says how some server reads it again (or restarts a server of its own)."""
_FRONT_SAID = {
    FrontKind.NGINX: re.compile(r"nginx -s reload|\b(reload|restart)s? nginx|nginx reads this "
                                r"file", re.IGNORECASE),
    FrontKind.APACHE: re.compile(r"graceful|\b(reload|restart)s? (Apache|httpd)\b|apachectl "
                                 r"(-k )?(re)?start", re.IGNORECASE)}
"""A fix that already says how the front itself reads its configuration again."""
_CITED = re.compile(r"([^\s(),;']+):\d+")
_EDIT_AT = re.compile(r"\b[Aa]t ([^\s(),;']+):\d+, (?!stays\b|keeps?\b|is\b|are\b)")
"""A line cited as the place of an edit ('at FILE:LINE, pass to ...'), not as one that stays."""
_EDITS = (Verdict.WRONG_INSTANCE, Verdict.SERVED_UNMAPPED, Verdict.NO_ENDPOINT,
          Verdict.INCONSISTENT, Verdict.UNREACHABLE, Verdict.MOUNT_MISMATCH,
          Verdict.HOST_MISMATCH)
"""The verdicts whose --config fixes write lines (a 500's and a timeout's read a log)."""
_ELSEWHERE = ("Leave nginx's lines as they are", "Leave Apache's VirtualHosts as they are")
"""A fix for the other front than the configuration read: not this one's reload."""


def _edits(diagnosis: Diagnosis, front: FrontConfig, *, at_only: bool = False) -> bool:
    """Whether the fix edits the front's file and does not say the front's reload. Where it
    says another server's reload (uWSGI's HUP), only an edit of the front's file after that
    (an alternative: re-tester R30's re-pointed uwsgi_pass) needs the front's reload.
    ``at_only``: only such an edit counts anywhere (the host and mount fixes, which cite the
    lines they keep, BalancerMember and ProxyPass, as often as those they change)."""
    fix = diagnosis.fix
    said = _FRONT_SAID.get(front.front)
    if diagnosis.verdict not in _EDITS or diagnosis.cause is Cause.HOST_REWRITTEN or \
            (said is not None and said.search(fix)) or any(s in fix for s in _ELSEWHERE):
        return False
    files = set(front.files)
    ends = [m.end() for m in _SAID.finditer(fix)]
    cited = _EDIT_AT.findall(fix[ends[-1]:]) if ends else \
        _EDIT_AT.findall(fix) if at_only else _CITED.findall(fix)
    return any(f in files or any(read.endswith(f"/{f}") for read in files) for f in cited)


def ended(fix: str, sentence: str) -> str:
    """``fix``, then ``sentence``; before a block to copy, so that the block stays whole."""
    words, newline, lines = fix.partition("\n")
    if not newline:  # a fix ending in a parenthesis (lint's words) has its own full stop
        return f"{fix}{'' if fix.rstrip().endswith(('.', '!', '?')) else '.'} {sentence}"
    return f"{words.removesuffix(':')}. {sentence} The lines to write:\n{lines}"


def nginx_reload(main: str) -> str:
    """How the running nginx reads ``main`` again: checked, then reloaded by the options it
    was started with (a system nginx's -s reload reads another file's pid line)."""
    main = read_path(main)
    return (f"nginx reads this file only when it starts or reloads: after the edit run "
            f"'nginx -t -c {main}', then 'nginx -s reload -c {main}', each with the -p and -g "
            f"its master shows ('ps -ww -o pid=,args= -C nginx': after 'nginx: master "
            f"process'; -g's value quoted again), or 'kill -HUP' that master's pid.")


def _answered(obs: Observation) -> list[Answered]:
    """This URL's mod_wsgi answers (a backend's ppid behind mod_proxy is not Apache)."""
    found: dict[int, Answered] = {}
    for sample in obs.samples:
        answer = sample.trusted_answer
        if answer is not None and answer.ppid not in (None, 0, 1) and \
                server_kind(answer) == "mod_wsgi" and express_address(answer) is None:
            # neither URL nor address: where the probe connected may be a front before this
            # Apache, whose port is no Apache's
            found.setdefault(answer.ppid or 0, ("this URL", "", answer))
    return list(found.values())


def apache_ended(before: Diagnosis, after: Diagnosis, obs: Observation,
                 context: SweepContext | None, front: FrontConfig | None, *,
                 at_only: bool = True) -> Diagnosis:
    """``after``, Apache's diagnosis with its configuration read, its fix ended with the
    graceful restart of the running Apache where it edits that configuration (the join's
    fixes, the host and mount fixes of :mod:`.integrity` and :mod:`.join_proxy_fixes`);
    ``at_only``: see :func:`_edits`."""
    if front is None or front.front is not FrontKind.APACHE or after.fix == before.fix or \
            not _edits(after, front, at_only=at_only):
        return after
    main = front.files[0] if front.files else "FILE"
    answered = _answered(obs) or (same_apache(obs, context) if context is not None else [])
    restart = apache_restart(main, answered, "its configuration only when it starts or "
                                             "restarts", "")
    return dataclasses.replace(after, fix=ended(after.fix, f"After the edit, {restart}."))


def nginx_ended(before: Diagnosis, after: Diagnosis, front: FrontConfig | None) -> Diagnosis:
    """``after``, nginx's diagnosis with its configuration read, its fix ended with the reload
    of the running nginx where it edits that configuration."""
    if front is None or front.front is not FrontKind.NGINX or after.fix == before.fix or \
            not _edits(after, front):
        return after
    main = front.files[0] if front.files else "nginx.conf"
    return dataclasses.replace(after, fix=ended(after.fix, nginx_reload(main)))


def apache_restart_words(obs: Observation, context: SweepContext | None,
                         front: FrontConfig) -> str:
    """'restart Apache gracefully (...): ...', the running Apache's own command for ``obs``
    (its answers' ppid, else other URLs' at its address), else the check that finds it."""
    main = front.files[0] if front.files else "FILE"
    answered = _answered(obs) or (same_apache(obs, context) if context is not None else [])
    return apache_restart(main, answered, "its configuration only when it starts or restarts",
                          "")
