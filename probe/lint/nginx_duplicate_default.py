"""``nginx_duplicate_default`` (docs/lint.md, "nginx"): two ``listen`` lines mark one address
``default_server`` (:mod:`probe.nginx.default_marks`). ``nginx -t`` refuses the configuration
and nginx does not start with it, nor reloads to it: an error, said at each later mark with
the first one named, never a routing guess. :func:`duplicated` gives the addresses, so that
the rules that reason about which block answers an address (``nginx_no_refusing_default``)
say nothing of a configuration nginx refuses: which block would answer is what the operator
decides by removing one mark.
"""

from __future__ import annotations

from probe.lint.findings import ConfigFinding, Severity
from probe.nginx.default_marks import two_defaults
from probe.nginx.model import NginxModel


def duplicated(model: NginxModel) -> set[str]:
    """The addresses that more than one listen line marks default_server."""
    return {found.address for found in two_defaults(model)}


def duplicate_default(model: NginxModel) -> list[ConfigFinding]:
    return [ConfigFinding.at("nginx_duplicate_default", Severity.ERROR, listen.where,
                             found.message(server, listen), found.fix())
            for found in two_defaults(model) for server, listen in found.marks[1:]]
