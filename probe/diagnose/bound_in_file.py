"""With Apache's configuration read (a route it does not decide keeps the answers' words),
the IP-bound check of the default-site fix (:mod:`.site_wording`) said from the file:
re-tester R32 got both fronts' words ("'apachectl -S' or 'nginx -T' ... nginx: listen
127.0.0.1:18161") and ``*:18161`` sites its httpd.conf does not have, because the answers'
Server header was the backend's (gunicorn's, passed on by mod_proxy), so none named a front.
"""

from __future__ import annotations

import dataclasses
import re

from probe.apache.addresses import split_host_port
from probe.diagnose.discriminate import key_of
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig
from probe.model import Observation

_BOUND_BOTH = re.compile(r" If 'apachectl -S' or 'nginx -T' lists a site bound to \S+ itself "
                         r"\(Apache: [^;]*; nginx: [^)]*\) beside the \*:\d+ ones, .*? or the "
                         r"address it is meant for\.")
"""site_wording's IP-bound check in both fronts' words (no Server header named one)."""


def bound_in_file(diagnosis: Diagnosis, front: FrontConfig, obs: Observation) -> Diagnosis:
    """With Apache's configuration read, its IP-bound check said from the file (re-tester
    R32: nginx's words and ``*:PORT`` sites the file does not have): the VirtualHosts bound to
    the address itself and whether any ``*:PORT`` one is there, each at its line."""
    from probe.apache.route import ApacheRoutes

    found = _BOUND_BOTH.search(diagnosis.fix or "")
    address = key_of(obs)[1]
    host, port = split_host_port(address or "")
    if found is None or not isinstance(front, ApacheRoutes) or not (port or "").isdigit():
        return diagnosis
    vhosts = front.site.vhosts
    bound = [v for v in vhosts if any(a.host == host.lower() and a.port == int(port or 0)
                                      for a in v.addresses)]
    wild = [v for v in vhosts if any(a.host == "*" and a.port in (None, int(port or 0))
                                     for a in v.addresses)]
    said = "; ".join(v.describe() for v in bound)
    if not bound:
        told = ""
    elif wild:
        told = (f" In the configuration read, {said} is bound to {address} itself beside the "
                f"*:{port} VirtualHosts: it takes every name sent to {address}, whatever they "
                f"claim or their order; give it the address *:{port}, or the address it is "
                f"meant for.")
    else:
        told = (f" In the configuration read, {address}'s VirtualHosts are {said}, and none "
                f"is *:{port}: the first of them answers every name none of them claims.")
    fix = diagnosis.fix or ""
    return dataclasses.replace(diagnosis, fix=fix[:found.start()] + told + fix[found.end():])
