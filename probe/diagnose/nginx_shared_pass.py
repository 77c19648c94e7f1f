"""A URL nginx passed to another application through a location whose hand-over other URLs of
the sweep go through and were answered right by: repointing that hand-over would break them,
so the location is the mistake (docs/verdicts.md, "a fix for a sub-path URL never repoints a
block's proxy_pass").

Tester T28 applied two printed fixes literally, behind real nginx 1.22, and broke working URLs:

* ``location /app1`` written without its slash took ``/app10/`` (root's): the fix repointed
  its ``proxy_pass`` at root's address, and ``/app1/`` went to root. The answer showed it:
  ``SCRIPT_NAME`` ``/app1`` with ``PATH_INFO`` ``0/__probe__``. The fix is the slash;
* no ``location /app2/``, so ``location /`` (root's) took ``/app2/``: the fix repointed
  ``location /``'s ``proxy_pass`` at app2, and ``/`` went to app2. The fix is a location of
  the mount's own.

With the configuration the route of each other URL says whether it goes through the same
location and hand-over (:func:`shared_pass`); without it, only answers: the split of the path
(:func:`prefix_split`), or other URLs of the same host and address answered by their own
instance from the same ``server.listen`` (:func:`same_listen_users`), the words for both in
:mod:`.nginx_shared_words`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.diagnose.fronts import WILDCARD_HOSTS, listen, same_listen
from probe.diagnose.identify import SweepContext
from probe.diagnose.nginx_fixes import rewritten_words
from probe.diagnose.pass_target import OwnAnswer, split_listen
from probe.front import FrontConfig, PredictedRoute, RouteStep
from probe.model import Cause, Evidence, EvidenceKind, Observation

if TYPE_CHECKING:
    from probe.endpoint_answer import EndpointAnswer
    from probe.nginx.model import Location, Server


@dataclass(frozen=True)
class User:
    """Another URL of the sweep answered by its own instance."""

    url: str
    instance: str
    listen: str | None
    address: str | None  # where the probe connected for it


@dataclass(frozen=True)
class Shared:
    cause: Cause
    why: str  # appended to the explanation
    fix: str
    evidence: tuple[Evidence, ...]


def _address(obs: Observation) -> str | None:
    return obs.target.address or next((s.address for s in obs.samples if s.address), None)


def right_answers(context: SweepContext, expected: str | None) -> list[User]:
    """Every URL of the sweep answered by the instance it expects, other than ``expected``
    (a URL of the same instance answered right would not be misrouted by the same line)."""
    found: dict[str, User] = {}  # one per URL (each sample is an answer)
    for name in context.manifest.instances:
        if name == expected:
            continue
        for obs, answer in context.answers_of(name):
            if obs.target.expected == name and obs.target.url not in found:
                found[obs.target.url] = User(obs.target.url, name, listen(answer),
                                             _address(obs))
    return list(found.values())


def users_through(context: SweepContext, front: FrontConfig, obs: Observation,
                  route: PredictedRoute, expected: str | None) -> tuple[User, ...]:
    """The URLs answered right whose route takes the same location and hand-over lines."""
    mapping, upstream = route.step("mapping"), route.step("upstream")
    if mapping is None or upstream is None or mapping.source is None \
            or upstream.source is None:
        return ()
    # the same lines and the same address: a proxy_pass with variables (a map) passes each
    # host to its own address through one line
    key = (str(mapping.source), str(upstream.source), route.upstream or "")
    users = []
    for user in right_answers(context, expected):
        if user.url == obs.target.url:
            continue
        memo = ("nginx_hand_over", user.url)
        if memo not in context.memo:  # one route per URL and sweep, asked by each wrong URL
            theirs = front.route(user.url, _address(obs))
            m, u = theirs.step("mapping"), theirs.step("upstream")
            context.memo[memo] = (str(m.source) if m and m.source else "",
                                  str(u.source) if u and u.source else "",
                                  theirs.upstream or "", theirs.undecided is None)
        lines = context.memo[memo]
        if isinstance(lines, tuple) and lines == (*key, True):
            users.append(user)
    return tuple(users)


def same_listen_users(context: SweepContext, obs: Observation, expected: str | None,
                      at: str | None) -> tuple[User, ...]:
    """Without the configuration: URLs of the same host at the same address answered by their
    own instance from the ``server.listen`` this URL reached (the block that takes the host
    passes them there)."""
    host, address = urlsplit(obs.target.url).netloc, _address(obs)
    return tuple(u for u in right_answers(context, expected)
                 if at and u.listen and same_listen(at, u.listen) and u.address == address
                 and urlsplit(u.url).netloc == host and u.url != obs.target.url)


def said(users: tuple[User, ...]) -> str:
    """'http://x/ (root), http://x/hello/ (root)'."""
    return ", ".join(f"{u.url} ({u.instance})" for u in users)


def prefix_split(obs: Observation, answer: EndpointAnswer) -> tuple[str, str] | None:
    """(script_name, path_info) where the application received the path split at a prefix
    without its slash: ``/app1`` + ``0/__probe__`` for a URL under ``/app10/``."""
    script, info = answer.script_name, answer.path_info
    path = urlsplit(obs.target.url).path or "/"
    if not script or script.endswith("/") or not info or info.startswith("/") \
            or not path.startswith(script):
        return None
    rest = path[len(script):]
    return (script, info) if rest and not rest.startswith("/") and \
        (info.startswith(rest) or rest.startswith(info)) else None


def split_evidence(obs: Observation, split: tuple[str, str]) -> tuple[Evidence, ...]:
    at = f"GET {obs.target.url}"
    return (Evidence(EvidenceKind.OBSERVED, f"request.script_name = {split[0]!r}", at),
            Evidence(EvidenceKind.OBSERVED, f"request.path_info = {split[1]!r}", at))


def split_words(split: tuple[str, str], path: str) -> str:
    return (f" The answer shows the path split at a prefix without its slash: request."
            f"script_name {split[0]!r} and request.path_info {split[1]!r} (a PATH_INFO that "
            f"does not start with '/'), so {path} was taken as below {split[0]}, which it is "
            f"not: an nginx prefix location compares characters, not path segments "
            f"('location {split[0]}' takes {split[0]}0/ too).")


def mount_of(context: SweepContext, expected: str, url: str) -> str | None:
    """The prefix a location of the instance's own would take: its declared script_name where
    the URL is below it, else the shortest path it lists on the URL's host."""
    instance = context.manifest.instances.get(expected)
    parts = urlsplit(url)
    path = parts.path or "/"
    if instance is None:
        return None
    declared = (instance.script_name or "").rstrip("/")
    if declared and (path == declared or path.startswith(declared + "/")):
        return declared
    mine = sorted((urlsplit(u).path or "/" for u in instance.urls
                   if urlsplit(u).netloc == parts.netloc), key=len)
    shortest = next((p.rstrip("/") for p in mine if path.startswith(p)), "")
    return shortest or None


def address_words(expected: str, own: OwnAnswer | None, target: str) -> tuple[str, str]:
    """The proxy_pass URL to write in a new location, and what says it (or that it is not
    known: then ADDRESS, with ``target``'s words)."""
    parsed = split_listen(own.listen) if own is not None else None
    # a wildcard is no address to connect to (probe.diagnose.pass_target)
    if own is not None and (own.listen.startswith("unix:") or (
            parsed is not None and parsed[0] not in WILDCARD_HOSTS)):
        written = (f"http://{own.listen}:" if own.listen.startswith("unix:")
                   else f"http://{own.listen}")
        return written, (f" ({expected} answers its own URL {own.url} on server.listen "
                         f"{own.listen!r})")
    return "http://ADDRESS", f", ADDRESS being {target}"


def find_location(front: FrontConfig, where: str) -> tuple[Server, Location] | None:
    """The server block and top-level location written at ``where`` (file:line)."""
    from probe.diagnose.nginx_names import nginx_model

    model = nginx_model(front)
    if model is None:
        return None
    for server in model.servers:
        for loc in server.locations:
            if loc.where == where:
                return server, loc
    return None


def with_slash(front: FrontConfig, mapping: RouteStep, path: str, expected: str,
               own: OwnAnswer | None) -> str:
    """Where the path goes once the location is written with its slash, as configured."""
    found = find_location(front, str(mapping.source))
    if found is None:
        return ""
    from probe.nginx.select import choose_location  # an nginx --config was read

    server, loc = found
    fixed = dataclasses.replace(loc, pattern=loc.pattern + "/")
    other = choose_location(dataclasses.replace(server, locations=[
        fixed if x is loc else x for x in server.locations]), path).location
    if other is None or other.proxy_pass is None:
        return ""
    reaches = (f", where {expected} answers its own URL {own.url} (server.listen "
               f"{own.listen!r})"
               if own is not None and same_listen(own.listen, other.proxy_pass.target) else "")
    return (f" {path} then goes to '{other.describe()}' ({other.where}), which passes with "
            f"'proxy_pass {other.proxy_pass.url};' ({other.proxy_pass.where}){reaches}.")


def user_evidence(users: tuple[User, ...]) -> tuple[Evidence, ...]:
    return tuple(Evidence(EvidenceKind.OBSERVED, f"answered by {u.instance}" + (
        f", server.listen = {u.listen!r}" if u.listen else ""), f"GET {u.url}") for u in users)


def shared_pass(obs: Observation, context: SweepContext, front: FrontConfig,
                route: PredictedRoute, expected: str, who: str, target: str,
                own: OwnAnswer | None, answer: EndpointAnswer) -> Shared | None:
    """The location, not its hand-over, where URLs answered right go through both; None
    where none does, or where a regular expression location, a rewrite or a variable took the
    path (their own words, probe.diagnose.nginx_fixes, name the line to change)."""
    mapping, upstream = route.step("mapping"), route.step("upstream")
    # a proxy_pass with variables: its map line (probe.diagnose.nginx_fixes) is each host's own
    if mapping is None or upstream is None or not route.upstream or "$" in upstream.rule or (
            route.shadowed is not None and route.shadowed.upstream) \
            or rewritten_words(route, upstream, expected, who, target) is not None:
        return None
    users = users_through(context, front, obs, route, expected)
    if not users:
        return None
    path = urlsplit(obs.target.url).path or "/"
    at, decision = str(mapping.source), mapping.decision
    words = decision.split()
    prefix = words[-1] if words[0] == "location" and (len(words) == 2 or words[1] == "^~") \
        else None
    evidence = (*user_evidence(users), Evidence(EvidenceKind.CONFIGURED, mapping.rule, at))
    keep = (f" Leave its hand-over ('{upstream.rule}', {upstream.source}) as it is: it passes "
            f"{said(users)} too, each answered by its own instance, and pointed elsewhere it "
            f"would send them there.")
    took = f" Its {decision} ({at}, {mapping.rule}) takes {path}"
    rest = path[len(prefix):] if prefix is not None and path.startswith(prefix) else ""
    if prefix is not None and not prefix.endswith("/") and rest and not rest.startswith("/"):
        split = prefix_split(obs, answer)
        return Shared(
            Cause.URL_MAPPING,
            f"{took}: it is written without its trailing slash, and {path} is not below "
            f"{prefix}/." + (split_words(split, path) if split else ""),
            f"At {at}, write '{' '.join(words[:-1])} {prefix}/' in place of '{decision}'."
            + with_slash(front, mapping, path, expected, own) + keep,
            (*(split_evidence(obs, split) if split else ()), *evidence))
    mount = mount_of(context, expected, obs.target.url)
    found = find_location(front, at)
    if prefix is not None and mount and (mount + "/").startswith(prefix) \
            and prefix.rstrip("/") != mount and found is not None:
        server, loc = found
        written, seen = address_words(expected, own, target)
        headers = "".join(f"proxy_set_header {h.name} {h.value}; " for h in loc.headers
                          if h.where)
        return Shared(
            Cause.URL_MAPPING,
            f"{took}: no location of that server block is written for {mount}/, and "
            f"{decision} passes {said(users)} too, each answered by its own instance.",
            f"Add 'location {mount}/ {{ proxy_pass {written}; {headers}}}' to the server "
            f"block at {server.where}{seen}; nginx then takes {mount}/... there (the longest "
            f"matching prefix). Whether {expected} is told its mount {mount} there (gunicorn: "
            f"'proxy_set_header SCRIPT_NAME {mount};' with the whole path kept; else a URI part "
            f"'/' with 'proxy_set_header X-Forwarded-Prefix {mount};' and Django's "
            f"FORCE_SCRIPT_NAME) the next sweep of {obs.target.url} shows (mount_mismatch)."
            + keep, evidence)
    return Shared(
        Cause.URL_MAPPING, f"{took}, and passes {said(users)} too, each answered by its own "
        f"instance.",
        f"Give {path} a location of its own in that server block that passes to {target}, or "
        f"narrow {decision} at {at} so that it no longer takes {path}." + keep, evidence)
