"""Telling the causes apart: the evidence that names why a URL got the wrong answer.

Each function weighs what one answer shows against the rest of the sweep (through
:class:`SweepContext`) and returns the :class:`Diagnosis` of the cause the evidence supports,
or the cause-less verdict when it supports none. The words are in :mod:`probe.diagnose.wording`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from probe.apache_names import is_shorter_mount, vhost_of
from probe.diagnose import causes_sharing, wording
from probe.diagnose.identify import SweepContext, host_of
from probe.diagnose.wording import Diagnosis
from probe.manifest import Instance
from probe.model import EndpointAnswer, Observation


def wrong_instance(
    obs: Observation, answer: EndpointAnswer, shown: str, context: SweepContext
) -> Diagnosis:
    expected = obs.target.expected
    assert expected is not None
    url = obs.target.url
    who = wording.who(answer, shown)
    misplaced = causes_sharing.process_group_scope(obs, answer, shown, context)
    if misplaced is not None:
        return misplaced
    rewritten = causes_sharing.host_rewritten(url, answer, who, shown, expected)
    if rewritten is not None:
        return rewritten
    vhost = fallback_vhost(answer, host_of(url), context)
    if vhost is not None:
        return wording.vhost_fallback(url, expected, who, shown, vhost)
    expected_mount = _expected_mount(obs, context)
    mount = answer.script_name
    if mount is not None and is_shorter_mount(mount, expected_mount):
        return wording.alias_order(url, expected, expected_mount, answer, who, shown)
    return wording.other_instance(url, expected, answer, who, shown)


def fallback_vhost(answer: EndpointAnswer, host: str, context: SweepContext) -> str | None:
    """The ServerName of the vhost that caught ``host`` by fallback, "" if unknown, None if not.

    mod_wsgi's default application group (%{RESOURCE}) starts with the serving
    vhost's ServerName, not the requested Host; without it, an answering
    instance none of whose manifest URLs is on this host also crossed vhosts.
    """
    vhost = vhost_of(answer.application_group)
    if vhost is not None:
        return vhost if vhost != host and not context.vhost_serves(vhost, host) else None
    own_hosts = {
        host_of(url)
        for inst in context.manifest.instances.values()
        if inst.name == context.identify(answer)
        for url in inst.urls
    }
    if own_hosts and host not in own_hosts:
        return ""
    return None


def _expected_mount(obs: Observation, context: SweepContext) -> str:
    expected = obs.target.expected
    assert expected is not None
    known = context.mount_of(expected, host_of(obs.target.url))
    if known is not None:
        return known
    return urlsplit(obs.target.url).path.rstrip("/")


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
    shares_process = owner is not None and answer.pid in context.pids_of(owner.name)
    if owner is not None and (answer.embedded or shares_process):
        where = (
            f"in the same process (pid {answer.pid}) as {owner.name}"
            if shares_process
            else f"embedded in an Apache child process that also runs {owner.name}"
        )
        leak = wording.environ_leak(url, instance.name, instance.settings, owner.name, where,
                                    answer, shown)
        return causes_sharing.with_group_hint(leak, answer, instance, owner.name, context)
    return wording.settings_mismatch(url, instance.name, instance.settings, answer, shown)


def leak_suspect(obs: Observation, context: SweepContext) -> tuple[EndpointAnswer, str] | None:
    """An embedded instance on the same host whose DJANGO_SETTINGS_MODULE this URL may have
    inherited (a likely cause of its 5xx, not a certain one), with its display name."""
    expected = context.manifest.instances.get(obs.target.expected or "")
    mine = expected.settings if expected else None
    host = host_of(obs.target.url)
    for other, answer in context.answers():
        if (
            answer.embedded
            and answer.settings
            and answer.settings != mine
            and other.target.expected != obs.target.expected
            and host_of(other.target.url) == host
        ):
            return answer, context.display_name(answer)
    return None
