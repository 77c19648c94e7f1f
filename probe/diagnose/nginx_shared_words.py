"""Without the configuration, a URL nginx passed to another application where the answers show
that the hand-over which took it is right for other URLs (:mod:`.nginx_shared_pass`): the
fix is never "point its proxy_pass at" the expected instance.

* the application received the path split at a prefix without its slash (``SCRIPT_NAME``
  ``/app1``, ``PATH_INFO`` ``0/__probe__`` for ``/app10/``): observed, and the fix is the
  location's trailing slash (tester T28's m1); ``url_mapping`` the candidate, ``--config``
  the check that names the line;
* other URLs of the same host at the same address were answered by their own instance from
  the ``server.listen`` this one reached, and this one is a sub-path: the block that takes
  the host passes them there, so the location that took the path may be theirs (``location
  /``, tester T28's m5): the fix adds a location of the mount's own, or, where the path has a
  location of its own, points that one; ``url_mapping`` and ``wrong_upstream`` the candidates.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.diagnose.identify import SweepContext
from probe.diagnose.nginx_shared_pass import (
    User,
    address_words,
    mount_of,
    prefix_split,
    said,
    same_listen_users,
    split_evidence,
    split_words,
    user_evidence,
)
from probe.diagnose.nginx_unread import capital, is_sub_path
from probe.diagnose.pass_target import OwnAnswer
from probe.diagnose.wording import Diagnosis
from probe.model import Candidate, Cause, Evidence, EvidenceKind, Observation

if TYPE_CHECKING:
    from probe.endpoint_answer import EndpointAnswer

_FIND = "'nginx -T' shows it; probe sweep --config names its line"


def unconfigured(diagnosis: Diagnosis, head: str, obs: Observation, context: SweepContext,
                 answer: EndpointAnswer, expected: str, who: str, at: str | None, target: str,
                 own: OwnAnswer | None, decided: tuple[Cause | None, Evidence] | None,
                 observed: tuple[Evidence, ...]) -> Diagnosis | None:
    """The diagnosis where the answers show the hand-over is right for other URLs; None
    where they do not, or where the extra request for a .invalid name showed the default
    server took the host (the name is then the fix). ``decided``: what that request showed
    (probe.diagnose.nginx_unread.probed_invalid)."""
    if decided is not None and decided[0] is Cause.DEFAULT_SERVER:
        return None
    claimed = decided is not None and decided[0] is not None  # a block claims the host
    evidence = (*observed, *((decided[1],) if decided is not None else ()))
    users = same_listen_users(context, obs, expected, at)
    split = prefix_split(obs, answer)
    if split is not None:
        return _split(diagnosis, head, obs, split, expected, who, own, users, evidence)
    if users and is_sub_path(obs.target.url):
        return _shared(diagnosis, head, obs, context, expected, at, target, own, users,
                       evidence, claimed)
    return None


def _split(diagnosis: Diagnosis, head: str, obs: Observation, split: tuple[str, str],
           expected: str, who: str, own: OwnAnswer | None, users: tuple[User, ...],
           evidence: tuple[Evidence, ...]) -> Diagnosis:
    path = urlsplit(obs.target.url).path or "/"
    prefix = split[0]
    theirs = (f" ({expected} answers its own URL {own.url} from {own.listen!r}, "
              f"server.listen)" if own is not None else "")
    keep = (f" Leave its proxy_pass as it is: it passes {said(users)}, each answered by its "
            f"own instance from that same server.listen." if users else "")
    return dataclasses.replace(
        diagnosis, cause=None, evidence=(*evidence, *split_evidence(obs, split),
                                         *user_evidence(users)),
        explanation=head + split_words(split, path),
        fix=f"Write the prefix location that passes {who}'s URLs with its trailing slash, "
            f"'location {prefix}/' in place of 'location {prefix}' ({_FIND}), so that {path} "
            f"goes to the location that passes {expected}'s URLs{theirs}.{keep}",
        candidates=(Candidate(Cause.URL_MAPPING, f"--config: the location written "
                              f"'location {prefix}' without its slash, and its line"),))


def _shared(diagnosis: Diagnosis, head: str, obs: Observation, context: SweepContext,
            expected: str, at: str | None, target: str, own: OwnAnswer | None,
            users: tuple[User, ...], evidence: tuple[Evidence, ...],
            claimed: bool) -> Diagnosis:
    parts = urlsplit(obs.target.url)
    path, host = parts.path or "/", (parts.hostname or "").lower()
    block = f"whose server_name matches {host}" if claimed else f"that takes {host}"
    probed = "".join(f" {capital(e.claim)}." for e in evidence
                     if e.kind is EvidenceKind.PROBED)
    mount = mount_of(context, expected, obs.target.url) or path.rstrip("/")
    written, seen = address_words(expected, own, target)
    return dataclasses.replace(
        diagnosis, cause=None, evidence=(*evidence, *user_evidence(users)),
        explanation=f"{head}{probed} The URLs {said(users)}, of the same host at the same "
                    f"address, were answered by their own instance from {at} (server.listen) "
                    f"too: the block {block} passes them there. Which of its locations takes "
                    f"{path} the answers do not show: theirs (a prefix such as 'location /' "
                    f"takes every path no longer prefix location takes), a location given by "
                    f"a regular expression that takes it before the prefix location meant "
                    f"for {expected}, or one of {path}'s own that passes to {at}.",
        fix=f"Find the location that takes {path} in the server block {block} ({_FIND}). "
            f"If it is a regular expression location (~, ~*), narrow its expression so that "
            f"it leaves {path} to the prefix location meant for {expected}. "
            f"If it is the one that passes {said(users)}, leave its proxy_pass as "
            f"it is (pointed elsewhere it would send them there) and add 'location {mount}/ "
            f"{{ proxy_pass {written}; }}' to that block, with the proxy_set_header lines "
            f"of that location copied into it (one location does not take another's){seen}. "
            f"If it is a location of {mount}/'s own, point its proxy_pass there instead.",
        candidates=(
            Candidate(Cause.URL_MAPPING, f"--config: no location of the block {block} is "
                      f"written for {mount}/, so the one that passes {said(users)} takes "
                      f"{path}; or a regular expression location takes it first"),
            Candidate(Cause.WRONG_UPSTREAM, f"--config: a location written for {mount}/ "
                      f"passes to {at}")))
