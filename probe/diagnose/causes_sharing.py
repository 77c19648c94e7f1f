"""Evidence for the causes where two applications share what they should not (issue 11).

- shared_interpreter: two applications in one Python interpreter (``%{GLOBAL}`` or the same
  explicit application group): same pid, same application group; Django is configured once per
  interpreter, so the second runs the first one's settings. Unlike ``environ_leak``, where the
  application groups differ.
- process_group_scope: ``WSGIProcessGroup`` at server/VirtualHost scope (or ``<Location>`` blocks
  in the wrong order) puts an application in another one's daemon process group.
- host_rewritten: a front proxy sent the backend its own address as Host, so the backend's
  first VirtualHost answered.

An application that runs embedded although a daemon group is declared is another cause
("daemon group defined but not used"), decided elsewhere: nothing here looks at embedded answers
for process groups.
"""

from __future__ import annotations

from dataclasses import replace

from probe.diagnose import wording_causes as words
from probe.diagnose.identify import SweepContext, host_of, identity
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Instance
from probe.model import Observation


def shared_interpreter(
    obs: Observation, answer: EndpointAnswer, instance: Instance, context: SweepContext
) -> Diagnosis | None:
    """The right application with another's settings because both live in one interpreter."""
    if answer.pid is None or answer.application_group is None:
        return None
    for _, other in context.distinct("pid_identity", lambda _, a: (a.pid, *identity(a))):
        owner = context.identify(other)
        if (
            owner is not None
            and owner != instance.name
            and other.pid == answer.pid
            and other.application_group == answer.application_group
            and other.label != answer.label
        ):
            return words.shared_interpreter(obs.target.url, instance, owner, answer,
                                            context.display_name(answer, instance.name), other)
    return None


def process_group_scope(
    obs: Observation, answer: EndpointAnswer, shown: str, context: SweepContext,
    *, require_sharing: bool = False,
) -> Diagnosis | None:
    """The expected application, answering from a daemon group the manifest does not give it.

    ``require_sharing``: only when another application of the sweep answered from that group.
    """
    instance = context.manifest.instances.get(obs.target.expected or "")
    if (
        instance is None
        or instance.process_group is None
        or not answer.process_group  # None: not mod_wsgi; "": embedded, another cause
        or answer.process_group == instance.process_group
        or not _same_application(answer, instance)
    ):
        return None
    sharing = sorted({
        name
        for _, other in context.distinct("identity", lambda _, a: identity(a))
        # Under WSGIApplicationGroup %{GLOBAL} both share the application group '' too:
        # another application identified in the same group is the evidence either way.
        if other.process_group == answer.process_group
        and (name := context.identify(other)) is not None
        and name != instance.name
    })
    if require_sharing and not sharing:
        return None
    return words.process_group_scope(obs.target.url, instance, answer, sharing,
                                     context.display_name(answer, instance.name))


def with_group_hint(leak: Diagnosis, answer: EndpointAnswer, instance: Instance, owner: str,
                    context: SweepContext) -> Diagnosis:
    """An environ leak inside one daemon group may mean the group was applied too broadly.

    Undecided when the manifest declares no process groups (sharing one can be intended), so
    it is said as a hint after the leak, not as the cause.
    """
    group = answer.process_group
    if not group or instance.process_group is not None:
        return leak
    owner_groups = {a.process_group for _, a in context.distinct("identity",
                                                                 lambda _, a: identity(a))
                    if context.identify(a) == owner}
    if group not in owner_groups:
        return leak
    return replace(leak, explanation=leak.explanation + " " + words.group_hint(instance, owner,
                                                                               group))


def _same_application(answer: EndpointAnswer, instance: Instance) -> bool:
    """Whether ``answer`` is ``instance`` on everything it declares but the process group."""
    declared = {k: v for k, v in (("label", instance.label),
                                  ("application_group", instance.application_group))
                if v is not None}
    if declared:
        return all(getattr(answer, k) == v for k, v in declared.items())
    return instance.settings is not None and answer.settings_environ == instance.settings


def host_rewritten(url: str, answer: EndpointAnswer, who: str, shown: str,
                   expected: str | None) -> Diagnosis | None:
    """The application saw another Host than the URL's: rewritten between probe and backend."""
    if answer.host is None:
        return None
    seen = _host_name(answer.host)
    # Compared in lower case (names are), shown as it arrived: an escaped '\x1b[2J' read
    # '\x1b[2j' (re-tester R25).
    if not seen or seen.lower() == host_of(url):
        return None
    return words.host_rewritten(url, answer, seen, who, shown, expected)


def _host_name(host: str) -> str:
    """``Host`` without port, without a trailing dot, as it arrived; IPv6 brackets kept off."""
    host = host.strip()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0].rstrip(".") if host.count(":") == 1 else host.rstrip(".")
