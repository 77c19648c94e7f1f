"""What a misroute through nginx leaves open without the configuration (:mod:`.nginx_causes`),
and the check that decides each; never a line nobody read.

* :func:`sub_path`: the extra request showed a server block claims the host, but which
  location of it takes a sub-path the answers do not show: a regular expression location
  may take it before the prefix meant for it (``url_mapping``), or the location meant for
  it passes to the wrong application (``wrong_upstream``). Pointing "the block's proxy_pass"
  elsewhere would move the block's other URLs too;
* :func:`duplicate_hint`: a host two blocks name goes to the first;
* :func:`undecided`: the default server or the block claiming the host, both candidates;
  :func:`probed_invalid`: what the extra request for a ``.invalid`` name decides of them;
* :func:`not_decided`: a route the configuration leaves undecided, with the check that
  decides it (the whole configuration where an include was not read, else the request's);
* :func:`same_server_hint`: the instances whose own URLs the application that served an
  unknown name answers too: if their names reach it only as the default server, a block
  refusing unknown names refuses them too.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urlsplit

from probe.diagnose.discriminate import INVALID_HOST, key_of, same_application
from probe.diagnose.fronts import listen, same_listen
from probe.diagnose.identify import SweepContext
from probe.diagnose.other_copy import OtherCopy, candidate, copy_evidence, module_fix, two_servers
from probe.diagnose.redirected import route_given
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.front import PredictedRoute
from probe.model import Candidate, Cause, Evidence, EvidenceKind, Observation, Sample
from probe.nginx_snippets import ONLY_NAME

UNDECIDED = "it does not say whether nginx refused it or passed it on"


def capital(claim: str) -> str:
    """A claim (lower case as evidence) that starts a sentence of an explanation."""
    return claim[:1].upper() + claim[1:]


def is_sub_path(url: str) -> bool:
    return (urlsplit(url).path or "/") != "/"


def duplicate_hint(host: str) -> str:
    return (f" If 'nginx -t' warns of a \"conflicting server name\" \"{host}\", two server "
            f"blocks name it and nginx uses the first: remove {host} from the server_name of "
            f"the block that should not have it instead ({ONLY_NAME}).")


def sub_path(diagnosis: Diagnosis, head: str, url: str, expected: str, who: str,
             target: str, evidence: tuple[Evidence, ...], probed: Evidence) -> Diagnosis:
    host = (urlsplit(url).hostname or "").lower()
    path = urlsplit(url).path
    return dataclasses.replace(
        diagnosis, cause=None, evidence=(*evidence, probed),
        explanation=f"{head} {capital(probed.claim)}. Which location of that block takes "
                    f"{path} the answers do not show: a location given by a regular "
                    f"expression may take it before the prefix location meant for "
                    f"{expected}, or the location that takes it passes to {who}.",
        fix=f"Find the location that takes {path} in the server block whose server_name "
            f"matches {host} ('nginx -T' shows the block; probe sweep --config names the "
            f"line). If it is a regular expression location (~, ~*) that also takes {path}, "
            f"narrow its expression so that it leaves {path} to the prefix location meant for "
            f"{expected}, or, if all it takes is {expected}'s, point its own pass at {target}; "
            f"where that prefix location is longer than 'location /', writing ^~ on it does "
            f"too (a ^~ longest prefix stops nginx's search of the regular expressions; "
            f"'location ^~ /' would stop every regular expression location of the block). If "
            f"it is the location meant for {expected}, point its pass at {target}. Leave the "
            f"block's other locations as they are: they pass its other URLs.",
        candidates=(
            Candidate(Cause.URL_MAPPING, f"--config: a location given by a regular expression "
                      f"in the block that claims {host} takes {path} before the prefix "
                      f"location meant for {expected}"),
            Candidate(Cause.WRONG_UPSTREAM, f"--config: the location that takes {path} in the "
                      f"block that claims {host} passes to {who}")))


def same_server_hint(context: SweepContext, at: str | None, address: str) -> str:
    """Said before a fix that makes the default server refuse unknown names."""
    if not at:
        return ""
    key = ("same_server", f"{at} {address}")
    if key not in context.memo:
        context.memo[key] = _same_server(context, at, address)
    return str(context.memo[key])


def _same_server(context: SweepContext, at: str, address: str) -> str:
    own: dict[str, list[str]] = {}
    for obs in context.observations:
        expected = obs.target.expected
        answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer),
                      None)
        where = obs.target.address or next((s.address for s in obs.samples if s.address), "")
        if expected is None or answer is None or where != address \
                or not same_listen(listen(answer) or "", at) \
                or context.identify(answer, expected) != expected:
            continue
        own.setdefault(expected, []).append(obs.target.url)
    if not own:
        return ""
    urls = [u for found in own.values() for u in found]
    shown = ", ".join(urls[:5]) + (f" and {len(urls) - 5} more" if len(urls) > 5 else "")
    return (f" {' and '.join(own)} answer{'s' if len(own) == 1 else ''} {shown} from the same "
            f"server.listen {at}: if the default server is the block that passes them (no "
            f"server_name names their hosts: 'nginx -T' shows it, probe sweep --config says "
            f"it), add their hosts to its server_name first, or a default server that "
            f"refuses unknown names refuses them too.")


def undecided(diagnosis: Diagnosis, head: str, host: str, expected: str | None, who: str,
               at: str | None, target: str, refuse: str,
               evidence: tuple[Evidence, ...], *, probed: bool, address: str = "",
               hint: str = "", copy: OtherCopy | None = None,
               pass_line: str = "proxy_pass") -> Diagnosis:  # noqa: S107 - a directive
    """Both causes open: without the configuration, what a request for ``host`` matched is
    not seen (the extra request, if sent, shows only where the default server proxies).
    ``copy``: the answering instance runs on another server too, so the pass line may lead
    where it should and that server load the wrong application (a third candidate)."""
    to_fix = (f"If none matches, add {host} to the server_name of the block meant for "
              f"{expected} and let unknown names be refused: {refuse}. If one does"
              + (f" and {copy.at} is not meant for {expected}" if copy else "")
              + f", point its {pass_line} at {target}."
              + (module_fix(copy, expected) if copy else "")
              if expected else
              f"If none matches, let unknown names be refused: {refuse}.{hint} If one does, "
              f"remove {host} from its server_name.")
    told = probed and not any(UNDECIDED in e.claim for e in evidence)
    default_check = (f"--config: no server_name matches {host} (the request for a .invalid "
                     f"name shows only that the default server proxies there)" if told else
                     f"--config: no server_name matches {host} (the request for a .invalid "
                     f"name did not show whether nginx answered it)" if probed else
                     f"a request for a name under .invalid at {address or 'this address'}: "
                     f"if it also reaches {at or who}, the default server proxies there (and "
                     f"--config: no server_name matches {host})")
    return dataclasses.replace(
        diagnosis, cause=None,
        explanation=f"{head} Either no server_name matches {host!r} and the default server of "
                    f"this address proxies there, or the server block that claims {host} "
                    f"has a {pass_line} to it"
                    + (f"; or that line leads where it should and the application "
                       f"server listening there loads {copy.who}'s application "
                       f"({two_servers(copy)})." if copy else "."),
        fix=f"Find which: 'nginx -T' shows the server block whose server_name matches {host} "
            f"(or probe sweep --config on it names the line). {to_fix}",
        evidence=(*evidence, *(copy_evidence(copy) if copy else ())),
        candidates=(Candidate(Cause.DEFAULT_SERVER, default_check),
                    Candidate(Cause.WRONG_UPSTREAM, f"--config: the {pass_line} of the server "
                              f"block that matches {host}"),
                    *((candidate(copy, expected),) if copy and expected else ())))


def probed_invalid(obs: Observation, context: SweepContext, at: str | None,
            label: str | None) -> tuple[Cause | None, Evidence] | None:
    """What the sweep's extra request for a ``.invalid`` name at the same address says. A
    refusal means a server block claims the URL's name and proxies to the application that
    answered. The same application answering it says only that the default server proxies
    there: a block that claims the URL's name may proxy there too (cause None)."""
    key, address = key_of(obs)
    sample = context.probed.get(key)
    if sample is None:
        return None
    scheme = urlsplit(obs.target.url).scheme
    sent = f"GET {scheme}://{INVALID_HOST}/{context.manifest.probe.segment} at {address}"
    other = sample.trusted_answer
    mine = _answer_of(obs)
    if other is not None and _same(other, mine, at, label):
        return None, Evidence(
            EvidenceKind.PROBED, f"a name no server_name can match ({INVALID_HOST}) reached "
            f"the same application (server.listen {listen(other)!r}): the default server of "
            f"this address proxies there", sent)
    refused = sample.status_code is None or sample.status_code in \
        context.manifest.refuse_statuses
    if other is None and sample.status_code is not None and scheme == "https" \
            and context.token_sent:
        # Sent without the token (no certificate names a .invalid host): an application
        # behind nginx answers it as the sweep's URLs would not, without the endpoint; nginx
        # writes its own Server header on what it passes on. Only no answer (444) is nginx's.
        return None, Evidence(
            EvidenceKind.PROBED, f"a name no server_name can match ({INVALID_HOST}) got HTTP "
            f"{sample.status_code}{_location(sample)} without the endpoint, but it went without "
            f"the token (over HTTPS no certificate can name it), so an application behind "
            f"nginx answers it so too: {UNDECIDED} (nginx's access log line for it decides: "
            f"$upstream_addr is '-' where nginx answered itself)", sent)
    if other is None and refused:
        return Cause.WRONG_UPSTREAM, Evidence(
            EvidenceKind.PROBED, f"a name no server_name can match ({INVALID_HOST}) was "
            f"refused ({sample.error or 'HTTP ' + str(sample.status_code)}): the default "
            f"server refuses, so a server block claims the URL's host and proxies to this "
            f"application", sent)
    if sample.status_code is None:
        return None
    host_got = _host_root(obs, context)
    if host_got is None or not _differs(sample, host_got[1]):
        return None
    # The same path (the probe segment at /) under two names got two answers at one
    # address: the URL's host does not reach the default server, a block claims it.
    own, answer = host_got
    got = (f"answered by {other.label or 'an application'} (server.listen "
           f"{listen(other)!r})" if other is not None else
           f"got HTTP {sample.status_code}{_location(sample)}, no endpoint answer")
    return Cause.WRONG_UPSTREAM, Evidence(
        EvidenceKind.PROBED, f"a name no server_name can match ({INVALID_HOST}) {got}, while "
        f"{own} at the same address was answered by {answer.label or 'an application'} "
        f"(server.listen {listen(answer)!r}): the default server does not take "
        f"{urlsplit(own).hostname}, so a server block claims it", sent)


def _location(sample: Sample) -> str:
    return f" redirecting to {sample.location}" if sample.location else ""


def _host_root(obs: Observation, context: SweepContext) -> tuple[str, EndpointAnswer] | None:
    """The URL at / of ``obs``'s host, same scheme, port and address, that an application
    answered (its probe path is the .invalid request's), with that answer."""
    key, _ = key_of(obs)
    host = (urlsplit(obs.target.url).hostname or "").lower()
    for other in context.observations:
        parts = urlsplit(other.target.url)
        if (parts.hostname or "").lower() != host or (parts.path or "/") != "/" \
                or key_of(other)[0] != key:
            continue
        answer = next((s.trusted_answer for s in reversed(other.samples) if s.trusted_answer),
                      None)
        if answer is not None:
            return other.target.url, answer
    return None


def _answer_of(obs: Observation) -> EndpointAnswer | None:
    return next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer), None)


def _same(other: EndpointAnswer, mine: EndpointAnswer | None, at: str | None,
          label: str | None) -> bool:
    """Whether the .invalid request reached the application that answered the URL: told by
    the fields that name an application (docs/verdicts.md, "The extra request"), not by
    where it listens: the members of one upstream pool listen apart and run one
    application. Where no field names it, its socket (``at``), else its label."""
    if mine is not None:
        same = same_application(other, mine)
        if same is not None:
            return same
    if at:
        return same_listen(listen(other), at)
    return bool(label and other.label == label)


def _differs(invalid: Sample, answer: EndpointAnswer) -> bool:
    """The .invalid request's answer is another than the host's own: none from an endpoint,
    or another application's (its identity fields, else where it listens, else its
    label)."""
    other = invalid.trusted_answer
    if other is None:
        return True
    same = same_application(other, answer)
    if same is not None:
        return not same
    if listen(other) and listen(answer):
        return not same_listen(listen(other), listen(answer))
    return bool(other.label and answer.label and other.label != answer.label)


FULL_CONFIG = "--config with the whole configuration (nginx.conf, or 'nginx -T' output)"
_IF = re.compile(r"(if \(.*?\)) at (\S+:\d+)")  # probe.nginx.flow's words for an if


def _deciding_check(undecided: str) -> str:
    """The check that decides an undecided route. An include not read (probe.nginx.unread's
    words start with it): the whole configuration. Else the whole configuration was read
    and only the request decides (an ``if``, a rewrite or try_files URI of request values):
    where nginx sent it, or what the request carries for the condition."""
    if undecided.startswith("include "):
        return FULL_CONFIG
    log = "nginx's access log line for this request with $upstream_addr (where nginx sent it)"
    condition = _IF.match(undecided)
    if condition is None:
        return log
    return (f"{log}, or what the request carries for the variables of {condition.group(1)} "
            f"at {condition.group(2)}")


def not_decided(worded: Diagnosis, before: Diagnosis, route: PredictedRoute) -> Diagnosis:
    worded = route_given(worded)  # the configuration was given: its ask is spent
    if worded is before:
        return worded
    check = _deciding_check(route.undecided or "")
    # an unread include: --config again, whole; else the configuration was read whole and
    # no --config decides: the request's own check replaces the candidate's
    checks = tuple(dataclasses.replace(c, check=c.check.replace("--config", check)
                                       if check == FULL_CONFIG else check)
                   for c in worded.candidates)
    return dataclasses.replace(
        worded, explanation=f"{worded.explanation} The configuration given does not decide "
                            f"this URL's route: {route.undecided}.", candidates=checks)
