"""The fixes of a URL served by the right application through Apache's mod_proxy but told the
wrong Host or mount, written at the lines of the configuration read (``--config``):

* ``host_mismatch``/``host_rejected``: the ``ProxyPreserveHost`` in force for the URL's path
  (its line, when written Off: the server's, or a matching ``<Location>``'s, the last in
  httpd's merge order) or the VirtualHost to add ``ProxyPreserveHost On`` to; without it
  mod_proxy sends the backend's ``host:port`` as Host. Never where the URL's Host arrived
  (request.host observed): ProxyPreserveHost changed nothing there (tester T30's
  ``uwsgi://`` route: mod_proxy_uwsgi passes the client's Host as HTTP_HOST either way, and
  'ProxyPreserveHost On' applied changed nothing), nor for a ``uwsgi://`` target at all;
* ``mount_mismatch``: a ``ProxyPass`` that strips the prefix it took; the fix passes the whole
  path and has the application server take the prefix off (waitress ``--url-prefix``,
  gunicorn's ``SCRIPT_NAME`` environment variable, uWSGI ``--mount``, mod_wsgi-express
  ``--mount-point``), no WSGIScriptAlias words.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from urllib.parse import urlsplit

from probe.apache.proxy_reverse import whole_path
from probe.apache.proxy_rule import ProxyRule, uwsgi_target
from probe.apache.route import ApacheRoutes
from probe.diagnose.answer_names import joined, server_kind
from probe.diagnose.express_members import express_members, express_way, split_members
from probe.diagnose.force_script import served_at, shared_words
from probe.diagnose.identify import SweepContext
from probe.diagnose.mount_told import PLACED
from probe.diagnose.scheme_apache import load_headers
from probe.diagnose.uwsgi_seen import uwsgi_field
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.front import FrontConfig, PredictedRoute
from probe.model import Evidence, EvidenceKind, Observation, Verdict
from probe.safe_text import quoted

HOST = (Verdict.HOST_MISMATCH, Verdict.HOST_REJECTED)
_PREFIX_LINE = "'RequestHeader set X-Forwarded-Prefix "


def proxied(obs: Observation, diagnosis: Diagnosis, front: FrontConfig,
            context: SweepContext | None = None) -> Diagnosis:
    """``diagnosis`` (host and mount checks done) with a mod_proxy fix at its lines;
    ``context``: the sweep, whose other URLs of the same processes may rule out a fix that
    applies to every request (FORCE_SCRIPT_NAME, a server's own URL prefix)."""
    if diagnosis.verdict not in (*HOST, Verdict.MOUNT_MISMATCH) or \
            not isinstance(front, ApacheRoutes):
        return diagnosis
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer), None)
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    if answer is None:
        return diagnosis
    if diagnosis.verdict in HOST and host_arrived(obs):
        return diagnosis  # the Host is not the proxy's doing: the diagnosis's own fix stands
    shared = sent = ""
    if context is not None and diagnosis.verdict is Verdict.MOUNT_MISMATCH:
        sent = urlsplit(obs.target.probe_url(context.manifest.probe.segment)).path
        mount = served_at(answer, sent)
        if mount is not None:
            shared = shared_words(context, obs, answer, mount)
    every = [a for s in obs.samples if (a := s.trusted_answer) is not None]
    fixed = proxy_fix(diagnosis, front.route(obs.target.url, address), front, answer,
                      shared, every, sent) or diagnosis
    load = load_headers(front)
    if load and _PREFIX_LINE in fixed.fix and load not in fixed.fix:
        # the mount's header line needs mod_headers as the scheme's does (T36's graceful
        # refused 'RequestHeader' without it): loading it comes first
        fixed = dataclasses.replace(fixed, fix=f"{fixed.fix} {load}".strip())
    from probe.diagnose.config_reload import apache_ended

    return apache_ended(diagnosis, fixed, obs, context, front)  # the edit read: a restart


def host_arrived(obs: Observation) -> bool:
    """Whether every answer's request.host is the URL's own Host (with or without its
    port): the front passed the client's Host on, so no ProxyPreserveHost is missing."""
    parts = urlsplit(obs.target.url)
    names = {parts.netloc.lower(), (parts.hostname or "").lower()}
    hosts = [a.host for s in obs.samples if (a := s.trusted_answer) is not None]
    return bool(hosts) and all(h is not None and h.lower() in names for h in hosts)


def proxy_fix(diagnosis: Diagnosis, route: PredictedRoute, front: FrontConfig,
              answer: EndpointAnswer, shared: str = "",
              every: Sequence[EndpointAnswer] = (), sent: str = "") -> Diagnosis | None:
    """``diagnosis`` with its fix at the configuration's lines; None: not decided here.
    ``every``: all the URL's answers (each mod_wsgi-express member among them is named);
    ``sent``: the path the probe request went out with."""
    taken = route.step("proxy")
    site = route.step("site")
    if taken is None or site is None or taken.source is None or \
            not isinstance(front, ApacheRoutes):
        return None
    if diagnosis.verdict in HOST:
        found = preserve_host_fix(route, front)
        return None if found is None else _fixed(diagnosis, *found)
    if diagnosis.verdict is Verdict.MOUNT_MISMATCH:
        rule = front.proxy_rule(route)
        if rule is None:
            return None
        prefix = rule.pattern.rstrip("/")
        if rule.uwsgi_moved and server_kind(answer) == "uwsgi":
            # the target's path is not the URL's (stripped, or another prefix before it);
            # a uWSGI mount is per path, not per server: its other mounts stay as they are
            return _fixed(diagnosis, _uwsgi_mount(front, rule, answer, prefix),
                          ((rule.written(), rule.where),))
        if not rule.strips:
            return _members_named(diagnosis, rule, route, every, sent)
        if shared:  # every request's prefix would move the other site's links too
            fix = (f"At {rule.where}, keep the ProxyPass and tell the application its mount "
                   f"on each request: 'RequestHeader set X-Forwarded-Prefix {prefix}' for "
                   f"that path, and a middleware around the WSGI application that sets "
                   f"SCRIPT_NAME from that header. {PLACED}{shared}")
            return _fixed(diagnosis, fix, ((rule.written(), rule.where),))
        fix = (f"At {rule.where}, pass the path whole: {whole_path(front.site, rule)}, and "
               f"have the application server take {prefix} off as its "
               f"mount: {_server_way(every or [answer], prefix, rule.target, route)}")
        return _fixed(diagnosis, fix, ((rule.written(), rule.where),))
    return None


def preserve_host_fix(route: PredictedRoute, front: FrontConfig
                      ) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """The fix that makes mod_proxy pass the client's Host for ``route`` (the
    ``ProxyPreserveHost`` line in force, or the VirtualHost to add it to) and the lines it
    cites; None where the route is not a ``ProxyPass`` read here, or it is written On."""
    taken = route.step("proxy")
    site = route.step("site")
    if taken is None or site is None or taken.source is None or \
            not isinstance(front, ApacheRoutes):
        return None
    rule = front.proxy_rule(route)
    if rule is not None and uwsgi_target(rule.target):
        return None  # mod_proxy_uwsgi passes the client's Host whatever ProxyPreserveHost says
    found = front.preserve_host(route)
    if found is not None and found.on:
        return None  # written On: something else rewrites the Host
    if found is None:
        return (f"In {site.decision}, add 'ProxyPreserveHost On': the ProxyPass at "
                f"{taken.source} passes this URL on, and without it mod_proxy sends the "
                f"backend's own address as Host (no ProxyPreserveHost is written in that "
                f"VirtualHost, in the main server, nor in a <Location> for this path).", ())
    setting, section = found.directive, found.section
    inside = "" if section is None else (
        f", inside <{section.name} {' '.join(section.args)}> at {section.where}, the "
        f"last setting that matches this path")
    return (f"At {setting.where}, write 'ProxyPreserveHost On' (it says "
            f"'ProxyPreserveHost {setting.arg(0)}'{inside}): mod_proxy then passes the "
            f"client's Host to the backend of {taken.source}.",
            ((f"ProxyPreserveHost {setting.arg(0)}", setting.where),))


def _uwsgi_mount(front: ApacheRoutes, rule: ProxyRule, answer: EndpointAnswer,
                 prefix: str) -> str:
    """The fix of a ``uwsgi://`` ProxyPass that strips ``prefix`` to uWSGI: the URL's path as
    the target's (mod_proxy_uwsgi's PATH_INFO is the target's path and the rest) and a uWSGI
    mount for it, which --manage-script-name takes off PATH_INFO into SCRIPT_NAME."""
    script_file = answer.raw.get("script_file")
    now = (f" (now script_file {quoted(script_file)}, request.script_name "
           f"{quoted(answer.script_name)}, request.path_info {quoted(answer.path_info)})"
           if isinstance(script_file, str) and script_file.startswith("proxy:") else "")
    return (f"At {rule.where}, pass the URL's path: {whole_path(front.site, rule)}. "
            f"mod_proxy_uwsgi hands uWSGI the target's path and the rest of the URL as "
            f"PATH_INFO{now}, and uWSGI's '--manage-script-name' makes the '--mount' that "
            f"PATH_INFO starts with its SCRIPT_NAME. Then mount the application at {prefix} "
            f"in uWSGI ({uwsgi_field(answer)}): '--mount {prefix}=<its WSGI file>' (ini: "
            f"'mount = {prefix}=<its WSGI file>') beside any mount it has, with "
            f"'--manage-script-name'; uWSGI reads its mounts when it starts.")


def _server_way(answers: Sequence[EndpointAnswer], prefix: str, target: str,
                route: PredictedRoute) -> str:
    answer = answers[-1]
    express = express_way(answers, prefix, route.members)
    if express:  # a balancer's members are addresses: the prefix goes on the ProxyPass
        return (f"{express}" + ("; the BalancerMember lines stay as they are."
                                if target.startswith("balancer://") else "."))
    kind = server_kind(answer)
    if kind == "waitress":
        return f"waitress (server.software) with '--url-prefix={prefix}'."
    if kind == "gunicorn":
        return (f"gunicorn (server.software) with SCRIPT_NAME={prefix} in its environment "
                f"(it then takes {prefix} off the path).")
    if kind == "uwsgi":
        return (f"uWSGI ({uwsgi_field(answer)}) with '--mount {prefix}=<its WSGI file>' and "
                f"'--manage-script-name'.")
    return (f"its own option for a URL prefix, or in Django FORCE_SCRIPT_NAME = "
            f"\"{prefix}\".")


def _members_named(diagnosis: Diagnosis, rule: ProxyRule, route: PredictedRoute,
                   every: Sequence[EndpointAnswer], sent: str = "") -> Diagnosis | None:
    """The whole path passed on to mod_wsgi-express servers (the fix their --mount-point,
    said without the configuration): where each is written, the BalancerMember line of
    every one the answers came from; None where no answer names one. Where the members
    disagree on the mount (``--mount-point`` on some only), the sentence that says which to
    restart names each by its line (:func:`split_members`), not a sentence later."""
    keep = (f"In the configuration given, the ProxyPass at {rule.where} passes the whole path "
            f"({rule.written()}): keep it")
    split = split_members(every, sent, route.members) if sent else None
    if split is not None:
        return _fixed(dataclasses.replace(diagnosis, fix=split.fix), f"{split.fix} {keep}.",
                      ((rule.written(), rule.where),))
    named = [m for m in express_members(every, route.members) if m.member is not None
             and m.member.source is not None]
    if not named:
        return None
    lines = joined([f"BalancerMember {m.address} ({m.member.source})" for m in named
                    if m.member is not None])
    fix = (f"{diagnosis.fix} {keep}; the mod_wsgi-express servers the answers came from "
           f"are {lines}.")
    # the members' lines are named in the fix only: a Member keeps its host:port, not the
    # URL its line writes, which a configured claim would have to quote
    return _fixed(diagnosis, fix, ((rule.written(), rule.where),))


def _fixed(diagnosis: Diagnosis, fix: str, cites: tuple[tuple[str, str], ...]) -> Diagnosis:
    return dataclasses.replace(diagnosis, fix=fix, evidence=(*diagnosis.evidence, *(
        Evidence(EvidenceKind.CONFIGURED, what, where) for what, where in cites)))
