"""Two ``map`` mistakes behind ``proxy_pass http://$var;`` that ``nginx -t`` accepts (tester
T34's a-map, re-tester R34's item 7):

* ``nginx_map_value_unresolved``: an entry's value names no ``upstream`` block read and is no
  address, and no ``resolver`` line is read: nginx takes the value for a host name to resolve
  when a request comes and answers 502 ("no resolver defined to resolve blgo_app"). The fix
  names the upstream block one slip away (:mod:`probe.name_edits`, the measure of a
  ``server_name`` typo) where there is one;
* ``nginx_map_key_unserved``: a key of a map of the Host that no ``server_name`` of the blocks
  passing by it matches, one edit from a name one of them does (``blog.exmaple.test`` beside
  ``server_name .example.test``): the requests for that name get the map's default.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from probe.lint.findings import ConfigFinding, Severity
from probe.name_edits import closeness
from probe.nginx.model import NginxModel, Server
from probe.nginx.select import choose_server
from probe.nginx.text import Directive
from probe.nginx.variables import Map

_HOST_SOURCES = ("$host", "$http_host")


def _uses(model: NginxModel) -> Iterator[tuple[Server, Map, str, str]]:
    """(block, map, proxy_pass URL, its line) where a proxy_pass's whole address is a map's
    variable (``http://$backend``, ``http://${backend}``)."""
    for server, loc in model.proxied():
        proxy = loc.proxy_pass
        if proxy is None or not proxy.has_variables:
            continue
        var = "$" + proxy.target.lstrip("$").strip("{}")
        if proxy.target in (var, "${" + var[1:] + "}") and var in model.maps:
            yield server, model.maps[var], proxy.url, proxy.where


def _resolver(directives: tuple[Directive, ...]) -> bool:
    return any(d.name == "resolver" or _resolver(d.block or ()) for d in directives)


def _an_address(value: str) -> bool:
    if value.startswith("unix:"):
        return True
    host = value.rsplit(":", 1)[0] if value.count(":") == 1 else value
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _near(value: str, names: list[tuple[str, str]]) -> tuple[str, str, str] | None:
    found = [(name, at, close.words(value)) for name, at in names
             if (close := closeness(name.lower(), value.lower())) is not None]
    return found[0] if len(found) == 1 else None


def value_unresolved(model: NginxModel) -> list[ConfigFinding]:
    if _resolver(model.text.directives):
        return []  # a name may then resolve in DNS: what it names is not known here
    findings: dict[str, ConfigFinding] = {}
    upstreams = [(u.name, u.where) for u in model.upstreams.values()]
    for _, m, url, at in _uses(model):
        for entry in (*m.entries, *((m.default,) if m.default is not None else ())):
            value = entry.value
            if "$" in value or value in model.upstreams or _an_address(value) \
                    or entry.where in findings:
                continue
            near = _near(value, upstreams)
            fix = (f"write '{entry.key} {near[0]};' in place of '{entry.key} {value};': upstream "
                   f"{near[0]} ({near[1]}) is {near[2].replace(' from ', ' from the value ', 1)}"
                   if near is not None else
                   f"give '{entry.key}' the name of an upstream block read"
                   + (f" ({', '.join(n for n, _ in upstreams)})" if upstreams else "")
                   + f" or an address in place of {value}")
            findings[entry.where] = ConfigFinding.at(
                "nginx_map_value_unresolved", Severity.WARNING, entry.where,
                f"'{entry.key} {value};' ({m.opening()} at {m.where}) gives {m.result} the "
                f"value {value}, which proxy_pass {url} at {at} passes to: no upstream block "
                f"of that name is read, it is no address, and no resolver line is read. nginx "
                f"-t accepts it, and every request that gets this value is answered 502 (its "
                f"error log: 'no resolver defined to resolve {value}')", fix)
    return list(findings.values())


def _served(server: Server, name: str) -> bool:
    listen = server.listens[0] if server.listens else None
    if listen is None:
        return False
    choice = choose_server([server], listen.host, listen.port, name)
    return choice.server is server and choice.by != "default"


def _meant(key: str, server: Server) -> list[tuple[str, str]]:
    """The names ``server``'s server_names serve that ``key`` is one slip from, with the
    line: an exact name, or ``key`` with its last labels as a wildcard's suffix."""
    found: list[tuple[str, str]] = []
    label, _, rest = key.partition(".")
    for written, at in server.names:
        if written.startswith("~") or written.endswith(".*") or not written:
            continue
        suffix = written.removeprefix("*").removeprefix(".") \
            if written.startswith((".", "*.")) else None
        name = f"{label}.{suffix}" if suffix is not None and rest else written.lower()
        if closeness(key, name) is not None and _served(server, name):
            found.append((name, f"server_name {written} at {at}"))
    return found


def key_unserved(model: NginxModel) -> list[ConfigFinding]:
    findings: dict[str, ConfigFinding] = {}
    users: dict[str, list[tuple[Server, str, str]]] = {}
    for server, m, url, at in _uses(model):
        users.setdefault(m.result, []).append((server, url, at))
    for var, passing in users.items():
        m = model.maps[var]
        if m.split or m.source not in _HOST_SOURCES:
            continue
        keys = {e.key.lower() for e in m.entries}
        blocks = list(dict.fromkeys(s for s, _, _ in passing))
        for entry in m.entries:
            key = entry.key.lower()
            if key.startswith(("~", "*", ".", "\\")) or key.endswith("*") or ":" in key \
                    or any(_served(s, key) for s in blocks):
                continue  # a pattern, or a name a block that passes by the map serves
            meant = list(dict.fromkeys((n, line) for s in blocks for n, line in _meant(key, s)
                                       if n not in keys))
            if len(meant) != 1:
                continue
            name, line = meant[0]
            close = closeness(key, name)
            said = close.words(name) if close is not None else "near"
            default = (f"the default '{m.default.value}' ({m.default.where})"
                       if m.default is not None else "the empty value (no default)")
            _, url, at = passing[0]
            findings[entry.where] = ConfigFinding.at(
                "nginx_map_key_unserved", Severity.WARNING, entry.where,
                f"the key {entry.key} of {m.opening()} ({m.where}), which proxy_pass {url} at "
                f"{at} passes by, is matched by no server_name of the blocks that pass by it; "
                f"it is {said}, which {line} serves, the likely typo: the requests for {name} "
                f"get {default}", f"write the key {name} in place of {entry.key}, its value "
                                  f"as it is")
    return list(findings.values())
