"""The error log codes httpd writes when mod_proxy cannot reach a backend, by the module that
handles the backend's scheme: a fix names the check (the log line) by the code the route's
backends would log, not another module's.

* ``http://``/``https://`` (mod_proxy_http): AH01114 "HTTP: failed to make connection to
  backend: HOST"; a backend that took the connection and gave no answer, AH01102 "error
  reading status line from remote server HOST:PORT" or AH00898 "Error reading from remote
  server";
* ``uwsgi://`` (mod_proxy_uwsgi): AH10101 "failed to make connection to backend:
  HOST:PORT" (httpd's modules/proxy/mod_proxy_uwsgi.c, the same words as AH01114); its
  reading of the reply logs no code of its own;
* AH00957 "attempt to connect to ADDRESS failed" is mod_proxy's own (proxy_util.c), for
  every scheme.

A re-tester's uWSGI balancer (``BalancerMember "uwsgi://127.0.0.1:PORT"``) was told to look
for AH01114, which its error log never has.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from probe.apache.model import Site
from probe.apache.proxy import balancer
from probe.apache.proxy_rule import ProxyRule, socket_url

_CONNECT = {"http": "AH01114 ('HTTP: failed to make connection to backend', mod_proxy_http)",
            "uwsgi": "AH10101 ('failed to make connection to backend', mod_proxy_uwsgi)"}
_HTTP = ("http", "https")


def backend_urls(site: Site, rule: ProxyRule) -> list[str]:
    """``rule``'s target and, for a balancer, its ``BalancerMember`` URLs."""
    urls = [rule.target]
    for server in (site.main, *site.vhosts):
        section = balancer(site, server, rule.target)
        if section is not None:
            urls += [d.arg(0) for d in section.body() if d.key == "balancermember"]
            break
    return urls


def backend_schemes(site: Site, rule: ProxyRule) -> frozenset[str]:
    """The schemes of the backends ``rule`` passes to (``balancer`` itself left out)."""
    found = {urlsplit(socket_url(u)).scheme.lower() for u in backend_urls(site, rule)}
    return frozenset({"http" if s in _HTTP else s for s in found} - {"balancer", ""})


def connect_codes(schemes: frozenset[str]) -> str:
    """The code(s) of a backend not connected to, for these schemes (none known: every
    module this tool names)."""
    known = [_CONNECT[s] for s in sorted(schemes) if s in _CONNECT] or list(_CONNECT.values())
    return " or ".join(known)


def reads_http(schemes: frozenset[str]) -> bool:
    """Whether AH01102/AH00898 (mod_proxy_http's reading of a reply) can name a backend:
    an HTTP backend, or none known."""
    return not schemes or "http" in schemes
