"""--config (Apache): a ``[refuse]`` URL the configuration routes to a site. No application is
meant for it, so the route's site step itself is where it leaves the intended one:

* the only VirtualHost of an IP (names never compared there) took it: ``vhost_fallback`` at
  that VirtualHost's line; where it hides ``*:PORT`` VirtualHosts, the fix is its address,
  with the VirtualHost that would then take the name (no order elsewhere changes anything);
* a ``ServerName``/``ServerAlias`` line took it: ``vhost_shadowed`` at that line, the
  VirtualHost that would take the name without it named.

A ``[refuse]`` URL no endpoint answered whose route passes it through a ``ProxyPass``
(:func:`passed_on`): the answer is the application server's there, and the refusal is
Apache's to make at the site that took the name, worded by Apache only (tester T36: a fix
led with nginx's default server beside the ProxyPass read at httpd.conf:114).

Tester T24's m2 (``<VirtualHost 127.0.0.1:31782>`` meant for ``[::1]``) and m3 (``ServerAlias
*.example.test`` at a.conf:4): both said "no step of its route shows where it leaves the
intended one" beside the step that did, m3's citing the VirtualHost line for the alias.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from probe.apache.ip_only import unhidden
from probe.apache.names import catch_all_vhost
from probe.apache.route import ApacheRoutes
from probe.diagnose.config_join import ConfigJoin
from probe.diagnose.wording import Diagnosis
from probe.front import Divergence, PredictedRoute
from probe.model import Cause, Sample


def refused_site(route: PredictedRoute, config: ConfigJoin) -> Divergence | None:
    """Where the site step of a ``[refuse]`` URL's route took it; None where the step is not
    one of these (the first site of a set: the caller's catch-all)."""
    site = route.step("site")
    if site is None or site.source is None or not isinstance(config.front, ApacheRoutes):
        return None
    if site.by == "name":
        meant = config.front.without_line(route.url, route.address, site.source)
        same = meant is not None and meant.decision == route.site
        return Divergence("site", site, None if same else meant, Cause.VHOST_SHADOWED.value)
    if site.by != "only":
        return None
    host = (urlsplit(route.url).hostname or "").lower()
    moved = unhidden(config.front.site, host, route.address)
    if moved is None:  # the only site of its set hides none: a catch-all first refuses
        block = config.refuse_block(route) if config.refuse_block is not None else None
        why = config.refuse_why(route) if config.refuse_why is not None else ""
        return Divergence("site", site, None, Cause.VHOST_FALLBACK.value, block, why)
    port = (route.address or "").rpartition(":")[2]
    ip = (route.address or "").rpartition(":")[0]
    fix = (f"At {site.source}, make that VirtualHost's address '*' (<VirtualHost *:{port}>), "
           f"or give it the address it is meant for: httpd then compares names among the "
           f"VirtualHosts of *:{port} at {ip} too, and {host} goes to "
           f"{moved.taker.describe()}")
    if moved.by_name:
        fix += ", which claims it by name: stop claiming it there too."
    elif moved.taker.section is not None and route.site == moved.taker.describe():
        fix += (f", the first of them, which would still answer it: list first, for *:{port}, "
                f"a catch-all that refuses unknown names:\n{catch_all_vhost(f'*:{port}')}")
    else:
        fix += ", the first of them, as no name of theirs matches it."
    why = f"The route leaves the intended one at the site: {site.rule} ({site.source})."
    return Divergence("site", site, None, Cause.VHOST_FALLBACK.value, said=(why, fix))


def passed_on(diagnosis: Diagnosis, route: PredictedRoute, config: ConfigJoin, said: str,
              last: Sample | None) -> Diagnosis:
    """A ``[refuse]`` URL the route passes on with a ProxyPass (``said``: that step, worded,
    without a stop):
    the fix is Apache's, at the site step that took the name (``last``: the answer that
    was got, if any); the answers-alone fix stands
    where the route shows no such step."""
    site = route.step("site")
    if site is None or site.source is None or not isinstance(config.front, ApacheRoutes):
        return dataclasses.replace(diagnosis, explanation=diagnosis.explanation + said)
    server = (last.server or "").strip() if last is not None else ""
    whose = f" (Server: {server})" if server else ""
    said = f"{said}: the answer{whose} is the application server's there, passed on by Apache."
    status = last.status_code if last is not None else None
    statuses = (f" If the application's HTTP {status} is the refusal meant, list {status} "
                f"under [refuse] statuses." if status else "")
    host = (urlsplit(route.url).hostname or "").lower()
    found = refused_site(route, config)
    if found is not None and found.said is not None:
        fix = f"Refuse this host name in Apache: {found.said[1]}{statuses}"
    elif found is not None and site.by == "name":
        other = f", and {found.meant.decision} takes it" if found.meant is not None else ""
        fix = (f"Refuse this host name in Apache: at {site.source}, {site.rule}: stop claiming "
               f"{host} there{other}.{statuses}")
    else:
        block = config.refuse_block(route) if config.refuse_block is not None else None
        why = config.refuse_why(route) if config.refuse_why is not None else ""
        fix = (f"Refuse this host name in Apache: {site.rule} ({site.source}), and its "
               f"ProxyPass passes it on.{statuses} Otherwise list first, for this address, a "
               f"catch-all that refuses unknown names{f' ({why})' if why else ''}:\n"
               f"{block or catch_all_vhost(route.address or '*:PORT')}")
    return dataclasses.replace(diagnosis, explanation=diagnosis.explanation + said, fix=fix)
