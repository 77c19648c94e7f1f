"""``no_endpoint`` where the configuration read (``--config``) shows the front's site named
the URL's host and passed it to a backend (nginx ``proxy_pass``, Apache ``ProxyPass``), and
the backend answered 403 or 404: what the backend received decides, not the front's names.

Tester T31's mod_wsgi-express servers behind nginx and Apache mod_proxy:

* 403 where the front sends the backend another Host (nginx's ``$proxy_host``: no
  ``proxy_set_header Host`` in force; Apache without ``ProxyPreserveHost On``): an express
  server started with ``--server-name`` denies every other Host with 403 (AH01630 on its
  ``htdocs/__probe__`` in its own error_log). ``host_rewritten``, the Host line the fix;
  the backend's own names (``request.server_name`` of its answers elsewhere) say whether
  it serves the URL's name at all. The printed ``default_server``/``vhost_fallback`` was
  false: the config showed the name matched (:func:`probe.diagnose.address_answered.unsay`);
* 404 where the path the backend receives lacks the mount its answers elsewhere show
  (``request.script_name``, an express ``--mount-point``): a ``ProxyPass /app/ http://B/``
  strips it; ``url_mapping`` at that line, the fix its target written with the mount.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit, urlunsplit

from probe.apache.proxy_reverse import reverse_line, reverse_of
from probe.apache.route import ApacheRoutes
from probe.diagnose.address_answered import unsay
from probe.diagnose.config_reload import nginx_reload
from probe.diagnose.fronts import Listening, listening, same_listen
from probe.diagnose.host_words import express_denies, express_root, host_fix, host_name
from probe.diagnose.identify import SweepContext
from probe.diagnose.join_daemon_path import apache_restart, same_apache
from probe.diagnose.join_proxy_fixes import preserve_host_fix
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.front import FrontConfig, PredictedRoute
from probe.model import Cause, Evidence, EvidenceKind, FrontKind, Observation
from probe.safe_text import quoted

Seen = tuple[str, EndpointAnswer, Listening]


def _backend(route: PredictedRoute) -> str | None:
    if route.members:
        return route.members[0].address if len(route.members) == 1 else None
    return route.upstream


def _seen_at(backend: str, obs: Observation, context: SweepContext) -> list[Seen]:
    """The expected instance's answers elsewhere in the sweep from the backend's address."""
    found: list[Seen] = []
    for other, answer in context.answers_of(obs.target.expected or ""):
        at = listening(answer)
        if at is not None and same_listen(at.address, backend) and \
                other.target.url != obs.target.url:
            found.append((other.target.url, answer, at))
    return found


def unanswered(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
               route: PredictedRoute, front: FrontConfig | None) -> Diagnosis | None:
    """The backend's reading of a 403 or 404; None where the site step did not take the URL
    by its name, or neither reading applies (the caller's words stand)."""
    site = route.step("site")
    status = next((s.status_code for s in reversed(obs.samples) if s.status_code), None)
    backend = _backend(route)
    if site is None or site.by != "name" or backend is None or front is None:
        return None
    diagnosis = unsay(diagnosis)
    seen = _seen_at(backend, obs, context)
    found = (_host(obs, diagnosis, route, front, seen, backend) if status == 403 else
             _mount(obs, diagnosis, context, route, front, seen) if status == 404 else None)
    return found or diagnosis


def nginx_passed(obs: Observation, passed: Diagnosis, diagnosis: Diagnosis,
                 context: SweepContext, route: PredictedRoute, front: FrontConfig | None
                 ) -> tuple[Diagnosis | None, Diagnosis]:
    """(the backend's reading, decided, or None; ``diagnosis`` without the default server's
    reading where nginx's block took the name) for a route that passes with proxy_pass:
    ``passed`` is ``diagnosis`` with the route said."""
    found = unanswered(obs, passed, context, route, front)
    if found is None:
        return None, diagnosis
    if found.cause is not None or found.explanation != passed.explanation:
        return found, diagnosis  # decided: a cause, or the backend's own words (_unserved)
    return None, dataclasses.replace(diagnosis, fix=found.fix, candidates=found.candidates)


def _host(obs: Observation, diagnosis: Diagnosis, route: PredictedRoute, front: FrontConfig,
          seen: list[Seen], backend: str) -> Diagnosis | None:
    host = (urlsplit(obs.target.url).hostname or "").lower()
    expected = obs.target.expected or "the expected instance"
    names = sorted({n.lower() for _, a, _ in seen if (n := _server_name(a))})
    if _host_passed(route, front, host):
        return _unserved(obs, diagnosis, seen, names, backend, host)
    if isinstance(front, ApacheRoutes):
        found = preserve_host_fix(route, front)
        rule = front.proxy_rule(route)
        if found is None or rule is None or rule.target.startswith("balancer://"):
            return None
        sent, fix, where = urlsplit(rule.target).netloc, found[0], rule.where
        claim = rule.written()
        how = (f"mod_proxy sends the ProxyPass target's host and port as Host without "
               f"'ProxyPreserveHost On' ({rule.written()}, {where})")
    else:
        step = route.step("host")
        if step is None or step.source is None or "$proxy_host" not in step.rule:
            return None
        sent, fix, where = step.decision, host_fix(FrontKind.NGINX, step, route), str(step.source)
        claim = step.rule
        how = f"{step.rule} ({where})"
    if not sent or host_name(sent) == host:
        return None
    said = (f" The backend got Host {quoted(sent)}, not {host!r}: {how}; it answered HTTP 403 "
            f"with no endpoint answer.")
    evidence = [Evidence(EvidenceKind.CONFIGURED, claim, where)]  # its line: the Host sent
    for url, answer, at in seen[:1]:
        said += (f" Through the same backend {url} got {expected}'s endpoint answer with Host "
                 f"{quoted(answer.host)} (request.host; {at.said}): the backend answers there "
                 f"with the URL's Host passed on.")
        evidence.append(Evidence(EvidenceKind.OBSERVED, f"request.host = {quoted(answer.host)}",
                                 f"GET {url}"))
    said += " " + _denies(seen, backend)
    if names and host not in names:
        fix += (f" The backend answers {', '.join(map(repr, names))} (request.server_name of "
                f"its answers), not {host!r}: start it with '--server-alias {host}' beside its "
                f"--server-name too (or pass one of its names as Host), and Django's "
                f"ALLOWED_HOSTS must hold {host!r} (the answer's host_allowed then tells).")
    elif not names:
        # its names are not seen: the alias is offered only for a name it does not hold
        fix += (f" If the 403 stays with {host!r} passed, compare it with the backend's "
                f"ServerName and ServerAlias lines (SERVER_ROOT/httpd.conf: its --server-name "
                f"and --server-alias): a mod_wsgi-express server takes a name in neither with "
                f"'--server-alias {host}' beside its --server-name.")
    return dataclasses.replace(
        diagnosis, cause=Cause.HOST_REWRITTEN, candidates=(), fix=fix,
        explanation=diagnosis.explanation + said, evidence=(*diagnosis.evidence, *evidence))


def _root(seen: list[Seen], backend: str) -> str:
    """mod_wsgi-express's default --server-root for the backend (its daemon group's name)."""
    express = next((at for _, _, at in seen if at.field == "process_group"), None)
    return express_root(express.value if express else backend)


def _denies(seen: list[Seen], backend: str) -> str:
    return express_denies(_root(seen, backend))


def _host_passed(route: PredictedRoute, front: FrontConfig, host: str) -> bool:
    """Whether the lines read pass the URL's own Host to the backend."""
    if isinstance(front, ApacheRoutes):
        found = front.preserve_host(route)
        return found is not None and found.on
    step = route.step("host")
    return step is not None and step.source is not None and (
        host_name(step.decision) == host or any(
            f"proxy_set_header Host {v}" in step.rule for v in ("$host", "$http_host")))


def _unserved(obs: Observation, diagnosis: Diagnosis, seen: list[Seen], names: list[str],
              backend: str, host: str) -> Diagnosis | None:
    """The URL's Host passed on, and the backend's own answers elsewhere name another
    server name: its --server-name denied this one (re-tester R31's wiki2 behind nginx,
    once the Host line was applied)."""
    if not names or host in names:
        return None
    url, _, at = seen[0]
    said = (f" The front passes the URL's Host {host!r} on, and through the same backend "
            f"{url} got {expected_of(obs)}'s endpoint answer under the server name "
            f"{', '.join(map(repr, names))} (request.server_name; {at.said}): the endpoint is "
            f"installed there and the backend does not take {host!r} as one of its names. "
            + _denies(seen, backend))
    fix = (f"Start the backend with '--server-alias {host}' beside its --server-name "
           f"{names[0]!r} (then start it again: its httpd.conf is written at start), and "
           f"Django's ALLOWED_HOSTS must hold {host!r} (the answer's host_allowed then "
           f"tells). The check that this 403 is its own: AH01630 ('client denied by server "
           f"configuration') on {_root(seen, backend)}/htdocs/__probe__ in its error_log "
           f"(SERVER_ROOT/error_log).")
    return dataclasses.replace(
        diagnosis, cause=None, candidates=(), fix=fix,
        explanation=diagnosis.explanation + said,
        evidence=(*diagnosis.evidence, Evidence(
            EvidenceKind.OBSERVED, f"request.server_name = {names[0]!r}", f"GET {url}")))


def _mount(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
           route: PredictedRoute, front: FrontConfig, seen: list[Seen]) -> Diagnosis | None:
    mounts = [(url, a, at) for url, a, at in seen if a.script_name]
    if not mounts:
        return None
    url, answer, at = mounts[0]
    mount = (answer.script_name or "").rstrip("/")
    path = urlsplit(obs.target.probe_url(context.manifest.probe.segment)).path or "/"
    if isinstance(front, ApacheRoutes):
        rule = front.proxy_rule(route)
        if rule is None or rule.regex or rule.target.startswith("balancer://") or \
                not path.startswith(rule.pattern):
            return None
        parts = urlsplit(rule.target)
        got = (parts.path or "/").rstrip("/") + "/" + path[len(rule.pattern):].lstrip("/")
        target = urlunsplit(parts._replace(path=mount + ("/" if rule.pattern.endswith("/")
                                                          else "")))
        reverse = "".join(f"; at {d.where}, '{reverse_line(d, rule.target, target)}'"
                          for d in reverse_of(front.site, rule))
        line, where, written = rule.line(target), rule.where, rule.written()
    else:
        step, mapping = route.step("mount"), route.step("mapping")
        upstream = route.step("upstream")
        if step is None or upstream is None or upstream.source is None or mapping is None \
                or not mapping.decision.startswith("location /") or \
                not mapping.decision.endswith("/") or not upstream.rule.startswith("proxy_pass "):
            return None
        got = step.decision
        parts = urlsplit(upstream.rule.removeprefix("proxy_pass "))
        line = f"proxy_pass {urlunsplit(parts._replace(path=mount + '/'))};"
        where, reverse, written = str(upstream.source), "", upstream.rule
    if got == mount or got.startswith(mount + "/"):
        return None
    said = (f" The backend gets the path {got}, and {expected_of(obs)}'s answers from it "
            f"elsewhere show the mount {quoted(answer.script_name)} (request.script_name at "
            f"{url}; {at.said}): the front's line at {where} hands it a path without that "
            f"mount, which the backend does not serve (its 404).")
    fix = (f"At {where}, keep the mount in the path passed on: '{line}'{reverse}. "
           f"{_reload(obs, context, front)}")
    return dataclasses.replace(
        diagnosis, cause=Cause.URL_MAPPING, candidates=(), fix=fix,
        explanation=diagnosis.explanation + said,
        evidence=(*diagnosis.evidence,
                  Evidence(EvidenceKind.OBSERVED, f"request.script_name = "
                           f"{quoted(answer.script_name)}", f"GET {url}"),
                  Evidence(EvidenceKind.CONFIGURED, written, where)))


def _reload(obs: Observation, context: SweepContext, front: FrontConfig) -> str:
    """How the running front reads the edited line: the words every --config fix ends with
    (a bare "reload the front" left the re-tester R31 without a command)."""
    main = front.files[0] if front.files else "FILE"
    if isinstance(front, ApacheRoutes):
        reads = "its configuration only when it starts or restarts"
        return f"After the edit, {apache_restart(main, same_apache(obs, context), reads, '')}."
    return nginx_reload(main)


def _server_name(answer: EndpointAnswer) -> str | None:
    """The name the backend's server took the request under (``request.server_name``)."""
    request = answer.raw.get("request")
    name = request.get("server_name") if isinstance(request, dict) else None
    return name if isinstance(name, str) and name else None


def expected_of(obs: Observation) -> str:
    return obs.target.expected or "the expected instance"
