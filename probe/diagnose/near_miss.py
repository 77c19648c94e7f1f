"""The words for a near miss: an answer that matches the expected instance on some declared
fields (label, process group, application group) and contradicts it on others.

Kept apart from :mod:`probe.diagnose.wording` because what it says is built from the field by
field :class:`~probe.diagnose.identify.Comparison`, not from one instance's name: "label
'mysite' as expected, but process group '127.0.0.1:8000', not 'mysite'".
"""

from __future__ import annotations

import dataclasses

from probe.diagnose.causes_site import CONFIG_CHECK, observed
from probe.diagnose.discriminate import probed_default
from probe.diagnose.express_port import express_port
from probe.diagnose.fronts import listening, same_listen
from probe.diagnose.fronts import software as server_software
from probe.diagnose.identify import Comparison, Difference, SweepContext, host_of
from probe.diagnose.site_wording import sent_port
from probe.diagnose.wording import Diagnosis, host_name, script_hint
from probe.endpoint_answer import EndpointAnswer
from probe.model import Candidate, Cause, Observation, Verdict
from probe.safe_text import quoted

_FIELD_NAMES = {"label": "label", "process_group": "process group",
                "application_group": "application group"}


def agreement(comparison: Comparison, answer: EndpointAnswer) -> str:
    """E.g. "label 'mysite' as expected, but process group '127.0.0.1:8000', not 'mysite'"."""
    agree = " and ".join(f"{_FIELD_NAMES[f]} {getattr(answer, f)!r}" for f in comparison.agree)
    differ = "; ".join(_difference(d, answer) for d in comparison.differ)
    return f"{agree} as expected, but {differ}"


def _pid(answer: EndpointAnswer) -> str:
    # The fields that matter are named in the agreement already; the pid finds the process.
    return f" (pid {answer.pid})" if answer.pid is not None else ""


def _difference(difference: Difference, answer: EndpointAnswer) -> str:
    name = _FIELD_NAMES[difference.field]
    if difference.seen is None:
        software = server_software(answer)
        not_mod_wsgi = (f" ({software} is not mod_wsgi)"
                        if software is not None and difference.field != "label" else "")
        return f"no {name} reported{not_mod_wsgi}, not {difference.wanted!r}"
    embedded = (" (embedded mode)"
                if difference.field == "process_group" and difference.seen == "" else "")
    return f"{name} {difference.seen!r}{embedded}, not {difference.wanted!r}"


def daemon_group_unused(url: str, expected: str, comparison: Comparison,
                        answer: EndpointAnswer, shown: str,
                        address: str | None = None, right_url: str | None = None) -> Diagnosis:
    """``address``: where the requests went (the VirtualHosts listen on its port, which a
    ``--connect`` address may give where the URL gives none); ``right_url``: a URL of the
    sweep that the same instance answered from the group meant, whose site shows how."""
    group = comparison.difference("process_group")
    assert group is not None and group.seen is not None
    where = f"{host_name(url)}:{sent_port(url, address)}"
    if group.seen == "":
        why = (f"it runs embedded in Apache's child processes (process_group ''), not in the "
               f"daemon process group {group.wanted!r}: the site serving this URL does not "
               f"delegate it to that group (a site copied without it, e.g. for HTTPS, runs "
               f"the application embedded).")
        right = (f", as the site serving {right_url} does (it answered from "
                 f"{group.wanted!r})" if right_url else "")
        fix = (f"In the VirtualHost for {where}, add 'WSGIProcessGroup {group.wanted}' (or "
               f"process-group={group.wanted} on its WSGIScriptAlias){right}.")
    elif _express_reached(answer, address or where):
        # express writes its httpd.conf anew at each start, naming the group after --host
        # and --port: no WSGIProcessGroup line of it is the operator's (T31 moved blog to
        # 18206 and the manifest's group stayed 127.0.0.1:18201)
        why = (f"the daemon process group {group.wanted!r} does not serve this URL, "
               f"{group.seen!r} does: the group of the mod_wsgi-express server reached at "
               f"{address or where} (it names its daemon group after its --host and --port, "
               f"HOST:PORT, and serves every URL of its port from it).")
        fix = (f"Write process_group = {group.seen!r} for {expected} in the manifest: "
               f"mod_wsgi-express names its group after its --host and --port, so a server "
               f"started on another port (or host) has another group, and no WSGIProcessGroup "
               f"can be written for it (start-server writes its httpd.conf anew). If "
               f"{group.wanted!r} is meant, the server must listen there: start it with that "
               f"--host and --port. Then probe again.")
    else:
        why = (f"the daemon process group {group.wanted!r} does not serve this URL, "
               f"{group.seen!r} does.")
        fix = (f"Serve this URL with process-group={group.wanted} (WSGIScriptAlias) or "
               f"WSGIProcessGroup {group.wanted} in the VirtualHost for {where}; a "
               f"WSGIProcessGroup in a <Location> or <Directory> of this path overrides the "
               f"VirtualHost's, so change it there if one is written (--config PATH names the "
               f"line that applies); if "
               f"{group.seen!r} is the intended group (mod_wsgi-express names its group after "
               f"its host and port), write process_group = {group.seen!r} in the manifest.")
    return Diagnosis(
        Verdict.WRONG_INSTANCE,
        Cause.DAEMON_GROUP_UNUSED,
        explanation=f"{url} should be served by {expected}; it is answered with "
                    f"{agreement(comparison, answer)}{_pid(answer)}: {why}",
        fix=fix,
        answered_by=shown,
    )


def _express_reached(answer: EndpointAnswer, reached: str) -> bool:
    """Whether the answer's group is a mod_wsgi-express server's at the address reached."""
    at = listening(answer)
    return at is not None and at.field == "process_group" and same_listen(at.address, reached)


def near_miss(url: str, expected: str, comparison: Comparison, answer: EndpointAnswer,
              shown: str) -> Diagnosis:
    fields = " and ".join(_FIELD_NAMES[d.field] for d in comparison.differ)
    return Diagnosis(
        Verdict.WRONG_INSTANCE,
        explanation=f"{url} should be served by {expected}; it is answered with "
                    f"{agreement(comparison, answer)}{_pid(answer)}.",
        fix=(f"Check which WSGIScriptAlias, process-group and application-group serve this "
             f"URL and the label given to wsgi_endpoint.wrap() in its WSGI script"
             f"{script_hint(answer)}; or correct the {fields} declared for {expected} in the "
             f"manifest."),
        answered_by=shown,
    )


def declared_elsewhere(comparison: Comparison, expected: str,
                        context: SweepContext) -> tuple[tuple[str, ...], str, str] | None:
    """(instances, field, value): a differing field whose value seen is what the manifest
    declares for other instances (every one of them: one label may be declared for two, and
    the answer tells them apart no further): their application answered, not a mislabelled
    one of the expected instance."""
    for difference in comparison.differ:
        if difference.seen is None or difference.field == "process_group":
            continue  # a daemon group is where an application runs, not which one it is
        names = tuple(name for name, instance in context.manifest.instances.items()
                      if name != expected
                      and getattr(instance, difference.field) == difference.seen)
        if names:
            return names, difference.field, difference.seen
    return None


def another_application(obs: Observation, answer: EndpointAnswer, told: Diagnosis,
                         owner: tuple[tuple[str, ...], str, str],
                         context: SweepContext) -> Diagnosis:
    """A near miss whose differing value is other instances' declared one: the request
    reached that application, so the route (a site or mount), not the manifest, is the
    question; the .invalid request's answer weighs the site candidates where it was sent.
    On a mod_wsgi-express port reached directly no site chose it (:mod:`.express_port`)."""
    names, field, value = owner
    name = " or ".join(names)  # which of them, the answer does not tell
    expected = obs.target.expected or ""
    host = host_of(obs.target.url)
    seen = [observed(obs, context, f"{field} = {quoted(value)}")]
    default, probe = probed_default(obs, answer, context)
    if probe is not None:
        seen.append(probe)
    groups = tuple(context.manifest.instances[n].process_group for n in names)
    one_port = express_port(obs, answer, told, names, field, value, tuple(seen), groups)
    if one_port is not None:
        return one_port
    check = CONFIG_CHECK
    fallback = Candidate(Cause.VHOST_FALLBACK, f"{check}: no site of this address claims "
                                               f"{host!r}, so its first site answers")
    shadowed = Candidate(Cause.VHOST_SHADOWED, f"{check}: a site listed before {expected}'s "
                                               f"claims {host!r} (a wildcard or the same name)")
    candidates = [shadowed] if default is False else [fallback, shadowed]
    if default is None and probe is None:
        candidates = [Candidate(c.cause, f"{c.check}; or let the extra request for a "
                                         f".invalid name run (no --no-extra-probes)")
                      for c in candidates]
    default_said = {
        True: " The request for a .invalid name at the same address got the same "
              "application: it is the address's default site.",
        False: " The request for a .invalid name at the same address got another answer: "
               "a site that is not the address's default claims the name.",
    }.get(default, "") if default is not None else ""
    explanation = (f"{told.explanation} {field.replace('_', ' ').capitalize()} {quoted(value)} is "
                   f"the {field.replace('_', ' ')} the manifest declares for "
                   f"{' and '.join(names)}: "
                   f"{name}'s application answered this URL, not {expected}'s.{default_said}")
    fix = near_miss_fix(obs.target.url, expected, name, host)
    return dataclasses.replace(told, explanation=explanation, fix=fix,
                               evidence=(*told.evidence, *seen), candidates=tuple(candidates))


def near_miss_fix(url: str, expected: str, name: str, host: str) -> str:
    """The fix of a URL another instance's declared field answered, from the answers alone:
    its first sentence, the ask for --config, is taken out once the configuration is read."""
    return (f"Sweep with --config PATH (the front's configuration) to have the line that sends "
            f"{url} to {name}'s application named. If no site of {expected} has {host!r} as a "
            f"ServerName or ServerAlias, give it one; if one has it, a site listed before it "
            f"claims the name first (the address's default site, a wildcard or the same "
            f"name): narrow or remove the name there.")
