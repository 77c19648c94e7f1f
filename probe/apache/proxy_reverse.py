"""The ``ProxyPassReverse`` lines that go with a ``ProxyPass``, and the whole-path line a
stripping ``ProxyPass`` is rewritten to.

A fix that changes a ``ProxyPass`` target names its ``ProxyPassReverse`` too: left pointing at
the old backend, it rewrites that backend's redirects, not the new one's (a tester's NetBox
``ProxyPass`` moved to another port kept its ``ProxyPassReverse`` on the old one).

A whole path keeps the trailing ``/`` of the line's path and target matched (mod_proxy appends
what follows the path to the target: ``/celery-flower`` to ``http://app/celery-flower/`` sends
``//__probe__``, lint's ``proxy_slash``) and keeps the line's parameters (``keepalive=On``).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from probe.apache.config import Directive
from probe.apache.model import Site
from probe.apache.proxy_rule import ProxyRule, socket_url, uwsgi_target


def reverse_of(site: Site, rule: ProxyRule) -> list[Directive]:
    """The ``ProxyPassReverse`` lines of ``rule``'s scope (its ``<Location>``, VirtualHost or
    the main server) for the same path and the same backend ``host:port``."""
    backend = backend_key(rule.target)
    return [d for d in reverse_lines(site, rule)
            if backend_key(reverse_target(d, rule)) == backend]


def reverse_lines(site: Site, rule: ProxyRule) -> list[Directive]:
    """Every ``ProxyPassReverse`` line of ``rule``'s scope for the same path, whatever its
    backend (lint's ``proxy_reverse_backend`` reads those of another one)."""
    if rule.section is not None:
        scope: tuple[Directive, ...] = rule.section.body()
    else:
        scope = next((v.directives for v in site.vhosts
                      if any(d is rule.directive for d in v.directives)),
                     tuple(d for d in site.config.directives if d.key != "virtualhost"))
    return [d for d in scope if d.key == "proxypassreverse" and d.args and
            (rule.section is not None or d.args[0] == rule.pattern)]


def reverse_target(directive: Directive, rule: ProxyRule) -> str:
    """The URL a ``ProxyPassReverse`` line of ``rule``'s scope rewrites: its first word
    inside a ``<Location>`` (the section gives the path), else its second."""
    if rule.section is not None:
        return directive.args[0]
    return directive.args[1] if len(directive.args) > 1 else ""


def backend_key(url: str) -> tuple[str, str]:
    """What tells one backend from another: ``host:port`` with the scheme's port where none
    is written (``http://app`` is ``http://app:80``); a ``balancer://NAME`` is its own."""
    parts = urlsplit(url)
    if parts.scheme.lower() == "balancer":
        return ("balancer", parts.netloc.lower())
    try:
        port = parts.port or (443 if parts.scheme.lower() in ("https", "wss") else 80)
    except ValueError:  # a port httpd would refuse: compared as written
        return ("", parts.netloc.lower())
    return ((parts.hostname or "").lower(), str(port))


def whole_target(rule: ProxyRule) -> str:
    """``rule``'s target with the prefix it took appended, ending in ``/`` only where the
    path does (mod_proxy appends what follows the path). A ``uwsgi://`` target's path is
    the URL's path instead: mod_proxy_uwsgi hands uWSGI the target's path and the rest as
    PATH_INFO, from which uWSGI's --manage-script-name takes the mount that starts it (tester
    T30: '.../shop/' written '.../shop/app/' was taken by the mount /shop, PATH_INFO
    '/app/__probe__'; '.../app/' with a mount /app answered right)."""
    slash = "/" if rule.pattern.endswith("/") else ""
    if uwsgi_target(rule.target):
        backend = socket_url(rule.target)
        socket = rule.target[:len(rule.target) - len(backend)]  # 'unix:/x.sock|' or ''
        return socket + urlunsplit(urlsplit(backend)._replace(
            path=rule.pattern.rstrip("/") + slash))
    parts = urlsplit(rule.target)
    return urlunsplit(parts._replace(
        path=(parts.path or "").rstrip("/") + rule.pattern.rstrip("/") + slash))


def whole_line(rule: ProxyRule) -> str:
    """``rule`` written to pass the path whole (:func:`whole_target`), its parameters kept."""
    return rule.line(whole_target(rule))


def whole_path(site: Site, rule: ProxyRule) -> str:
    """The whole-path line of ``rule`` quoted, with its ``ProxyPassReverse`` lines written
    the same (lint's ``proxy_strips`` and the sweep's ``mount_mismatch`` fix)."""
    new = whole_target(rule)
    reverse = "; ".join(f"at {d.where}, '{reverse_line(d, rule.target, new)}'"
                        for d in reverse_of(site, rule)) or "its ProxyPassReverse the same"
    return f"'{whole_line(rule)}' ({reverse})"


def reverse_line(directive: Directive, old: str, new: str) -> str:
    """A ``ProxyPassReverse`` line with its target ``old`` written ``new``."""
    return " ".join([directive.name, *(new if a == old else a for a in directive.args)])
