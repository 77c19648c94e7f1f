"""The fix for a URL to refuse that a server block claims (:mod:`.nginx_causes`): a URL to
refuse has no right application, so the fix is the name that claims it, never a hand-over.

* :func:`pattern_fix`: with the configuration read, a regular expression (``~``) or
  wildcard ``server_name`` that matches the host without naming it. Removing it would also
  drop the manifest's hosts that reach the block through it (a tester's
  ``"~^www\\.(?<d>.+)$"`` served www.example.org and matched www.unknown.example.net): the
  fix narrows it and names the hosts it must keep;
* :func:`name_out`: an exact name taken out of the ``server_name`` line that claims it, as
  :func:`probe.nginx_snippets.name_removed` words it (the line's only name leaves
  ``server_name ;``, which ``nginx -t`` refuses: tester T34's c-include);
* :func:`claimed_fix`: without it, what the refused ``.invalid`` name showed (a block claims
  the host) and where to look.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from probe.diagnose.identify import SweepContext
from probe.diagnose.nginx_names import nginx_model
from probe.front import FrontConfig, FrontKind, RouteStep
from probe.manifest import ANY_INSTANCE
from probe.nginx_snippets import ONLY_NAME, name_removed

_NAME = re.compile(r"server_name (\S+) ")  # probe.nginx.select's words for a pattern


def pattern_fix(context: SweepContext, front: FrontConfig | None, site: RouteStep | None,
                host: str, refuse: str) -> str | None:
    """The fix at a regular expression or wildcard server_name that matched ``host``."""
    if front is None or front.front is not FrontKind.NGINX or site is None \
            or site.by != "name" or site.source is None:
        return None
    kind = ("regular expression" if "(regular expression)" in site.rule else
            "wildcard" if site.rule.startswith("wildcard ") else None)
    written = _NAME.search(site.rule)
    if kind is None or written is None:
        return None
    urls: list[str] = []
    for obs in context.observations:
        if obs.target.expected in (None, ANY_INSTANCE):
            continue
        address = obs.target.address or next((s.address for s in obs.samples if s.address),
                                             None)
        route = front.route(obs.target.url, address)
        step = route.step("site")
        if route.undecided is None and step is not None and step.rule == site.rule \
                and step.decision == site.decision and str(step.source) == str(site.source):
            urls.append(obs.target.url)
    hosts = list(dict.fromkeys((urlsplit(u).hostname or "").lower() for u in urls))
    name = written.group(1)
    said = (f"At {site.source}, the {kind} {name} in server_name matches {host}, a name no "
            f"server_name writes")
    if not hosts:
        return (f"{said}, and no URL of the manifest reaches this block through it: "
                f"{_removed(front, name, site)} (or narrow it), so that the default server "
                f"refuses {host}: {refuse}")
    exact = " ".join(hosts)
    return (f"{said}. Narrow it so that it keeps matching {exact} (the manifest's "
            f"{', '.join(urls)} reach{'es' if len(urls) == 1 else ''} this block through it: "
            f"removing it would break them too) and no longer matches {host}: e.g. write the "
            f"exact name{'s' if len(hosts) > 1 else ''} {exact} in place of {name}; the "
            f"default server then takes {host}, and should refuse it: {refuse}")


def _removed(front: FrontConfig, name: str, site: RouteStep) -> str:
    model = nginx_model(front)
    where = str(site.source)
    names = [n for s in (model.servers if model is not None else ()) for n, at in s.names
             if at == where]
    if not names:  # the line is not in the model read: the rule, not the line
        return f"remove {name} from the server_name at {where} ({ONLY_NAME})"
    return name_removed(name, where, names)


def name_out(front: FrontConfig | None, site: RouteStep | None, host: str, refuse: str) -> str:
    """The fix of a URL to refuse whose host ``site``'s server_name writes: the name out of
    that line, leaving a line nginx takes, so that the default server refuses it."""
    if front is None or site is None or site.source is None:
        return (f"Remove {host} from the server_name that claims it ({ONLY_NAME}), so that "
                f"the default server refuses it: {refuse}")
    removed = _removed(front, host, site)
    return f"{removed[:1].upper()}{removed[1:]}, so that the default server refuses it: {refuse}"


def claimed_fix(host: str, who: str) -> str:
    """Without the configuration: the refused ``.invalid`` name showed a block claims
    ``host`` (the default server refuses); the fix is that block's name, not its pass."""
    return (f"A server block claims {host} and passed it to {who} (the default server "
            f"refused a name no server_name can match). Find its server_name ('nginx -T' shows "
            f"it; probe sweep --config names the line): a regular expression (~) or a "
            f"wildcard (*) may match {host} without writing it. Remove {host} from it "
            f"({ONLY_NAME}), or narrow the expression or wildcard so that it keeps the hosts "
            f"it is meant for and "
            f"no longer matches {host}; the default server, which refused the .invalid name, "
            f"then takes it.")
