"""nginx's own 502/503/504 for a URL whose host a later server block's regular expression
``server_name`` also matches (:mod:`probe.nginx.regex_names`): nginx used the first
expression in configuration order, so the later block, which passes to the address the
instance meant listens on, is never reached for the host (tester T34's b-regex: www's
requests went to unix:/.../www.sock, which nothing binds, and the block of
``~^www\\d*\\.example\\.test$`` passing to waitress at 127.0.0.1:18403 was never used).

Both ``server_name`` lines and the later block's pass line are named (configured). Whether
the instance listens where the later block passes is observed from its answers to its own
URLs (``server.listen``); where none of them answered, that is said undecided, with the
request that decides it. Where its answers show it elsewhere, the later block is not the one
meant and nothing is said here.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from probe.diagnose.fronts import same_listen
from probe.diagnose.nginx_fixes import Words
from probe.front import AlsoNamed, PredictedRoute
from probe.model import Evidence, EvidenceKind, Observation
from probe.nginx.regex_names import edit

_FIRST = re.compile(r"server_name (\S+) \(regular expression\) matched first")


def _reaches(named: AlsoNamed, own_at: str) -> bool:
    return any(same_listen(own_at, u.strip()) for u in (named.upstream or "").split(","))


def _check(url: str, upstream: str) -> str:
    """The request that tells whether the instance answers at ``upstream``."""
    host = urlsplit(url).hostname or ""
    if upstream.startswith("unix:"):
        return (f"'curl -sS --unix-socket {upstream.removeprefix('unix:')} -H 'Host: {host}' "
                f"http://{host}/' shows which application answers there")
    return (f"'probe sweep -m MANIFEST --connect {upstream} {url}' sends it there directly, "
            f"and its answer says which instance listens there")


def regex_order(obs: Observation, route: PredictedRoute | None,
                own_at: str | None) -> tuple[Words, tuple[Evidence, ...]] | None:
    """The words for a gateway error through the first of two matching expression blocks;
    None where no later block matches or the instance's answers show it elsewhere."""
    expected = obs.target.expected
    site = route.step("site") if route is not None else None
    first = _FIRST.match(site.rule) if site is not None else None
    if route is None or site is None or first is None or not expected:
        return None
    named = next((n for n in route.also_named if n.upstream and n.source is not None
                  and (own_at is None or _reaches(n, own_at))), None)
    if named is None or named.upstream is None:
        return None
    host = (urlsplit(obs.target.url).hostname or "").lower()
    at = f" ({named.pass_source})" if named.pass_source is not None else ""
    why = (f"{host} is matched by server_name {first.group(1)} at {site.source}, the first "
           f"regular expression in the configuration's order, so nginx used that block "
           f"(it passes the URL to {route.upstream or 'an address not decided'}); server_name "
           f"{named.name} at {named.source} matches {host} too, but nginx tries the "
           f"expressions in order and the first match wins: that later block, which passes to "
           f"{named.upstream}{at}, is never reached for {host}.")
    why += (f" {expected} answers its own URLs from {own_at} (server.listen): that block's "
            f"address." if own_at is not None else
            f" Whether {expected} listens on {named.upstream} no answer of this sweep shows "
            f"(none of its URLs reached its endpoint): {_check(obs.target.url, named.upstream)}.")
    fix = (f"{edit(first.group(1), str(site.source), named.name, str(named.source))}, so "
           f"that {host} reaches the block passing to {named.upstream}.")
    evidence = (Evidence(EvidenceKind.CONFIGURED, f"server_name {first.group(1)} (matched "
                         f"first)", str(site.source)),
                Evidence(EvidenceKind.CONFIGURED, f"server_name {named.name} (matches "
                         f"{host} too, never reached for it)", str(named.source)))
    return Words(why, fix), evidence
