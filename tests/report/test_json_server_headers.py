"""The JSON report's ``server_headers`` and ``via_headers`` (docs/sweep.md): the Server and
Via headers the sweep keeps per sample (``Sample.server``, ``Sample.via``), carried to each
target as seen, each value once in the order first seen. Tester T35's Caddy in front of
waitress answered with both servers' Server headers, which the JSON did not record."""

from __future__ import annotations

import json
from typing import Any

from probe import manifest
from probe.diagnose import diagnose
from probe.errors import ErrorKind
from probe.manifest import Target
from probe.model import Observation, Sample
from probe.report import render

BLOG = "http://apps.test:18080/blog/"
DOWN = "http://wiki.test:18080/"
MANIFEST = manifest.parse(f"""\
[instances.blog]
label = "blog"
urls = ["{BLOG}"]

[instances.wiki]
label = "wiki"
urls = ["{DOWN}"]
""")


def targets(*observations: Observation) -> dict[str, dict[str, Any]]:
    data = json.loads(render(diagnose(MANIFEST, observations), "json"))
    return {t["url"]: t for t in data["targets"]}


def test_each_server_and_via_header_the_answers_carried() -> None:
    # A header repeated in one answer arrives joined (probe.http_messages.Headers).
    both = Sample(elapsed_ms=1.0, status_code=200, server="Caddy, waitress")
    cached = Sample(elapsed_ms=1.0, status_code=200, server="nginx/1.22.1", via="1.1 varnish")
    none = Sample(elapsed_ms=1.0, error="refused", error_kind=ErrorKind.CONNECT)
    seen = targets(Observation(Target(BLOG, "blog"), (both, cached, both, none)),
                   Observation(Target(DOWN, "wiki"), (none,)))
    assert seen[BLOG]["server_headers"] == ["Caddy, waitress", "nginx/1.22.1"]
    assert seen[BLOG]["via_headers"] == ["1.1 varnish"]
    assert (seen[DOWN]["server_headers"], seen[DOWN]["via_headers"]) == ([], [])
    # Beside the other facts of the answers, none of whose meaning changes.
    assert seen[BLOG]["status_code"] is None and seen[BLOG]["samples"] == 4


def test_urls_with_the_same_headers_share_one_tuple() -> None:
    """A sweep of a million URLs behind one Apache holds one tuple of its Server header, not a
    million (issue 25's memory per URL)."""
    answer = Sample(elapsed_ms=1.0, status_code=200, server="Apache/2.4.71 (Debian)", via="1.1 a")
    report = diagnose(MANIFEST, (Observation(Target(BLOG, "blog"), (answer,)),
                                 Observation(Target(DOWN, "wiki"), (answer,))))
    first, second = report.targets
    assert first.server_headers == ("Apache/2.4.71 (Debian)",)
    assert first.server_headers is second.server_headers
    assert first.via_headers is second.via_headers
