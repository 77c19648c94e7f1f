"""A URL whose hand-over a ``map`` decided (``proxy_pass http://$backend;``): the fix is at
the map, never at a group other names share.

* The lookup fell to the map's ``default`` (``wrong_upstream``): the map has no entry for the
  URL's value. Where a key is one or two edits from it (:mod:`probe.name_edits`, the measure
  of a ``server_name`` typo), that key's line is named with the corrected key; else an entry
  is to be added. Repointing the default's group would move every other name it serves
  (tester T34's a-map: ``blog.exmaple.test`` at line 18; replacing www_app's member sent www
  and every unknown name to blog).
* The entry's value names no ``upstream`` read and is no address (``blgo_app``): nginx
  resolves it as a host name when the request comes and, with no ``resolver``, answers 502
  (its error log: "no resolver defined to resolve blgo_app"); the fix is the entry's value.
"""

from __future__ import annotations

import ipaddress

from probe.diagnose.nginx_fixes import Words
from probe.front import PredictedRoute, VariableChoice
from probe.name_edits import closeness


def _mapped(route: PredictedRoute | None) -> VariableChoice | None:
    return next((v for v in (route.variables if route is not None else ())
                 if v.share is None and v.looked_up is not None), None)


def default_words(route: PredictedRoute | None, expected: str, who: str,
                  others: set[str]) -> Words | None:
    """``others``: the looked-up values other URLs of the manifest use, no typo of this."""
    chosen = _mapped(route)
    if chosen is None or chosen.entry != "default" or not chosen.looked_up:
        return None
    looked_up = chosen.looked_up.lower()
    near = [(key, at, close) for key, at in chosen.keys
            if key != "default" and not key.startswith("~") and key.lower() not in others
            and (close := closeness(key.lower(), looked_up)) is not None]
    why = (f" {chosen.variable} fell to the default of {chosen.block} ({chosen.block_source}): "
           f"no entry's key is {chosen.looked_up!r}")
    if len(near) == 1:
        key, at, close = near[0]
        why += (f"; the key {key!r} at {at} is {close.words(chosen.looked_up)}, the likely "
                f"typo.")
        fix = (f"At {at}, write the key {chosen.looked_up} in place of {key}, its value as it "
               f"is. The default '{chosen.value}' ({chosen.source}) serves every name no entry "
                 f"has: changing it, or its group, would move them too.")
        return Words(why, fix)
    return Words(why + ".", f"In {chosen.block} at {chosen.block_source}, add an entry "
                             f"'{chosen.looked_up} VALUE;' whose value leads to {expected}"
                             f" (the upstream whose members are {expected}'s); the default "
                             f"'{chosen.value}' ({chosen.source}) serves every name no entry "
                             f"has, {who} among them: leave it.")


def _an_address(value: str) -> bool:
    host = value.removeprefix("unix:")
    if value.startswith("unix:") or ":" in host:
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def unnamed_words(route: PredictedRoute | None) -> Words | None:
    """The map entry's value names no upstream read and is no address."""
    chosen = _mapped(route)
    if chosen is None or chosen.members or _an_address(chosen.value) \
            or route is None or route.upstream != chosen.value:
        return None
    why = (f"The configuration given passes this URL to {chosen.value}: {chosen.variable} "
           f"= {chosen.value} from '{chosen.entry} {chosen.value};' at {chosen.source} "
           f"({chosen.block} at {chosen.block_source}), and no upstream block of that name is "
           f"read, nor is it an address. nginx then takes {chosen.value} for a host name to "
           f"resolve when the request comes: without a 'resolver' line it answers 502 (its "
           f"error log: 'no resolver defined to resolve {chosen.value}').")
    near = [(name, at, close) for name, at in chosen.upstreams
            if (close := closeness(name.lower(), chosen.value.lower())) is not None]
    if len(near) == 1:
        name, at, close = near[0]
        # the same measure as a key's typo: the one upstream block a slip away is named
        fix = (f"At {chosen.source}, write '{chosen.entry} {name};' in place of "
               f"'{chosen.entry} {chosen.value};': upstream {name} ({at}) is "
               f"{close.words(chosen.value).replace(' from ', ' from the value ', 1)}, the "
               f"likely typo; then check and reload nginx.")
        return Words(why, fix)
    fix = (f"At {chosen.source}, give '{chosen.entry}' the name of the upstream block meant "
           f"(or an address) in place of {chosen.value}.")
    return Words(why, fix)
