"""nginx's own 502 for a name that reached its server block only as the address's default
server, whose ``proxy_pass`` is made of a capture of the block's ``server_name`` regular
expression: that expression did not match, so nginx left the capture empty and passed to an
address made of nothing (re-tester R34's b-regex: ``unknown.invalid`` went to
``unix:/.../run/.sock``, nginx's error log "(2: No such file or directory)").

The address is not the fault: a server listening on ``.sock`` would serve every unknown
name. For a ``[refuse]`` URL (or any URL no ``server_name`` claims) the fix is a default
server that refuses unknown names, as lint's ``nginx_no_refusing_default`` says; for a URL
of an instance, the ``server_name`` that must claim its name.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from probe.diagnose.identify import SweepContext
from probe.diagnose.nginx_fixes import Words
from probe.diagnose.nginx_names import default_only, name_first
from probe.diagnose.nginx_refuse import refuse_at
from probe.front import FrontConfig, PredictedRoute
from probe.manifest import ANY_INSTANCE
from probe.model import Observation

# how probe.nginx.captures says a capture the chosen block's expression did not set
_EMPTY = "which did not choose the block"


def default_capture_words(obs: Observation, route: PredictedRoute | None,
                          front: FrontConfig | None,
                          context: SweepContext | None) -> Words | None:
    """The words where the site step took the name as the default server and the pass
    address is made of an empty capture of that block's server_name expression; or, for a
    URL to refuse, where the default server took the name at all."""
    site = route.step("site") if route is not None else None
    upstream = route.step("upstream") if route is not None else None
    if route is None or site is None or upstream is None or site.by != "default":
        return None
    refuse = obs.target.expected is None
    empty = _EMPTY in upstream.rule and "$" in upstream.rule
    if not (refuse or empty):
        return None
    host = (urlsplit(obs.target.url).hostname or "").lower()
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    made = (f", and its pass address is made of a capture of that block's server_name "
            f"expression, which did not match {host!r}: nginx left it empty and passed to "
            f"{route.upstream} ({upstream.rule}, {upstream.source})" if empty else
            f" and passes it to {route.upstream} ({upstream.rule}, {upstream.source})")
    why = (f"{host} reached {route.site} only as the default server of its address ("
           f"{site.rule}, {site.source}){made}. The 502 is that address answering nothing; "
           f"an application server listening there would serve every name no server_name "
           f"claims.")
    block = refuse_at(obs.target.url, address, front)
    refusing = f"a default server that refuses unknown names: {block}"
    marked = (f" (and remove default_server from {site.source}: nginx refuses two on one "
              f"address)" if "default_server of" in site.rule else "")
    if refuse or obs.target.expected == ANY_INSTANCE:
        found = default_only(context, front, address, site.decision) \
            if context is not None else None
        first = name_first(found) if found is not None else ""
        lead = (f"{host} is to be refused and no block is meant for it: do not start a server "
                f"at {route.upstream} nor add the name to a server_name. " if refuse else "")
        add = f"{first}add {refusing}" if first else f"Add {refusing}"
        return Words(why, f"{lead}{add}{marked}, then check and reload nginx.")
    return Words(why, f"No server_name on the address claims {host}: write it in the "
                      f"server_name of the block meant for {obs.target.expected} (or widen "
                      f"that block's expression to match it), so that the capture is set; "
                      f"and add {refusing}{marked}, then check and reload nginx.")
