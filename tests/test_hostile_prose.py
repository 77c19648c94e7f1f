"""No control or bidi character of an answer leaves the probe in prose.

Every string field of the endpoint's answer holds terminal escapes, a carriage return, NUL,
a bidi override and a C1 control (security tester T25's value), sent by a real loopback
server in answers that get their words quoted: the right application with a Host a proxy
replaced (host_mismatch), another label (wrong_instance), a correct one beside a URL at the
same address that never answers (whose fix quotes ``server.listen``). Each explanation, fix,
piece of evidence, check and finding is then free of them, in the JSON report (decoded) and
the JUnit file (raw). And the last guard alone: a diagnosis worded with them raw is escaped
where a TargetResult is made.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from probe import diagnose as diagnose_package
from probe.diagnose import fronts
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import parse
from probe.model import Candidate, Cause, Evidence, EvidenceKind, Verdict
from probe.report import render
from probe.sweep import run_sweep
from tests.test_diagnose import thrice
from tests.test_hostile_servers import TOKEN, endpoint_doc, read_headers, reply

EVIL = "\x1b]0;pwned\x07\x1b[2J\x1b[31mRED\r\x08\x00\t\u202eevil\x9b31m\u2066"
BAD = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
"""What no prose may hold: C0 (but the line break a configuration block in a fix needs), DEL,
C1, and the format characters that reorder or hide text."""


def hostile_fields(**changes: Any) -> dict[str, Any]:
    """Every string field of docs/endpoint-protocol.md's table the probe does not need to
    tell who answered (label, instance_id, nonce and signature stay true) set to EVIL."""
    request = {key: EVIL for key in (
        "host", "server_name", "server_port", "scheme", "script_name", "path_info",
        "forwarded_host", "request_uri", "script_url", "forwarded_prefix",
        "force_script_name", "forwarded_proto")}
    fields: dict[str, Any] = {
        "process_group": EVIL, "application_group": EVIL, "script_file": EVIL,
        "settings_module": {"environ": EVIL, "loaded": EVIL},
        "request": request,
        "server": {"software": EVIL, "mod_wsgi_version": EVIL, "listen": EVIL,
                   "hostname": EVIL, "multiprocess": False,
                   "uwsgi": {"version": EVIL, "master_pid": 1, "pidfile": [EVIL],
                             "touch_reload": [EVIL], "master_fifo": [EVIL]}},
        "python": {"version": EVIL, "implementation": EVIL, "executable": EVIL,
                   "prefix": EVIL, "django_version": EVIL},
        "code": {"version": EVIL, "version_source": EVIL, "script_mtime": EVIL,
                 "first_loaded_at": EVIL, "script_loads": 2},
        "time_zone": {"environ": EVIL, "name": EVIL, "utc_offset_s": 0},
        "started_at": EVIL, "process_started_at": EVIL,
    }
    fields.update(changes)
    return fields


@contextmanager
def prose_server() -> Iterator[int]:
    """``right.example``: label 'a', the Host replaced (what arrived is EVIL);
    ``kept.example``: label 'a', the Host as sent; ``wrong.example``: label 'b';
    ``slow.example``: never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    done = threading.Event()

    def serve(conn: socket.socket) -> None:
        try:
            headers = read_headers(conn)
            host = headers.get("host", "")
            if host.startswith("slow."):
                done.wait(10)  # until the test ends; the request times out first
                return
            fields = hostile_fields(label="b" if host.startswith("wrong.") else "a")
            if host.startswith("kept."):
                fields["request"] = {**fields["request"], "host": host,
                                     "forwarded_host": None}
            reply(conn, json.dumps(endpoint_doc(headers, **fields)).encode())
        except OSError:
            pass
        finally:
            conn.close()

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        done.set()
        listener.close()


def prose_of(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every text of the JSON report that is words, by where it is."""
    for i, target in enumerate(document["targets"]):
        yield f"targets[{i}].explanation", target["explanation"]
        yield f"targets[{i}].fix", target["fix"]
        for j, item in enumerate(target.get("evidence") or ()):
            yield f"targets[{i}].evidence[{j}].claim", item["claim"]
            yield f"targets[{i}].evidence[{j}].source", item["source"]
        for j, item in enumerate(target.get("candidates") or ()):
            yield f"targets[{i}].candidates[{j}].check", item["check"]
    for i, finding in enumerate(document["findings"]):
        yield f"findings[{i}].explanation", finding["explanation"]


def test_an_answer_s_controls_never_reach_prose_in_a_whole_sweep(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WSGI_PROBE_TOKEN", TOKEN)
    with prose_server() as port:
        manifest = parse(f"""
[probe]
connect = "127.0.0.1:{port}"
timeout = 1
samples = 2
[instances.a]
label = "a"
urls = ["http://right.example/", "http://kept.example/", "http://wrong.example/",
        "http://slow.example/"]
""", "prose.toml")
        report = run_sweep(manifest, deadline=30.0, token=TOKEN)
    verdicts = {t.url: t.verdict for t in report.targets}
    assert verdicts == {"http://right.example/": Verdict.HOST_MISMATCH,
                        "http://kept.example/": Verdict.OK,
                        "http://wrong.example/": Verdict.WRONG_INSTANCE,
                        "http://slow.example/": Verdict.UNREACHABLE}, verdicts
    document = json.loads(render(report, "json"))
    texts = dict(prose_of(document))
    # The value is quoted, escaped: the server.listen of the answers at the slow URL's address.
    slow = next(t for t in document["targets"] if t["url"] == "http://slow.example/")
    assert "\\x1b]0;pwned\\x07" in slow["fix"], slow["fix"]
    assert [f"{where}: {text!r}" for where, text in texts.items() if BAD.search(text)] == []
    junit = render(report, "junit")
    assert [m.group() for m in BAD.finditer(junit.replace("\n", " "))] == []


def test_host_mismatch_escapes_the_host_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tester T25's D2: Host and X-Forwarded-Host were quoted with repr over their one-line
    escapes ('\\\\x1b'), where server.listen on the same line had one backslash."""
    monkeypatch.setenv("WSGI_PROBE_TOKEN", TOKEN)
    with prose_server() as port:
        manifest = parse(f"""
[probe]
connect = "127.0.0.1:{port}"
timeout = 1
[instances.a]
label = "a"
urls = ["http://right.example/"]
""", "prose.toml")
        report = run_sweep(manifest, deadline=30.0, token=TOKEN)
    (target,) = report.targets
    assert target.verdict is Verdict.HOST_MISMATCH
    once = "'\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mRED\\x0d\\x08\\x00\\x09\\u202eevil\\x9b31m\\u2066'"
    assert f"Host {once} with X-Forwarded-Host {once}" in target.explanation, target.explanation
    assert "\\\\" not in target.explanation
    assert {e.claim for e in target.evidence if e.kind is EvidenceKind.OBSERVED} >= {
        f"request.host = {once}", f"request.forwarded_host = {once}"}


def test_listen_is_one_printable_line() -> None:
    """At the source: server.listen and server.software as words quote them."""
    answer = EndpointAnswer.from_json({"instance_id": "i", "pid": 1,
                                       "server": {"listen": EVIL, "software": EVIL}})
    for read in (fronts.listen, fronts.software):
        value = read(answer)
        assert value is not None and value.isprintable() and "\\x1b" in value, value


def test_the_last_guard_escapes_words_built_raw(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever read of an answer a wording forgets to clean, the TargetResult's words are
    escaped: a diagnosis worded with EVIL raw (and a line break kept, as a fix's block)."""
    def raw_words(*_args: object) -> Diagnosis:
        return Diagnosis(Verdict.WRONG_INSTANCE, Cause.HOST_REWRITTEN,
                         explanation=f"by {EVIL}", fix=f"do\n    {EVIL}",
                         evidence=(Evidence(EvidenceKind.OBSERVED, f"label = {EVIL}", EVIL),),
                         candidates=(Candidate(Cause.HOST_REWRITTEN, f"look at {EVIL}"),))

    monkeypatch.setattr(diagnose_package, "diagnose_target", raw_words)
    manifest = parse('[instances.a]\nlabel = "a"\nurls = ["http://a.example/"]\n', "m.toml")
    report = diagnose_package.diagnose(manifest, [thrice("http://a.example/", "a", {})])
    (target,) = report.targets
    texts = (target.explanation, target.fix, target.evidence[0].claim,
             target.evidence[0].source, target.candidates[0].check)
    assert [t for t in texts if BAD.search(t.replace("\n", " "))] == []
    assert target.fix.startswith("do\n    \\x1b]0;pwned\\x07")
