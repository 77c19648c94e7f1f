"""What instances embedded in one Apache child can share, by the settings names they mean.

A ``setdefault()`` of ``DJANGO_SETTINGS_MODULE`` leaks only between instances that mean
different names: the one loaded second keeps the first one's value. Two ``startproject
mysite`` projects mean the same name, ``mysite.settings``: a setdefault() gives each that
name whichever loads first, and what goes wrong is which ``mysite`` package each imports,
the first one on the import path (``WSGIPythonPath`` is one for every interpreter of the
process; re-tester R26's d-samename: project-2 ran project-1's settings.py). Which case it
is comes from the manifest's ``settings`` of each instance; where the manifest names none,
the answers decide it only where they show different names (one name in every answer is
also what a leak already happened looks like): then both are said, and the check named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Runs = Mapping[str, set[tuple[str | None, ...]]]
"""Per instance, (settings_module.environ, .loaded, .file) of each of its answers."""


@dataclass(frozen=True)
class Names:
    """The settings names ``instances`` mean and where that is seen."""

    meant: Mapping[str, str]  # instance -> the name it means (empty where undecided)
    source: str  # where ``meant`` comes from, for the words
    shown: str | None = None  # undecided: the one name every answer shows


def settings_names(together: Sequence[str], declared: Mapping[str, str | None],
                   runs: Sequence[Runs]) -> Names:
    """The name each of ``together`` means: the manifest's ``settings`` where every one
    declares it, else the answers' where they show different names; else undecided."""
    if all(declared.get(n) for n in together):
        return Names({n: declared[n] or "" for n in together}, "settings in the manifest")
    seen: dict[str, set[str]] = {n: set() for n in together}
    for by_name in runs:
        for instance, values in by_name.items():
            seen.setdefault(instance, set()).update(x for v in values for x in v[:2] if x)
    names = {name for values in seen.values() for name in values}
    if all(len(v) == 1 for v in seen.values()) and len(names) == len(together):
        return Names({n: next(iter(v)) for n, v in seen.items()},
                     "settings_module.environ and .loaded in their answers")
    return Names({}, "", next(iter(names)) if len(names) == 1 else None)


def shared_words(names: Names, runs: Sequence[Runs], note: bool) -> str | None:
    """The words for instances of which some mean one name (the import path, not a
    setdefault()); undecided: both and the check; None where each means its own name
    (the setdefault() words stand)."""
    if not names.meant:
        if names.shown is None:
            return None
        package = names.shown.partition(".")[0]
        return (f"Every answer of them shows one settings name, {names.shown!r}, and the "
                f"manifest does not name the settings of each: whether each means that name, or "
                f"one of them means another and kept this one with setdefault() (the value of "
                f"the script loaded first), is not decided by the answers. If each means it, a "
                f"setdefault() changes nothing and what they share is the import path: each "
                f"imports the first {package!r} package on it (WSGIPythonPath is one for every "
                f"interpreter of the process); if not, the other's value leaked. Each WSGI "
                f"script's DJANGO_SETTINGS_MODULE line (or settings = for each instance in the "
                f"manifest) decides. Run each in its own daemon process group.")
    by_name: dict[str, list[str]] = {}
    for instance, name in sorted(names.meant.items()):
        by_name.setdefault(name, []).append(instance)
    alike = {name: who for name, who in by_name.items() if len(who) > 1}
    if not alike:
        return None
    said = [_one_name(name, who, names.source, runs, note) for name, who in alike.items()]
    if len(by_name) > len(alike) or len(alike) > 1:
        said.append("Between instances of different names a DJANGO_SETTINGS_MODULE set with "
                    "setdefault() can leak from one to the other depending on load order.")
    said.append("Own daemon process groups end the sharing." if note else
                "Run each in its own daemon process group with its own project directory on "
                "python-path=, or give one project a settings package name of its own.")
    return " ".join(said)


def _one_name(name: str, who: list[str], source: str, runs: Sequence[Runs],
              note: bool) -> str:
    package = name.partition(".")[0]
    both = _and(who)
    head = (f"{both} mean the same settings {name!r} ({source}), so a setdefault() of "
            f"DJANGO_SETTINGS_MODULE gives each that name whichever loads first: what they "
            f"can share is the package, each interpreter importing the first {package!r} "
            f"package on the import path (WSGIPythonPath is one for every interpreter of the "
            f"process)")
    if note:
        return f"{head}; each imports its own now (settings_module.file)."
    files: dict[str, set[str]] = {}
    for by_name in runs:
        for instance in who:
            files.setdefault(instance, set()).update(
                str(v[2]) for v in by_name.get(instance, ()) if v[2])
    if not all(files.get(n) for n in who):
        return (f"{head}. Their answers do not all report settings_module.file, so which "
                f"package each imports is not shown: an endpoint that reports it (probe "
                f"endpoint --install of this version) tells.")
    owners: dict[str, list[str]] = {}
    for instance in who:
        for file in sorted(files[instance]):
            owners.setdefault(file, []).append(instance)
    shared = [(f, o) for f, o in owners.items() if len(o) > 1]
    if not shared:
        return f"{head}."
    file, by = shared[0]
    return (f"{head}: settings_module.file is {file} in the answers of {_and(by)}, one "
            f"project's package running them all now.")


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
