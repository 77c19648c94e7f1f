"""--config (Apache): a ``[refuse]`` URL the configuration routes to a site. No application is
meant for it, so the route's site step itself is where it leaves the intended one:

* the only VirtualHost of an IP (names never compared there) took it: ``vhost_fallback`` at
  that VirtualHost's line; where it hides ``*:PORT`` VirtualHosts, the fix is its address,
  with the VirtualHost that would then take the name (no order elsewhere changes anything);
* a ``ServerName``/``ServerAlias`` line took it: ``vhost_shadowed`` at that line, the
  VirtualHost that would take the name without it named.

Tester T24's m2 (``<VirtualHost 127.0.0.1:31782>`` meant for ``[::1]``) and m3 (``ServerAlias
*.example.test`` at a.conf:4): both said "no step of its route shows where it leaves the
intended one" beside the step that did, m3's citing the VirtualHost line for the alias.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from probe.apache.ip_only import unhidden
from probe.apache.names import catch_all_vhost
from probe.apache.route import ApacheRoutes
from probe.diagnose.config_join import ConfigJoin
from probe.front import Divergence, PredictedRoute
from probe.model import Cause


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
