"""The token-protected answer a cache in front gives to clients without the token (tester
T37's cache-leak case, its real answer: :mod:`tests.t37_answers`; its nginx.conf's recipe).

* which URLs get the one request without the token: a signed answer stored (the second
  sweep's not_live, cached), a cache's header, or --config lines that store it; none for an
  unsigned answer, nor for T37's first sweep (live, no cache header) without --config;
* the request got the stored JSON: ``token_answer_public`` (critical), in nginx's words,
  with the lines read under --config (TOKEN_LINES in the block of proxy_ignore_headers, the
  purge); the application's own 404: no finding.
"""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import diagnose
from probe.diagnose.token_leak import TOKEN_LINES, leak_key, leak_probes
from probe.endpoint_answer import EndpointAnswer
from probe.front_config import load_front
from probe.manifest import parse
from probe.model import Liveness, Observation, Report, Sample, Status
from tests.t37_answers import STORED

FRONT = "127.0.0.1:18113"
MANIFEST = """[probe]
samples = 1
connect = "127.0.0.1:18113"
[instances.tok]
label = "tok"
urls = ["http://localhost:18113/"]
"""
NGINX = """\
events { worker_connections 64; }
http {
    proxy_cache_path /t37/cache levels=1:2 keys_zone=micro:1m inactive=10m;
    server {
        listen 127.0.0.1:18113;
        server_name localhost;
        location / {
            proxy_cache micro;
            proxy_cache_valid 200 60s;
            proxy_ignore_headers Cache-Control Expires Set-Cookie;
            proxy_set_header Host $host;
            proxy_pass http://127.0.0.1:18101;
        }
    }
}
"""


def _sample(answer: dict[str, object], liveness: Liveness) -> Sample:
    return Sample(elapsed_ms=1.0, status_code=200, endpoint=EndpointAnswer.from_json(answer),
                  address=FRONT, server="nginx/1.22.1", liveness=liveness)


def _observed(liveness: Liveness) -> list[Observation]:
    (target,) = parse(MANIFEST).targets()
    return [Observation(target, (_sample(STORED, liveness),))]


def _sweep(observations: list[Observation], got: Sample | None, tmp: Path | None) -> Report:
    config = None
    if tmp is not None:
        (tmp / "nginx.conf").write_text(NGINX)
        config = load_front(str(tmp / "nginx.conf"), {})
    probed = {leak_key(observations[0]): got} if got is not None else {}
    return diagnose(parse(MANIFEST), observations, config=config, probed=probed,
                    token_sent=True)


def test_which_urls_get_the_request_without_the_token(tmp_path: Path) -> None:
    manifest = parse(MANIFEST)
    (tmp_path / "nginx.conf").write_text(NGINX)
    config = load_front(str(tmp_path / "nginx.conf"), {})
    (sent,) = leak_probes(manifest, _observed(Liveness.CACHED), config)
    assert (sent.url, sent.address, sent.tokenless) == (
        "http://localhost:18113/__probe__", FRONT, True)
    # Without the lines read, nothing says the cache will not keep the 404 that request gets
    # (and serve it to every later sweep): not asked.
    assert leak_probes(manifest, _observed(Liveness.CACHED), None) == ()
    # nor where they say it keeps a 404 (CI's nginx: proxy_cache_valid 200 404 10m)
    keeping = NGINX.replace("proxy_cache_valid 200", "proxy_cache_valid 200 404")
    (tmp_path / "keeps.conf").write_text(keeping)
    keeps = load_front(str(tmp_path / "keeps.conf"), {})
    assert leak_probes(manifest, _observed(Liveness.CACHED), keeps) == ()
    # T37's first sweep: live, no cache header; only the lines read show the cache
    assert leak_probes(manifest, _observed(Liveness.LIVE), None) == ()
    assert len(leak_probes(manifest, _observed(Liveness.LIVE), config)) == 1
    unsigned = {**STORED, "signature": None}
    (target,) = manifest.targets()
    stored = [Observation(target, (_sample(unsigned, Liveness.CACHED),))]
    assert leak_probes(manifest, stored, None) == ()
    # the lines that pass the token's requests by the cache store none of the probe's answers
    fixed = NGINX.replace("proxy_set_header", f"{' '.join(TOKEN_LINES)}\n            "
                          "proxy_set_header")
    (tmp_path / "nginx.conf").write_text(fixed)
    config = load_front(str(tmp_path / "nginx.conf"), {})
    assert leak_probes(manifest, _observed(Liveness.LIVE), config) == ()


def test_the_stored_answer_given_without_the_token_is_a_critical_finding(tmp_path: Path) -> None:
    got = _sample(STORED, Liveness.CACHED)  # T37's anon.txt: the stored JSON, no cache header
    report = _sweep(_observed(Liveness.CACHED), got, None)
    (found,) = [f for f in report.findings if f.code == "token_answer_public"]
    assert found.severity is Status.CRITICAL and found.instances == ("tok",)
    said = found.explanation
    assert "the endpoint's token-protected answer is served to clients without the token" in \
        said, said
    assert "'GET http://localhost:18113/__probe__ at 127.0.0.1:18113' sent without the token" \
        in said, said
    assert f"nonce '{STORED['nonce']}' of an earlier request" in said, said
    assert "the sweep got one stored (not_live, cached)" in said, said
    assert "the answer came from nginx/1.22.1 (Server): where that is nginx's proxy_cache, " \
        "nginx stores a no-store answer only where" in said, said
    assert "'probe sweep --config' with the nginx.conf names these lines" in said, said
    assert report.status is Status.CRITICAL
    # with T37's nginx.conf: the line, the two to add in its block, the purge
    said = next(f.explanation for f in _sweep(_observed(Liveness.CACHED), got,
                                             tmp_path).findings
                if f.code == "token_answer_public")
    conf = tmp_path / "nginx.conf"
    assert f"'proxy_ignore_headers Cache-Control Expires Set-Cookie;' ({conf}:10)" in said, said
    assert f"In the block of {conf}:10 add '{TOKEN_LINES[0]}' and '{TOKEN_LINES[1]}'" in said
    assert "That line does not name Vary" in said, said
    assert "'find /t37/cache -type f -delete'" in said, said


def test_the_applications_own_page_is_no_finding() -> None:
    page = Sample(elapsed_ms=1.0, status_code=404, address=FRONT, server="nginx/1.22.1")
    report = _sweep(_observed(Liveness.CACHED), page, None)
    assert not [f for f in report.findings if f.code == "token_answer_public"]
