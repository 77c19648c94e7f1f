"""``nginx_client_not_forwarded`` and ``proxy_add_headers_off`` (docs/lint.md, notes): a
front on this machine that hands requests to an application over HTTP without any header
the probe endpoint takes for a proxy's.

A token-less endpoint (``probe endpoint --install --no-token``) answers a loopback
``REMOTE_ADDR`` with no proxy header (contrib/wsgi_endpoint.py, ``_PROXY_KEY``: Forwarded,
Via, X-Real-IP, X-Forwarded-*, X-Client-IP, ...). A proxy on the same machine connects from
loopback for every client, so only such a header tells the endpoint a request came through
it. nginx's ``proxy_pass`` adds none of its own; Apache's mod_proxy_http adds
X-Forwarded-For/-Host/-Server unless ``ProxyAddHeaders Off``. Security tester T37: nginx
with ``proxy_set_header Host $host`` alone (``nginx_host_not_forwarded``'s fix) in front of
a ``--no-token`` endpoint gave 14 of 21 outside requests the full answer. Whether an
endpoint runs without a token behind the line the configuration does not say: a note.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from ipaddress import ip_address

from probe.apache.config import Directive
from probe.apache.model import Site
from probe.lint.findings import ConfigFinding, Severity
from probe.lint.wsgi_options import walk
from probe.nginx.model import HeaderSet, Location, NginxModel

# the header names the endpoint takes for a proxy's (contrib/wsgi_endpoint.py, _PROXY_KEY)
PROXY_HEADER = re.compile(r"(?i)forwarded|via|x-real-ip|x-forwarded(-.*)?"
                          r"|x-(cluster-)?client-ip|true-client-ip|cf-connecting-ip")

XFF_LINE = "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"

CODES = frozenset({"nginx_client_not_forwarded", "proxy_add_headers_off"})
"""About who may read a token-less endpoint, not a route: the sweep's diagnosis does not
join them to a URL's cause (probe/front_config.py)."""

CHECK = ("whether an endpoint without a token runs behind it the configuration does not say "
         "(the check: the block 'probe endpoint --install' wrote in the WSGI script, "
         "wrap(...) without token_file= and no WSGI_PROBE_TOKEN/WSGI_PROBE_TOKEN_FILE in "
         "its environment)")


def tells_client(headers: HeaderSet) -> bool:
    """Whether a proxy_set_header in force sends a header the endpoint takes for a proxy's
    (one set to "" is not sent)."""
    return any(h.where and h.value.strip('"') and PROXY_HEADER.fullmatch(h.name)
               for h in headers.headers)


def _loopback(host: str) -> bool:
    host = host.strip("[]").lower().removesuffix(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _local(model: NginxModel, target: str) -> bool:
    """Whether a proxy_pass target is on this machine by the configuration: a unix socket, a
    loopback address, or an upstream with such a server (a name DNS resolves is not known)."""
    upstream = model.upstreams.get(target)
    addresses = [a for a, _ in upstream.servers] if upstream else [target]
    return any(a.startswith("unix:") or _loopback(_host(a)) for a in addresses)


def _host(address: str) -> str:
    """The host of ``host:port``, ``[v6]:port`` or a bare host."""
    if address.startswith("["):
        return address[1:address.find("]")] if "]" in address else address
    return address.rsplit(":", 1)[0] if address.count(":") == 1 else address


def xff_fix(loc: Location) -> str:
    """Where the X-Forwarded-For line goes so that it adds to the headers in force, never
    replaces them (nginx inherits no proxy_set_header into a level with lines of its own)."""
    source = loc.header_set.source
    if source is None or source == loc.where:
        return f"add {XFF_LINE} in {loc.describe()}"
    return (f"add {XFF_LINE} beside the proxy_set_header lines at {source}, which are those "
            f"in force in {loc.describe()} (a line in the location alone would replace them)")


def nginx_client_not_forwarded(model: NginxModel) -> list[ConfigFinding]:
    """A note at each proxy_pass to this machine with no proxy header in force."""
    findings = []
    for _server, loc in model.proxied():
        proxy = loc.proxy_pass
        assert proxy is not None
        if loc.header_set.unread is not None or tells_client(loc.header_set) \
                or proxy.has_variables or not _local(model, proxy.target):
            continue
        findings.append(ConfigFinding.at(
            "nginx_client_not_forwarded", Severity.NOTE, proxy.where,
            f"{loc.describe()} proxies to {proxy.target} on this machine with no "
            f"proxy_set_header of a header the probe endpoint takes for a proxy's "
            f"(X-Forwarded-For, X-Real-IP, Forwarded, ...): every client reaches the "
            f"application as nginx's own loopback connection with no proxy header, which an "
            f"endpoint installed with --no-token answers; {CHECK}",
            f"{xff_fix(loc)} (the endpoint then refuses every request through it without "
            f"the token), or install the endpoint with a token (probe endpoint --install "
            f"WSGI_PY, without --no-token)"))
    return findings


_TARGET = re.compile(r"(?i)^(?:unix:[^|]*\|)?https?://\[?([^/\]|]+?)\]?(?::\d+)?(?:/|$)")


def _local_http(d: Directive) -> bool:
    """A ProxyPass, ProxyPassMatch or BalancerMember line to an HTTP backend on this machine
    (a loopback address, or a unix socket)."""
    if d.key not in ("proxypass", "proxypassmatch", "balancermember"):
        return False
    for arg in d.args:
        m = _TARGET.match(arg)
        if m:
            return arg.lower().startswith("unix:") or _loopback(m.group(1))
    return False


def _passes_off(directives: Sequence[Directive], off: Directive | None,
                found: dict[int, tuple[Directive, list[Directive]]]) -> None:
    """Each ``ProxyAddHeaders Off`` with the local ProxyPass lines it is in force for: the
    section's own line, else its enclosing section's (read as written, not as httpd merges
    <Location> at request time)."""
    for d in directives:
        if d.key == "proxyaddheaders" and d.args[:1]:
            off = d if d.args[0].lower() == "off" else None
    for d in directives:
        if off is not None and _local_http(d):
            found.setdefault(id(off), (off, []))[1].append(d)
        if d.children:
            _passes_off(d.children, off, found)


def _named(passes: list[Directive]) -> str:
    return ", ".join(f"{p.name} at {p.where}" for p in passes[:3])


def proxy_add_headers_off(site: Site) -> list[ConfigFinding]:
    """A note at each ``ProxyAddHeaders Off`` in force for a ProxyPass over HTTP to this
    machine, where no ``ProxyVia On`` or ``RequestHeader`` line sends a proxy header."""
    found: dict[int, tuple[Directive, list[Directive]]] = {}
    _passes_off(site.config.directives, None, found)
    if not found or any(
            (d.key == "proxyvia" and d.args[:1] and d.args[0].lower() in ("on", "full"))
            or (d.key == "requestheader" and len(d.args) > 1
                and d.args[0].lower() in ("set", "add", "append", "merge", "setifempty")
                and PROXY_HEADER.fullmatch(d.args[1])) for d in walk(site.config.directives)):
        return []
    return [ConfigFinding(
        "proxy_add_headers_off", Severity.NOTE, d.file, d.line,
        f"ProxyAddHeaders Off: mod_proxy_http sends no X-Forwarded-For, X-Forwarded-Host or "
        f"X-Forwarded-Server, and no other line here sends a header the probe endpoint takes "
        f"for a proxy's, so every client of {_named(passes)} (a backend on this machine) "
        f"reaches the application as Apache's own loopback connection, which an endpoint "
        f"installed with --no-token answers; {CHECK}",
        f"remove 'ProxyAddHeaders Off' at {d.where} (mod_proxy's default On adds "
        f"X-Forwarded-For), or install the endpoint with a token (probe endpoint --install "
        f"WSGI_PY, without --no-token)")
        for d, passes in found.values()]
