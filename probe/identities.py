"""Every instance of a manifest must be recognisable from an endpoint answer, and only as itself.

An answer is matched to an instance by what the instance declares of ``label``,
``process_group``, ``application_group`` (and ``settings`` when it declares none of those):
see :func:`probe.diagnose.identify.is_instance`. Two kinds of manifest make that match
meaningless, and a sweep of them says ``ok`` whoever answers:

* an instance that declares none of the four accepts any answer to its URLs, a default
  server's included;
* two instances that give the same value for every identity field they both give accept each
  other's answers: swap their servers and every URL still reads ``ok``, with the wrong
  instance named as the one that answered.

So such a manifest is refused, with one line naming the instances (as other manifest errors).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Protocol

from probe.errors import ManifestError

IDENTITY_KEYS = ("label", "settings", "process_group", "application_group")


class Declares(Protocol):
    """A manifest instance, or one ``probe discover`` is about to write."""

    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str | None: ...
    @property
    def settings(self) -> str | None: ...
    @property
    def process_group(self) -> str | None: ...
    @property
    def application_group(self) -> str | None: ...


def identity(instance: Declares) -> dict[str, str]:
    """The identity fields an instance gives, by key."""
    found = {key: getattr(instance, key) for key in IDENTITY_KEYS}
    return {key: value for key, value in found.items() if value is not None}


def look_alike(one: Declares, other: Declares) -> bool:
    """Whether the two give at least one identity field in common and agree on each."""
    mine, theirs = identity(one), identity(other)
    common = mine.keys() & theirs.keys()
    return bool(common) and all(mine[key] == theirs[key] for key in common)


def anonymous(instances: Sequence[Declares]) -> list[str]:
    """The instances that declare no identity field at all."""
    return [i.name for i in instances if not identity(i)]


def look_alikes(instances: Sequence[Declares]) -> list[tuple[Declares, list[Declares]]]:
    """Each instance with the later ones it cannot be told apart from (those that have any)."""
    found = []
    for i, one in enumerate(instances):
        alike = [other for other in instances[i + 1:] if look_alike(one, other)]
        if alike:
            found.append((one, alike))
    return found


def check_identities(instances: Mapping[str, Declares], source: str) -> None:
    """ManifestError naming the instances that cannot be told apart, if any."""
    nameless = anonymous(list(instances.values()))
    if nameless:
        single = len(nameless) == 1
        its = "its" if single else "their"
        raise ManifestError(
            f"{source}: {_names(nameless)} declare{'s' if single else ''} no label, settings, "
            f"process_group or application_group, so any answer to {its} URLs would count "
            f"as {'its own' if single else 'theirs'} (a default server's too): "
            f"declare at least the label given to wrap(label=...) or the DJANGO_SETTINGS_MODULE")
    for one, alike in look_alikes(list(instances.values()))[:1]:
        first = identity(alike[0])
        shown = ", ".join(f"{key} = {json.dumps(value)}" for key, value in
                          identity(one).items() if key in first)
        raise ManifestError(
            f"{source}: {_names([one.name, *(a.name for a in alike)])} cannot be told apart: "
            f"{'both' if len(alike) == 1 else 'all'} declare {shown} where they declare the "
            f"same fields, so an answer from one would count as the other's; give each its "
            f"own label (wrap(label=...)) or declare the process_group, application_group or "
            f"settings that differ")


def _names(names: Sequence[str]) -> str:
    shown = [f"instances.{name}" for name in names]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
