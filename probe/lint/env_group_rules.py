"""A process group chosen per request by ``WSGIProcessGroup %{ENV:VAR}``:
``env_group_unset`` (requests the mount takes that no line gives ``VAR``) and
``setenvif_overlap`` (two ``SetEnvIf`` lines give one request two values; the later wins).

Both from T33 a-aliasmatch-env on real Apache 2.4.71 + mod_wsgi 6.1.1: ``SetEnvIf
Request_URI "^/(alpha|beta)(/|$)"`` left ``/gamma/`` without ``PROCESS_GROUP`` (500,
"WSGI0151: No WSGI daemon process called '%{ENV:PROCESS_GROUP}'"), and ``SetEnvIfNoCase Host
"example\\.test" PROCESS_GROUP=alpha`` after the ``^beta\\.`` line ran beta.example.test in
alpha's daemon ("Loading ... into main interpreter of daemon process 'alpha'"). Only
``SetEnvIf`` lines on the host name or the path are judged, on sample requests made from the
server's names and the daemon groups' names; a ``SetEnv``, ``PassEnv`` or ``RewriteRule
[E=]`` for the variable may set it for any request, and then nothing is said of it unset.
"""

from __future__ import annotations

import re

from probe.apache.model import Site
from probe.apache.names import mount_matches
from probe.lint.env_setters import (
    HOST_ATTRIBUTES,
    PATH_ATTRIBUTES,
    EnvGroup,
    Setter,
    env_groups,
    others_set,
    sample_hosts,
    setters,
)
from probe.lint.findings import ConfigFinding, Severity


def env_group_unset(site: Site) -> list[ConfigFinding]:
    findings = []
    for group in env_groups(site):
        if others_set(site, group.server, group.variable):
            continue
        lines = setters(site, group.server, group.variable)
        if any(s.attribute not in (*HOST_ATTRIBUTES, *PATH_ATTRIBUTES) for s in lines):
            continue  # set from what a sample request does not hold
        names = [d.name for d in site.daemons]
        for host in sample_hosts(group.server, names):
            path = next((p for p in _paths(names) if _taken(site, group, p)
                         and not any(_matches(s, host, p) for s in lines)), None)
            if path is not None:
                port = next((a.port for a in group.server.addresses
                             if a.port not in (None, 80)), None)
                netloc = f"{host}:{port}" if port else host
                findings.append(_unset(site, group, lines, f"http://{netloc}{path}"))
                break
    return findings


def setenvif_overlap(site: Site) -> list[ConfigFinding]:
    findings = []
    for group in env_groups(site):
        lines = setters(site, group.server, group.variable)
        names = [d.name for d in site.daemons] + [s.value for s in lines]
        samples = [(h, p) for h in sample_hosts(group.server, names) for p in _paths(names)]
        for i, later in enumerate(lines):
            for earlier in lines[:i]:
                if earlier.value == later.value or earlier.attribute != later.attribute:
                    continue
                both = next((s for s in samples if _matches(earlier, *s)
                             and _matches(later, *s)), None)
                broader = any(_matches(later, *s) and not _matches(earlier, *s)
                              for s in samples)
                if both is not None and broader:
                    findings.append(_overlap(group, earlier, later, both))
    return findings


def _paths(names: list[str]) -> list[str]:
    return list(dict.fromkeys([*(f"/{n}/" for n in names if n), "/"]))


def _taken(site: Site, group: EnvGroup, path: str) -> bool:
    """Whether the server's WSGI mounts take ``path`` (all of them, with none written:
    a handler reached by mod_rewrite)."""
    mounts = [a for a in site.apps if a.server is group.server]
    if not mounts:
        return True
    for app in mounts:
        try:
            if re.search(app.mount, path) if app.is_match else mount_matches(app.mount, path):
                return True
        except re.error:
            return True
    return False


def _matches(setter: Setter, host: str, path: str) -> bool:
    return setter.matches(host if setter.attribute in HOST_ATTRIBUTES else path)


def _unset(site: Site, group: EnvGroup, lines: list[Setter], url: str) -> ConfigFinding:
    var = group.variable
    said = ("; ".join(s.written() for s in lines) if lines
            else f"no line read sets {var} (SetEnv, SetEnvIf, RewriteRule [E=])")
    name = url.split("/")[3] if url.count("/") > 3 else ""
    daemon = next((d for d in site.daemons if d.name == name), None)
    meant = f" (WSGIDaemonProcess {name} at {daemon.directive.where})" if daemon else ""
    return ConfigFinding(
        "env_group_unset", Severity.WARNING, group.directive.file, group.directive.line,
        f"{group.directive.name} {' '.join(group.directive.args)} at {group.directive.where} "
        f"takes the daemon group from {var}, which only these lines set here: {said}. A "
        f"request for {url}{meant}, which the server's WSGI mount takes, matches none of "
        f"them, so mod_wsgi finds no {var} (unless httpd's own environment has one) and "
        f"takes '%{{ENV:{var}}}' literally as the group's name: no daemon group has it, and "
        f"the request is answered 500 (error log: WSGI0151 No WSGI daemon process called "
        f"'%{{ENV:{var}}}')",
        f"set {var} for those requests too: a SetEnvIf line for them beside the others"
        + (f" (SetEnvIf Request_URI \"^/{name}(/|$)\" {var}={name})" if daemon else "")
        + f", or a default for every request before them (SetEnvIf Request_URI . "
          f"{var}=NAME)")


def _overlap(group: EnvGroup, earlier: Setter, later: Setter,
             sample: tuple[str, str]) -> ConfigFinding:
    var = group.variable
    host, path = sample
    what = host if later.attribute in HOST_ATTRIBUTES else path
    return ConfigFinding(
        "setenvif_overlap", Severity.WARNING, later.directive.file, later.directive.line,
        f"{what!r} matches both {earlier.written()} ({var}={earlier.value}) and "
        f"{later.written()} ({var}={later.value}): SetEnvIf lines apply in order and the "
        f"later one sets {var} last, so {group.directive.name} %{{ENV:{var}}} at "
        f"{group.directive.where} runs that request in daemon group {later.value!r}, not "
        f"{earlier.value!r}; {later.written()} also matches names the earlier does not, so "
        f"it reads as the broader default written after the narrower line",
        f"move {later.written()} above {earlier.directive.where}, so the narrower line "
        f"overrides it; or anchor its pattern so it matches only the names meant for "
        f"{later.value!r}")
