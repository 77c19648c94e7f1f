"""The exporter's /probe answers what it answered when it read the whole manifest at each
request (probe/exporter/lookups.py): whether the token goes with a target, which manifest
target a URL is, which rows of the sweep are a manifest URL's; also after a reload, and
without reading the manifest's URL list per request."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from probe.exporter.http import ExporterApp
from probe.exporter.lookups import ManifestIndex, RowsByURL
from probe.exporter.sweeps import SweepCoordinator
from probe.manifest import Manifest, Target, parse
from probe.model import Report, TargetResult, Verdict

MANIFESTS = {
    "https_only": 'connect = "10.0.0.5:80"\n[instances.a]\nlabel = "a"\n'
                  'urls = ["https://site.example/"]\n',
    "http_there": 'connect = "10.0.0.5:80"\n[instances.a]\nlabel = "a"\n'
                  'urls = ["http://site.example/"]\n',
    "portless": 'connect = "127.0.0.1"\n[instances.a]\nlabel = "a"\n'
                'urls = ["http://site.example/"]\n',
    "loopback": 'connect = "127.0.0.1:9"\n[instances.a]\nlabel = "a"\n'
                'urls = ["https://site.example/"]\n',
    "two": '[instances.a]\nlabel = "a"\nurls = ["http://10.1.1.1:8000/"]\n'
           '[instances.b]\nlabel = "b"\nconnect = "10.2.2.2:80"\nurls = ["https://b.example/"]\n',
}

def manifest(text: str) -> Manifest:
    return parse("[probe]\nsamples = 1\ntimeout = 2\n" + text, "m.toml")


class Recorder:
    """The /probe runner: records whether the token went with each target."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bool]] = []

    def __call__(self, target: Target, budget: float, with_token: bool) -> Report:
        self.sent.append((target.url, with_token))
        return Report(())


def app_over(name: str, recorder: Recorder) -> ExporterApp:
    return ExporterApp(manifest(MANIFESTS[name]), SweepCoordinator(lambda budget: Report(())),
                       probe=recorder, has_token=True)


def ask(app: ExporterApp, **query: str) -> str:
    statuses: list[str] = []

    def start_response(status: str, headers: Any) -> None:
        statuses.append(status)

    app({"REQUEST_METHOD": "GET", "PATH_INFO": "/probe", "QUERY_STRING": urlencode(query)},
        start_response)
    return statuses[0]


# (manifest, target, expected, whether the token goes): every branch of the rule.
CASES = [
    ("https_only", "http://anything.example/", "a", False),  # 10.0.0.5:80 only had https
    ("https_only", "https://anything.example/", "a", True),
    ("http_there", "http://anything.example/", "a", True),  # in clear there already
    ("http_there", "http://anything.example:8080/", "a", True),  # the connect's port, not 8080
    ("portless", "http://anything.example/", "a", False),  # the query would choose the port
    ("portless", "http://SITE.example:80", "*", True),  # listed (normal_url), to loopback
    ("loopback", "http://anything.example/", "a", True),
    ("two", "http://10.1.1.1:8000/other/", "a", False),  # no connect: DNS, the query's choice
    ("two", "http://10.1.1.1:8000", "*", True),  # listed, in clear at its own address already
    ("two", "http://10.1.1.1:8000/", "b", False),  # listed, but b's connect had https only
    ("two", "http://anything.example/", "b", False),
    ("two", "https://anything.example/", "b", True),
]


@pytest.mark.parametrize(("name", "target", "expected", "token"), CASES)
def test_whether_the_token_goes_with_a_probe_target(name: str, target: str, expected: str,
                                                    token: bool) -> None:
    recorder = Recorder()
    assert ask(app_over(name, recorder), target=target, expected=expected) == "200 OK"
    assert recorder.sent == [(target, token)]


def test_a_reload_gives_the_new_manifests_answer() -> None:
    """Worked out at each load: the answer of the manifest in force, not of the first."""
    recorder = Recorder()
    app = app_over("https_only", recorder)
    for name in ("https_only", "http_there", "https_only"):
        app.reload(manifest(MANIFESTS[name]), recorder, has_token=True)
        ask(app, target="http://anything.example/", expected="a")
    assert [token for _, token in recorder.sent] == [False, True, False]


def test_a_probe_request_does_not_read_every_manifest_url(
        monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    app = app_over("two", recorder)

    def every_url(self: Manifest) -> list[Target]:
        raise AssertionError("a /probe request read the whole manifest")

    monkeypatch.setattr(Manifest, "targets", every_url)
    assert ask(app, target="http://10.1.1.1:8000/", expected="b") == "200 OK"
    assert ask(app, target="http://10.1.1.1:8000/", expected="a") == "200 OK"
    assert recorder.sent == [("http://10.1.1.1:8000/", False)]


@pytest.mark.parametrize("url", [
    "http://site.example/", "http://SITE.example:80", "http://site.example/x/",
    "https://site.example/", "http://10.1.1.1:8000", "http://10.1.1.1:8000/", "http://b.example/",
    "https://B.example:443/", "https://b.example/x",
])
def test_the_index_finds_the_target_manifest_target_for_finds(url: str) -> None:
    both = manifest(MANIFESTS["two"] + '[refuse]\nurls = ["http://site.example/", "https://b.example/x/"]\n')
    assert ManifestIndex.of(both).target_for(url) == both.target_for(url)


def row(url: str, address: str | None = None) -> TargetResult:
    return TargetResult(url=url, expected="a", verdict=Verdict.OK, cause=None, explanation="",
                        fix="", observed=None, status_code=200, samples=1, elapsed_ms=1.0,
                        answered_by="a", address=address)


def test_a_sweeps_rows_by_url_are_the_rows_a_scan_finds() -> None:
    rows = RowsByURL()
    fleet = Report((row("http://a.example/", "10.0.0.1:80"), row("http://b.example/"),
                    row("http://a.example/", "10.0.0.2:80")))
    later = Report((row("http://b.example/"),))
    for report in (fleet, later, fleet):  # each sweep's own rows, not the last one's
        for url in ("http://a.example/", "http://b.example/", "http://c.example/"):
            assert list(rows.of(report, url)) == [r for r in report.targets if r.url == url]
