"""A ``WSGIScriptAlias`` whose URL-path ends in '/' and whose target is a file
(``WSGIScriptAlias /weblate/ /srv/weblate/wsgi.py``): mod_wsgi, like mod_alias, appends the
rest of the path after the matched URL-path to the target, so ``/weblate/accounts/`` maps
to the file ``/srv/weblate/wsgi.pyaccounts/``, which does not exist, and httpd answers 403
or 404 (its error log names that file, e.g. AH01630). Only the URL-path itself
(``/weblate/``) reaches the script; ``/weblate`` does not match the alias at all. The mount
``/`` is the exception: mod_wsgi keeps the whole path there, as PATH_INFO.

Seen on real Apache (tests/integration/test_alias_slash_apache.py). Shared by the route
model (:func:`probe.apache.mapping.map_path`) and lint's ``alias_trailing_slash``."""

from __future__ import annotations

import os

from probe.apache.model import WsgiApp
from probe.apache.names import alias_match_length
from probe.front import RouteStep, Source

BY = "alias_slash"  # RouteStep.by of a mount step this module made


def slash_mismatch(app: WsgiApp) -> bool:
    """The alias's URL-path ends in '/' (and is not '/') while its target is a file."""
    # a path after the script in the target (app.after) ends in the script's directory
    # walk too: the rest of the path lands after it, in PATH_INFO
    return (not app.is_match and not app.handler and app.mount.endswith("/")
            and app.mount.strip("/") != "" and not app.after and _a_file(app.target))


def _a_file(target: str) -> bool:
    """A file as read on this machine; where it is absent (a configuration linted
    elsewhere), a name with a suffix (wsgi.py, django.wsgi), not a directory's."""
    if target.endswith("/") or os.path.isdir(target):
        return False
    return os.path.isfile(target) or "." in os.path.basename(target)


def unslashed(app: WsgiApp) -> str:
    """The line as it should be written: the URL-path without its trailing slash."""
    rest = " ".join(app.directive.args[2:])
    return " ".join(p for p in (app.directive.name, app.mount.rstrip("/"), app.written_target,
                                rest)
                    if p)


def file_beyond(app: WsgiApp, path: str) -> str | None:
    """The file httpd looks for when ``path``, which ``app`` matches, goes past its
    URL-path: None when the request reaches the script."""
    if not slash_mismatch(app):
        return None
    matched = alias_match_length(path, app.mount)
    if not matched or matched >= len(path):
        return None
    return app.target + path[matched:]


def beyond_step(app: WsgiApp, path: str, filename: str) -> RouteStep:
    return RouteStep(
        "mount", "no application",
        f"{app.directive.name} {app.mount} is the first WSGIScriptAlias of this server to "
        f"match {path}, and its URL-path ends in '/' while its target is a file: the rest of "
        f"the path is appended to the target, so the request maps to the file {filename}, "
        f"not to {app.target} (httpd answers 403 or 404; only {app.mount} itself reaches "
        f"the script)", Source(app.directive.file, app.directive.line), by=BY)


def beyond_fix(app: WsgiApp) -> str:
    return (f"At {app.where}, write the URL-path without its trailing slash: "
            f"{unslashed(app)} (then {app.mount.rstrip('/')}, {app.mount} and every URL "
            f"below reach {app.target}).")
