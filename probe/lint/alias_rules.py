"""``alias_order``: a WSGIScriptAlias no request reaches because an earlier one matches all
its URLs (mod_wsgi tries aliases in order, the first match wins,
:mod:`probe.apache.reach`). ``alias_trailing_slash``: a URL-path ending in '/' before a
file target, which reaches the script only at exactly that path
(:mod:`probe.apache.alias_slash`)."""

from __future__ import annotations

from probe.apache.alias_slash import beyond_fix, slash_mismatch
from probe.apache.model import Server, Site, WsgiApp
from probe.apache.reach import shadowing
from probe.lint.findings import ConfigFinding, Severity


def alias_order(site: Site) -> list[ConfigFinding]:
    """A mount after one that takes its URLs: a longer mount listed after a shorter one
    (list the longer first), or the same mount twice (the second is unreachable). When
    both run the same script nothing changes at run time, and it is a note."""
    findings: dict[tuple[str, str], ConfigFinding] = {}
    for server in site.servers:
        for later in site.aliases_for(server):
            earlier = shadowing(site, server, later)
            # The same line, earlier: its file is read twice (the Include lines are named
            # where the file holds what that breaks: a daemon, a VirtualHost, a setting).
            if earlier is None or earlier.where == later.where or \
                    (earlier.where, later.where) in findings:
                continue
            findings[(earlier.where, later.where)] = _finding(server, earlier, later)
    return list(findings.values())


def _finding(server: Server, earlier: WsgiApp, later: WsgiApp) -> ConfigFinding:
    inherited = (" (inherited from the main server)"
                 if earlier.server.is_main and not server.is_main else "")
    same_mount = not earlier.is_match and not later.is_match and \
        earlier.mount.rstrip("/") == later.mount.rstrip("/")
    same_script = earlier.target == later.target
    what = f"{later.directive.name} {later.mount} is never reached in {server.describe()}"
    if same_script:
        consequence = f"both run {later.target}, so nothing changes but SCRIPT_NAME"
    else:
        consequence = f"its URLs run {earlier.target} instead of {later.target}"
    if same_mount:
        message = (f"{what}: the earlier {earlier.directive.name} {earlier.mount} at "
                   f"{earlier.where}{inherited} has the same mount and takes all its URLs; "
                   f"{consequence}")
        fix = (f"remove one of them: the second {later.directive.name} for one mount is "
               f"unreachable (give {later.target} a mount of its own if it is a different "
               f"application)")
    elif later.server.is_main and not earlier.server.is_main:
        # Not an order within one list: a VirtualHost tries its own aliases before the
        # main server's, wherever each is written, so no move of the main server's helps.
        message = (f"{what}: its own {earlier.directive.name} {earlier.mount} at "
                   f"{earlier.where} matches its URLs, and a VirtualHost tries its own "
                   f"aliases before those of the main server ({later.where}); {consequence}")
        fix = (f"add {later.directive.name} {later.mount} inside {server.describe()}, above "
               f"its {earlier.directive.name} {earlier.mount} ({earlier.where}), if "
               f"{later.mount} is meant to reach {later.target} there too")
    else:
        message = (f"{what}: the earlier {earlier.directive.name} {earlier.mount} at "
                   f"{earlier.where}{inherited} matches its URLs first; {consequence}")
        fix = (f"list the longer mount first: move {later.directive.name} {later.mount} "
               f"({later.where}) above {earlier.directive.name} {earlier.mount} "
               f"({earlier.where})")
    return ConfigFinding("alias_order", Severity.NOTE if same_script else Severity.ERROR,
                         later.directive.file, later.directive.line, message, fix)


def alias_trailing_slash(site: Site) -> list[ConfigFinding]:
    """``WSGIScriptAlias /weblate/ /srv/weblate/wsgi.py``: below ``/weblate/`` the rest of
    the path is appended to the file's name (``wsgi.pyaccounts/``), and ``/weblate``
    matches nothing."""
    return [ConfigFinding(
        "alias_trailing_slash", Severity.ERROR, app.directive.file, app.directive.line,
        f"{app.directive.name} {app.mount} ends in '/' while its target {app.target} is a "
        f"file: mod_wsgi appends the rest of the path to the target, so only {app.mount} "
        f"itself reaches the script; {app.mount}PATH maps to the file "
        f"{app.target}PATH (httpd answers 403 or 404) and {app.mount.rstrip('/')} "
        f"does not match the alias", beyond_fix(app))
        for app in site.apps if slash_mismatch(app)]
