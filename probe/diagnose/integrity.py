"""Host and mount integrity, for every front: the right application answered, but what it
received will break its real pages.

* ``host_mismatch``: it received another Host than the URL's (and no X-Forwarded-Host with
  the URL's name): a proxy in front did not pass the client's Host on. Django builds links
  with that Host and, unless it is in ALLOWED_HOSTS, answers 400 to every real page;
* ``host_rejected``: it received the URL's Host, but Django rejects it
  (``request.host_allowed`` false): ALLOWED_HOSTS lacks the name, every real page is 400
  (the endpoint answers before Django runs, so the probe itself got 200);
* ``mount_mismatch`` (behind a proxy: nginx, or Apache's mod_proxy before an application
  server, mod_wsgi-express's included where the answer shows the proxy): its SCRIPT_NAME
  is not the URL's mount prefix: the front stripped the prefix without telling (its links
  and redirects point outside the mount), or passed the prefix on as part of the path (its
  URL patterns do not have it: pages 404).

Only an ``ok`` verdict is looked at: any other verdict already names a worse problem.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.diagnose import force_script, mount_declared
from probe.diagnose.answer_names import (
    distinct_by,
    groups_of,
    place,
    places,
    share,
)
from probe.diagnose.express_members import disagreement
from probe.diagnose.fronts import host_allowed, mod_wsgi, server_header
from probe.diagnose.host_words import forwarded_unread, host_fix, received
from probe.diagnose.host_words import host_name as _name
from probe.diagnose.identify import SweepContext
from probe.diagnose.mount_forced import forced_evidence
from probe.diagnose.mount_location import NginxRead, mount_place
from probe.diagnose.mount_nginx import route_step as _step
from probe.diagnose.mount_root import rooted
from probe.diagnose.mount_shape import (
    declared,
    mount_of,
    own_mounts,
    proxied,
    told_elsewhere,
    undecided,
)
from probe.diagnose.mount_told import links as mount_links
from probe.diagnose.mount_told import told as mount_told
from probe.diagnose.mount_words import mount_fix
from probe.diagnose.proxy_seen import mod_wsgi_proxied, proxy_seen
from probe.diagnose.reload import reload_ways
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.model import Cause, Evidence, EvidenceKind, FrontKind, Observation, Verdict
from probe.safe_text import quoted
from probe.urls import split_usual

if TYPE_CHECKING:
    from probe.front import PredictedRoute
    from probe.nginx.model import NginxModel


def check(obs: Observation, diagnosis: Diagnosis, context: SweepContext, front: FrontKind,
          route: PredictedRoute | None = None,
          routes: force_script.Routes | None = None,
          model: NginxModel | None = None) -> Diagnosis:
    """``diagnosis`` unchanged, or a host/mount verdict when the right application received
    a Host or a mount that breaks its pages; ``routes``: any URL's route in the
    configuration given (a fix may name another URL's location); ``model``: nginx's."""
    if diagnosis.verdict is not Verdict.OK:
        return diagnosis
    answers = [a for s in obs.samples if (a := s.trusted_answer) is not None]
    if not answers:
        return diagnosis
    return (_host(obs, diagnosis, answers, front, route)
            or next((found for group in groups_of(
                answers, lambda a: (a.script_name, a.path_info, mod_wsgi(a)))
                if proxied(front, group[-1], obs)
                and (found := _mount(obs, diagnosis, group[-1], context, front, route,
                                     answers, (model, routes)))), None)
            or force_script.check(obs, diagnosis, answers, context, front, route, routes)
            or diagnosis)


def _host(obs: Observation, diagnosis: Diagnosis, answers: list[EndpointAnswer],
          front: FrontKind, route: PredictedRoute | None) -> Diagnosis | None:
    """Every answer judged, each distinct (Host received, X-Forwarded-Host, host_allowed)
    once: behind a balancer one backend of several may lack the name."""
    url = obs.target.url
    wanted = _name((split_usual(url) or urlsplit(url))[1])
    mismatched: list[EndpointAnswer] = []
    rejected: list[EndpointAnswer] = []
    for (host, forwarded, allowed), group in distinct_by(
            answers, lambda a: (a.host, a.forwarded_host, host_allowed(a))).items():
        seen = _name(host)
        # An X-Forwarded-Host with the URL's name helps only where Django reads it
        # (USE_X_FORWARDED_HOST): host_allowed false says it did not (gunicorn keeps it).
        saved = _name(forwarded) == wanted and allowed is not False
        if seen and seen != wanted and not saved:
            mismatched += group
        elif allowed is False:
            rejected += group
    if not mismatched and not rejected:
        return None  # most URLs: nothing below (the words, the evidence) is needed
    bad = mismatched or rejected
    answer = bad[-1]
    allowed = host_allowed(answer)
    some = len(bad) < len(answers)
    which = f" That is {share(bad, len(answers))}; the others did not." if some else \
        (f" It is the same in all {len(answers)} samples ({places(bad)})." if len(answers) > 1
         else "")
    evidence = [Evidence(EvidenceKind.OBSERVED, f"request.host = {quoted(a.host)}",
                         f"GET {url}, {place(a)}") for a in _one_each(bad)]
    evidence += [Evidence(EvidenceKind.OBSERVED, f"request.forwarded_host = "
                          f"{quoted(a.forwarded_host)}", f"GET {url}, {place(a)}")
                 for a in _one_each(bad) if a.forwarded_host]
    if allowed is not None:
        evidence += [Evidence(EvidenceKind.OBSERVED, f"request.host_allowed = "
                              f"{str(host_allowed(a)).lower()}", f"GET {url}, {place(a)}")
                     for a in _one_each(bad)]
    pages = ("the real pages those processes serve answer 400 Bad Request (DisallowedHost)"
             if some else "every real page answers 400 Bad Request (DisallowedHost)")
    django = (f" Django rejects that name (request.host_allowed false): {pages}; only this "
              f"probe, answered before Django runs, got 200." if allowed is False else
              " Django accepts it (it is in ALLOWED_HOSTS), but builds absolute links and "
              "redirects with it." if allowed else "")
    if mismatched:
        step = _step(route, "host")
        cited = (f" The configuration given says why: {step.rule} ({step.source})."
                 if step is not None and step.source is not None else
                 f" The configuration given sends no Host of its own: {step.rule}."
                 if step is not None else _undecided(route, "host"))
        if step is not None and step.source is not None:
            evidence.append(Evidence(EvidenceKind.CONFIGURED, step.rule, str(step.source)))
        return Diagnosis(
            Verdict.HOST_MISMATCH, None,
            explanation=(f"{url} is served by the right application, but it received "
                         f"{received(mismatched, len(answers))}, not {wanted!r}: the proxy in "
                         f"front did not pass the client's Host on.{django}"
                         f"{forwarded_unread(mismatched, len(answers))}{which}{cited}"),
            fix=host_fix(front, step, route, server_header(obs)),
            answered_by=diagnosis.answered_by, evidence=(*diagnosis.evidence, *evidence))
    settings = sorted({a.settings for a in bad if a.settings})
    where = (f"of the application at {places(bad)}" if some else "of this application")
    return Diagnosis(
        Verdict.HOST_REJECTED, None,
        explanation=(f"{url} is served by the right application and it received Host "
                     f"{quoted(answer.host)}, but Django rejects that name (request.host_allowed"
                     f" false): {pages}; only this probe, answered before Django runs, got "
                     f"200.{which}"),
        fix=f"Add {wanted!r} to ALLOWED_HOSTS in the settings {where} "
            f"({' and '.join(settings) or 'its settings module'}); Django reads it once, when "
            f"the process loads, so then {reload_ways(_one_each(bad), capital=False)}.",
        answered_by=diagnosis.answered_by, evidence=(*diagnosis.evidence, *evidence))


def _one_each(answers: list[EndpointAnswer]) -> list[EndpointAnswer]:
    """One answer per place (pid and where it runs): the evidence names each once."""
    return list({place(a): a for a in answers}.values())


def _mount(obs: Observation, diagnosis: Diagnosis, answer: EndpointAnswer,
           context: SweepContext, front: FrontKind,
           route: PredictedRoute | None, answers: list[EndpointAnswer],
           nginx: NginxRead = (None, None)) -> Diagnosis | None:
    script, info = answer.script_name, answer.path_info
    if script is None or info is None:
        return None
    url = obs.target.url
    path = (urlsplit(url).path or "/").rstrip("/")
    sent = urlsplit(obs.target.probe_url(context.manifest.probe.segment)).path
    own = own_mounts(context, obs.target.expected, urlsplit(url).netloc.lower())
    shape = mount_of(path, sent, script, info, own)
    mount, stripped, doubled = shape.mount, shape.stripped, shape.doubled
    meant = declared(context, obs.target.expected, path) if not doubled else None
    short = None  # the front took off less than the declared mount: /api of /api/v1
    if stripped and meant is not None:
        if not meant.startswith(mount + "/"):
            meant = None  # judged by what was taken off, as without a declaration
        else:
            # the fix strips the declared mount, not what is stripped now
            short, mount, stripped = mount, meant, False
    root = rooted(obs, answer, context, front, route, sent) if meant is None else None  # at /
    if short is not None or root is not None:
        pass
    elif meant is not None:  # the manifest says what it must receive: judged against that
        if script == meant:
            return None
        if script.startswith(meant + "/"):  # told more than declared (whole path: a prefix)
            return mount_declared.longer(obs, diagnosis, answer, meant, front)
        mount = meant
    elif script == mount and not doubled:
        return None
    elif not doubled and script in own and (path + "/").startswith(script + "/"):
        return None  # a page inside the application's own mount, which the manifest lists
    elif undecided(obs, answers, context, front) is not None:
        return None  # the URL patterns decide: the mount_undecided warning says so
    forced = force_script.forced(answer)
    # Django's own mount: FORCE_SCRIPT_NAME where set, whatever SCRIPT_NAME says
    believed = (forced.rstrip("/") or "/") if forced is not None else script or "/"
    seen = f"request.script_name = {quoted(script)}, request.path_info = {quoted(info)}"
    evidence: tuple[Evidence, ...] = (Evidence(EvidenceKind.OBSERVED, seen, f"GET {url}"),)
    if root is not None:
        what, evidence = root.what, root.evidence
    elif doubled:
        what = (f"it received SCRIPT_NAME {quoted(script)} and PATH_INFO {quoted(info)}, the "
                f"prefix in both: it resolves {info} against its URL patterns (its pages answer "
                f"404 unless they start with {mount.lstrip('/')}/) and builds its links under "
                f"{script}{mount}/")
    elif stripped:
        told = mount_told(answer, mount, url)
        if told.told:
            return None  # Django's FORCE_SCRIPT_NAME is the mount: its links stay inside
        evidence += told.evidence
        what = (f"the front took {mount} off the path ({sent} arrived as {quoted(script + info)}) "
                f"{told.words}" + ("" if told.undecided else
                                   f" believes it is mounted at {believed}: "
                                   f"{mount_links(answer)} point outside {mount}/"))
    elif short is not None:
        what = (f"the front took {short} off the path ({sent} arrived as {quoted(script + info)}), "
                f"while the manifest declares script_name {meant!r} (its URL patterns carry "
                f"the path below {meant}): it resolves {info} (PATH_INFO) against them, so "
                f"its pages answer 404")
    elif meant is not None:
        what = (f"the application received the whole path {sent} with SCRIPT_NAME "
                f"{quoted(script)}, while the manifest declares script_name {meant!r} (its URL "
                f"patterns carry the path below {meant}, not {meant} itself): it resolves "
                f"{info} (PATH_INFO) against them, so its pages answer 404")
    elif script and script + info == sent and mount.startswith(script + "/"):
        # split at a shorter prefix: undecided unless another URL was told another mount
        other = told_elsewhere(context, obs.target.expected, urlsplit(url).netloc.lower(),
                               script)
        what = (f"the application received SCRIPT_NAME {quoted(script)} and PATH_INFO "
                f"{quoted(info)} "
                f"(the path {sent} split at {script}): it believes it is mounted at "
                f"{believed}, so unless its URL patterns start with "
                f"{mount[len(script):].lstrip('/')}/ its pages answer 404")
        if other is not None:
            what += (f". {other.url} of the same instance received SCRIPT_NAME "
                     f"{quoted(other.script)} and PATH_INFO {quoted(other.path_info)}: the front "
                     f"tells it another mount there, so the URLs listed under {mount}/ are judged "
                     f"against {mount}")
            evidence += (Evidence(EvidenceKind.OBSERVED,
                                  f"request.script_name = {other.script!r}, "
                                  f"request.path_info = {quoted(other.path_info)}",
                                  f"GET {other.url}"),)
    else:
        what = (f"the application received the whole path {sent} with SCRIPT_NAME "
                f"{quoted(script)}: it believes it is mounted at {believed}, so unless its URL "
                f"patterns start with {mount.lstrip('/')}/ its pages answer 404")
    seen_proxy = proxy_seen(obs, answer) if front not in (FrontKind.NGINX,
                                                          FrontKind.APACHE) else None
    behind = mod_wsgi_proxied(obs, answer)
    if behind is not None:  # its SCRIPT_NAME is its mount on the backend, not the URL's
        what += (f". mod_wsgi answered from behind a proxy "
                 f"({'; '.join(e.claim for e in behind.evidence)}): the SCRIPT_NAME it sets "
                 f"is its own mount within the path the proxy passed it, not the URL's")
        evidence += behind.evidence
    elif seen_proxy is not None:
        # no front named itself: say what showed one is there
        what += (f". A proxy is in front of it: "
                 f"{'; '.join(e.claim for e in seen_proxy.evidence)}")
        evidence += seen_proxy.evidence
    step = _step(route, "mount")
    what += _undecided(route, "mount").rstrip(".")
    if step is not None and step.source is not None:
        what += f". The configuration given: {step.rule} ({step.source})"
        evidence += (Evidence(EvidenceKind.CONFIGURED, step.rule, str(step.source)),)
    wrong = forced is not None and forced.rstrip("/") != mount
    evidence += forced_evidence(answer, mount, url) if front is FrontKind.NGINX else ()
    fix = root.fix if root is not None else mount_fix(
        front, mount, route, stripped=stripped, answer=answer, doubled=doubled,
        shared=force_script.shared_words(context, obs, answer, mount), every=answers, url=url,
        place=mount_place(obs, mount, route, context, *nginx), server=server_header(obs))
    # --mount-point given to some members only: which answered what, not the generic words
    read = route is not None and route.undecided is None
    split = disagreement(answers, mount, sent, route.members if route is not None and read
                         else (), configured=read,
                         directive="server" if front is FrontKind.NGINX else "BalancerMember")
    if split is not None and root is None:
        what, fix = split.explanation, split.fix
        evidence += split.evidence
    return Diagnosis(
        Verdict.MOUNT_MISMATCH, Cause.FORCE_SCRIPT_NAME if wrong else None,
        explanation=f"{url} is served by the right application, but {what}.",
        fix=fix, answered_by=diagnosis.answered_by,
        evidence=(*diagnosis.evidence, *evidence))


def _undecided(route: PredictedRoute | None, stage: str) -> str:
    if route is None or route.undecided is None:
        return ""
    # a uwsgi_pass whose uwsgi_param lines were not read: the step names the file to read
    step = route.step(stage)
    unknown = (f" What the application receives is not decided either: {step.rule}."
               if step is not None and step.decision == "(not known)" else "")
    return (f" The configuration given does not decide this URL's route: {route.undecided}."
            f"{unknown}")
