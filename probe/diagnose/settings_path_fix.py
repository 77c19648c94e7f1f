"""What ``settings_path`` found (:class:`Foreign`: :mod:`probe.diagnose.settings_file` decides it)
and its fix: the instance's own directory first on its import path, in its server's terms, and
the rename of its settings package as the larger change, with every place a rename must change
(tester R26 renamed the package alone: its WSGIScriptAlias lines then named a missing script, a
404 with WSGI0135).
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from probe.diagnose.answer_names import server_kind
from probe.diagnose.script_rerun import apache_control
from probe.diagnose.settings_path_servers import server_module_places, server_path_fix
from probe.diagnose.wording import script_file
from probe.endpoint_answer import EndpointAnswer


@dataclass(frozen=True)
class Foreign:
    """An answer that loaded another instance's settings file, and whose tree holds it."""

    answer: EndpointAnswer
    file: str
    own_tree: str
    owner: str
    owner_tree: str
    nested: bool = False
    """The file lies inside the instance's own tree, in a project nested there whose entry of
    sys.path (``owner_tree``) holds the owner's WSGI script (the nearest owner)."""

    @property
    def package(self) -> list[str]:
        """The packages of the settings module's name (``mysite`` of ``mysite.settings``)."""
        return (self.answer.settings_loaded or "").split(".")[:-1]

    def entry(self, tree: str) -> str | None:
        """The sys.path directory that puts ``tree``'s settings package under the module's
        name: ``/p1`` for ``/p1/mysite`` and ``mysite.settings``; None where the tree is not
        named so."""
        parts = self.package
        if not parts or posixpath.basename(tree) != parts[-1] or \
                not tree.endswith("/" + "/".join(parts)):
            return None
        return tree[:-len("/" + "/".join(parts))] or "/"

    @property
    def found(self) -> str | None:
        """The directory of sys.path the file was found in (its package directories off)."""
        directory = posixpath.dirname(self.file)
        parts = self.package
        suffix = "/" + "/".join(parts)
        return (directory[:-len(suffix)] or "/") if parts and directory.endswith(suffix) \
            else None


def path_fix(found: Foreign, instance: str, line: str = "",
             aliases: Sequence[str] = (), removable: str = "") -> str:
    """Put the instance's own directory first on its import path; a package name of its own
    only as the larger change, with what it must change; ``line``: the configuration line that
    sets the path, ``aliases``: the lines that mount the instance's script (``file:line``),
    where they were read, ``removable``: what can then go from that line (said after it)."""
    answer, owner = found.answer, found.owner
    own = found.entry(found.own_tree)
    first = (f"{own} (which holds {instance}'s {found.own_tree})" if own else
             f"the directory holding {instance}'s own {'.'.join(found.package)!r} package "
             f"(its settings.py is where the name must lead)")
    rename = _rename(found, instance, aliases)
    theirs = found.found or f"{owner}'s directory"
    if server_kind(answer) != "mod_wsgi":
        return (f"{server_path_fix(answer, instance, own, first, theirs, script_file(answer))}"
                f" {rename}")
    restart = (f"Then restart Apache, which reads the configuration only when it starts (a "
               f"touched WSGI script does not): {apache_control([answer])}.")
    if answer.embedded:
        where = line or "WSGIPythonPath where one is set, or a WSGI script's own sys.path change"
        return (f"In embedded mode the import path ({where}) is one for every interpreter of "
                f"this Apache: whichever project's directory comes first, the other imports "
                f"its {'.'.join(found.package)!r} package. Run {instance} in a daemon process "
                f"group of its own with its own directory on its path (at server level: "
                f"'WSGIDaemonProcess {instance} python-path={own or 'DIR'}', and "
                f"process-group={instance} on each WSGIScriptAlias of {instance}). "
                f"{restart} {rename}")
    group = answer.process_group
    where = line or f"the python-path= of WSGIDaemonProcess {group}"
    return f"Put {first} first in {where}, before {theirs}{removable}. {restart} {rename}"


def _rename(found: Foreign, instance: str, aliases: Sequence[str]) -> str:
    """The rename of the instance's settings package as the larger change it is: renaming
    the package moves its WSGI script, and the settings name the package too (tester R26
    renamed only the package and the script's DJANGO_SETTINGS_MODULE: a 404, WSGI0135)."""
    package = ".".join(found.package)
    script = script_file(found.answer) or f"{instance}'s WSGI script"
    lines = (f"the WSGIScriptAlias lines that name {script} ({', '.join(aliases)})" if aliases
             else f"every WSGIScriptAlias that names {script} (sweep with --config PATH to "
                  f"have them named)")
    # A script at its project's top (T29's sites/a/wsgi.py) is not in the package: its
    # directory is the project's, the package below it.
    at_top = found.entry(found.own_tree) is None
    named = (f"package ({'.'.join(found.package)!r}, in {found.own_tree})" if at_top else
             f"package {found.own_tree}")
    grep = found.own_tree if at_top else posixpath.dirname(found.own_tree)
    missing = "its WSGI script is not found (a 404, WSGI0135 'Target WSGI script not found' " \
        "in the error log)"
    if server_kind(found.answer) != "mod_wsgi":
        lines = server_module_places(found.answer, script)
        missing = "the server cannot import its WSGI module when it starts"
    return (f"A larger change instead: give {instance}'s {named} "
            f"a name no other project on the path uses, and change each "
            f"place that names it, or {missing} or Django imports the old name: "
            f"{lines}; DJANGO_SETTINGS_MODULE in that script, assigned "
            f"(os.environ['DJANGO_SETTINGS_MODULE'] = 'NEW.settings', not setdefault); "
            f"ROOT_URLCONF and WSGI_APPLICATION in its settings.py, and any import, where "
            f"they name {package!r} ('grep -rn {package} {grep}' lists them); then the same "
            f"restart.")
