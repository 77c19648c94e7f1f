"""``nginx_exact_root_only`` (docs/lint.md, "nginx"): a server block whose only location for
``/`` is ``location = /`` with a pass. An exact location matches that one path: every other
page of the site (and the probe path) gets nginx's 404, while a sweep of ``/`` alone is
green. A tester's ``location / {`` changed to ``location = / {`` did exactly that."""

from __future__ import annotations

from probe.lint.findings import ConfigFinding, Severity
from probe.nginx.model import NginxModel


def exact_root_only(model: NginxModel) -> list[ConfigFinding]:
    findings = []
    for server in model.servers:
        if server.unread or server.returns is not None:
            continue  # an include not read may hold the prefix location; a return wins
        locations = server.locations
        exact = next((loc for loc in locations if loc.modifier == "=" and loc.pattern == "/"
                      and (loc.proxy_pass is not None or loc.other_pass is not None)), None)
        # any other location that is not named may take the other paths (a regex, a prefix)
        others = [loc for loc in locations if loc is not exact and loc.modifier != "@"]
        if exact is None or others:
            continue
        file, _, line = exact.where.rpartition(":")
        findings.append(ConfigFinding(
            "nginx_exact_root_only", Severity.WARNING, file,
            int(line) if line.isdigit() else 0,
            f"{server.describe()} has no location but 'location = /' ({exact.where}), which "
            f"matches / only, exactly: nginx answers every other path of the site, and "
            f"/__probe__, with 404",
            f"write 'location /' (a prefix) in place of 'location = /' at {exact.where}"))
    return findings
