"""``forwarded_host_undecided`` (warning): ``ok`` URLs whose application received a Host and
an X-Forwarded-Host naming different hosts, one of them the URL's, while the answers do not
say which of the two Django uses.

Django's ``HttpRequest.get_host()`` (``_get_raw_host``, django/http/request.py) takes the
X-Forwarded-Host only with ``USE_X_FORWARDED_HOST = True`` (False by default), else the Host.
The endpoint shows that choice only through ``request.host_allowed`` (Django's own check of
the name it would use), which does not tell the two apart: null where Django was not
configured in the process when it answered (a tester's gunicorn Seahub), true where the name
it uses is accepted, whichever it is (``startproject``'s DEBUG with empty ALLOWED_HOSTS
accepts 127.0.0.1). Only false decides (``host_mismatch``, ``host_rejected``). Two shapes:

* forwarded only: the Host is not the URL's name (nginx without ``proxy_set_header Host``,
  Apache's mod_proxy without ``ProxyPreserveHost``), the X-Forwarded-Host is: right only with
  the setting; without it, it is ``host_mismatch``;
* forwarded other: the Host is the URL's name, the X-Forwarded-Host another (nginx's
  ``X-Forwarded-Host $server_name``, the block's first name, for a request to an alias of
  the block): right only without the setting; an X-Forwarded-Host of several values (each
  proxy of a chain appending: nginx -> Apache mod_proxy) is this shape, worded and fixed in
  :mod:`.forwarded_list` (Django 5.2 refuses the whole list; the fix at the appending hop).

A finding, not a verdict: ``host_mismatch`` counts an X-Forwarded-Host with the URL's name
unless ``request.host_allowed`` is false (docs/verdicts.md), so its meaning stays, and an
undecided URL does not read as a confident problem. The finding says what arrived (every
distinct Host of the URL's samples, with the process that received it: a balancer's members
each receive their own address), what
follows either way, the check that decides, and the fix that is right either way (the front
passes the client's name), at its line with ``--config``, naming lint's finding there.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.diagnose.answer_names import joined, place
from probe.diagnose.forwarded_list import (
    LATER,
    apache_appender,
    appender_fix,
    django_words,
    listed_words,
    nginx_sets,
    values,
    xfh_line,
)
from probe.diagnose.fronts import front_of, host_allowed, listening, server_header
from probe.diagnose.host_words import any_fix, host_fix, host_name
from probe.model import Finding, FrontKind, Observation, Status, TargetResult, Verdict
from probe.safe_text import quoted
from probe.urls import split_usual

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin
    from probe.endpoint_answer import EndpointAnswer
    from probe.front import PredictedRoute

FORWARDED_HOST_UNDECIDED = "forwarded_host_undecided"
SHOWN = 3
HOST_LINT = ("proxy_host", "nginx_host_not_forwarded")
"""lint's findings of a front that does not pass the client's Host (Apache, nginx)."""
_AT = re.compile(r"(\S+?):(\d+)\b")
FORWARDED_FIX = ("Make the front send the name the client asked for as X-Forwarded-Host, "
                 "or none: nginx 'proxy_set_header X-Forwarded-Host $host;'.")


@dataclass(frozen=True)
class _Case:
    url: str
    only: bool  # the Host is not the URL's, the X-Forwarded-Host is; else the reverse
    hosts: tuple[tuple[str, tuple[str, ...]], ...]
    """Each distinct Host received, with what received it (sorted): a balancer's members
    each receive their own address."""
    forwarded: tuple[str, ...]
    settings: str | None
    fix: str
    accepted: bool  # request.host_allowed true (Django accepts the name it uses); else null
    listed: bool  # the X-Forwarded-Host holds several comma-separated values (forwarded_list)
    django: str | None  # python.django_version


def forwarded_host_findings(observations: Sequence[Observation],
                            results: Sequence[TargetResult],
                            config: ConfigJoin | None) -> tuple[Finding, ...]:
    """One finding per instance with such URLs."""
    cases: dict[str, list[_Case]] = defaultdict(list)
    for obs, result in zip(observations, results, strict=True):
        if result.verdict is not Verdict.OK:  # any other verdict names a worse problem
            continue
        found = _case(obs, config)
        if found is not None:
            answer, case = found
            cases[result.answered_by or answer.label or "?"].append(case)
    return tuple(_finding(name, found) for name, found in cases.items())


def _case(obs: Observation, config: ConfigJoin | None
          ) -> tuple[EndpointAnswer, _Case] | None:
    url = obs.target.url
    wanted = host_name((split_usual(url) or urlsplit(url))[1])
    # (only, Host, X-Forwarded-Host) -> what received it: every sample's, not the last one's
    seen: dict[tuple[bool, str, str], set[str]] = defaultdict(set)
    kept: list[EndpointAnswer] = []
    for sample in obs.samples:
        answer = sample.trusted_answer
        # host_allowed false: Django's name is refused, host_mismatch or host_rejected said so
        if answer is None or not answer.forwarded_host or host_allowed(answer) is False:
            continue
        host, forwarded = host_name(answer.host), host_name(answer.forwarded_host)
        if host and host != forwarded and wanted in (host, forwarded):
            seen[(forwarded == wanted, answer.host or "", answer.forwarded_host)].add(
                _receiver(answer))
            kept.append(answer)
    if not kept:
        return None
    only = any(key[0] for key in seen)  # one shape per URL; both at once is not seen
    hosts: dict[str, set[str]] = defaultdict(set)
    for (shape, host, _), receivers in seen.items():
        if shape is only:
            hosts[host] |= receivers
    names = tuple(sorted({f for shape, _, f in seen if shape is only}))
    accepted = all(host_allowed(a) is True for a in kept)
    listed = not only and any(len(values(f)) > 1 for f in names)
    return kept[0], _Case(url, only, tuple((h, tuple(sorted(r))) for h, r in sorted(
        hosts.items())), names, kept[0].settings, _fix(obs, config, only, listed), accepted,
        listed, kept[0].django_version)


def _receiver(answer: EndpointAnswer) -> str:
    """The process that received a Host, and where it listens as its answer says."""
    at = listening(answer)
    if at is not None and at.field == "process_group":
        return f"pid {answer.pid if answer.pid is not None else 'unknown'}, process_group " \
               f"{at.value!r}"
    return place(answer)


def _fix(obs: Observation, config: ConfigJoin | None, only: bool, listed: bool) -> str:
    """The front's fix, at its line where the configuration read names one."""
    front = front_of(obs, config.front.front if config is not None else None)
    general = any_fix(front, server_header(obs), urlsplit(obs.target.url).hostname)
    if config is None:
        return LATER if listed else general if only else FORWARDED_FIX
    if listed and config.front.front is FrontKind.APACHE:
        return _appended(obs, config)
    address = obs.target.address or next((s.address for s in obs.samples if s.address), None)
    route = config.front.route(obs.target.url, address)
    if listed and route.undecided is None and config.front.front is FrontKind.NGINX:
        return _nginx_listed(config, route)
    if route.undecided is not None:
        return (f"{general if only else FORWARDED_FIX} (the configuration given does not "
                f"decide this URL's route: {route.undecided}.)")
    if config.front.front is FrontKind.NGINX:
        fix, places = (_nginx_host(route) if only else _nginx_forwarded(config, route))
    else:
        from probe.diagnose.join_proxy_fixes import preserve_host_fix

        found = preserve_host_fix(route, config.front) if only else None
        taken = route.step("proxy")
        fix = found[0] if found is not None else general if only else FORWARDED_FIX
        places = [(taken.source.file, taken.source.line)] \
            if taken is not None and taken.source is not None else []
    lint = [f"{code} at {file}:{line}" for file, line in dict.fromkeys(places)
            for code, _ in [config.findings.get((file, line), ("", ""))]
            if only and code in HOST_LINT]
    return fix + (f" probe lint reports it too: {', '.join(lint)}." if lint else "")


def _appended(obs: Observation, config: ConfigJoin) -> str:
    """The Apache VirtualHost that appends to the X-Forwarded-Host, at its lines, with the
    restart; where none of the configuration given does, that it is another proxy."""
    from probe.diagnose.proxy_chain import restart

    hop = apache_appender(config.front, obs.target.url)
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer), None)
    if hop is None or answer is None:
        return ("No VirtualHost of the configuration given appends to X-Forwarded-Host for "
                "this URL (none passes it on with ProxyPass where ProxyAddHeaders is not Off): "
                "the proxy that appended is another; probe sweep --config with its "
                "configuration names the line.")
    return f"{appender_fix(hop)} After the edit, {restart(config.front, answer)}."


def _nginx_listed(config: ConfigJoin, route: PredictedRoute) -> str:
    """nginx's X-Forwarded-Host line where it already sends ``$host``: not the cause."""
    line = xfh_line(config.front, route)
    if line is None or line[0] != "$host":
        return _nginx_forwarded(config, route)[0]
    return nginx_sets(route, line[1], line[0])


def _nginx_host(route: PredictedRoute) -> tuple[str, list[tuple[str, int]]]:
    step = route.step("host")
    fix = host_fix(FrontKind.NGINX, step, route)
    cited = "" if step is None else f"{step.rule} {step.source or ''}"
    return fix, [(file, int(line)) for file, line in _AT.findall(cited)]


def _nginx_forwarded(config: ConfigJoin, route: PredictedRoute
                     ) -> tuple[str, list[tuple[str, int]]]:
    """The X-Forwarded-Host line in force at the location that takes the URL, replaced."""
    mapping = route.step("mapping")
    model = getattr(config.front, "model", None)
    if mapping is None or mapping.source is None or model is None:
        return FORWARDED_FIX, []
    from probe.nginx.select import location_at  # nginx's model: with its config only

    location = location_at(model, mapping.source)
    header = location.header_set.named("x-forwarded-host") if location is not None else None
    if header is None or not header.where:
        return FORWARDED_FIX, []
    first = (" ($server_name is the server block's first server_name, whatever name the "
             "request used)" if header.value == "$server_name" else "")
    return (f"At {header.where}, replace 'proxy_set_header {header.name} {header.value};'"
            f"{first} by 'proxy_set_header {header.name} $host;', or remove it."), []


def _finding(name: str, cases: list[_Case]) -> Finding:
    groups: dict[tuple[bool, tuple[str, ...], tuple[str, ...], str, bool],
                 list[_Case]] = defaultdict(list)
    for case in cases:  # listed follows from the forwarded names
        groups[(case.only, tuple(host_name(h) for h, _ in case.hosts),
                tuple(host_name(f) for f in case.forwarded), case.fix,
                case.accepted)].append(case)
    said = [_group(name, group) for group in list(groups.values())[:SHOWN]]
    more = len(groups) - SHOWN
    return Finding(FORWARDED_HOST_UNDECIDED, Status.WARNING, (name,), " ".join(said) + (
        f" And {more} more group{'s' if more > 1 else ''} of URLs like them."
        if more > 0 else ""))


def _group(name: str, cases: list[_Case]) -> str:
    urls = [c.url for c in cases]
    shown = ", ".join(urls[:SHOWN]) + (f" and {len(urls) - SHOWN} more"
                                       if len(urls) > SHOWN else "")
    case = cases[0]
    received: dict[str, set[str]] = defaultdict(set)
    for each in cases:  # the receivers of the group's every URL, each Host once
        for host, receivers in each.hosts:
            received[host].update(receivers)
    several = len(received) > 1
    said_hosts = ", ".join(f"Host {quoted(host)} (request.host) received by "
                           f"{joined(sorted(receivers))}"
                           for host, receivers in sorted(received.items()))
    names = " or ".join(repr(h) for h in sorted(received))
    forwarded = " or ".join(repr(f) for f in case.forwarded)
    # Django answers 400 to a name ALLOWED_HOSTS lacks; host_allowed true: the name it uses
    # (whichever) is accepted, so no 400, but its links still carry that name.
    refused = ("Django accepts it (request.host_allowed true)" if case.accepted else
               "every real page answers 400 Bad Request (DisallowedHost) unless that name is "
               "in ALLOWED_HOSTS")
    if case.only:
        arrived = (f"{said_hosts}, not the URL's name, and X-Forwarded-Host {forwarded} "
                   f"(request.forwarded_host), the URL's")
        whose = " (each process the Host it received)" if several else ""
        either = (f"with it these URLs are served as {forwarded}; without it Django "
                  f"uses {names}{whose}: {refused}, and absolute links and redirects name it "
                  f"(what host_mismatch says)")
        used = names
    elif case.listed:
        arrived = (f"{said_hosts}, the URL's name, and X-Forwarded-Host "
                   f"{listed_words(case.forwarded[0], [h for h, _ in case.hosts])}")
        either = (f"without it these URLs are right; "
                  f"{django_words(case.forwarded[0], case.django)}")
        used = forwarded
    else:
        arrived = (f"{said_hosts}, the URL's name, and X-Forwarded-Host {forwarded} "
                   f"(request.forwarded_host), another name")
        either = (f"without it these URLs are right; with it Django uses {forwarded} "
                  f"for them: {refused}, and absolute links and redirects name that host, not "
                  f"the one asked for")
        used = forwarded
    why = ("request.host_allowed true: an endpoint of this release asks as Django does, which "
           "refuses the whole list with that setting on, so from it this says the setting is "
           "off; an older one checked the list's last value only ('probe endpoint | diff - "
           "wsgi_endpoint.py' beside the WSGI script tells which is installed)"
           if case.listed and case.accepted else
           "request.host_allowed true: Django accepts the name it uses, whichever it is"
           if case.accepted else
           "request.host_allowed null: the endpoint could not ask Django")
    page = ("a 400 DisallowedHost" if case.listed else
            f"an absolute link or redirect naming {used}" if case.accepted else
            f"a 400 DisallowedHost, or an absolute link or redirect naming {used}")
    settings = (f"the settings module {case.settings} (settings_module.environ)"
                if case.settings else "the application's settings")
    shows = "shows the setting is on" if case.listed else "shows that name is used"
    return (f"{shown} of {name} reached the application with {arrived}; the answers do not "
            f"say which of the two Django uses ({why}). Django's get_host() reads "
            f"X-Forwarded-Host only with USE_X_FORWARDED_HOST = True (False by default): "
            f"{either}. What decides it: USE_X_FORWARDED_HOST in {settings}, or a real page "
            f"of such a URL ({page} {shows}). The fix right either way: "
            f"{case.fix}")

