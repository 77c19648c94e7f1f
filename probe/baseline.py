"""``--save-baseline`` / ``--baseline``: who answered each URL at each address, and what changed.

A baseline is the identity of what answered every (URL, address) in one sweep: the instance,
its label, settings module, process and application group, and the code version and WSGI
script mtime where the endpoint reports them (its ``code`` field), plus the ``instance_id``
and ``started_at`` that change on every restart. Compared with a later sweep, each
(URL, address) whose answer changed gets a finding:

- ``baseline_changed`` (critical): another instance, label, settings, process or application
  group answers, or an address appeared or vanished. Nothing a deploy should do.
- ``baseline_not_restarted`` (critical): other addresses of the URL restarted since the
  baseline (a deploy) and this one did not; a warning when it runs the same ``code.version``
  as they do (the answers cannot tell what the restart it missed was for). One server bound
  to several addresses (:mod:`probe.same_server`) is named once, as one.
- ``baseline_restarted`` (ok): restarted, or a new code version; what a deploy does.

Pure functions over :class:`probe.model.Report`, plus reading and writing the file.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any

from probe import files
from probe.baseline_restarts import NOT_RESTARTED as NOT_RESTARTED
from probe.baseline_restarts import not_restarted
from probe.endpoint_answer import EndpointAnswer
from probe.errors import UsageError
from probe.model import Finding, Report, Status, TargetResult
from probe.safe_text import clean_json
from probe.same_server import and_list, one_server

KIND = "wsgi-probe-baseline"
SCHEMA = 1
CHANGED = "baseline_changed"
RESTARTED = "baseline_restarted"
MAX_BASELINE_BYTES = 64 * files.MIB
"""A baseline of 10,000 URLs at two addresses is about 10 MB; more is not a baseline."""

IDENTITY = ("instance", "label", "settings", "process_group", "application_group")
"""What must not change between sweeps: a change is a misroute or a misconfiguration."""


@dataclass(frozen=True)
class Entry:
    """What answered one URL at one address."""

    url: str
    address: str | None
    instance: str | None
    label: str | None
    settings: str | None
    process_group: str | None
    application_group: str | None
    code_version: str | None
    script_mtime: str | None
    instance_id: str | None
    started_at: str | None
    verdict: str

    @classmethod
    def of(cls, target: TargetResult) -> Entry:
        answer = target.observed
        return cls(
            url=target.url,
            address=target.address,
            instance=target.answered_by,
            label=answer.label if answer else None,
            settings=answer.settings if answer else None,
            process_group=answer.process_group if answer else None,
            application_group=answer.application_group if answer else None,
            code_version=answer.code_version if answer else None,
            script_mtime=answer.script_mtime if answer else None,
            instance_id=answer.instance_id if answer else None,
            started_at=answer.started_at if answer else None,
            verdict=target.verdict.value,
        )

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.url, self.address)

    @property
    def answered(self) -> bool:
        return self.instance_id is not None

    def started_after(self, moment: datetime) -> bool:
        """Whether what answered was loaded after ``moment`` (unknown start: False)."""
        if self.started_at is None:
            return False
        started = EndpointAnswer.from_json({"started_at": self.started_at}).started
        return started is not None and started > moment


@dataclass(frozen=True)
class Baseline:
    created: datetime
    entries: tuple[Entry, ...]


def entries(report: Report) -> list[Entry]:
    return [Entry.of(t) for t in report.targets]


def save(report: Report, path: str, now: datetime | None = None) -> None:
    data = {
        "kind": KIND,
        "schema": SCHEMA,
        "created": (now or datetime.now(UTC)).isoformat(),
        "entries": [asdict(e) for e in entries(report)],
    }
    try:
        # 0600: it names every host and path swept; a file replaced keeps its own mode.
        files.write_text(path, json.dumps(data, indent=2) + "\n", new_mode=0o600)
    except OSError as exc:
        raise UsageError(f"--save-baseline: {path}: cannot write: {exc.strerror or exc}") from None


def check_writable(path: str) -> None:
    """Refuse a --save-baseline path that is not a regular file or a new one, before a sweep."""
    try:
        files.check_writable(path)
    except OSError as exc:
        raise UsageError(f"--save-baseline: {path}: cannot write: {exc.strerror or exc}") from None


def refuse_other_file(path: str) -> None:
    """Before a sweep: an existing file at ``path`` that is not a baseline (nor empty) is not
    replaced; a typo must not destroy unrelated data. Told by its start, the object
    :func:`save` writes (``{"kind": "wsgi-probe-baseline", ...``), else, for a JSON object
    whose keys were reordered, by reading it whole as :func:`load` does."""
    where = f"--save-baseline {path}"
    try:
        head = files.head_bytes(path, _HEAD_BYTES)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UsageError(f"{where}: cannot tell whether it is a baseline to replace: cannot "
                         f"read: {exc.strerror or exc}") from None
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start or _BASELINE_START.match(start):
        return
    if start.startswith(b"{"):
        try:
            data = json.loads(files.read_text(path, MAX_BASELINE_BYTES))
        except (OSError, ValueError, RecursionError):
            data = None
        if isinstance(data, dict) and data.get("kind") == KIND:
            return
    raise UsageError(f"{where}: the file exists and is not a wsgi-probe baseline: not "
                     "overwritten; give another path, or remove it first")


_HEAD_BYTES = 4096
_BASELINE_START = re.compile(rb'\{\s*"kind"\s*:\s*"' + KIND.encode() + rb'"')
"""The start of what :func:`save` writes: ``{`` and ``"kind": "wsgi-probe-baseline"``."""


def load(path: str) -> Baseline:
    """The entries of a baseline file; UsageError (one line) when it is not one."""
    where = f"--baseline: {path}"
    try:
        # Cleaned as a server's answer is: a tampered file may hold lone surrogates
        # ("\\ud800" is valid JSON) that no report could encode.
        data = clean_json(json.loads(files.read_text(path, MAX_BASELINE_BYTES)))
    except OSError as exc:
        raise UsageError(f"{where}: cannot read: {exc.strerror or exc}") from None
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise UsageError(f"{where}: not JSON") from None
    schema = data.get("schema") if isinstance(data, dict) else None
    # type(): True == 1, and "schema": true is no schema number.
    if not isinstance(data, dict) or data.get("kind") != KIND or type(schema) is not int \
            or schema != SCHEMA:
        raise UsageError(f"{where}: not a wsgi-probe baseline (schema {SCHEMA})")
    found = data.get("entries")
    if not isinstance(found, list):
        raise UsageError(f"{where}: entries: must be a list")
    created = data.get("created")
    try:
        moment = datetime.fromisoformat(created) if isinstance(created, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise UsageError(f"{where}: created: must be an ISO 8601 time with an offset")
    return Baseline(moment, tuple(_entry(item, f"{where}: entries[{i}]")
                                  for i, item in enumerate(found)))


def _entry(item: object, where: str) -> Entry:
    names = [f.name for f in fields(Entry)]
    if not isinstance(item, dict) or set(item) != set(names):
        raise UsageError(f"{where}: must be an object with keys {', '.join(names)}")
    for name in names:
        value = item[name]
        if not (value is None or isinstance(value, str)) or (
            name in ("url", "verdict") and not isinstance(value, str)
        ):
            raise UsageError(f"{where}.{name}: must be a string")
    values: Mapping[str, Any] = item
    return Entry(**values)


def _place(entry: Entry) -> str:
    return f"{entry.url} at {entry.address}" if entry.address else entry.url


def _identity(entry: Entry) -> dict[str, str | None]:
    return {name: getattr(entry, name) for name in IDENTITY}


def _differences(old: Entry, new: Entry, names: Sequence[str]) -> list[str]:
    return [f"{name} {getattr(old, name)!r} -> {getattr(new, name)!r}"
            for name in names if getattr(old, name) != getattr(new, name)]


def compare(report: Report, baseline: Baseline) -> Report:
    """``report`` with a finding for each (URL, address) whose answer changed.

    A restart is told by the start time, not the instance id: a multi-process group has
    one instance id per process, and another process answering is no restart.
    """
    now = {e.key: e for e in entries(report)}
    before = _paired({e.key: e for e in baseline.entries}, now)
    findings: list[Finding] = []
    restarted: dict[str, list[Entry]] = defaultdict(list)
    servers = one_server(report.targets)
    kept: dict[str, list[Entry]] = defaultdict(list)
    for key, new in now.items():
        old = before.get(key)
        if old is None:
            findings.append(Finding(CHANGED, Status.CRITICAL, _names(new), (
                f"{_place(new)} is not in the baseline: a new address or URL "
                f"(answered by {new.instance or 'nothing'}).")))
            continue
        if old.answered and new.answered:
            fresh = new.started_after(baseline.created)
            (restarted if fresh else kept)[new.url].append(new)
        # With no endpoint answer on one side, every identity field is None: say so once.
        both = old.answered and new.answered
        changed = _differences(old, new, IDENTITY if both else ("instance", "verdict"))
        if changed:
            findings.append(Finding(CHANGED, Status.CRITICAL, _names(old, new), (
                f"{_place(new)} changed since the baseline: {'; '.join(changed)}.")))
            continue
        moved = _differences(old, new, ("code_version", "script_mtime", "started_at"))
        if moved and new.started_after(baseline.created):
            others = [a for a in servers.get(key, ()) if a != new.address]
            one = (f" The same processes answer at {and_list(others)}: one server, not two."
                   if others else "")
            findings.append(Finding(RESTARTED, Status.OK, _names(new), (
                f"{_place(new)} restarted since the baseline: {'; '.join(moved)}.{one}")))
    for key, old in before.items():
        if key not in now and any(url == old.url for url, _ in now):
            findings.append(Finding(CHANGED, Status.CRITICAL, _names(old), (
                f"{_place(old)} was in the baseline (answered by {old.instance or 'nothing'}) "
                f"and was not probed now: an address is gone.")))
    for url, stayed in kept.items():
        if restarted.get(url):
            findings += not_restarted(stayed, restarted[url], before, servers, baseline.created)
    return Report(report.targets, (*report.findings, *findings), duration_s=report.duration_s,
                  interrupted=report.interrupted)


def _paired(before: dict[tuple[str, str | None], Entry],
            now: Mapping[tuple[str, str | None], Entry]) -> dict[tuple[str, str | None], Entry]:
    """``before`` with a URL probed at one address both times keyed by today's address.

    Without a connect list the address is whichever one DNS gave: under round robin it
    changes between sweeps, and that is no change of what answers.
    """
    urls_now: dict[str, list[str | None]] = defaultdict(list)
    urls_before: dict[str, list[str | None]] = defaultdict(list)
    for url, address in now:
        urls_now[url].append(address)
    for url, address in before:
        urls_before[url].append(address)
    paired = dict(before)
    for url, [address] in ((u, a) for u, a in urls_now.items() if len(a) == 1):
        if len(urls_before.get(url, [])) == 1 and urls_before[url][0] != address:
            old = paired.pop((url, urls_before[url][0]))
            paired[(url, address)] = old
    return paired


def _names(*found: Entry) -> tuple[str, ...]:
    return tuple(dict.fromkeys(e.instance for e in found if e.instance))
