"""Static analysis of Apache/mod_wsgi configuration: ``probe lint``.

:func:`lint_paths` reads the configuration through the model in :mod:`probe.apache` and runs
the rules (:mod:`probe.lint.rules`) over it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from probe.apache import (
    ConfigUnreadable,
    Httpd,
    Site,
    load_site,
    local_httpd,
    server_environ,
)
from probe.apache.config import default_server_root
from probe.exits import lint_exit
from probe.lint.rules import ConfigFinding, Severity, run_rules

__all__ = [
    "ConfigFinding",
    "ConfigUnreadable",
    "Httpd",
    "LintResult",
    "Severity",
    "lint_nginx",
    "lint_paths",
    "load_site",
    "local_httpd",
]


@dataclass(frozen=True)
class LintResult:
    findings: tuple[ConfigFinding, ...]
    files: tuple[str, ...]  # every configuration file read, includes too

    @property
    def failed(self) -> bool:
        """Whether any finding is a warning or an error (notes do not fail a lint)."""
        return any(f.severity.fails for f in self.findings)

    @property
    def exit_status(self) -> int:
        return lint_exit(self.failed)


def lint_paths(paths: Sequence[str | os.PathLike[str]], *, server_root: str | None = None,
               environ: Mapping[str, str] | None = None,
               httpd: Httpd | None = None, apachectl: bool = False,
               httpd_check: bool = False) -> LintResult:
    """Lint configuration files; ``apachectl`` also compares the VirtualHost model with
    ``apache2 -S`` run on the same main configuration (:mod:`probe.lint.apachectl`);
    ``httpd_check`` adds httpd's own refusal, from ``apache2 -t`` on a main configuration
    (with ``apachectl`` on a fragment too, :mod:`probe.lint.httpd_check`)."""
    from probe.apache.express_start import started_as
    from probe.lint.express_notes import express_notes

    environ, httpd, start = started_as(paths, server_root, environ, httpd)
    site = load_site(paths, server_root=server_root, environ=environ, httpd=httpd)
    findings = express_notes(run_rules(site), start)
    if httpd_check:
        from probe.lint.httpd_check import not_yet_reported, syntax_check

        findings += not_yet_reported(site, findings, syntax_check(
            site, paths, server_root or default_server_root(paths),
            (httpd or Httpd()).defines, server_environ(paths, server_root, environ or {}),
            fragments=apachectl))
    if apachectl:
        findings += _apachectl(site, paths, server_root, environ or {}, httpd or Httpd())
    return LintResult(tuple(sorted(findings, key=lambda f: (f.file, f.line, f.code))),
                      site.config.files)


def lint_nginx(path: str) -> LintResult:
    """Lint an nginx configuration (a file, a directory with nginx.conf, or nginx -T output)
    with :mod:`probe.lint.nginx_rules`; NginxUnreadable when it cannot be read."""
    from probe.lint.nginx_rules import run_nginx_rules
    from probe.nginx import load_nginx

    model = load_nginx(path).model
    return LintResult(tuple(run_nginx_rules(model)), tuple(model.text.files))


def _apachectl(site: Site, paths: Sequence[str | os.PathLike[str]], server_root: str | None,
               environ: Mapping[str, str], httpd: Httpd) -> list[ConfigFinding]:
    from probe.apache.apachectl import parse_dump, run_dump
    from probe.apache.modules import Modules
    from probe.lint.apachectl import CODE, compare
    from probe.lint.httpd_check import NO_MPM, is_main

    first = site.config.files[0] if site.config.files else "<config>"
    if len(paths) != 1:
        return [ConfigFinding(CODE, Severity.NOTE, first, 0,
                        "--apachectl compares one main configuration with httpd -S; "
                        f"{len(paths)} paths were given, nothing compared")]
    fragment = ConfigFinding(
        CODE, Severity.NOTE, first, 0,
        f"{first} is a fragment (it loads no MPM), which apache2 -S cannot check alone: "
        f"nothing compared; --apachectl needs the main configuration, e.g. "
        f"/etc/apache2/apache2.conf")
    if not is_main(site) and not Modules(httpd.compiled_in).whole_server:
        return [fragment]  # no MPM loaded nor compiled in: httpd would refuse it
    root = server_root or default_server_root(paths)
    env = server_environ(paths, server_root, environ)
    try:
        dump = run_dump(first, root, httpd.defines, env)
    except (OSError, RuntimeError) as exc:
        if NO_MPM in str(exc):  # httpd's own words for a configuration without an MPM
            return [fragment]
        return [ConfigFinding(CODE, Severity.NOTE, first, 0,
                        f"httpd -S could not run, nothing compared: {exc}")]
    return compare(site, parse_dump(dump))
