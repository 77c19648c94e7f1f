"""``doubled_slash`` with ``--config``: the line that takes the URL, and the fix where it is the
one that doubles the slash.

Apache: the ``ProxyPass`` that takes the URL's path (:meth:`ApacheRoutes.proxy_rule`); a target
ending in ``/`` with a path that does not is what doubles it (mod_proxy appends the rest of
the path to the target as written: :mod:`probe.apache.proxy_slash`), fixed with the target's
``/`` dropped, the line's parameters kept (``keepalive=On``), its ``ProxyPassReverse`` lines
alike. nginx: the route's mount step (the path ``proxy_pass`` passes, at its line) and the
location (``mapping``); a prefix without ``/`` and a URI part ending in ``/`` double it.
Where the line read does not make the ``//``, that is said, with the check that tells.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from probe.apache.proxy_reverse import reverse_line, reverse_of
from probe.apache.proxy_rule import ProxyRule
from probe.apache.proxy_slash import passed
from probe.apache.route import ApacheRoutes
from probe.front import FrontConfig, PredictedRoute
from probe.model import FrontKind

_CHECK = ("What tells which line does: the backend's access log for this request (the path "
          "it was sent) against the front's.")


def configured_words(url: str, address: str | None, sent: str, config: FrontConfig) -> str:
    """The sentences the configuration given adds for ``url`` (sent to ``address``, its probe
    request's path ``sent``); '' where its route is not followed."""
    route = config.route(url, address)
    if route.undecided is not None:
        return ""
    if isinstance(config, ApacheRoutes):
        rule = config.proxy_rule(route)
        return _apache(sent, rule, config) if rule is not None else (
            f" The configuration given passes {urlsplit(url).path or '/'} through no "
            f"ProxyPass, so it does not show where the '//' was made. {_CHECK}")
    if config.front is FrontKind.NGINX:
        return _nginx(route)
    return ""


def _apache(sent: str, rule: ProxyRule, config: ApacheRoutes) -> str:
    if rule.regex or rule.pattern.endswith("/") or not rule.target.endswith("/"):
        return (f" The configuration given passes it by {rule.written()} ({rule.where}), "
                f"whose path and target do not join a '/' to a '/', so that line does not "
                f"make the '//'. {_CHECK}")
    target = rule.target.rstrip("/")
    params = rule.directive.args[1 if rule.section is not None else 2:]
    line = " ".join([rule.directive.name, *([] if rule.section is not None
                                            else [rule.pattern]), target, *params])
    reverse = [f"at {d.where}, '{reverse_line(d, rule.target, target)}'"
               for d in reverse_of(config.site, rule)]
    return (f" The configuration given: {rule.written()} ({rule.where}) takes the URL; its "
            f"target ends with '/' and its path does not, and mod_proxy appends the rest of "
            f"the path to the target as written, so {sent} is passed as "
            f"{passed(rule, sent)}. Fix: at {rule.where}, write '{line}' (the trailing "
            f"slashes matched: neither ends with '/'; its parameters kept)"
            f"{'; and ' + '; '.join(reverse) if reverse else ''}; then reload Apache (lint's "
            f"proxy_slash names the same line).")


def _nginx(route: PredictedRoute) -> str:
    mount, location = route.step("mount"), route.step("mapping")
    if mount is None or mount.source is None:
        return ""
    where = (f"{location.decision} ({location.source})"
             if location is not None and location.source is not None else "its location")
    if "//" not in mount.decision:
        return (f" The configuration given passes the URL's path as {mount.decision} "
                f"({mount.rule}, {mount.source}): that line does not make the '//'. {_CHECK}")
    return (f" The configuration given: {where} passes the URL's path as {mount.decision}: "
            f"{mount.rule} ({mount.source}). Fix: end the location's prefix and proxy_pass's "
            f"URI part both with '/' or neither (the location's prefix with '/' added, or "
            f"the URI part's '/' dropped), then reload nginx.")
