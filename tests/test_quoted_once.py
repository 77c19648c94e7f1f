"""An answer's hostile text is escaped once and shown as observed (re-tester R25: d2, n4).

A field is made one printable line where it is read (``\\x1b`` for ESC); quoting it again
with ``repr`` doubled the backslash (``'\\\\x1b'``), and the Host a backend chose its site
by was shown lower-cased (``'\\x1b[2j'`` for ``'\\x1b[2J'``). Every value quoted in the
words goes through probe.safe_text.quoted; lower case is for comparing only.
"""

from __future__ import annotations

import json
from typing import Any

from probe.diagnose import diagnose
from probe.http_messages import Answer, sample_from_answer
from probe.manifest import parse
from probe.model import Cause, Observation, Sample, TargetResult, Verdict

# The value of d2-hostile/hostile_server.py's 'escapes' cases, as sent.
ESC = "\x1b]0;pwned\x07\x1b[2J\x1b[31mRED\r\x08\x00\u202eevil\x9b31m"
# As the words must show it: each control escaped once, case kept, in quotes.
SHOWN = "'\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mRED\\x0d\\x08\\x00\\u202eevil\\x9b31m'"

MANIFEST = parse("""
[instances.a]
label = "good"
urls = ["http://h.test/escapes/", "http://h.test/escapes-wrong/"]
""")


def answer(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "schema": 1, "label": "good", "instance_id": "a" * 32, "pid": 4242, "ppid": 1,
        "process_group": "g", "application_group": "",
        "settings_module": {"environ": "mysite.settings", "loaded": None},
        "request": {"host": "h.test", "script_name": "", "path_info": "/__probe__"},
        "started_at": "2026-01-01T00:00:00Z", "uptime_s": 1.0,
    }
    return {**base, **over}


def sample(data: dict[str, Any]) -> Sample:
    body = json.dumps(data).encode()
    return sample_from_answer(Answer(200, {"Content-Type": "application/json"}, body, 1.0))


def said(target: TargetResult) -> str:
    return " ".join((target.explanation, target.fix,
                     *(f"{e.claim} {e.source}" for e in target.evidence)))


def sweep(data: dict[str, Any], index: int) -> TargetResult:
    url = MANIFEST.targets()[index]
    return diagnose(MANIFEST, [Observation(url, (sample(data),))]).targets[0]


def test_wrong_instance_quotes_group_and_host_once_as_observed() -> None:
    data = answer(label=ESC, process_group=ESC, script_file=ESC,
                  settings_module={"environ": ESC, "loaded": ESC},
                  request={"host": ESC, "path_info": ESC},
                  server={"software": ESC, "hostname": ESC})
    target = sweep(data, 1)
    assert (target.verdict, target.cause) == (Verdict.WRONG_INSTANCE, Cause.HOST_REWRITTEN)
    assert f"daemon {SHOWN}" in target.explanation, target.explanation
    assert f"received Host {SHOWN}" in target.explanation
    assert f"chose its site by {SHOWN}." in target.explanation
    assert "\\\\" not in said(target), said(target)


def test_right_instance_quotes_the_host_once() -> None:
    data = answer(process_group=ESC, application_group=ESC,
                  request={"host": ESC, "forwarded_host": ESC, "script_name": ESC,
                           "path_info": ESC},
                  server={"software": ESC, "hostname": ESC, "listen": ESC})
    target = sweep(data, 0)
    assert target.verdict is Verdict.HOST_MISMATCH, target.explanation
    assert f"Host {SHOWN}" in target.explanation
    assert "\\\\" not in said(target), said(target)


def test_a_group_of_quotes_and_backslashes_is_quoted_as_repr_would_a_clean_one() -> None:
    """Clean text reads as before: quoted is repr for a value with nothing to escape."""
    for group in ("site'1", 'say "x"', "it's \"both\""):
        target = sweep(answer(label="other", process_group=group), 0)
        assert f"daemon {group!r}" in target.explanation, target.explanation
