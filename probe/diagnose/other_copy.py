"""A second application server running the answering instance (``wrong_module``).

A URL meant for one instance was answered by another from ``server.listen`` A, while that
other instance answers its own URLs from another ``server.listen`` B with other pids: two
application servers run its code. The front's hand-over of this URL leads to A, so the line
to change may be the application server at A (it loads the other project's module), not the
front's: a tester's uWSGI vassal ``blog.ini`` with ``module = shopsite.wsgi:application``
on ``blog.sock`` was told to replace ``blog.sock`` in nginx's ``upstream blog``, which
already named blog's socket.

Where the front's configuration passes the answering instance's own URLs to A too, A is one
of its servers and the hand-over of this URL is what is wrong (``wrong_upstream``): this
module then says nothing. One process (the same pid) at both listens, or one listen, is one
server and says nothing either.

Where the instance meant answers its own URLs from a server of its own (C), A is still the
server this URL's hand-over reaches, running the other project (docs/verdicts.md's
``wrong_module``): the fix leads with A's configuration and says the re-point to C as the
other reading, for an A that is meant for no one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.diagnose.answer_names import server_kind
from probe.diagnose.fronts import listen, same_listen, software
from probe.diagnose.identify import SweepContext
from probe.diagnose.nginx_protocols import EITHER_LINE, HTTP_ONLY
from probe.diagnose.reload import reload_ways
from probe.diagnose.socket_takeover import takeover_check
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.front import FrontConfig
from probe.model import Candidate, Cause, Evidence, EvidenceKind, Observation


@dataclass(frozen=True)
class OtherCopy:
    """The answering server (``at``, its pids) and the other one running the same instance."""

    who: str
    url: str
    at: str
    pids: tuple[int, ...]
    software: str | None
    own_url: str
    own_listen: str
    own_pids: tuple[int, ...]
    own_address: str | None
    answer: EndpointAnswer
    """An answer from ``at``: how its server reloads, the environment it keeps."""
    settings: str | None = None
    """The settings module the manifest declares for the instance meant."""
    meant_at: str | None = None
    """Where the instance meant answers its own URLs, where that is another address."""
    meant_seen: bool = True
    """Whether any answer of the sweep came from the instance meant (:mod:`.socket_takeover`)."""


def _pids(pids: set[int]) -> str:
    shown = sorted(pids)
    return f"pid{'s' if len(shown) > 1 else ''} {', '.join(str(p) for p in shown)}"


def other_copy(obs: Observation, context: SweepContext, who: str | None,
               at: str | None) -> OtherCopy | None:
    """The other server of ``who`` when ``who`` answers its own URLs only from elsewhere."""
    if who is None or not at or who == obs.target.expected:
        return None
    here = {s.trusted_answer.pid for s in obs.samples if s.trusted_answer is not None
            and s.trusted_answer.pid is not None and same_listen(listen(s.trusted_answer), at)}
    own: list[tuple[Observation, str, int | None]] = []
    for seen, answer in context.answers_of(who):
        there = listen(answer)
        if seen.target.expected != who or not there:
            continue
        if same_listen(there, at) or answer.pid in here:
            return None  # one server answers both names: the hand-over is the question
        own.append((seen, there, answer.pid))
    if not here or not own:
        return None
    expected = obs.target.expected
    # The instance meant may answer its own URLs from a server of its own elsewhere: said, as
    # the other reading (the hand-over missed it), never as a reason to drop this one (a
    # tester's emperor vassal copied from site1.ini onto site4.sock, meant for site3, was told
    # to re-point nginx, which left the copy running site1).
    meant_at = next((there for seen, answer in (context.answers_of(expected) if expected else ())
                     if seen.target.expected == expected and (there := listen(answer))
                     and not same_listen(there, at)), None)
    meant_seen = bool(context.answers_of(expected)) if expected else False
    first, there, _ = own[0]
    answer = next(s.trusted_answer for s in obs.samples if s.trusted_answer is not None)
    address = first.target.address or next((s.address for s in first.samples if s.address),
                                           None)
    own_pids = tuple(sorted({p for _, t, p in own if p is not None and same_listen(t, there)}))
    meant = context.manifest.instances.get(obs.target.expected or "")
    return OtherCopy(who, obs.target.url, at, tuple(sorted(here)), software(answer),
                     first.target.url, there, own_pids, address, answer,
                     meant.settings if meant is not None else None, meant_at,
                     meant_seen)


def pass_line(answer: EndpointAnswer) -> str:
    """The nginx directive that passes to the answering server, as far as the answer shows:
    uWSGI (or a server the answer does not name) may be behind either."""
    if (software(answer) or "").lower().startswith(HTTP_ONLY):
        return "proxy_pass"
    return EITHER_LINE


def own_route_passes_there(copy: OtherCopy, front: FrontConfig | None) -> bool:
    """Whether the configuration read passes ``who``'s own URL to ``at`` as well (a member of
    its pool): then ``at`` is one of its servers by configuration."""
    if front is None:
        return False
    route = front.route(copy.own_url, copy.own_address)
    members = [m.strip() for m in (route.upstream or "").split(",") if m.strip()]
    return route.undecided is not None or any(same_listen(copy.at, m) for m in members)


def server_check(copy: OtherCopy) -> str:
    """Where the application server at ``at`` is told which application to load."""
    kind = (copy.software or "").lower()
    uwsgi = (f"uWSGI's configuration that binds {copy.at} (the vassal .ini or command line "
             f"whose socket= is it): module= (or wsgi-file=), chdir= and "
             f"env = DJANGO_SETTINGS_MODULE=")
    gunicorn = (f"gunicorn's command line or unit that binds {copy.at} (--bind, or systemd's "
                f"ListenStream=): its WSGI application argument (PROJECT.wsgi:application), "
                f"--chdir and --env DJANGO_SETTINGS_MODULE=")
    if kind.startswith("uwsgi"):
        return uwsgi
    if kind.startswith("gunicorn"):
        return gunicorn
    return f"{uwsgi}; or, for gunicorn, {gunicorn}"


def restart(copy: OtherCopy, expected: str) -> str:
    """How the server at ``at`` takes a changed application, without a leading verb: uWSGI
    reads its configuration again on a reload (its master, its reload options as the answer
    gives them: :mod:`.reload`) but keeps its process environment (a tester's vassal, its
    module= changed and reloaded by the emperor, kept the old DJANGO_SETTINGS_MODULE that
    wsgi.py's os.environ.setdefault() then left alone); gunicorn's HUP keeps its command
    line."""
    answer = copy.answer
    kind = server_kind(answer)
    if kind == "gunicorn":
        master = f" (its master, ppid {answer.ppid})" if answer.ppid not in (None, 0, 1) else ""
        return (f"restart the gunicorn service{master}: a HUP starts new workers with the "
                f"command line it was started with")
    if kind != "uwsgi":
        return "restart it"
    ways = reload_ways([answer], capital=False)
    held, meant = answer.settings_environ, copy.settings
    if held is None or held == meant:
        return f"{ways} (uWSGI reads its configuration again on a reload)"
    value = meant or f"{expected}'s settings module"
    shown = f"'{meant}'" if meant else "..."
    return (f"{ways} (uWSGI reads its configuration again on a reload). A reload keeps the "
            f"process environment, and this answer's holds DJANGO_SETTINGS_MODULE {held!r} "
            f"(settings_module.environ): a WSGI file that sets it with "
            f"os.environ.setdefault() (Django's startproject wsgi.py) keeps {held!r}. So also "
            f"set 'env = DJANGO_SETTINGS_MODULE={value}' in that configuration (or assign it "
            f"in the WSGI file: os.environ['DJANGO_SETTINGS_MODULE'] = {shown}), or stop and "
            f"start that uWSGI rather than reload it (an emperor's vassal: move its .ini out "
            f"of the emperor's directory and back)")


def copy_evidence(copy: OtherCopy) -> tuple[Evidence, ...]:
    """What shows two servers: this answer's pids and listen, the instance's own answer's."""
    return (Evidence(EvidenceKind.OBSERVED, f"{_pids(set(copy.pids))} at server.listen "
                     f"{copy.at!r}", f"GET {copy.url}"),
            Evidence(EvidenceKind.OBSERVED, f"{copy.who} answers its own URL from "
                     f"server.listen {copy.own_listen!r}"
                     + (f", {_pids(set(copy.own_pids))}" if copy.own_pids else ""),
                     f"GET {copy.own_url}"))


def two_servers(copy: OtherCopy) -> str:
    """The observation, as a sentence."""
    own = f" ({_pids(set(copy.own_pids))})" if copy.own_pids else ""
    return (f"{copy.who} answers its own URL {copy.own_url} from another server.listen, "
            f"{copy.own_listen}{own}, while this answer came from {copy.at} "
            f"({_pids(set(copy.pids))}): two application servers run {copy.who}'s "
            f"application")


def decided(copy: OtherCopy, expected: str, hand_over: str, where: str,
            repoint: str) -> tuple[str, str]:
    """(why, fix) where the configuration read leads this URL to ``at`` and no route of
    ``who``'s own URLs goes there: the server at ``at`` loads the wrong application. Where
    ``expected`` answers its own URLs from another address, the re-point of the hand-over
    (``where``, to ``repoint``) is said as the other reading."""
    why = (f" {two_servers(copy)}. The configuration read passes this URL to {copy.at} "
           f"({hand_over}) and passes none of {copy.who}'s own URLs there: the application "
           f"server listening on {copy.at} loads {copy.who}'s application, where this URL of "
           f"{expected} is passed.")
    fix = (f"{_takeover(copy, expected, 'Make')} the application server listening on "
           f"{copy.at} ({_pids(set(copy.pids))}) "
           f"load {expected}'s application, not {copy.who}'s: {server_check(copy)}; then "
           f"{restart(copy, expected)}. The hand-over, {hand_over}, stays as it is; "
           + (f"no answer of this sweep shows {expected} running at another address."
              if copy.meant_at is None else
              f"{expected} answers its own URLs from {copy.meant_at} (server.listen) too. If "
              f"{copy.at} is not meant for {expected} at all, the hand-over is what is wrong: "
              f"at {where}, pass to {repoint}; the server at {copy.at} then serves no URL of "
              f"this sweep."))
    return why, fix


def module_fix(copy: OtherCopy, expected: str) -> str:
    """The fix's other reading without the configuration: the server, not the pass line."""
    return (f" If {copy.at} is where {expected}'s application server is meant to listen, "
            f"the pass line stays: that server loads {copy.who}'s application. "
            f"{_takeover(copy, expected, 'Correct')} {server_check(copy)}, then "
            f"{restart(copy, expected)}.")


def _takeover(copy: OtherCopy, expected: str, verb: str) -> str:
    """``verb``, the fix for one server's first word, led by the check for two servers on one
    unix socket path where it applies (:mod:`.socket_takeover`)."""
    lead = takeover_check(copy.at, copy.pids, copy.answer, copy.who, expected,
                          copy.meant_seen)
    return f"{lead}{verb.lower()}" if lead else verb


def candidate(copy: OtherCopy, expected: str) -> Candidate:
    """Without the configuration: the third reading, and the check that decides it."""
    return Candidate(Cause.WRONG_MODULE, f"the application server at {copy.at} loads "
                     f"{copy.who}'s application where {expected}'s is meant ({two_servers(copy)})"
                     f": {server_check(copy)}; and --config: whether the block for this URL "
                     f"passes to {copy.at}")


def probed_claim(diagnosis: Diagnosis, head: str, evidence: tuple[Evidence, ...],
                 copy: OtherCopy, expected: str, line: str, target: str,
                 duplicate: str) -> Diagnosis:
    """Without the configuration, where the extra request showed a block claims the host: its
    pass line leads to ``at``; whether ``at`` is the wrong address or the right one with the
    wrong application loaded, the answers do not show."""
    host = (urlsplit(copy.url).hostname or "").lower()
    claim = evidence[-1].claim
    return dataclasses.replace(
        diagnosis, cause=None, evidence=(*evidence, *copy_evidence(copy)),
        explanation=f"{head} {claim[:1].upper()}{claim[1:]}. Either its {line} leads to "
                    f"{copy.who}, or it leads where it should and the application server "
                    f"listening there loads {copy.who}'s application ({two_servers(copy)}).",
        fix=f"In the server block whose server_name matches {host} ('nginx -T' shows it; "
            f"probe sweep --config names the line), if {copy.at} is not meant for {expected}, "
            f"point its {line} at {target}.{duplicate}{module_fix(copy, expected)}",
        candidates=(Candidate(Cause.WRONG_UPSTREAM, f"--config: the {line} of the server "
                              f"block that matches {host}"), candidate(copy, expected)))
