"""What only shows across the backends of one URL, and across the processes of one backend.

Each (URL, address) already has its own verdict. Behind a balancer the question is which
backend is the odd one out: :func:`backend_findings` groups the addresses of a URL by what
answered there and names those that differ from the rest ("127.0.0.2:80 serves /suburl/ from
project-1 (alias_order); 127.0.0.1:80 and 127.0.0.3:80 serve it from project-2 as expected").
:func:`processes_seen` says, for samples of one address that disagree, which process gave
which answer, so one bad process can be told from a bad backend.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from urllib.parse import urlsplit

from probe.diagnose.answer_names import where
from probe.endpoint_answer import EndpointAnswer
from probe.model import Finding, Status, TargetResult, Verdict

BACKENDS_DISAGREE = "backends_disagree"

_ANSWERED = {Verdict.OK, Verdict.WRONG_INSTANCE, Verdict.SETTINGS_MISMATCH, Verdict.STALE,
             Verdict.SERVED_UNMAPPED}

Signature = tuple[str | None, str | None, str, str | None]


def _settings(result: TargetResult) -> str | None:
    return result.observed.settings if result.observed else None


def _signature(result: TargetResult) -> Signature:
    cause = result.cause.value if result.cause else None
    return (result.answered_by, _settings(result), result.verdict.value, cause)


def _addresses(results: Sequence[TargetResult]) -> str:
    names = [r.address or "DNS's address" for r in results]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _what(result: TargetResult, path: str, plural: bool, *, normal: bool) -> str:
    serve = "serve" if plural else "serves"
    if result.verdict in _ANSWERED and result.answered_by:
        settings = _settings(result)
        text = f"{serve} {path} from {result.answered_by}"
        if settings and result.verdict is Verdict.SETTINGS_MISMATCH:
            text += f" with settings {settings}"
    elif result.verdict is Verdict.UNREACHABLE:
        text = "did not answer"
    elif result.status_code is not None:
        text = ("answer" if plural else "answers") + f" {path} with HTTP {result.status_code}"
    else:
        text = ("answer" if plural else "answers") + f" {path} with {result.verdict.value}"
    if normal and result.ok:
        return f"{text} as expected"
    detail = result.cause.value if result.cause else result.verdict.value
    return text if detail in text else f"{text} ({detail})"


def backend_findings(results: Sequence[TargetResult]) -> tuple[Finding, ...]:
    """One finding per URL whose addresses did not all get the same answer."""
    by_url: dict[str, list[TargetResult]] = defaultdict(list)
    for result in results:
        by_url[result.url].append(result)
    findings = []
    for url, group in by_url.items():
        if len({r.address for r in group}) < 2:
            continue
        kinds: dict[Signature, list[TargetResult]] = defaultdict(list)
        for result in group:
            kinds[_signature(result)].append(result)
        if len(kinds) < 2:
            continue
        path = urlsplit(url).path or "/"
        instances = sorted({r.answered_by for r in group if r.answered_by})
        if not any(r.verdict in _ANSWERED and r.answered_by for r in group):
            # Every address failed, in different ways: no answer to disagree with.
            failed = [_addresses(members) + " "
                      + _what(members[0], path, len(members) > 1, normal=False)
                      for members in kinds.values()]
            findings.append(Finding(BACKENDS_DISAGREE, Status.CRITICAL, tuple(instances),
                                    f"No backend of {url} answered it: "
                                    + "; ".join(failed) + "."))
            continue
        # The norm is what most addresses that are right got; with none right, what most got.
        right = Counter(_signature(r) for r in group if r.ok)
        norm = (right or Counter(_signature(r) for r in group)).most_common(1)[0][0]
        odd = [
            f"{_addresses(members)} "
            f"{_what(members[0], path, len(members) > 1, normal=False)}"
            for key, members in kinds.items() if key != norm
        ]
        usual = kinds[norm]
        odd.append(f"{_addresses(usual)} "
                   f"{_what(usual[0], path, len(usual) > 1, normal=True).replace(path, 'it', 1)}")
        severity = Status.CRITICAL if any(not r.ok for r in group) else Status.WARNING
        findings.append(Finding(
            BACKENDS_DISAGREE, severity, tuple(instances),
            f"The backends of {url} disagree: " + "; ".join(odd) + ".",
        ))
    return tuple(findings)


def processes_seen(answers: Sequence[EndpointAnswer], name: str | None = None) -> str:
    """Which instance and process gave how many of the samples, e.g.
    ``project-1 pid 7 (instance a1b2, server.listen 127.0.0.2:8000): 2 samples``: each
    process named by where it runs (behind a balancer the address probed is the balancer's).

    When every sample reached a different process, some processes may not have been
    reached at all, which the sentence says (raise --samples to reach them).
    """
    counts: Counter[tuple[str, int | None, str | None, str]] = Counter(
        (a.label or a.application_group or name or "?", a.pid, a.instance_id, where(a))
        for a in answers
    )
    parts = []
    for (label, pid, instance, at), count in counts.items():
        details = ", ".join(d for d in (f"instance {instance}" if instance else "", at) if d)
        named = f"{label} pid {pid if pid is not None else '?'}"
        if details:
            named += f" ({details})"
        parts.append(f"{named}: {count} sample{'s' if count != 1 else ''}")
    text = "Seen: " + "; ".join(parts) + "."
    pids = {a.pid for a in answers if a.pid is not None}
    if len(pids) >= len(answers) > 1:
        text += (f" Each of the {len(answers)} samples reached a different process, so "
                 f"there may be processes no sample reached: raise --samples to see them all.")
    return text
