"""A server whose configuration has no site for the instance expected: its site is added
there, never a name line narrowed (:mod:`.join`).

Where the route leaves the intended one at the site, no VirtualHost read runs the expected
instance's application (the :class:`probe.front.Divergence` names none meant) and no
VirtualHost but the one reached claims the URL's name, there is nothing to narrow or
remove: the one VirtualHost of the address takes every name sent there (``only``), the
first one takes a name none claims (``default``), or a wildcard or alias of the one reached
takes it with no site of its own behind it (``name``). "Stop claiming it ... or remove the
forgotten VirtualHost" (:func:`.join_wording.stop_claiming`) would leave no site for it, or
remove the sites that VirtualHost does serve (tester T38's fleet: a stray balancer member,
127.0.0.5, had alpha's VirtualHost alone and answered beta's URL with alpha).

The fix adds the instance's VirtualHost to that server, as the other addresses of the sweep
that answered the URL from it run it (observed: their address, script_file, process group
and parent pid, whose command line names the file to copy the lines from), or takes that
server out of the balancer that sends the URL there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from probe.apache.hostnames import name_matches
from probe.apache.route import ApacheRoutes
from probe.diagnose.answer_names import joined
from probe.diagnose.identify import SweepContext
from probe.diagnose.join_wording import written
from probe.diagnose.wording import Diagnosis, host_name
from probe.endpoint_answer import EndpointAnswer
from probe.front import Divergence, FrontConfig
from probe.manifest import normal_url
from probe.model import Evidence, EvidenceKind, Observation
from probe.safe_text import quoted

_PLACE = {
    "only": "after that VirtualHost (the only one for its address, which stays the site of "
            "every name no other VirtualHost claims)",
    "default": "after that VirtualHost (the first of its address, which stays the site of "
               "every name no VirtualHost claims)",
    "name": "before that VirtualHost (which claims it now: httpd gives a name to the first "
            "VirtualHost of the address that claims it)",
}


def lacks_site(obs: Observation, diagnosis: Diagnosis, found: Divergence,
               context: SweepContext, front: FrontConfig) -> Diagnosis:
    """``diagnosis`` with the site added where the configuration has none for the instance
    expected at the site step; unchanged otherwise."""
    leaves, expected = found.step, obs.target.expected
    host = host_name(obs.target.url)
    if found.stage != "site" or found.meant is not None or found.said is not None or \
            not expected or leaves.by not in _PLACE or leaves.source is None or \
            not isinstance(front, ApacheRoutes) or \
            sum(1 for v in front.site.vhosts if name_matches(v.server_name, v.aliases, host)) \
            > (1 if leaves.by == "name" else 0):
        return diagnosis
    others = _served(obs, context)
    if not others:
        # One server, not a fleet: no other address shows where the site runs, and the
        # site step's own fixes (a catch-all first, a TLS twin, the name's line) stand.
        return diagnosis
    here = obs.target.address or "this server"
    served = f"{joined(list(others))} {'serve' if len(others) > 1 else 'serves'} it: " \
        f"{_shown(others)}"
    why = (f" No VirtualHost of this configuration claims {host} or runs {expected}'s "
           f"application: there is no name line to narrow, and no site meant for it here; "
           f"{served}.")
    first = next(iter(others.items()), None)
    copy = (f"; {first[0]}'s configuration was not read in this sweep: sweep it with --config "
            f"and the file its Apache reads ({_shows(first[1])}) to have the lines to copy "
            f"named with their file:line" if first is not None else "")
    fix = (f"At {leaves.source}, add {expected}'s VirtualHost {_PLACE[leaves.by]}: this "
           f"server has no site for {host}, and narrowing or removing that VirtualHost "
           f"would not give it one{copy}. Or take {here} out of the "
           f"balancer that passes {host}'s requests to it (its upstream server or "
           f"BalancerMember line), so that only the servers that serve {expected} get them:\n"
           f"{_block(written(leaves, here), host, expected, first)}")
    evidence = tuple(Evidence(EvidenceKind.OBSERVED, f"script_file = "
                              f"{answer.raw.get('script_file')!r} at {address}",
                              f"GET {obs.target.url}") for address, answer in others.items())
    return dataclasses.replace(diagnosis, explanation=diagnosis.explanation + why, fix=fix,
                               evidence=(*diagnosis.evidence, *evidence))


def _served(obs: Observation, context: SweepContext) -> dict[str, EndpointAnswer]:
    """The other addresses of the sweep whose answer to this URL came from its expected
    instance, each with its first such answer, in sweep order."""
    url = normal_url(obs.target.url)
    found: dict[str, EndpointAnswer] = {}
    for other, answer in context.answers_of(obs.target.expected or ""):
        at = other.target.address
        if at is not None and at != obs.target.address and normal_url(other.target.url) == url:
            found.setdefault(at, answer)
    return found


def _shown(others: dict[str, EndpointAnswer]) -> str:
    """What their answers show of the application they run (observed)."""
    return "; ".join(f"at {address}, script_file {quoted(str(a.raw.get('script_file')))}, "
                     f"process_group {quoted(a.process_group or '')}"
                     for address, a in others.items())


def _shows(answer: EndpointAnswer) -> str:
    if answer.ppid in (None, 0, 1):
        return "'ps -ww -o pid=,args= -C apache2,httpd' shows each Apache's -f"
    return f"'ps -ww -o args= -p {answer.ppid}', its answer's ppid, shows its -f"


def _block(address: str, host: str, expected: str,
           first: tuple[str, EndpointAnswer] | None) -> str:
    """The VirtualHost to add: its name, and where its WSGI lines are to be read."""
    lines: Sequence[str] = (
        [f"    # {expected}'s WSGI lines (WSGIDaemonProcess, WSGIScriptAlias, its process "
         f"group) as {first[0]} runs them,",
         f"    # with this server's own copy of its script (there: "
         f"{first[1].raw.get('script_file')})"]
        if first is not None else
        [f"    # {expected}'s WSGI lines (WSGIDaemonProcess, WSGIScriptAlias, its process "
         f"group)"])
    return "\n".join([f"<VirtualHost {address}>", f"    ServerName {host}", *lines,
                      "</VirtualHost>"])
