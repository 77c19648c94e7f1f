"""The why and fix of a route that leaves the intended one at the daemon process group: a
``WSGIProcessGroup`` that applies too broadly (``process_group_scope``: which line to change
depends on what else that line serves), or none that applies (``daemon_group_unused``: a line
written for another place, or in a section httpd never reads)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from probe.apache.divergence import MAIN_SCOPE, OWN_SECTION
from probe.diagnose.join_kept import GroupKept, group_words
from probe.front import Divergence, RouteStep


def process_group_fix(found: Divergence, expected: str, mount_step: RouteStep | None,
                   site: str | None, mount_url: str | None = None,
                   script: str | None = None,
                   shared: Sequence[GroupKept] = ()) -> tuple[str, str]:
    """Why and fix at the daemon process group: a directive applies too broadly, or none
    applies (written for another place, or hidden in a section httpd never reads)."""
    leaves, meant = found.step, found.meant
    first = "The route leaves the intended one at the daemon process group: "
    if found.cause == "process_group_scope" and found.use_fix:
        # a macro body's line: the site's own Use (or the Define it reads) is the one to change
        return f"{first}{leaves.rule} ({leaves.source}).", found.use_fix
    if found.cause == "process_group_scope" and meant is not None:
        return f"{first}{leaves.rule} ({leaves.source}).", _scope_fix(
            leaves, meant, expected, mount_step, site, mount_url, shared)
    if found.cause != "daemon_group_unused" or meant is None:
        return (f"{first}{leaves.rule} ({leaves.source})."), (
            f"At {leaves.source}, make the process group apply only where meant (a "
            f"<Location> for that mount listed after the broader one, or process-group= "
            f"on the mount of {expected}).")
    group = meant.decision
    mount = f"the mount at {meant.source}" if meant.source is not None else "its mount"
    if leaves.source is not None and leaves.rule.startswith("WSGIProcessGroup"):
        # Written for the site, in a section that does not cover the script: the likely slip.
        home = os.path.dirname(script or "") or "the script's directory"
        return (f"{first}{leaves.rule}; no other WSGIProcessGroup or process-group= applies "
                f"to this URL, so it runs embedded: that line is the likely mistake."), (
            f"Move WSGIProcessGroup {group} ({leaves.source}) into <Directory {home}> (the "
            f"script's directory) or {_scope(site)}, or add process-group={group} to "
            f"{mount}.")
    if leaves.source is not None:
        return (f"{first}{leaves.rule} ({leaves.source}); no other WSGIProcessGroup or "
                f"process-group= applies to this URL, so it runs embedded."), (
            f"At {leaves.source}, make the section hold (<IfModule wsgi_module>) or remove "
            f"it around WSGIProcessGroup {group}; or add process-group={group} to {mount}.")
    return (f"{first}no WSGIProcessGroup of the configuration applies to the script of "
            f"{expected} at this URL and {meant.rule} ({meant.source}), so it runs "
            f"embedded."), (
        f"Add process-group={group} to {mount} (or 'WSGIProcessGroup {group}' in a "
        f"<Location> for that mount or a <Directory> holding its script).")


def _scope(site: str | None) -> str:
    """The server a route reaches, as a fix names it: a conf.d snippet has no VirtualHost."""
    return "the main server" if site == "the main server" else "the VirtualHost"


def _scope_fix(leaves: RouteStep, meant: RouteStep, expected: str,
               mount: RouteStep | None, site: str | None, mount_url: str | None,
               shared: Sequence[GroupKept] = ()) -> str:
    """A group line that gives the wrong group: named with the group meant (its
    WSGIDaemonProcess line), and the option that fits where the line sits; ``site`` is the
    route's VirtualHost, described with its opening line; ``shared``: the working URLs of
    other instances that line serves, which renaming it would move."""
    group = meant.decision
    on_mount = (f"process-group={group} on the mount of {expected}"
                + (f" ({mount.source})" if mount is not None and mount.source else ""))
    defined = f"WSGIDaemonProcess {group} at {meant.source}"
    whole = "the whole main server" if site == "the main server" else "its whole VirtualHost"
    if meant.by == "server" and shared and mount is not None and mount.source == leaves.source:
        # One line both mounts the instance and names the group the others keep: "put" and
        # "do not rename" there would contradict each other (T33 b's [4]).
        return (f"The line at {leaves.source} both mounts {expected} and gives "
                f"{leaves.decision} to {group_words(shared)}: change neither there; give "
                f"{expected} a line of its own in {_scope(site)} (a WSGIScriptAlias for its "
                f"mount with process-group={group}; {defined} defines it).")
    if meant.by == "server" and shared:
        one = len(shared) == 1
        return (f"Put {on_mount}; {defined} defines it. Do not rename the group at "
                f"{leaves.source}: that line applies to {whole}, and {group_words(shared)} "
                f"take{'s' if one else ''} {leaves.decision} from it too; renamed, "
                f"{'it' if one else 'they'} would run in {group}'s daemon instead.")
    if meant.by == "server":
        return (f"At {leaves.source}, name the group meant for {expected}: WSGIProcessGroup "
                f"{group} ({defined}); the line applies to {whole}. Or put "
                f"{on_mount}.")
    if meant.by == OWN_SECTION:
        return (f"At {leaves.source}, name the group meant for {expected}: WSGIProcessGroup "
                f"{group} ({defined}); the section that line is written in applies to no "
                f"other application of the configuration.")
    if meant.by != MAIN_SCOPE or site is None or not site.startswith("<VirtualHost"):
        return (f"At {leaves.source}, make the process group apply only where meant: a "
                f"<Location> for the mount of {expected} with WSGIProcessGroup {group} "
                f"({defined}), listed after the broader section, or {on_mount}.")
    # The line sits above the VirtualHost (server scope): a <Location> written beside it
    # would apply to every VirtualHost, and take the other sites into the group too.
    where = f"<Location {mount_url or '/'}>"
    return (f"Inside {site}, for the mount of {expected}, add {where} with WSGIProcessGroup "
            f"{group} ({defined}), or put {on_mount}: not at the scope of {leaves.source}, "
            f"where it would apply to every VirtualHost:\n    {where}\n        "
            f"WSGIProcessGroup {group}\n    </Location>")
