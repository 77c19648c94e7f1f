"""One manifest for a fleet (:mod:`probe.discover.apache_fleet`): the members' discoveries,
each of one server, written as one (docs/manifest.md).

* ``[probe] connect`` is the list of the members' addresses, so every URL is probed at each
  member (docs/sweep.md, fleets); members on one address with a port each get that address
  without a port (each URL reaches the member whose port it carries); members whose
  ``Listen`` gives no address of their own (``Listen 80`` on each machine) get none, and the
  comment says what to give;
* an instance is one per name across the members (the same process group or script
  directory): its values are the first member's that has it, and each member that differs
  gets a comment naming its file and line; a URL or an instance not every member has says
  which members' files name it, and an instance only some members mount is probed at the
  first of those, not at every address;
* what is skipped, warned of or refused is every member's, each naming its own file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace

from probe.addresses import split_connect
from probe.discover.discovery import DiscoveredInstance, Discovery, Member, Url


def fleet(members: list[Member]) -> Discovery:
    """The manifest's content for ``members``, each a Discovery of one server."""
    found = Discovery([f for m in members for f in m.found.files], None, "",
                      [], _union(m.found.skipped for m in members))
    found.members = members
    _connect(found, members)
    by_name: dict[str, list[tuple[Member, DiscoveredInstance]]] = {}
    for member in members:
        for instance in member.found.instances:
            by_name.setdefault(instance.name, []).append((member, instance))
    found.instances = [_instance(seen, members, bool(found.connect_list))
                       for seen in by_name.values()]
    found.refuse = _refuse(members)
    found.refuse_skipped = _union(m.found.refuse_skipped for m in members)
    found.refuse_advised = _union(m.found.refuse_advised for m in members)
    found.warnings = _union(m.found.warnings for m in members)
    found.unread = _union(m.found.unread for m in members)
    found.started = _union(m.found.started for m in members)
    return found


def _union(lists: Iterable[Iterable[str]]) -> list[str]:
    return list(dict.fromkeys(s for strings in lists for s in strings))


def _connect(found: Discovery, members: list[Member]) -> None:
    addresses = [m.found.connect for m in members]
    each = "; ".join(f"{m.file}: {m.found.connect_source}" for m in members)
    given = [a for a in addresses if a is not None]
    if len(given) < len(addresses):
        found.connect_source = (f"no connect: not every member's configuration gives an "
                                f"address ({each}); list each member's as connect = "
                                f"[\"ADDRESS:PORT\", ...]")
        return
    split = [split_connect(a, "Listen") for a in given]
    hosts = {host for host, _ in split}
    ports = [port for _, port in split]
    if len(set(given)) == len(given) and len(hosts) > 1:
        found.connect_list = given
        found.connect_source = (f"{len(members)} separate servers, every URL probed at "
                                f"each: {each}")
    elif len(hosts) == 1 and None not in ports and len(set(ports)) == len(ports):
        found.connect = next(iter(hosts))
        found.connect_source = (f"{len(members)} separate servers on one address, a port "
                                f"each ({each}): no port, so each URL keeps its own and "
                                f"reaches the member that listens on it")
    else:
        # Listen 80 in each machine's file: where each member runs is not in these files
        found.connect_source = (
            f"no connect: the {len(members)} servers' Listen lines give no address of "
            f"their own ({each}), so where each one runs is not in these files; list each "
            f"member's address as connect = [\"ADDRESS:PORT\", ...], or set all_addresses "
            f"= true where the sites' host names resolve to every member")


def _instance(seen: list[tuple[Member, DiscoveredInstance]], members: list[Member],
              listed: bool) -> DiscoveredInstance:
    first_member, first = seen[0]
    merged = replace(first, apps=[a for _, i in seen for a in i.apps],
                     origins=list(first.origins), skipped=list(first.skipped),
                     warnings=list(first.warnings), urls=[])
    for member, other in seen[1:]:
        merged.origins += _differences(first_member, first, member, other)
        merged.skipped += [s for s in other.skipped if s not in merged.skipped]
        merged.warnings += [w for w in other.warnings if w not in merged.warnings]
    for url in dict.fromkeys(u.url for _, i in seen for u in i.urls):
        holders = [(m, u) for m, i in seen for u in i.urls if u.url == url]
        source = holders[0][1].source
        if len(holders) < len(members):
            source += (f"; only {_files([m for m, _ in holders])} name"
                       f"{'s' if len(holders) == 1 else ''} it")
        merged.urls.append(replace(holders[0][1], source=source))
    if len(seen) < len(members):
        mounting = [m for m, _ in seen]
        absent = [m for m in members if m not in mounting]
        merged.origins.append(f"mounted by {_files(mounting)} only, not by {_files(absent)}")
        if listed and merged.connect is None and first_member.found.connect is not None:
            # at a member without it, its URLs would reach another site
            merged.connect = first_member.found.connect
            merged.connect_source = (f"{first_member.file}: {first_member.found.connect_source}"
                                     + (" (the other members that mount it are not probed "
                                        "for it: an instance's connect is one address)"
                                        if len(seen) > 1 else ""))
    return merged


def _differences(first_member: Member, first: DiscoveredInstance, member: Member,
                 other: DiscoveredInstance) -> list[str]:
    """What ``member`` says of the instance that the first member does not, each with its
    line: the manifest keeps the first's value, so the sweep at that member shows it."""
    said: list[str] = []
    for field, value, was, where in (
            ("label", other.label, first.label, other.label_source),
            ("settings", other.settings, first.settings, other.settings_source or ""),
            ("process_group", other.process_group, first.process_group,
             other.apps[0].process_group_from if other.apps else other.group_sources[0]),
            ("application_group", other.application_group, first.application_group,
             other.apps[0].application_group_from if other.apps else other.group_sources[1]),
            ("connect", other.connect, first.connect, other.connect_source)):
        if value != was:
            said.append(f"{member.file} differs: {field} {_value(value)} ({where or 'none'}) "
                        f"where {first_member.file} gives {_value(was)}, written here")
    return said


def _value(value: str | None) -> str:
    return "not set" if value is None else json.dumps(value)


def _files(members: list[Member]) -> str:
    return ", ".join(m.file for m in members)


def _refuse(members: list[Member]) -> list[Url]:
    urls: dict[str, list[tuple[Member, Url]]] = {}
    for member in members:
        for url in member.found.refuse:
            urls.setdefault(url.url, []).append((member, url))
    refuse: list[Url] = []
    for holders in urls.values():
        url = holders[0][1]
        if len(holders) < len(members):
            url = replace(url, source=f"{url.source}; only {_files([m for m, _ in holders])} "
                                      f"give{'s' if len(holders) == 1 else ''} it")
        refuse.append(url)
    return refuse
