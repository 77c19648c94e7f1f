"""The front server's configuration as the diagnosis joins it, with lint's findings of it.

One place for ``probe sweep``, ``probe check`` and ``probe exporter``: the route prediction
comes from :func:`probe.sweep_config.load_config`, and lint's findings of the same model are
keyed by ``file:line`` so that a misroute the configuration causes names the finding that
explains it. This is the one module outside the lint command that imports :mod:`probe.lint`
(the rules are lint's; the joined diagnosis needs them); the check imports it only when the
manifest names a configuration, so a check without one never loads lint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from probe.errors import ProbeError

if TYPE_CHECKING:
    from probe.apache import Site
    from probe.diagnose import ConfigJoin
    from probe.nginx import NginxModel


def load_front(path: str, environ: Mapping[str, str], *,
               named: str = "--config") -> ConfigJoin:
    """The configuration at ``path`` joined with lint's findings; ProbeError (its message
    starting with ``named``, where the path came from) if it cannot be read."""
    from probe.lint.client_unseen import CODES
    from probe.lint.rules import run_rules
    from probe.sweep_config import load_config

    # CODES: who may read a token-less endpoint, no cause of a URL's answer.
    def findings(site: Site) -> list[tuple[str, str, int, str]]:
        return [(f.code, f.file, f.line, f.message) for f in run_rules(site)
                if f.code not in CODES]

    def nginx_findings(model: NginxModel) -> list[tuple[str, str, int, str]]:
        from probe.lint.nginx_rules import run_nginx_rules

        return [(f.code, f.file, f.line, f.message) for f in run_nginx_rules(model)
                if f.code not in CODES]

    return load_config(path, environ, findings, nginx_findings, named=named)


def httpd_disagreements(path: str, join: ConfigJoin, environ: Mapping[str, str]) -> list[str]:
    """``probe sweep --apachectl``: where httpd's own ``apache2 -S`` of the configuration at
    ``path`` (read as ``join``) disagrees with the model the routes come from, or why it could
    not be asked; one line each, ``file:line: message``."""
    from probe.front import FrontKind
    from probe.lint import lint_paths, local_httpd
    from probe.lint.apachectl import CODE

    if join.front.front is FrontKind.NGINX:
        # apache2 -S would only refuse it ("No MPM loaded"), which says nothing about it.
        return [f"--apachectl: {path} is an nginx configuration; httpd -S is not run"]
    checked = lint_paths([path], environ=environ, httpd=local_httpd(), apachectl=True)
    return [f"{f.where}: {f.message}" for f in checked.findings if f.code == CODE]


MANIFEST_SETTING = "[probe] config"
"""How a message names the configuration when the manifest gave it (no --config option)."""


@dataclass(frozen=True)
class FrontConfig:
    """What a command that must go on without it made of the manifest's configuration."""

    join: ConfigJoin | None
    """None: no configuration named, or it could not be read (see ``problem``)."""
    problem: str | None = None
    """Why the configuration named was not read: one line, for the operator."""


def manifest_front(path: str | None, environ: Mapping[str, str]) -> FrontConfig:
    """``[probe] config`` read for a check or the exporter, which must still report what
    they measure when it cannot be read: the reason is returned, never raised."""
    if path is None:
        return FrontConfig(None)
    try:
        return FrontConfig(load_front(path, environ, named=MANIFEST_SETTING))
    except ProbeError as exc:
        return FrontConfig(None, str(exc))
    except (OSError, ValueError) as exc:  # a reader's error the loaders did not word
        return FrontConfig(None, f"{MANIFEST_SETTING} {path}: {exc}")
