"""The server block that makes nginx refuse names no ``server_name`` claims, written for the
address a URL reached, and the fix of a URL to refuse that nginx's default server answered.

* :func:`refuse_at`: with the configuration read, the block's ``listen`` has the form of the
  blocks that take connections to that address (``listen PORT`` beside blocks on the port
  alone, ``listen ADDRESS:PORT`` beside blocks on that address), their lines named; without
  it, the port alone and the rule to check (:func:`probe.nginx_snippets.refuse_unread`). A
  block on ``127.0.0.1:PORT`` beside blocks on ``listen PORT;`` takes every connection to
  127.0.0.1 from them: written from the connect address, the refusing block refused every
  site of the port (a tester's nginx 1.22);
* :func:`refused_default_fix`: a URL to refuse (``[refuse]``) that the default server
  answered: no block is meant for it, so the fix is not a ``server_name``: the default
  server refuses (a ``default_server`` block returning 444), or the block answering now
  stops answering unknown names (its catch-all ``return`` replaced by ``return 444;``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from probe.diagnose.identify import SweepContext
from probe.diagnose.nginx_names import default_only, name_first, nginx_model
from probe.front import FrontConfig, RouteStep
from probe.nginx_snippets import refuse_block, refuse_unread


def _host_port(url: str, address: str | None) -> tuple[str, int]:
    parts = urlsplit(url)
    host, _, port = (address or "").rpartition(":")
    if port.isdigit():
        return host.strip("[]").lower() or (parts.hostname or ""), int(port)
    return (parts.hostname or "").lower(), parts.port or (443 if parts.scheme == "https" else 80)


def refuse_at(url: str, address: str | None, front: FrontConfig | None) -> str:
    """The refusing default server for the address ``url`` reached, as nginx takes it there."""
    ssl = urlsplit(url).scheme == "https"
    host, port = _host_port(url, address)
    model = nginx_model(front)
    if model is None:
        return refuse_unread(port, ssl)
    from probe.nginx.select import listening  # crossplane's model: only with an nginx --config

    pairs = listening(model.servers, host, port)
    if not pairs:
        return refuse_unread(port, ssl)
    listen = pairs[0][1]
    form = str(port) if listen.host == "*" else f"{listen.host}:{port}"
    lines = list(dict.fromkeys(lst.where for _, lst in pairs))
    shown = ", ".join(lines[:3]) + (f" and {len(lines) - 3} more" if len(lines) > 3 else "")
    return (f"{refuse_block(form, ssl)} (listen {form}: the form of the listen lines that take "
            f"this address, {shown})")


def refused_default_fix(context: SweepContext, front: FrontConfig | None, url: str,
                        address: str | None, site: RouteStep, last: RouteStep) -> str:
    """A URL to refuse answered by the default server (``site``) at ``last``, a ``return``
    or a location nginx answers itself at."""
    host = (urlsplit(url).hostname or "").lower()
    refuse = refuse_at(url, address, front)
    marked = (f" (and remove default_server from {site.source}: nginx refuses two on one "
              f"address)" if "the default_server of" in site.rule and site.source else "")
    found = default_only(context, front, address, site.decision)
    first = name_first(found) if found is not None else ""
    catch_all = last.decision.startswith("return ") and \
        last.rule.startswith("the server block")
    instead = (f"; or, where that block's catch-all {last.decision} ({last.source}) is not "
               f"needed for any name, write 'return 444;' in its place, so that the block "
               f"answering unknown names now refuses them" if catch_all else "")
    lead = (f"{host} is to be refused and no block is meant for it: do not add it to a "
            f"server_name. The default server ({site.source}) answers it now ({last.decision} "
            f"at {last.source}). ")
    refusing = f"ake the default server of this address refuse unknown names: {refuse}{marked}"
    return lead + (f"{first}m{refusing}" if first else f"M{refusing}") + instead + "."
