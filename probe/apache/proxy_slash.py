"""What one ``ProxyPass`` line makes of a path, and what it needs loaded, as httpd 2.4 does it:
what the lint rule ``proxy_slash`` and the sweep's wording of a 500 through mod_proxy read.

* a trailing-slash mismatch: httpd's mod_proxy documentation says "If the first argument
  ends with a trailing /, the second argument should also end with a trailing / and vice
  versa. Otherwise the resulting requests to the backend may miss some needed slashes". The
  rest of the path after the rule's path is appended to the target as written, so
  ``ProxyPass "/" "balancer://mycluster"`` passes ``/x`` as ``balancer://myclusterx`` (a
  balancer no ``<Proxy>`` defines: apache2 2.4 answers 500 and logs AH01144, checked in
  tests/integration/test_apache_proxy_500.py); the fix ends both with ``/``, or neither;
* the modules a target's scheme needs at request time (``mod_proxy_balancer`` for
  ``balancer://``, ``mod_proxy_http`` for ``http://`` and ``https://``, a balancer's
  members' included): one not loaded is the other reason mod_proxy logs AH01144 (it says so
  itself: "If you are using a DSO version of mod_proxy, make sure the proxy submodules are
  included in the configuration using LoadModule"). Whether a module is loaded is decided
  only by a configuration httpd can start from (it loads an MPM); a site fragment leaves it
  to ``apache2ctl -M``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.apache.config import Directive
from probe.apache.model import Site
from probe.apache.proxy_log import backend_urls
from probe.apache.proxy_rule import ProxyRule, socket_url


def slash_mismatch(rule: ProxyRule) -> bool:
    """Whether exactly one of the path and the target of a ``ProxyPass`` ends with ``/``
    (``ProxyPassMatch`` and ``!`` are not compared: a pattern is no prefix)."""
    if rule.regex or rule.target == "!" or "://" not in rule.target:
        return False
    return rule.pattern.endswith("/") != rule.target.endswith("/")


def passed(rule: ProxyRule, path: str) -> str:
    """The URL mod_proxy builds for ``path``: the target with the rest of the path after the
    rule's own appended as is."""
    return rule.target + path[len(rule.pattern):] if path.startswith(rule.pattern) else \
        rule.target


def slashed(rule: ProxyRule) -> str:
    """The line rewritten with both ending in ``/`` (a target without it gets it), or with
    neither (the path has none: the target's is dropped, so the path itself is still
    taken); its parameters kept, no path written inside a ``<Location>``."""
    target = rule.target + "/" if rule.pattern.endswith("/") else rule.target.rstrip("/")
    return rule.line(target, quoted=True)


def balancer_name(url: str) -> str | None:
    """``NAME`` of ``balancer://NAME/...``, as mod_proxy_balancer looks it up."""
    if not url.lower().startswith("balancer://"):
        return None
    return urlsplit(url).hostname


@dataclass(frozen=True)
class Needed:
    """A module a target's scheme needs, and the ``LoadModule`` line read for it."""

    module: str  # its identifier: proxy_balancer_module
    line: Directive | None


def says_loaded(site: Site) -> bool:
    """Whether the configuration read says what httpd loads: one it can start from (it loads
    an MPM), not a site fragment."""
    return any(d.key == "loadmodule" and d.arg(0).startswith("mpm_")
               for d in site.config.directives)


def modules_needed(site: Site, rule: ProxyRule) -> tuple[Needed, ...]:
    """The modules ``rule``'s target (and a balancer's ``BalancerMember`` URLs) needs beyond
    mod_proxy, each with its ``LoadModule`` line read (None in it: not read; not loaded only
    where :func:`says_loaded`)."""
    loaded = tuple(d for d in site.config.directives if d.key == "loadmodule")
    schemes = {urlsplit(socket_url(u)).scheme.lower() for u in backend_urls(site, rule)}
    wanted = (["proxy_balancer_module"] if "balancer" in schemes else []) + \
        (["proxy_http_module"] if schemes & {"http", "https"} else [])
    by_name = {d.arg(0): d for d in loaded}
    return tuple(Needed(m, by_name.get(m)) for m in wanted)
