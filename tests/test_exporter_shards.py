"""probe/exporter/discovery.py: /sd, --shard I/N and Prometheus's hashmod.

The agreement of :func:`hashmod` with Prometheus's own is proven by a real prometheus
(tests/integration/test_prometheus_shards.py): a disagreement there is a 421 and a target down.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from probe.diagnose import ConfigJoin
from probe.errors import UsageError
from probe.exporter import command as exporter
from probe.exporter.command import ExporterOptions
from probe.exporter.discovery import META, Shard, hashmod, sd_document, shard_targets
from probe.manifest import Manifest, Target, parse
from probe.model import Report, TargetResult, Verdict
from tests.monitoring_helpers import MANIFEST

SITE = parse('[probe]\nconnect = "127.0.0.1:8080"\n' + MANIFEST, "site.toml")
URLS = [t.url for t in SITE.targets()]


def call(app: Any, path: str, query: str = "") -> tuple[str, bytes]:
    got: list[str] = []
    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query},
                        lambda status, headers, exc_info=None: got.append(status)))
    return got[0], body


class Recorder:
    """A fake run_sweep that records which targets each sweep was given."""

    def __init__(self) -> None:
        self.swept: list[list[str] | None] = []

    def __call__(self, manifest: Manifest, *, targets: Sequence[Target] | None = None,
                 deadline: float | None = None, token: str | None = None,
                 config: ConfigJoin | None = None,
                 skip_bad_deploy_times: bool = False) -> Report:
        self.swept.append([t.url for t in targets] if targets is not None else None)
        chosen = targets if targets is not None else manifest.targets()
        return Report(tuple(TargetResult(t.url, t.expected, Verdict.OK, None, "", "", None,
                                         200, 1, 1.0) for t in chosen))


def test_sd_lists_every_manifest_url_with_its_labels() -> None:
    groups = json.loads(sd_document(SITE))
    assert [g["targets"] for g in groups] == [[url] for url in URLS]
    first, refused = groups[0]["labels"], groups[-1]["labels"]
    assert first == {f"{META}instance": "project-1", f"{META}url": URLS[0],
                     f"{META}address": "127.0.0.1:8080"}
    assert refused[f"{META}instance"] == ""  # a URL that must be refused
    # Only meta labels: they never reach the series (the metrics have their own url label).
    assert all(key.startswith("__meta_") for g in groups for key in g["labels"])


def test_sd_is_served_by_every_exporter_whatever_its_shard() -> None:
    for shard in (None, Shard(0, 2), Shard(1, 2)):
        app = exporter.build_app(SITE, ExporterOptions(shard=shard), sweep=Recorder())
        status, body = call(app, "/sd")
        assert status == "200 OK"
        assert body == sd_document(SITE)


def test_a_shard_exporter_sweeps_its_shard_only() -> None:
    shards = {url: hashmod(url, 2) for url in URLS}
    assert set(shards.values()) == {0, 1}  # the manifest has URLs in both
    for index in (0, 1):
        sweep = Recorder()
        app = exporter.build_app(SITE, ExporterOptions(shard=Shard(index, 2)), sweep=sweep)
        for url, shard in shards.items():
            status, body = call(app, "/probe", f"target={url}")
            if shard == index:
                assert status == "200 OK", body
            else:
                assert status == "421 Misdirected Request"
                assert f"in shard {shard}/2; this exporter sweeps shard {index}/2" in body.decode()
        mine = [url for url, shard in shards.items() if shard == index]
        assert sweep.swept and all(urls == mine for urls in sweep.swept)
        status, body = call(app, "/metrics")
        assert status == "200 OK"
        assert {u for u in URLS if f'url="{u}"' in body.decode()} == set(mine)


def test_without_a_shard_every_url_is_swept() -> None:
    sweep = Recorder()
    app = exporter.build_app(SITE, ExporterOptions(), sweep=sweep)
    for url in URLS:
        assert call(app, "/probe", f"target={url}")[0] == "200 OK"
    assert sweep.swept and all(urls is None for urls in sweep.swept)


def test_shards_split_the_manifest() -> None:
    parts = [shard_targets(SITE, Shard(i, 3)) for i in range(3)]
    assert sorted(t.url for part in parts for t in part) == sorted(URLS)
    assert shard_targets(SITE, None) == SITE.targets()


def test_hashmod_is_md5s_last_eight_bytes() -> None:
    # md5("a") = 0cc175b9c0f1b6a8 31c399e269772661: the second half, big-endian.
    assert hashmod("a", 2**64 - 1) == 0x31C399E269772661 % (2**64 - 1)
    assert hashmod("a", 2) == 1
    assert all(0 <= hashmod(url, 5) < 5 for url in URLS)


@pytest.mark.parametrize("text", ["2/2", "-1/2", "1", "a/b", "1/0", "", "0/2/3"])
def test_bad_shards_are_refused_in_one_line(text: str) -> None:
    with pytest.raises(UsageError, match=r"--shard: .* is not I/N"):
        Shard.parse(text)


def test_a_shard_parses() -> None:
    assert Shard.parse("1/3") == Shard(1, 3)
    assert str(Shard(1, 3)) == "1/3"
