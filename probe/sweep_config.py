"""``probe sweep --config PATH``: the front server's configuration read for the diagnosis.

Reads an Apache configuration (a file, or a server root / directory of files) into the
route prediction (:class:`probe.apache.route.ApacheRoutes`), or an nginx one
(:class:`probe.nginx.NginxConfig`, told apart by :func:`probe.front_files.detect`), and
keys the lint findings of the same model by ``file:line``, so a misroute the configuration
causes names the finding that explains it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

from probe.apache import Site, load_site, local_httpd
from probe.apache.route import ApacheRoutes
from probe.diagnose import ConfigJoin
from probe.errors import ProbeError
from probe.front import FrontKind
from probe.front_files import detect, require_configuration
from probe.nginx import NginxModel, load_nginx

Findings = Callable[[Site], Sequence[tuple[str, str, int, str]]]
"""The lint findings of a model: (code, file, line, message) each."""


def load_config(path: str, environ: Mapping[str, str], findings: Findings,
                nginx_findings: NginxFindings | None = None, *,
                named: str = "--config") -> ConfigJoin:
    """The configuration at ``path`` as the diagnosis joins it; ProbeError if unreadable
    (``named``: where the path came from, as the message says it)."""
    if not os.path.exists(path):
        raise ProbeError(f"{named} {path}: no such file or directory")
    kind = detect(path)
    if kind is FrontKind.NGINX:
        return _nginx(path, nginx_findings)
    if kind is FrontKind.UNKNOWN:
        require_configuration(path)
    site = load_site([path], environ=environ, httpd=local_httpd())
    keyed = {(file, line): (code, message) for code, file, line, message in findings(site)}
    routes = ApacheRoutes(site)
    return ConfigJoin(routes, keyed, routes.divergence, routes.intended, routes.refuse_block,
                      routes.refuse_why)


NginxFindings = Callable[[NginxModel], Sequence[tuple[str, str, int, str]]]
"""The lint findings of an nginx model, the same way."""


def _nginx(path: str, findings: NginxFindings | None) -> ConfigJoin:
    """An nginx configuration: its route prediction, and its lint findings by line."""
    config = load_nginx(path)
    keyed = {(file, line): (code, message)
             for code, file, line, message in (findings(config.model) if findings else ())}
    return ConfigJoin(config, keyed)
