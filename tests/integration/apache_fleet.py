"""Two Apache + mod_wsgi backends on two loopback addresses behind a third Apache with
mod_proxy_balancer (round robin), as test_fleet_apache and test_fleet_code_apache run them.

Backend A listens on 127.0.0.1:PA, backend B also on 127.0.0.2:PB, so that the two are two
addresses of a fleet and not two ports of one host.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .apache import MODULES_DIR, ApacheServer, scenario_template
from .conftest import ApacheFactory

BALANCER = """\
LoadModule proxy_module "{modules}/mod_proxy.so"
LoadModule proxy_http_module "{modules}/mod_proxy_http.so"
LoadModule proxy_balancer_module "{modules}/mod_proxy_balancer.so"
LoadModule lbmethod_byrequests_module "{modules}/mod_lbmethod_byrequests.so"
LoadModule slotmem_shm_module "{modules}/mod_slotmem_shm.so"

<Proxy "balancer://fleet">
    BalancerMember "http://{a}"
    BalancerMember "http://{b}"
    ProxySet lbmethod=byrequests
</Proxy>
<VirtualHost *:@PORT@>
    ServerName balancer.invalid
    ProxyPreserveHost On
    ProxyPass "/" "balancer://fleet/"
</VirtualHost>
"""


@dataclass
class Fleet:
    a: ApacheServer
    b: ApacheServer
    balancer: ApacheServer

    @property
    def a_address(self) -> str:
        return f"127.0.0.1:{self.a.port}"

    @property
    def b_address(self) -> str:
        return f"127.0.0.2:{self.b.port}"

    @property
    def balancer_address(self) -> str:
        return f"127.0.0.1:{self.balancer.port}"


def backends(apache: ApacheFactory, a: str, b: str,
             files: Mapping[str, str] | None = None) -> tuple[ApacheServer, ApacheServer]:
    """Backend A running the scenario ``a``, backend B the scenario ``b`` (also on
    127.0.0.2), each with ``files`` added to its copy of the sites."""
    first = apache(scenario_template(a), files=files)
    second = apache("Listen 127.0.0.2:@PORT@\n" + scenario_template(b), files=files)
    return first, second


def balancer(apache: ApacheFactory, a: str, b: str) -> ApacheServer:
    """The balancer with the members ``a`` and ``b`` (``HOST:PORT``)."""
    return apache(BALANCER.format(modules=MODULES_DIR, a=a, b=b))


def balanced(apache: ApacheFactory, a: ApacheServer, b: ApacheServer) -> Fleet:
    """The fleet of the backends ``a`` and ``b`` (from ``backends``) behind a balancer."""
    return Fleet(a, b, balancer(apache, f"127.0.0.1:{a.port}", f"127.0.0.2:{b.port}"))
