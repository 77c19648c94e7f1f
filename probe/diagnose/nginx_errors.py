"""An error answered through a front or by an application server reached directly
(:mod:`.nginx_causes`): nginx's own 502/503/504 (``upstream_down``: the upstream gave no usable
answer, the configuration names it), an application server's own refusal (its error page in
the body: :mod:`.gunicorn_refused`), or a 500 the application itself answered (its server's
log).
"""

from __future__ import annotations

import dataclasses

from probe.diagnose.fronts import server_header, software
from probe.diagnose.gunicorn_refused import refused
from probe.diagnose.identify import SweepContext
from probe.diagnose.nginx_default_capture import default_capture_words
from probe.diagnose.nginx_fallback import intercepted
from probe.diagnose.nginx_gateway import gateway_words, no_params_step
from probe.diagnose.nginx_map_entry import unnamed_words
from probe.diagnose.nginx_regex_order import regex_order
from probe.diagnose.server_errors import GATEWAY
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig, PredictedRoute, RouteStep
from probe.model import Cause, Evidence, EvidenceKind, Observation, Verdict


def _configured(*steps: RouteStep | None) -> tuple[Evidence, ...]:
    return tuple(Evidence(EvidenceKind.CONFIGURED, s.rule, str(s.source))
                 for s in steps if s is not None and s.source is not None)


def direct_diagnosis(obs: Observation, diagnosis: Diagnosis) -> Diagnosis:
    """An application server reached directly: its own log, not a front's."""
    if diagnosis.verdict is Verdict.HTTP_ERROR:
        return front_error(obs, diagnosis, None, None)
    return diagnosis


def front_error(obs: Observation, diagnosis: Diagnosis, route: PredictedRoute | None,
                front: str | None, config: FrontConfig | None = None,
                own_at: str | None = None, context: SweepContext | None = None) -> Diagnosis:
    """``own_at``: where the expected instance listens, as its answers to its own URLs say."""
    # The error's own status and Server header: other samples may have reached the endpoint.
    failed = next((s for s in reversed(obs.samples)
                   if s.status_code is not None and s.status_code >= 500), None)
    status = failed.status_code if failed is not None else None
    header = failed.server if failed is not None and failed.server else server_header(obs)
    shown = f" (Server: {header})" if header else ""
    said, caught = intercepted(route, status)  # an error_page took the application's status
    evidence = (Evidence(EvidenceKind.OBSERVED, f"status {status}{shown}",
                         f"GET {obs.target.url}"),)
    if status in GATEWAY and not (header or "").lower().startswith("nginx"):
        # Not nginx's own page (no nginx Server header): what the answers show is said
        # without naming a front they do not show (probe.diagnose.server_errors).
        return diagnosis
    if front == "nginx" and status in GATEWAY:
        upstream = route.step("upstream") if route is not None else None
        shadowed = regex_order(obs, route, own_at)  # a later expression block never reached
        by_default = default_capture_words(obs, route, config, context)
        if by_default is not None and not shadowed:
            # the default server took a name none claims: a server at its address would
            # serve every unknown name, so the fix is refusing them (or claiming the name)
            return dataclasses.replace(
                diagnosis, cause=Cause.DEFAULT_SERVER,
                explanation=f"nginx answered {status}{shown} itself, without an application: "
                            f"{by_default.why}{said}", fix=by_default.fix,
                evidence=(*evidence, *_configured(route.step("site") if route else None,
                                                  upstream), *caught))
        words = (shadowed[0] if shadowed else None) or unnamed_words(route) \
            or gateway_words(status, route, upstream)
        return dataclasses.replace(
            diagnosis, cause=Cause.UPSTREAM_DOWN,
            explanation=f"nginx answered {status}{shown} itself, without an application: "
                        f"{words.why}{said}", fix=words.fix,
            evidence=(*evidence, *_configured(upstream, no_params_step(route)),
                      *(shadowed[1] if shadowed else ()), *caught))
    if failed is not None and failed.page is not None:
        # the body is an application server's own page: it refused, the application never ran
        said_by = refused(obs, dataclasses.replace(diagnosis, evidence=(
            *diagnosis.evidence, *evidence, *caught)), failed,
            f"The answer was {status}{shown}" + (" through nginx" if front else ""), route,
            config)
        if said_by is not None:
            return said_by
    where = (f"The application answered {status}{shown}" + (" through nginx" if front else ""))
    log = "the application server's log"
    answer = next((s.endpoint for s in reversed(obs.samples) if s.endpoint), None)
    if answer is not None and software(answer):
        log = f"{software(answer)}'s log"
    return dataclasses.replace(
        diagnosis, explanation=f"{where}: the error happened in the application.{said}",
        fix=f"Read {log} (its error log or the service's journal) for the traceback of this "
            f"request.", evidence=(*diagnosis.evidence, *evidence, *caught))
