"""``<Proxy>`` and ``<ProxyMatch>`` sections: which of them httpd 2.4 merges for a proxied
request, read from the backend URL the request is passed to.

mod_proxy's ``translate_name`` sets the request's file name to ``proxy:`` followed by the
backend URL (the ``ProxyPass`` target with the rest of the path, a ``ProxyPassMatch``'s
substitution). Its ``map_to_storage`` hook (``proxy_map_location`` -> ``proxy_walk`` in
modules/proxy/mod_proxy.c, 2.4.x) then merges, onto the server's own per-directory
settings, every section whose name matches that URL, in configuration order (the main
server's, then the VirtualHost's: ``merge_proxy_config`` appends the VirtualHost's
``sec_proxy`` to the main server's):

* ``<Proxy URL>``: the URL starts with the name (``strncmp``: case-sensitive, no ``/``
  boundary), a leading ``proxy:`` dropped;
* a name with ``*``, ``?`` or ``[`` (``<Proxy *>``): a shell pattern (``apr_fnmatch``
  without flags, so ``*`` crosses ``/``);
* ``<ProxyMatch RE>``: the regular expression found anywhere in the URL.

``ProxyPreserveHost`` is a per-directory setting (``RSRC_CONF|ACCESS_CONF``, merged by
``merge_proxy_dir_config``: a section's line, when written, replaces the one before) and
``ap_proxy_create_hdrbrgd`` reads it from the request's merged settings, so a line inside
a matching ``<Proxy>`` applies. httpd then runs the ``<Location>`` walk again on top
(server/request.c: "Rerun the location walk, which overrides any map_to_storage config"),
so a matching ``<Location>``'s line outranks a ``<Proxy>``'s. Checked with real apache2
2.4 and a backend reading its Host: tests/integration/test_apache_proxy_host_lint.py.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

from probe.apache.config import Directive

SECTION_KEYS = ("proxy", "proxymatch")
_WILDCARDS = ("*", "?", "[")


def section_name(section: Directive) -> str:
    """The name httpd matches, its ``proxy:`` prefix dropped as ``proxysection`` does."""
    name = section.arg(0)
    return name[6:] if name.lower().startswith("proxy:") else name


def section_matches(section: Directive, url: str) -> bool:
    """Whether ``proxy_walk`` merges ``section`` for a request passed to ``url``."""
    name = section_name(section)
    if section.key == "proxymatch":
        try:
            return re.search(name, url) is not None
        except re.error:
            return False
    if any(c in name for c in _WILDCARDS):
        return fnmatchcase(url, name)
    return url.startswith(name)


def section_may_match(section: Directive, known: str) -> bool | None:
    """Whether ``section`` matches a backend URL of which only the start ``known`` is known
    (a ``ProxyPassMatch`` target before its first ``$``): True or False when the start
    decides it, None when the rest of the URL would."""
    name = section_name(section)
    if section.key == "proxymatch" or any(c in name for c in _WILDCARDS):
        # only a pattern matching everything is decided without the whole URL
        return True if name in ("*", ".*", "^") else None
    if known.startswith(name):
        return True
    return None if name.startswith(known) else False


def proxy_sections(scopes: list[tuple[Directive, ...]]) -> list[Directive]:
    """The ``<Proxy>``/``<ProxyMatch>`` sections of ``scopes``, in ``proxy_walk``'s order."""
    return [d for scope in scopes for d in scope if d.key in SECTION_KEYS and d.args]
