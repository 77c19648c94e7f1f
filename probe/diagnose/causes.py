"""Telling the causes apart: the evidence that names why a URL got the wrong answer.

Each function weighs what one answer shows against the rest of the sweep (through
:class:`SweepContext`) and returns the :class:`Diagnosis` of the cause the evidence supports,
or the cause-less verdict when it supports none. The words are in :mod:`probe.diagnose.wording`.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from probe.apache.names import is_shorter_mount, mount_matches, vhost_of
from probe.diagnose import causes_sharing, causes_site, site_wording, wording
from probe.diagnose import near_miss as near_miss_wording
from probe.diagnose.answer_names import fields_seen
from probe.diagnose.identify import Comparison, SweepContext, host_of
from probe.diagnose.label_unmatched import label_decided
from probe.diagnose.own_group import answers_words
from probe.diagnose.settings_fix import settings_fix
from probe.diagnose.settings_script_shared import shared_fix, sharers
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Instance
from probe.model import Candidate, Cause, Observation


def wrong_instance(
    obs: Observation, answer: EndpointAnswer, shown: str, context: SweepContext
) -> Diagnosis:
    expected = obs.target.expected
    assert expected is not None
    url = obs.target.url
    who = wording.who(answer, shown)
    misplaced = causes_sharing.process_group_scope(obs, answer, shown, context)
    if misplaced is not None:
        return _with_groups(misplaced, obs, answer, context)
    rewritten = causes_sharing.host_rewritten(url, answer, who, shown, expected)
    if rewritten is not None:
        return rewritten
    host = host_of(url)
    vhost = fallback_vhost(answer, host, context)
    expected_mount = _expected_mount(obs, context)
    mount = answer.script_name
    swallowed = mount is not None and is_shorter_mount(mount, expected_mount)
    if vhost is not None:
        # Another site answered: its swallowing mount matters only if the name is its own.
        return causes_site.other_site(obs, answer, who, shown, vhost, context,
                                      swallowed and not _other_answers_on(host, obs, context))
    found = causes_site.same_site(obs, answer, who, shown, context, expected_mount, swallowed)
    if swallowed or found.cause is not None:
        return found
    return _same_site_other_mount(obs, answer, who, shown, context, found)


def _same_site_other_mount(obs: Observation, answer: EndpointAnswer, who: str, shown: str,
                           context: SweepContext, found: Diagnosis) -> Diagnosis:
    """The URL's own site answered from another application on a mount that is not shorter:
    the candidates follow the observed SCRIPT_NAME. One that is no prefix of the path shows
    a step before the WSGI mounts changed the path; the same mount may be an earlier alias
    (a WSGIScriptAliasMatch), a mapping step, or an earlier site with the same name."""
    mount = answer.script_name
    path = urlsplit(obs.target.url).path or "/"
    if mount is None:
        return found
    seen = (*found.evidence, causes_site.observed(obs, context,
                                                  f"request.script_name = {mount!r}"))
    check = causes_site.CONFIG_CHECK
    remapped = not mount_matches(mount, path)
    to = f"maps {path} to {mount or '/'}" if remapped else f"takes {path}"
    mapping = Candidate(Cause.URL_MAPPING, f"{check}: a rewrite ([PT]), Alias or ProxyPass "
                                           f"before the mounts {to}")
    if remapped:
        told = site_wording.other_application(obs.target.url, obs.target.expected or "",
                                              answer, who, shown, seen, (mapping,))
        return dataclasses.replace(told, explanation=(
            f"{told.explanation} The observed script_name {mount!r} is no prefix of the path "
            f"{path}: a step before the WSGI mounts changed the path."))
    return site_wording.other_application(obs.target.url, obs.target.expected or "", answer,
                                          who, shown, seen, (
        Candidate(Cause.ALIAS_ORDER, f"{check}: an earlier alias of this site (a "
                                     f"WSGIScriptAliasMatch) matches {path} first"),
        mapping, *found.candidates))


def _with_groups(found: Diagnosis, obs: Observation, answer: EndpointAnswer,
                 context: SweepContext) -> Diagnosis:
    """A daemon group cause is named from the answer's fields: they are its evidence."""
    if found.evidence:
        return found
    return dataclasses.replace(found, evidence=causes_site.observed_fields(
        obs, context, ("process_group", answer.process_group),
        ("application_group", answer.application_group), ("label", answer.label)))


def _other_answers_on(host: str, obs: Observation, context: SweepContext) -> bool:
    """Whether another URL of the sweep on ``host`` got an endpoint answer."""
    return any(other is not obs and host_of(other.target.url) == host
               for other, _ in context.distinct("host", lambda o, _: host_of(o.target.url),
                                                observations=2))


def near_miss(obs: Observation, answer: EndpointAnswer, comparison: Comparison,
              shown: str, context: SweepContext) -> Diagnosis:
    """An answer that agrees with the expected instance on some declared field and contradicts
    it on another: say which, and name a cause only where the answer shows one."""
    expected = obs.target.expected
    assert expected is not None
    group = comparison.difference("process_group")
    # Only the daemon group differs, and mod_wsgi reported the one that served: the right
    # application in the wrong (or no) daemon process group.
    if group is not None and group.seen is not None and len(comparison.differ) == 1:
        # Another application answering from that same group is the evidence that the group
        # was applied too broadly; without it, the group meant for this one went unused.
        scoped = causes_sharing.process_group_scope(obs, answer, shown, context,
                                                    require_sharing=True)
        if scoped is not None:
            return _with_groups(scoped, obs, answer, context)
        address = obs.target.address or next((s.address for s in obs.samples if s.address),
                                             None)
        # Once per instance and group: every URL of a large sweep may miss the same way.
        key = (f"right_group {group.wanted!r} {answer.label!r}", expected)
        if key not in context.memo:
            context.memo[key] = next((other.target.url for other, seen
                                      in context.answers_of(expected)
                                      if seen.process_group == group.wanted
                                      and seen.label == answer.label), None)
        right = context.memo[key]
        right = right if isinstance(right, str) else None
        return _with_groups(near_miss_wording.daemon_group_unused(
            obs.target.url, expected, comparison, answer, shown, address, right), obs, answer,
            context)
    told = near_miss_wording.near_miss(obs.target.url, expected, comparison, answer, shown)
    owner = near_miss_wording.declared_elsewhere(comparison, expected, context)
    if owner is None:
        # The label alone differs, every other declared field agrees: the application meant
        # answered under another label, decided as behind nginx (one reading, either front).
        return label_decided(obs, told, context) or told
    return near_miss_wording.another_application(obs, answer, told, owner, context)


def fallback_vhost(answer: EndpointAnswer, host: str, context: SweepContext) -> str | None:
    """The ServerName of the vhost that caught ``host`` by fallback, "" if unknown, None if not.

    mod_wsgi's default application group (%{RESOURCE}) starts with the serving
    vhost's ServerName, not the requested Host; without it, an answering
    instance none of whose manifest URLs is on this host also crossed vhosts.
    """
    vhost = vhost_of(answer.application_group)
    if vhost is not None:
        return vhost if vhost != host and not context.vhost_serves(vhost, host) else None
    own_hosts = context.hosts_of(context.identify(answer))
    if own_hosts and host not in own_hosts:
        return ""
    return None


def _expected_mount(obs: Observation, context: SweepContext) -> str:
    expected = obs.target.expected
    assert expected is not None
    host = host_of(obs.target.url)
    known = context.mount_of(expected, host)
    if known is not None:
        return known
    # Unknown: at most what all the instance's URLs on this host share (a mount is a prefix
    # of each), so /admin/ of an instance that also serves / is not a mount of its own.
    # Once per instance and host: the instance may list thousands of URLs.
    key = ("shared_prefix " + host, expected)
    if key not in context.memo:
        paths = [urlsplit(url).path for url in context.manifest.instances[expected].urls
                 if host_of(url) == host]
        context.memo[key] = _common_prefix(paths) if paths else None
    shared = context.memo[key]
    return shared if isinstance(shared, str) else _common_prefix([urlsplit(obs.target.url).path])


def _common_prefix(paths: list[str]) -> str:
    split = [[part for part in path.split("/") if part] for path in paths]
    shared: list[str] = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        shared.append(parts[0])
    return "".join(f"/{part}" for part in shared)


def settings_mismatch(
    obs: Observation, answer: EndpointAnswer, instance: Instance, context: SweepContext
) -> Diagnosis:
    """The right instance with the wrong settings: a leak when another instance's settings
    came from a shared process, else a plain mismatch."""
    url = obs.target.url
    shared = causes_sharing.shared_interpreter(obs, answer, instance, context)
    if shared is not None:
        return shared
    shown = context.display_name(answer, instance.name)
    seen = answer.settings
    owner = next(
        (i for i in context.manifest.instances.values()
         if i.name != instance.name and i.settings is not None and i.settings == seen),
        None,
    )
    from probe.diagnose.settings_before import configured_before

    before = configured_before(obs, answer, instance, owner.name if owner else None, shown)
    if before is not None:  # the variable is its own now: Django kept the older value
        return before
    shares_process = owner is not None and answer.pid in context.pids_of(owner.name)
    if owner is not None and (answer.embedded or shares_process):
        claims = [c for c in (fields_seen(
            ("settings_module.environ", answer.settings_environ)), fields_seen(
            ("application_group", answer.application_group))) if c is not None]
        if shares_process:
            where = f"in the same process (pid {answer.pid}) as {owner.name}"
            claims.append(f"pid = {answer.pid}, as in answers of {owner.name}")
        else:
            # Another child than any the owner answered from: that this one ran the owner too
            # is not seen, only that both run embedded in Apache's children.
            owner_embedded = any(a.embedded for _, a in context.answers_of(owner.name))
            where = (f"embedded in an Apache child process (pid {answer.pid}), as "
                     f"{owner.name} is" if owner_embedded else
                     f"embedded in an Apache child process (pid {answer.pid})")
            claims.append("process_group = '' (embedded)")
        evidence = tuple(causes_site.observed(obs, context, claim) for claim in claims)
        leak = wording.environ_leak(url, instance.name, instance.settings, owner.name, where,
                                    answer, shown, evidence,
                                    _sharing(answer, instance, owner, context),
                                    own_group=answers_words(answer.process_group))
        return causes_sharing.with_group_hint(leak, answer, instance, owner.name, context)
    others = sharers(instance.name, instance.settings, answer, context)
    fix = (shared_fix(instance.name, instance.settings, answer, others) if others and
           instance.settings else settings_fix(instance.name, instance.settings, answer))
    return wording.settings_mismatch(url, instance.name, instance.settings, answer, shown, fix)


def _sharing(answer: EndpointAnswer, instance: Instance, owner: Instance,
             context: SweepContext) -> list[tuple[str, str | None, str | None]]:
    """Each instance seen in ``answer``'s process (``owner`` always), with its declared
    settings and its WSGI script as its own answers name it: every one of them must assign
    DJANGO_SETTINGS_MODULE, or the leak only moves to the one loaded second."""
    names = [instance.name, owner.name, *sorted(
        name for name in context.manifest.instances
        if name not in (instance.name, owner.name) and answer.pid is not None
        and answer.pid in context.pids_of(name))]

    def script(name: str) -> str | None:
        if name == instance.name and wording.script_file(answer):
            return wording.script_file(answer)
        # Once per instance: every leaking URL of a large sweep asks.
        key = ("script_of", name)
        if key not in context.memo:
            context.memo[key] = next((found for _, other in context.answers_of(name)
                                      if (found := wording.script_file(other))), None)
        known = context.memo[key]
        return known if isinstance(known, str) else None

    return [(name, context.manifest.instances[name].settings, script(name)) for name in names]


def leak_suspect(obs: Observation, context: SweepContext) -> tuple[EndpointAnswer, str] | None:
    """An embedded instance on the same host whose DJANGO_SETTINGS_MODULE this URL may have
    inherited (a likely cause of its 5xx, not a certain one), with its display name."""
    expected = context.manifest.instances.get(obs.target.expected or "")
    mine = expected.settings if expected else None
    host = host_of(obs.target.url)
    for other, answer in context.distinct(
            "leak", lambda o, a: (host_of(o.target.url), o.target.expected, a.embedded,
                                  a.settings)):
        if (
            answer.embedded
            and answer.settings
            and answer.settings != mine
            and other.target.expected != obs.target.expected
            and host_of(other.target.url) == host
        ):
            return answer, context.display_name(answer)
    return None
