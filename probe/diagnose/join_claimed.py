"""A URL without an endpoint answer (``no_endpoint``) whose name another site took: the
VirtualHost that got the request is not the one whose mounts run the expected instance's
script, and a VirtualHost of the same address that does claims the name further down the
list (``vhost_shadowed``). The fix is the name line that took it (a wildcard, an alias, the
order of the sites), never a mount of the claiming site's script for the expected instance.

A tester's Trac site given ``ServerAlias *.example.com`` and enabled first took Review
Board's URLs; no answer of Review Board said its script, and the fix then proposed mounting
Trac's script at Review Board's path. So the expected instance's script comes from its own
answers (``script_file``) or, where none reported it, from the configuration: the one other
application mounted at the URL's path by a VirtualHost that claims the host name
(:meth:`probe.apache.route.ApacheRoutes.intended`, as the ``wrong_instance`` join asks it).
"""

from __future__ import annotations

import dataclasses
import os
import re
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from probe.apache.site_fix import Known
from probe.diagnose.answer_names import server_kind
from probe.diagnose.discriminate import key_of
from probe.diagnose.fronts import express_address
from probe.diagnose.identify import SweepContext
from probe.diagnose.join_kept import kept as kept_by
from probe.diagnose.join_wording import stop_claiming
from probe.diagnose.wording import Diagnosis
from probe.front import Divergence, PredictedRoute, RouteStep
from probe.model import Cause, Evidence, EvidenceKind, Observation

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin

_OPENING = re.compile(r" at (.+):(\d+)$")  # a site step's decision ends with its opening line


@dataclasses.dataclass(frozen=True)
class Intended:
    """The expected instance's WSGI script and how it is known (empty: its own answers)."""

    script: str | None
    chosen: str = ""


def answered_script(obs: Observation, context: SweepContext) -> str | None:
    """The WSGI script the expected instance's own right answers report."""
    name = obs.target.expected or ""
    if name not in context.manifest.instances:
        return None
    scripts = (a.raw.get("script_file") for o, a in context.answers_of(name)
               if o.target.expected == name)
    return next((s for s in scripts if isinstance(s, str) and s), None)


def owner(obs: Observation, context: SweepContext, script: str | None) -> str | None:
    """The other instance of the manifest whose answers report ``script`` (observed)."""
    if script is None:
        return None
    for name in context.manifest.instances:
        if name == obs.target.expected:
            continue
        if any(_same(a.raw.get("script_file"), script) for _, a in context.answers_of(name)):
            return name
    return None


def known(obs: Observation, context: SweepContext, script: str | None) -> Known:
    """What the sweep observed that a site's fix needs: the expected instance's script, the
    scripts of the others (each as its answers report it), where its URLs are mounted, and
    the other instances' daemon groups (the manifest's process_group)."""
    others: dict[str, str] = {}
    for name in context.manifest.instances:
        if name != obs.target.expected:
            for _, answer in context.answers_of(name):
                found = answer.raw.get("script_file")
                if isinstance(found, str) and found:
                    others.setdefault(os.path.realpath(found), name)
    instance = context.manifest.instances.get(obs.target.expected or "")
    urls = instance.urls if instance is not None else (obs.target.url,)
    groups = {i.process_group: name for name, i in context.manifest.instances.items()
              if name != obs.target.expected and i.process_group}
    return Known(script, others, prefix(urls), urls, groups, apache_parent(obs, context))


def apache_parent(obs: Observation, context: SweepContext) -> int | None:
    """The Apache parent (``ppid``) of a mod_wsgi answer at ``obs``'s address, whose own
    command line lists the VirtualHosts it loaded (re-tester R31: a bare 'apachectl -S'
    reads the system's configuration, not a file given with -f); a mod_wsgi-express answer
    only where the probe reached that express server itself (behind a front its parent is
    not the front's Apache); None where no answer names one."""
    address = key_of(obs)[1]
    # address -> the first such parent, once per sweep (a large sweep asks per URL)
    parents = cast("dict[str | None, int] | None", context.memo.get(("apache-parent", "")))
    if parents is None:
        parents = {}
        for other in context.observations:
            at = key_of(other)[1]
            for sample in other.samples:
                answer = sample.trusted_answer
                ppid = answer.ppid if answer is not None else None
                if at not in parents and answer is not None and ppid is not None and \
                        ppid > 1 and server_kind(answer) == "mod_wsgi" and \
                        express_address(answer) in (None, at):
                    parents[at] = ppid
        context.memo[("apache-parent", "")] = parents
    return parents.get(address)


def prefix(urls: tuple[str, ...]) -> str | None:
    """The path the URLs' paths share, segment by segment: where the instance is mounted.
    One URL deeper than one segment does not tell (``/reviews/r/1/`` is a page of it)."""
    paths = [[p for p in (urlsplit(u).path or "/").split("/") if p] for u in urls]
    if not paths or (len(paths) == 1 and len(paths[0]) > 1):
        return None
    shared: list[str] = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        shared.append(parts[0])
    return "/" + "".join(f"{p}/" for p in shared)


def intended(obs: Observation, context: SweepContext, config: ConfigJoin,
             route: PredictedRoute) -> Intended:
    """The expected instance's script: its answers' ``script_file``; else, where a name took
    the URL to a site that runs no application there or one another instance's answers
    report, the one the configuration mounts for the URL elsewhere (the route's own script
    may be the expected one, endpoint not installed: the configuration is not asked then)."""
    script = answered_script(obs, context)
    if script is not None:
        return Intended(script)
    if route.script_file is not None and owner(obs, context, route.script_file) is None:
        return Intended(None)
    site = route.step("site")
    if site is None or site.by != "name":  # no name took it: the fallback's own fixes
        return Intended(None)
    instance = context.manifest.instances.get(obs.target.expected or "")
    if instance is None or config.intended is None:
        return Intended(None)
    settings = instance.settings or ""
    package = settings.split(".", 1)[0] if "." in settings else None
    read = config.intended(route, instance.process_group, package)
    return Intended(None) if read is None else Intended(read[0], read[1])


def shadowed(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
             config: ConfigJoin, route: PredictedRoute, found: Divergence | None,
             meant: Intended) -> Diagnosis | None:
    """The diagnosis where the name line of the route's VirtualHost took the URL from the
    site that runs the expected script; None where that is not what ``found`` says."""
    if found is None or found.stage != "site" or found.cause != Cause.VHOST_SHADOWED.value \
            or found.step.source is None or found.meant is None or found.meant.source is None:
        return None
    leaves, site = found.step, found.meant
    expected = obs.target.expected or "the expected instance"
    host = (urlsplit(obs.target.url).hostname or "").lower()
    path = urlsplit(obs.target.url).path or "/"
    mount = route.step("mount")
    runs = (f"runs {route.script_file}" if route.script_file is not None else
            f"runs no WSGI application there ({mount.rule if mount else 'no WSGI mount'})")
    explanation = (f"{diagnosis.explanation} The configuration given does not route {path} "
                   f"to {expected}'s WSGI script ({meant.script}): {leaves.rule} "
                   f"({leaves.source}), so {route.site} {runs}. The site meant for "
                   f"{expected}: {site.rule} ({site.source}).")
    explanation += "".join(f" probe lint reports {code} at {where}: {message}."
                           for code, where, message in _lint(leaves, site, config))
    if meant.chosen:
        explanation += f" The intended application: {meant.chosen}."
    kept = kept_by(context, config.front, route, leaves) if leaves.by == "name" else None
    fix = stop_claiming(leaves, host, site.decision, kept)
    opened = [_opening(s) for s in (route.step("site"), site)]
    evidence = (*diagnosis.evidence,
                *(Evidence(EvidenceKind.CONFIGURED, s.rule, str(s.source))
                  for s in (*route.steps, site) if s.source is not None),
                *(Evidence(EvidenceKind.CONFIGURED, f"{what}", where)
                  for what, where in opened if where))
    return dataclasses.replace(diagnosis, cause=Cause.VHOST_SHADOWED, explanation=explanation,
                               fix=fix, evidence=evidence)


def _opening(step: RouteStep | None) -> tuple[str, str]:
    """A site step's VirtualHost and its opening line (``file:line``), as its decision says."""
    found = _OPENING.search(step.decision) if step is not None else None
    if step is None or found is None:
        return "", ""
    return step.decision[:found.start()], f"{found.group(1)}:{found.group(2)}"


def _lint(leaves: RouteStep, site: RouteStep,
          config: ConfigJoin) -> list[tuple[str, str, str]]:
    """lint's ``vhost_shadowed`` at the lines of both sites (it is reported at the opening
    line of the VirtualHost never reached)."""
    places = [(s.source.file, s.source.line) for s in (leaves, site) if s.source]
    for step in (leaves, site):
        found = _OPENING.search(step.decision)
        if found:
            places.append((found.group(1), int(found.group(2))))
    return [(config.findings[p][0], f"{p[0]}:{p[1]}", config.findings[p][1])
            for p in dict.fromkeys(places) if p in config.findings
            and config.findings[p][0] == Cause.VHOST_SHADOWED.value]


def _same(a: object, b: str) -> bool:
    return isinstance(a, str) and bool(a) and os.path.realpath(a) == os.path.realpath(b)
