"""The words of the configuration join (:mod:`probe.diagnose.join`): each sentence cites the
``file:line`` of the route step it states, or the answer's field it compares."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from probe.apache.names import catch_all_vhost as catch_all_at
from probe.apache.tls_setup import plain_request_fix
from probe.diagnose.express_port import handler_unproven
from probe.diagnose.identify import SweepContext
from probe.diagnose.join_group_fix import process_group_fix
from probe.diagnose.join_kept import GroupKept, Kept
from probe.diagnose.join_kept import words as kept_words
from probe.diagnose.script_rerun import apache_control
from probe.diagnose.wording import Diagnosis, catch_all_vhost
from probe.front import Divergence, PredictedRoute, RouteStep
from probe.model import Evidence, EvidenceKind, Observation

Difference = tuple[str, str, str, RouteStep | None]

RELOAD_OR_OTHER = ("the server that answered is not running this configuration as read "
                   "(changed on disk and not reloaded, another server on this address, a "
                   "proxy in front), or the model of it is wrong; no line of it is blamed")


def _at(step: RouteStep | None) -> str:
    return f" ({step.source})" if step is not None and step.source is not None else ""


def undecided(route: PredictedRoute) -> str:
    return (f"The configuration given does not decide this URL's route: {route.undecided}; "
            f"nothing in it is blamed.")


def not_this_configuration(differ: Sequence[Difference]) -> str:
    shown = "; ".join(f"it predicts {name} {predicted!r}{_at(step)}, the answer shows "
                      f"{seen!r}" for name, predicted, seen, step in differ)
    return f"The configuration given does not match the answer: {shown}. So {RELOAD_OR_OTHER}."


def difference_evidence(obs: Observation, differ: Sequence[Difference],
                        context: SweepContext) -> tuple[Evidence, ...]:
    probe_url = obs.target.probe_url(context.manifest.probe.segment)
    found: list[Evidence] = []
    for name, predicted, seen, step in differ:
        found.append(Evidence(EvidenceKind.OBSERVED, f"{_field(name)} = {seen!r}",
                              f"GET {probe_url}"))
        if step is not None and step.source is not None:
            found.append(Evidence(EvidenceKind.CONFIGURED,
                                  f"{step.rule} (predicts {name} {predicted!r})",
                                  str(step.source)))
    return tuple(found)


def _field(name: str) -> str:
    return f"request.{name}" if name == "script_name" else name


def predicted_no_step(route: PredictedRoute, obs: Observation) -> str:
    said = handler_unproven(route, obs)  # express's handler.wsgi: which script, not shown
    if said is not None:
        return said
    site = route.step("site")
    return (f"The configuration given predicts this answer ({route.site}"
            f"{'' if site is None else ': ' + site.rule}), but no step of its route shows "
            f"where it leaves the intended one.")


def config_cause(obs: Observation, diagnosis: Diagnosis, route: PredictedRoute,
                 found: Divergence, host: str, lint: Sequence[tuple[str, str, str]],
                 kept: Kept | None = None, shared: Sequence[GroupKept] = (),
                 listed: Sequence[str] = (), connect: str | None = None) -> Diagnosis:
    """The explanation and fix once the configuration is known to be the cause; ``kept``:
    the working URLs the name line that took the URL serves (Apache); ``shared``: those of
    other instances the group line that took it serves; ``listed``: the expected
    instance's URLs in the manifest; ``connect``: another address of the port where the
    site meant answers and every one of them has a Listen."""
    url = obs.target.url
    expected = obs.target.expected or "no instance"
    path = urlsplit(url).path or "/"
    leaves, meant = found.step, found.meant
    other = meant.decision if meant is not None and meant.stage == "site" else \
        f"the site meant for {expected}"
    meant_for = f"should be served by {expected}" if obs.target.expected else "must be refused"
    first = (f"{url} {meant_for}; the answer is what the configuration given predicts "
             f"({_summary(route)}).")
    if found.said is not None:  # the front's own words (a twin's mount)
        why, fix = found.said
    elif found.stage == "site" and meant is not None and meant.stage == "address":
        why, fix = _elsewhere(route, leaves, meant, host, expected, found.address_tls,
                              connect)
        if found.meant_tls is not None and not found.address_tls:
            fix = plain_request_fix(url, expected, meant.decision, found.meant_tls,
                                    route.address or "the address probed",
                                    written(leaves, route.address or "*:PORT"), listed)
    elif found.stage == "site":
        why = f"The route leaves the intended one at the site: {leaves.rule} ({leaves.source})."
        # A name took the URL and no site claiming it runs the application: the site that
        # runs it claims no such name, and is no "site meant" for it (a catch-all).
        unclaimed = found.cause is None and leaves.by == "name" and meant is not None
        if meant is not None and unclaimed:
            why += (f" Where {expected} is configured: {meant.rule} ({meant.source}), a "
                    f"VirtualHost that does not claim {host}.")
        elif meant is not None and not obs.target.expected:  # no site is meant: the next
            why += f" Without that line {meant.decision} would take it."
        elif meant is not None:
            why += f" The site meant for {expected}: {meant.rule} ({meant.source})."
        why_there = f" ({found.refuse_why})" if found.refuse_why else ""
        catch_all = (f"list first, for this address, a catch-all that refuses unknown "
                     f"names{why_there}:\n{found.refuse_block or _catch_all(url, route)}")
        if leaves.by in ("default", "only") and not obs.target.expected:
            fix = f"At {leaves.source}, {catch_all}"
        elif leaves.by == "default":
            fix = f"Add 'ServerAlias {host}' inside {other}; and {catch_all}"
        elif unclaimed and meant is not None:
            fix = _unclaimed(route, leaves, meant, host, expected, path)
        else:
            fix = stop_claiming(leaves, host, other, kept)
    elif found.stage == "mapping":
        why = (f"The route leaves the intended one before the WSGI mounts: {leaves.rule} "
               f"({leaves.source}), {leaves.decision}.")
        fix = (f"At {leaves.source}, keep {path} out of that rule (a narrower pattern, or a "
               f"rule for {path} before it), so the mount of {expected} takes it.")
    elif found.stage == "mount":
        why = f"The route leaves the intended one at the mount: {leaves.rule} ({leaves.source})."
        if meant is not None and meant.source is not None:
            why += f" The mount of {expected}: {meant.rule} ({meant.source})."
            fix = (f"Move the line at {meant.source} above the one at {leaves.source}: "
                   f"mod_wsgi uses the first alias that matches, so the most deeply nested "
                   f"URL must come first.")
        else:
            fix = f"Give {expected} a mount for {path} before the one at {leaves.source}."
    else:
        why, fix = process_group_fix(found, expected, route.step("mount"), route.site,
                                  route.script_name, route.script_file, shared)
        fix = _group_restart(obs, fix)
    told = "".join(f" probe lint reports {code} at {where}: {message}."
                   for code, where, message in lint)
    return dataclasses.replace(diagnosis, explanation=f"{first} {why}{told}", fix=fix)


def _group_restart(obs: Observation, fix: str) -> str:
    """``fix`` and the restart of the Apache that answered, by its own command: a group line
    is read only when Apache starts (R26's c1 fix, applied to a running Apache, changed
    nothing until a restart). Before a block to copy (the fix's last lines, printed
    verbatim), so that the block stays whole and the sentence is wrapped."""
    answers = [s.endpoint for s in obs.samples if s.endpoint is not None]
    if not answers:
        return fix
    restart = (f"Then restart Apache, which reads WSGIProcessGroup and process-group= only "
               f"when it starts (a touched WSGI script does not): {apache_control(answers)}.")
    words, newline, lines = fix.partition("\n")
    if not newline:
        return f"{fix} {restart}"
    return f"{words.removesuffix(':')}. {restart} The lines to add:\n{lines}"


def _unclaimed(route: PredictedRoute, leaves: RouteStep, meant: RouteStep, host: str,
               expected: str, path: str) -> str:
    """The VirtualHost that claims the name runs another application (or none) at the path,
    and the one running the expected instance claims no such name: the mount is missing in
    the first, and no line says the name is meant for the second."""
    mount = route.step("mount")
    runs = route.script_file or "no WSGI application"
    return (f"{route.site} is the VirtualHost that claims {host} ({leaves.source}) and runs "
            f"{runs} at {path}{_at(mount)}, not {expected}'s: give it {expected}'s mount, as "
            f"{meant.decision} runs it ({meant.source}). No line read says {host} is meant "
            f"for that VirtualHost: it claims no such name.")


def stop_claiming(leaves: RouteStep, host: str, other: str, kept: Kept | None) -> str:
    """Narrow the name line that took the URL; remove its VirtualHost only where no working
    URL of the sweep reaches it (it is then no forgotten copy)."""
    if kept is None or not kept.served:
        return (f"At {leaves.source}, stop claiming {host}: narrow that name or wildcard, or "
                f"remove the forgotten VirtualHost it belongs to, so that {other} gets it.")
    if not kept.through:
        return (f"At {leaves.source}, stop claiming {host}: narrow that name or wildcard, so "
                f"that {other} gets it (the VirtualHost it belongs to serves other URLs of "
                f"this sweep: keep it).")
    names = " ".join(kept.hosts)
    return (f"At {leaves.source}, stop claiming {host}: write the names that VirtualHost "
            f"is meant to answer instead (ServerAlias {names}; and any other name of that line it "
            f"must keep), so that {other} gets it. "
            f"{kept_words(kept, leaves.decision)}")


def _elsewhere(route: PredictedRoute, leaves: RouteStep, meant: RouteStep, host: str,
               expected: str, tls: Sequence[str] = (),
               connect_to: str | None = None) -> tuple[str, str]:
    """The site meant is on another address or port than the request went to: no name on
    this one can reach it (an alias added here would graft the name onto another site)."""
    went = route.address or "the address probed"
    why = (f"The route leaves the intended one at the site: {leaves.rule} ({leaves.source}). "
           f"The site meant for {expected} is on another address: {meant.rule} "
           f"({meant.source}); a request sent to {went} never reaches it.")
    connect = f"[instances.{expected}] connect in the manifest"
    if leaves.by == "only" and not leaves.decision.startswith("<VirtualHost *"):
        # An IP-based VirtualHost takes every connection to its address, whatever the name.
        port = went.rpartition(":")[2]
        fix = (f"At {leaves.source}, make that VirtualHost's address '*' (<VirtualHost "
               f"*:{port}>) so that names are compared among every VirtualHost of the port")
        # A connect sends every URL of the instance there: offered only where a Listen
        # opens each (T24's m2: connect = "[::1]" left project-1's :31781 URLs unreachable).
        fix += "." if connect_to is None else (
            f", or send {host}'s requests to {connect_to}, where {meant.decision} answers it "
            f"by name (connect = \"{connect_to}\" under [instances.{expected}] in the "
            f"manifest: a Listen read opens every URL of {expected} there).")
    elif tls:
        fix = (f"Send {host}'s requests where {meant.decision} listens (the URL's port, or "
               f"{connect}), or, if it should answer at {went} too, give it a VirtualHost of "
               f"its own there that speaks TLS (not {went} added to the <VirtualHost> line "
               f"of {meant.decision}: it has no SSLEngine on for {went}, and "
               f"the first VirtualHost of an address decides whether the port speaks TLS "
               f"for every site on it):\n{_tls_vhost(went, host, meant, tls)}")
    else:
        # The address as the VirtualHosts there write it: the connect address itself
        # (127.0.0.1:80) added to a line would make the site IP-based, the default for
        # every name sent to that IP.
        address = written(leaves, went)
        fix = (f"Send {host}'s requests where {meant.decision} listens (the URL's port, or "
               f"{connect}), or, if it should answer at {went} too, add {address} (the "
               f"address of {leaves.decision}, as written there) to its <VirtualHost> line.")
        if leaves.by == "name":
            # The name claimed at the address reached would still take it there (tester
            # T24's m2: a ServerAlias added to project-1's VirtualHost).
            fix += (f" For the second, also stop claiming {host} at {leaves.source}, "
                    f"where {leaves.decision} takes it at {went} now.")
    return why, fix


def written(leaves: RouteStep, went: str) -> str:
    """The address of the VirtualHost reached, as its line writes it (``*:80``): the one of
    the port the request went to, where its line lists several (``*:31781 *:31782``)."""
    written = re.search(r"<VirtualHost ([^>]+)>", leaves.decision)
    if written is None:
        return went
    addresses = written.group(1).split()
    port = went.rpartition(":")[2]
    return next((a for a in addresses if a.rpartition(":")[2] == port), addresses[0])


def _tls_vhost(went: str, host: str, meant: RouteStep, tls: Sequence[str]) -> str:
    """A VirtualHost for ``host`` on the TLS address ``went``, its TLS lines as read."""
    port = went.rpartition(":")[2]
    body = [f"    {line}" for line in tls]
    return "\n".join([f"<VirtualHost *:{port}>", f"    ServerName {host}", *body,
                      f"    # its certificate must name {host}",
                      f"    # the WSGI lines of {meant.decision}; a WSGIDaemonProcess "
                      f"defined in that VirtualHost serves this one too where both have the "
                      f"same ServerName (mod_wsgi compares it), so nothing moves",
                      "</VirtualHost>"])


def _summary(route: PredictedRoute) -> str:
    parts = [f"{name.replace('_', ' ')} {value!r}" for name, value in
             (("application_group", route.application_group),
              ("process_group", route.process_group), ("script_name", route.script_name))
             if value is not None]
    return ", ".join(parts) or (route.site or "its route")


def _catch_all(url: str, route: PredictedRoute) -> str:
    """The catch-all for the port the request really reached (a ``--connect`` address may
    not be the URL's port, and the VirtualHosts listen on the former)."""
    port = route.address.rpartition(":")[2] if route.address else ""
    return catch_all_at(f"*:{port}") if port.isdigit() else catch_all_vhost(url)


_ASKS = re.compile(r" \(sweep with --config PATH to have (?:it|them|the values and their line|the"
                   r" line) named\)|; sweep with --config PATH to have (?:it|the line) named|"
                   r"sweep with --config PATH, or (?=the error log)")


def asks_spent(diagnosis: Diagnosis, python_path: str | None) -> Diagnosis:
    """``diagnosis`` without the answers-alone asks for a configuration that was read (T33);
    where the ask was for the WSGIPythonPath line, that line (``python_path``) or none read."""
    def said(match: re.Match[str]) -> str:
        if not match.group(0).startswith(";"):
            return ""
        return f"; it is at {python_path}" if python_path else \
            "; the configuration given has none"
    fix, explanation = _ASKS.sub(said, diagnosis.fix), _ASKS.sub(said, diagnosis.explanation)
    if (fix, explanation) == (diagnosis.fix, diagnosis.explanation):
        return diagnosis
    return dataclasses.replace(diagnosis, fix=fix, explanation=explanation)


def python_path_line(front: object) -> str | None:
    """FILE:LINE of the last ``WSGIPythonPath`` of an Apache configuration read; None: none."""
    from probe.apache.route import ApacheRoutes

    if not isinstance(front, ApacheRoutes):
        return None
    found = [d for d in front.site.config.directives if d.key == "wsgipythonpath"]
    return found[-1].where if found else None
