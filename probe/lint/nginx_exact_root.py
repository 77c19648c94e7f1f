"""``nginx_exact_root_only`` (docs/lint.md, "nginx"): a server block whose only location for
``/`` is ``location = /`` with a pass (no prefix ``/``, no regular expression location). An
exact location matches that one path: every other page of the site (and the probe path)
gets nginx's 404, while a sweep of ``/`` alone is green. A tester's ``location / {``
changed to ``location = / {`` did exactly that."""

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
        # a prefix / or a regular expression may take the other paths; other prefixes
        # (/blog/) leave the rest of the site at 404
        others = [loc for loc in locations if loc.is_regex
                  or (loc.modifier in ("", "^~") and loc.pattern == "/")]
        if exact is None or others:
            continue
        findings.append(ConfigFinding.at(
            "nginx_exact_root_only", Severity.WARNING, exact.where,
            f"{server.describe()} has 'location = /' ({exact.where}), which matches / only, "
            f"exactly, and no 'location /' nor regular expression location: nginx answers "
            f"every other path of the site (but its other prefixes), and /__probe__, with 404",
            f"write 'location /' (a prefix) in place of 'location = /' at {exact.where}"))
    return findings
