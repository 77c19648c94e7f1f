"""Static analysis of Apache/mod_wsgi configuration: ``probe lint``.

:func:`lint_paths` reads the configuration (following Includes), works out what it means
to Apache and mod_wsgi (:mod:`probe.lint.model`) and runs the rules
(:mod:`probe.lint.rules`) over it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from probe.lint.apache_config import (
    ConfigUnreadable,
    Httpd,
    default_server_root,
    parse_paths,
    read_envvars,
)
from probe.lint.httpd_modules import compiled_in, server_version
from probe.lint.model import Site, build_site
from probe.lint.rules import ConfigFinding, Severity, run_rules

__all__ = [
    "ConfigFinding",
    "ConfigUnreadable",
    "Httpd",
    "LintResult",
    "Severity",
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
        return 1 if self.failed else 0


def local_httpd(defines: Sequence[str] = ()) -> Httpd:
    """This machine's httpd (its ``apache2 -l`` and ``-v``, else Debian's modules and an
    unknown version) with ``-D`` names."""
    return Httpd(compiled_in(), tuple(defines), server_version())


def load_site(paths: Sequence[str | os.PathLike[str]], *, server_root: str | None = None,
              environ: Mapping[str, str] | None = None, httpd: Httpd | None = None) -> Site:
    """Parse configuration files and build the site model; ConfigUnreadable if a path
    given cannot be read.

    ``${VAR}`` resolves from Defines, then ``environ``, overridden (as ``apache2ctl`` does)
    by an ``envvars`` file in the server root, where Debian keeps them. ``httpd`` gives the
    compiled-in modules and ``-D`` names (default: Debian's httpd, no ``-D``).
    """
    if paths:
        root = server_root or default_server_root(paths)
        environ = {**(environ or {}), **read_envvars(os.path.join(root, "envvars"))}
    return build_site(parse_paths(paths, server_root=server_root, environ=environ,
                                  httpd=httpd))


def lint_paths(paths: Sequence[str | os.PathLike[str]], *, server_root: str | None = None,
               environ: Mapping[str, str] | None = None,
               httpd: Httpd | None = None, apachectl: bool = False) -> LintResult:
    """Lint configuration files; ``apachectl`` also compares the VirtualHost model with
    ``apache2 -S`` run on the same main configuration (:mod:`probe.lint.apachectl`)."""
    site = load_site(paths, server_root=server_root, environ=environ, httpd=httpd)
    findings = run_rules(site)
    if apachectl:
        findings += _apachectl(site, paths, server_root, environ or {}, httpd or Httpd())
    return LintResult(tuple(sorted(findings, key=lambda f: (f.file, f.line, f.code))),
                      site.config.files)


def _apachectl(site: Site, paths: Sequence[str | os.PathLike[str]], server_root: str | None,
               environ: Mapping[str, str], httpd: Httpd) -> list[ConfigFinding]:
    from probe.lint import apachectl

    first = site.config.files[0] if site.config.files else "<config>"
    if len(paths) != 1:
        return [ConfigFinding(apachectl.CODE, Severity.NOTE, first, 0,
                        "--apachectl compares one main configuration with httpd -S; "
                        f"{len(paths)} paths were given, nothing compared")]
    root = server_root or default_server_root(paths)
    env = {**environ, **read_envvars(os.path.join(root, "envvars"))}
    try:
        dump = apachectl.run_dump(first, root, httpd.defines, env)
    except (OSError, RuntimeError) as exc:
        return [ConfigFinding(apachectl.CODE, Severity.NOTE, first, 0,
                        f"httpd -S could not run, nothing compared: {exc}")]
    return apachectl.compare(site, apachectl.parse_dump(dump))
