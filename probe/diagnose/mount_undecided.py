"""``mount_undecided`` (warning): ``ok`` URLs whose application received the whole path with
SCRIPT_NAME '' below a mount that only the manifest's URLs give (:func:`.mount_shape.undecided`),
or the path split at a shorter prefix than that mount (SCRIPT_NAME /api of /api/v1).

Nothing was taken off and nothing passed twice, so the answer shows no mistake of the front:
the application believes it is mounted at /, which is right where its URL patterns carry the
prefix (a tester's Taiga: ``location /api`` passing ``/api/v1/...`` to patterns
``api/v1/...``) and wrong where they do not (every page under the prefix answers 404). The
probe is answered before the URL patterns are read, so no answer tells the two apart; a
``mount_mismatch`` there was a false verdict whose fix, applied, broke the real pages.

A finding, not a verdict: it says what arrived, what follows either way, and the checks that
decide (a page of the application under the prefix; or the instance's ``script_name`` in the
manifest, after which the sweep judges the URL and this warning goes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.diagnose.fronts import fronts
from probe.diagnose.identify import SweepContext
from probe.diagnose.mount_shape import Undecided, undecided
from probe.model import Finding, FrontKind, Observation, Status, TargetResult, Verdict

if TYPE_CHECKING:
    from probe.front import FrontConfig

MOUNT_UNDECIDED = "mount_undecided"
SHOWN = 3


@dataclass(frozen=True)
class _Case:
    seen: Undecided
    expected: str
    configured: str  # the route's mount step as the configuration given writes it, or ""


def mount_undecided_findings(observations: Sequence[Observation],
                             results: Sequence[TargetResult], context: SweepContext,
                             config: FrontConfig | None) -> tuple[Finding, ...]:
    """One finding per instance with such URLs."""
    kinds = fronts(observations, config.front if config is not None else None)
    cases: dict[str, list[_Case]] = defaultdict(list)
    for obs, result, kind in zip(observations, results, kinds, strict=True):
        if result.verdict is not Verdict.OK or obs.target.expected is None:
            continue  # any other verdict names a worse problem
        answers = [a for s in obs.samples if (a := s.trusted_answer) is not None]
        seen = undecided(obs, answers, context, kind)
        if seen is not None:
            cases[result.answered_by or obs.target.expected].append(
                _Case(seen, obs.target.expected, _configured(obs, config, seen.script)))
    return tuple(_finding(name, found) for name, found in cases.items())


def _configured(obs: Observation, config: FrontConfig | None, script: str) -> str:
    """The mount step of the URL's route where the nginx configuration given decides it (it
    shows nothing was taken off, not what the URL patterns hold)."""
    if config is None or config.front is not FrontKind.NGINX:
        return ""
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    route = config.route(obs.target.url, address)
    step = route.step("mount") if route.undecided is None else None
    if step is None or step.source is None:
        return ""
    if script:  # the step writes what the front passes, not where the patterns start
        return f" The configuration given for its route: {step.rule} ({step.source})."
    return f" The configuration given agrees that nothing is taken off: {step.rule} " \
           f"({step.source})."


def _finding(name: str, cases: list[_Case]) -> Finding:
    by_mount: dict[tuple[str, str, str], list[_Case]] = defaultdict(list)
    for case in cases:
        host = urlsplit(case.seen.url).netloc.lower()
        by_mount[(host, case.seen.mount, case.seen.script)].append(case)
    said = [_group(name, group) for group in list(by_mount.values())[:SHOWN]]
    more = len(by_mount) - SHOWN
    return Finding(MOUNT_UNDECIDED, Status.WARNING, (name,), " ".join(said) + (
        f" And {more} more group{'s' if more > 1 else ''} of URLs like them."
        if more > 0 else ""))


def _group(name: str, cases: list[_Case]) -> str:
    urls = [c.seen.url for c in cases]
    shown = ", ".join(urls[:SHOWN]) + (f" and {len(urls) - SHOWN} more"
                                       if len(urls) > SHOWN else "")
    first = cases[0]
    mount, expected, script = first.seen.mount, first.expected, first.seen.script
    parts = urlsplit(first.seen.url)
    patterns = mount[len(script):].lstrip("/") + "/"
    arrived = (f"reached the application with the whole path (PATH_INFO {first.seen.sent!r}) "
               f"and SCRIPT_NAME '' (request.path_info, request.script_name): nothing was "
               f"taken off, and the application believes it is mounted at /,"
               if not script else
               f"reached the application with SCRIPT_NAME {script!r} and PATH_INFO "
               f"{first.seen.sent[len(script):]!r} (request.script_name, request.path_info): "
               f"the front split the path at {script}, and the application believes it is "
               f"mounted at {script},")
    right = ('script_name = "" if the patterns carry the whole path' if not script else
             f'script_name = "{script}" if the patterns carry {patterns}')
    return (f"{shown} of {name} {arrived} while the manifest lists these URLs under {mount}/ "
            f"and does not declare where the application is mounted (no script_name)."
            f"{first.configured} "
            f"That is right if the application's URL patterns start with {patterns}, and "
            f"wrong if they do not (then every page under {mount}/ answers 404); the probe is "
            f"answered before the URL patterns are read, so the answers cannot tell which. "
            f"What decides it: a page of the application under {mount}/ "
            f"({parts.scheme}://{parts.netloc}{mount}/...): a 404 from the application itself "
            f"means its patterns do not carry {mount[len(script):]}. Or declare the mount in "
            f"the manifest's [instances.{expected}]: {right} (this warning then goes), "
            f"script_name = \"{mount}\" if they do not (the sweep then reports mount_mismatch "
            f"with its fix).")
