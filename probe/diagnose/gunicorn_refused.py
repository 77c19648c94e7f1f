"""A 500 that is gunicorn's own refusal of the request, not the application's error: the
answer's body is gunicorn's error page (:mod:`probe.server_pages`), quoted as observed. For
a path that does not start with the SCRIPT_NAME gunicorn was given, the application never
ran and no traceback exists (gunicorn logs a WARNING); with nginx's configuration read, the
``proxy_pass`` whose URI part strips the prefix and the ``proxy_set_header SCRIPT_NAME`` that
names it are both named, with the fix (:mod:`probe.nginx.script_name`; tester T28's m2).
"""

from __future__ import annotations

import dataclasses

from probe.diagnose.nginx_names import nginx_model
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig, PredictedRoute
from probe.model import Evidence, EvidenceKind, Observation, Sample
from probe.nginx.script_name import StrippedScriptName, at_location
from probe.server_pages import script_name_refused


def refused(obs: Observation, diagnosis: Diagnosis, failed: Sample, where: str,
            route: PredictedRoute | None, front: FrontConfig | None) -> Diagnosis | None:
    """The words for ``failed``'s answer where its body is gunicorn's own page; else None.
    ``where`` says the status and Server header (``The answer was 500 (Server: ...)``)."""
    page = failed.page
    if page is None or page.server != "gunicorn":  # HAProxy's page is a front's, not this
        return None
    quoted = f"\"{page.message}\"" if page.message else f"'{page.reason}'"
    seen = (f"{where}; its body is gunicorn's own error page (title '{page.reason}'): "
            f"{quoted}")
    evidence = (*diagnosis.evidence, Evidence(
        EvidenceKind.OBSERVED, f"body: gunicorn's error page: {page.message or page.reason}",
        f"GET {obs.target.url}"))
    told = script_name_refused(page)
    if told is None:
        # another refusal of gunicorn's (a header it does not accept...): its page says why
        return dataclasses.replace(
            diagnosis, explanation=f"{seen}. gunicorn refused the request itself, before the "
                                   f"application ran.",
            fix="What gunicorn's page says is what to change, in the request the front sends "
                "or in gunicorn's options; its log holds the refusal as a WARNING 'Invalid "
                "request from ip=...', with no traceback.", evidence=evidence)
    path, script = told
    why = (f"{seen}. gunicorn refused the request before the application ran: the path it "
           f"received, {path}, does not start with the SCRIPT_NAME it was given, {script} "
           f"(a SCRIPT_NAME header, else its SCRIPT_NAME environment variable). No traceback "
           f"exists: gunicorn logs this as a WARNING 'Invalid request from ip=...'.")
    lines = _lines(route, front)
    if lines is None:
        fix = (f"Send gunicorn the whole path, {script} included (a front's pass that keeps "
               f"the prefix), or stop giving it the SCRIPT_NAME {script}"
               + (" (where nginx is the front, probe sweep --config with its configuration "
                  "names the lines)."
                  if front is None else "."))
        return dataclasses.replace(diagnosis, explanation=why, fix=fix, evidence=evidence)
    proxy, header = lines.proxy, lines.header
    why += (f" The {lines.location.describe()} ({lines.location.where}) passes to {proxy.url}, "
            f"whose URI part replaces {lines.location.pattern} by {proxy.uri} ({proxy.where}), "
            f"and sends proxy_set_header SCRIPT_NAME {header.value} ({header.where}).")
    fix = (f"At {proxy.where}, write '{lines.whole()}' (no URI part: the path arrives whole, "
           f"{lines.prefix}/ included, and gunicorn moves {header.value} into SCRIPT_NAME); "
           f"or remove 'proxy_set_header SCRIPT_NAME {header.value};' at {header.where}, the "
           f"prefix still stripped, and give the application its mount another way (its own "
           f"setting, such as Django's FORCE_SCRIPT_NAME = \"{lines.prefix}\").")
    configured = (Evidence(EvidenceKind.CONFIGURED, f"proxy_pass {proxy.url}", proxy.where),
                  Evidence(EvidenceKind.CONFIGURED, f"proxy_set_header SCRIPT_NAME "
                                                    f"{header.value}", header.where))
    return dataclasses.replace(diagnosis, explanation=why, fix=fix,
                               evidence=(*evidence, *configured))


def _lines(route: PredictedRoute | None, front: FrontConfig | None) -> StrippedScriptName | None:
    """The location of the route, where its URI part strips the prefix its SCRIPT_NAME header
    names."""
    model = nginx_model(front)
    mapping = route.step("mapping") if route is not None else None
    if model is None or route is None or route.undecided is not None or mapping is None \
            or mapping.source is None:
        return None
    return at_location(model, str(mapping.source))
