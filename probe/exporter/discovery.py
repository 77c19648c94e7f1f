"""Scale-out on Prometheus: the manifest's URLs as service discovery targets, and shards.

More URLs than one machine can probe are split the way Prometheus splits any scrape work:
every exporter serves the same manifest's targets at ``/sd`` (Prometheus's HTTP service
discovery format), Prometheus keeps each URL in one job by ``hashmod`` relabelling, and the
job for shard ``I`` of ``N`` scrapes ``/probe?target=URL`` on the exporter started with
``--shard I/N``. That exporter sweeps only its shard's URLs, so every URL is probed by one
exporter once per sweep (docs/monitoring.md has the configuration).

:func:`hashmod` is Prometheus's own: the MD5 of the label value, its last 8 bytes as a
big-endian integer, modulo N. Both sides compute it from the URL exactly as ``/sd`` lists it,
so they agree on every URL's shard.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from probe.errors import UsageError
from probe.manifest import Manifest, Target

META = "__meta_wsgi_probe_"
"""Prefix of the labels /sd gives each target: relabelling sees them, the series do not
(labels starting with ``__`` are dropped after relabelling), so they never collide with the
``url`` and ``expected`` labels of the exporter's own metrics."""


def hashmod(value: str, modulus: int) -> int:
    """Prometheus's ``hashmod`` relabel action on ``value``."""
    digest = hashlib.md5(value.encode("utf-8"), usedforsecurity=False).digest()
    return int.from_bytes(digest[8:], "big") % modulus


@dataclass(frozen=True)
class Shard:
    """``--shard I/N``: this exporter sweeps the URLs whose hashmod N is I."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        index, sep, count = text.partition("/")
        try:
            shard = cls(int(index), int(count)) if sep else None
        except ValueError:
            shard = None
        if shard is None or not 0 <= shard.index < shard.count:
            raise UsageError(f"--shard: {text!r} is not I/N with 0 <= I < N (e.g. 0/2, 1/2)")
        return shard

    def holds(self, url: str) -> bool:
        return hashmod(url, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_targets(manifest: Manifest, shard: Shard | None) -> list[Target]:
    """The manifest's targets this exporter sweeps: all of them without a shard."""
    targets = manifest.targets()
    return targets if shard is None else [t for t in targets if shard.holds(t.url)]


def sd_document(manifest: Manifest) -> bytes:
    """Every manifest URL as an HTTP service discovery target group, with its labels:
    the instance that must answer (empty for a URL that must be refused), the URL, and the
    address the manifest sends its requests to (empty: where DNS says)."""
    groups = [{"targets": [target.url],
               "labels": {f"{META}instance": target.expected or "",
                          f"{META}url": target.url,
                          f"{META}address": ",".join(manifest.connects_for(target))}}
              for target in manifest.targets()]
    return json.dumps(groups, indent=1).encode("utf-8")
