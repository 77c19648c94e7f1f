"""The script and SCRIPT_NAME of one request a ``WSGIScriptAlias`` or
``WSGIScriptAliasMatch`` takes, as mod_wsgi and httpd make them.

Three steps, each from the sources:

* mod_wsgi's ``wsgi_hook_intercept`` sets the file name to the target followed by the rest
  of the URI after the matched URL-path (the whole URI where the matched text is ``/``); a
  Match alias's target is first filled from the match (``ap_pregsub``: ``$0``-``$9`` and
  ``&``);
* httpd's directory walk stops at the first component of that file name that is a file,
  the script, and hands the rest on as PATH_INFO: a target written with a path after the
  script (``.../wsgi.py/extra``) puts that path at PATH_INFO's start, and a target that is a
  directory runs the file the URI names below it;
* ``ap_add_cgi_vars`` makes SCRIPT_NAME the URI less the part that ``ap_find_path_info``
  matches from the end against PATH_INFO, rounded to the next '/'. So
  ``WSGIScriptAlias /reviews .../wsgi.py/reviews`` gives SCRIPT_NAME '', and
  ``WSGIScriptAlias /a/b .../wsgi.py/x/b`` gives '/a' (seen on real Apache:
  tests/integration/test_alias_target_path.py).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from probe.apache.scripts import script_in

_SUBSTITUTION = re.compile(r"\\(.)|\$(\d)|&")


@dataclass(frozen=True)
class AliasRequest:
    script_file: str  # the file mod_wsgi runs (for a directory target, the one below it)
    script_name: str


def find_path_info(uri: str, path_info: str) -> int:
    """Where PATH_INFO starts in ``uri``: a port of httpd 2.4's ``ap_find_path_info``
    (server/util_script.c), runs of '/' in the URI matching one in PATH_INFO."""
    lu, lp = len(uri), len(path_info)
    while True:  # while (lu-- && lp-- && uri[lu] == path_info[lp])
        lu -= 1
        if lu == -1:
            break
        lp -= 1
        if lp == -1 or uri[lu] != path_info[lp]:
            break
        if path_info[lp] == "/":
            while lu and uri[lu - 1] == "/":
                lu -= 1
    lu = max(lu, 0)
    while lu < len(uri) and uri[lu] != "/":
        lu += 1
    return lu


def pregsub(template: str, found: re.Match[str]) -> str:
    """``template`` with ``$N`` and ``&`` filled from ``found`` (httpd's ``ap_pregsub``;
    a backslash keeps the next character as written)."""
    def fill(part: re.Match[str]) -> str:
        if part.group(1) is not None:
            return part.group(1)
        index = int(part.group(2)) if part.group(2) is not None else 0
        return (found.group(index) or "") if index <= len(found.groups()) else ""

    return _SUBSTITUTION.sub(fill, template)


def alias_request(target: str, after: str, path: str, matched: str,
                  found: re.Match[str] | None = None) -> AliasRequest:
    """The script and SCRIPT_NAME of ``path``, of which the alias matched the first
    ``matched`` characters; ``target`` and ``after`` as the model reads the line
    (:attr:`probe.apache.model.WsgiApp.after`), ``found`` the match of a Match alias."""
    if found is not None:  # the target is known only now: the path after its script too
        target, after = script_in(pregsub(target, found))
    rest = path if matched == "/" else path[len(matched):]
    if os.path.isdir(target):
        inner = rest.lstrip("/")
        first, sep, below = inner.partition("/")
        script = os.path.join(target, first) if first else target
        path_info = sep + below if first else rest
    else:
        script, path_info = target, after + rest
    return AliasRequest(script, path[:find_path_info(path, path_info)])


def script_run(target: str, mapped_script: str | None, path: str,
               script_name: str | None) -> str:
    """The file mod_wsgi runs for ``path`` at an application whose target is ``target``: the
    alias's (``mapped_script``, above), else for a handler mount the target, or for a
    directory the path's first segment below it."""
    if mapped_script is not None:
        return mapped_script
    if not os.path.isdir(target):
        return target
    rest = path[len(script_name or ""):].lstrip("/").split("/", 1)[0]
    return os.path.join(target, rest) if rest else target
