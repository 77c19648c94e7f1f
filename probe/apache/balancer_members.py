"""A ``<Proxy balancer://NAME>`` section's ``BalancerMember`` lines as mod_proxy_balancer uses
them: each member's share (``loadfactor``), whether it is out of the balancing or held in
reserve (``status``, ``lbset``), and how the balancer picks a member (``lbmethod``).

mod_proxy_balancer's default, ``lbmethod=byrequests``, is weighted round robin by
``loadfactor`` (1 unless set); the other methods (``bytraffic``, ``bybusyness``,
``heartbeat``) are said with their line, as nginx's ``least_conn`` is. A member whose
``status`` has ``+H`` (hot standby) or ``+R`` (spare) is used when the others fail, as one of
a higher ``lbset`` than the lowest is: both are said as nginx's ``backup``. ``+D``
(disabled), ``+S`` (stopped), ``+E`` (in error) and ``+N`` (draining) take it out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from probe.apache.config import Directive
from probe.front import Member, Source

_RESERVE = frozenset("HR")
_OUT = frozenset("DSEN")


def _params(args: Sequence[str]) -> dict[str, str]:
    """``key=value`` arguments, keys in lower case (httpd reads them so)."""
    return {k.lower(): v for k, _, v in (a.partition("=") for a in args if "=" in a)}


def _flags(status: str) -> set[str]:
    """The flags a ``status=`` sets: ``+D``, ``D`` and ``+H+D`` set, ``-D`` clears."""
    flags: set[str] = set()
    sign = "+"
    for char in status.upper():
        if char in "+-":
            sign = char
        elif sign == "+":
            flags.add(char)
    return flags


def _method(args: Sequence[str]) -> str | None:
    method = _params(args).get("lbmethod", "").lower()
    return method if method and method != "byrequests" else None


def balancing(section: Directive, passed: Directive | None = None) -> str | None:
    """The ``lbmethod`` other than ``byrequests`` set for the balancer (in its section's
    ``ProxySet``, or on the ``ProxyPass`` line ``passed``), with its line; None: round
    robin."""
    for d in (*(d for d in section.body() if d.key == "proxyset"), *filter(None, [passed])):
        method = _method(d.args)
        if method is not None:
            return f"lbmethod={method} at {d.file}:{d.line}"
    return None


def balancer_members(section: Directive, address: Callable[[str], str],
                     passed: Directive | None = None) -> tuple[Member, ...]:
    """The section's members; ``address`` gives a backend URL's ``host:port``; ``passed``:
    the ``ProxyPass`` line to the balancer, which may set its method too."""
    lines = [d for d in section.body() if d.key == "balancermember" and d.args]
    params = [_params(d.args[1:]) for d in lines]
    sets = [int(p["lbset"]) if p.get("lbset", "").isdigit() else 0 for p in params]
    method = balancing(section, passed)
    members = []
    for d, p, lbset in zip(lines, params, sets, strict=True):
        flags = _flags(p.get("status", ""))
        factor = p.get("loadfactor", "1").split(".")[0]
        members.append(Member(
            address(d.args[0]), Source(d.file, d.line),
            backup=bool(flags & _RESERVE) or lbset > min(sets),
            weight=int(factor) if factor.isdigit() else 1,
            down=bool(flags & _OUT), balancing=method,
            retry=f"retry={p['retry']}" if "retry" in p else ""))
    return tuple(members)
