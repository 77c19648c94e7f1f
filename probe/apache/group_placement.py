"""Why the daemon process group meant for a script does not apply to it, where its route runs
the script embedded: a ``WSGIProcessGroup`` naming the group sits in a per-directory section
that does not hold the script (a ``<Directory>`` of another path, or of a relative one,
which matches no absolute script path), or in a conditional section httpd never reads
(:func:`probe.apache.divergence.hidden_group`)."""

from __future__ import annotations

from pathlib import PurePosixPath

from probe.apache.config import Directive
from probe.apache.divergence import hidden_group
from probe.apache.mapping import source
from probe.apache.model import Server, Site
from probe.apache.sections import Section, per_directory
from probe.front import RouteStep


def group_not_applied(site: Site, server: Server, group: str, script: str,
                      path: str) -> RouteStep | None:
    """The step that keeps ``WSGIProcessGroup group`` of ``server`` (or of the main server,
    merged into it) from ``script`` reached at URL ``path``: at that ``WSGIProcessGroup``
    line, saying which section does not apply and why; None if no such line is written."""
    main = tuple(d for d in site.config.directives if d.key != "virtualhost")
    for scope in (main,) if server.is_main else (main, server.directives):
        for use, section in per_directory(scope):
            if use.key != "wsgiprocessgroup" or use.arg(0) != group or \
                    section.applies(script, path):
                continue
            outside = next(s for s in (*section.outer, section.directive)
                           if not Section(s).applies(script, path))
            return RouteStep("process_group", "''", (
                f"WSGIProcessGroup {group} at {use.where} is inside "
                f"<{outside.name} {' '.join(outside.args)}> ({outside.where}), which "
                f"{_why(outside, script, path)}, so it never applies to this script"),
                source(use))
    return hidden_group(site, server, group)


def _why(section: Directive, script: str, path: str) -> str:
    key = section.key
    if key.startswith("directory"):
        relative = key == "directory" and not section.arg(0).startswith(("/", "~"))
        return f"does not hold {script}" + (" (its path is not absolute)" if relative else "")
    if key.startswith("files"):
        return f"does not match {PurePosixPath(script).name}"
    return f"does not match the URL path {path}"
