"""What each ``/probe`` request looks up, worked out once: in the manifest at each load,
in the sweep's report once per sweep.

Prometheus scrapes ``/probe`` once per target per interval. Asking the manifest afresh at
each request (which target a URL is, which addresses its own http URLs send the token to in
clear text) read every URL, and so did picking a manifest URL's rows out of the sweep's
report: with N URLs that is N per request and N^2 per interval (10,000 URLs: about 0.1 s
of one core per request, where the interval is 15 s for all of them). Here a request costs
a dictionary and a set look-up; the answers are those of
:meth:`probe.manifest.Manifest.target_for`, :func:`probe.token_exposure.already_in_clear`
over the whole manifest and a scan of the report's rows
(tests/test_exporter_lookups.py compares them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from probe import wire
from probe.addresses import split_connect
from probe.manifest import Manifest, Target, normal_url
from probe.model import Report, TargetResult
from probe.token_exposure import already_in_clear, clear_addresses


@dataclass(frozen=True)
class ManifestIndex:
    """A manifest and its look-ups, swapped as one object on reload: a request that takes
    the index once sees one manifest throughout, never the URLs of one and the addresses of
    the next."""

    manifest: Manifest
    listed: Mapping[str, Target]
    """The manifest's target for each :func:`probe.manifest.normal_url` key: the first in
    :meth:`Manifest.targets` order, as ``Manifest.target_for`` finds it."""
    clear: frozenset[str]
    """Addresses the manifest's own requests send the token to in clear text
    (:func:`probe.token_exposure.clear_addresses`)."""
    reached: frozenset[str] = frozenset()
    """Every ``HOST:PORT`` the manifest's own requests connect to (:func:`destinations`)."""

    @classmethod
    def of(cls, manifest: Manifest) -> ManifestIndex:
        listed: dict[str, Target] = {}
        reached: set[str] = set()
        for target in manifest.targets():
            listed.setdefault(normal_url(target.url), target)
            reached.update(destinations(manifest, target))
        return cls(manifest, listed, clear_addresses(manifest), frozenset(reached))

    def reaches(self, target: Target) -> bool:
        """Whether every address and port a /probe of ``target`` would connect to is one the
        manifest's own requests connect to: only then may a query choose it without
        ``--probe-any-target``. Otherwise whoever reaches the exporter scans the network
        around it through it (a verdict ``no_endpoint`` or ``unreachable``, and its time,
        tell an open port from a closed one: security tester T37)."""
        return destinations(self.manifest, target) <= self.reached

    def target_for(self, url: str) -> Target | None:
        """``self.manifest.target_for(url)``, without reading every URL."""
        return self.listed.get(normal_url(url))

    def token_goes_to(self, target: Target, listed: Target | None) -> bool:
        """Whether a /probe request may carry the token: only to an address and port the
        manifest names, never to one a query chose, and never in clear text where the
        manifest's own requests do not already send it (and the start-up warning says so).

        A manifest URL goes where the manifest sends it. Any other target only when every
        ``connect`` address it goes to carries its own port: a port-less ``connect`` keeps
        the URL's port, and ``http://anything:21700/`` would hand the token to whoever
        listens on 21700. An ``http://`` target sent to a ``connect`` the manifest only
        reaches over HTTPS would put the token on the network unencrypted, which nobody was
        warned about.
        """
        connects = self.manifest.connects_for(target)
        if listed is None and not (connects and all(
                split_connect(c, "connect")[1] is not None for c in connects)):
            return False
        return already_in_clear(self.clear, target.url, connects)


def destinations(manifest: Manifest, target: Target) -> frozenset[str]:
    """``HOST:PORT`` each of ``target``'s requests connects to: its ``connect`` addresses (a
    port-less one with the URL's port), else the URL's own host and port. Names are compared
    as written (lower-cased): ``localhost.`` is not ``localhost``, which refuses more, never
    less."""
    connects = manifest.connects_for(target)
    return frozenset(wire.address(target.url, split_connect(c, "connect")) for c in connects
                     ) if connects else frozenset((wire.address(target.url, None),))


class RowsByURL:
    """A sweep's rows (one per URL, or per URL and address in a fleet) by URL, in the
    report's order, made at the first /probe that reads that sweep. Requests run on several
    threads: two of them may both make it for a new report, which costs time, not
    correctness, since each holds the report it was made from."""

    def __init__(self) -> None:
        self._made: tuple[Report | None, Mapping[str, tuple[TargetResult, ...]]] = (None, {})

    def of(self, report: Report, url: str) -> Sequence[TargetResult]:
        """``[r for r in report.targets if r.url == url]``, without reading every row."""
        made, rows = self._made  # one read: another thread may replace it
        if made is not report:
            grouped: dict[str, list[TargetResult]] = {}
            for row in report.targets:
                grouped.setdefault(row.url, []).append(row)
            rows = {key: tuple(value) for key, value in grouped.items()}
            self._made = (report, rows)
        return rows.get(url, ())
