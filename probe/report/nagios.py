"""Monitoring Plugin output: one status line, perfdata after ``|``, then long output.

The format follows the Monitoring Plugins Development Guidelines
(https://www.monitoring-plugins.org/doc/guidelines.html and the newer
monitoring-plugin-guidelines "Output" chapter):

- first line ``WSGI-PROBE <STATE> - <summary> | <perfdata>``: Nagios only pages
  with the first line, so it carries the verdict and the worst offenders;
- perfdata ``'label'=value[UOM];[warn];[crit];[min];[max]``, space separated.
  A label may contain neither ``'`` nor ``=`` (newer guidelines), so those are
  replaced; labels are always quoted; they are unique in their first 19
  characters (the RRD limit the guidelines mention) and depend on their URL
  alone (see :func:`url_labels`);
- every later line is long output, shown in the UI but not paged.

Everything here is pure formatting of plain values, so it is tested with literals.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from probe.check.status_line import PLUGIN_NAME as PLUGIN_NAME
from probe.check.status_line import clean_text as clean_text
from probe.check.status_line import status_line
from probe.exits import PLUGIN_EXIT
from probe.manifest import normal_url
from probe.model import Cause, Status, TargetResult, Verdict
from probe.safe_text import encodable
from probe.urls import public_url

LABEL_UNIQUE_CHARS = 19
"""RRD-based graphers (PNP4Nagios, ...) cut labels at 19 characters."""

ROUTING_VERDICTS = frozenset({
    Verdict.WRONG_INSTANCE,
    Verdict.SERVED_UNMAPPED,
    Verdict.SETTINGS_MISMATCH,
    Verdict.INCONSISTENT,
})
"""Verdicts where a request reached the wrong code, as opposed to reaching nothing."""


@dataclass(frozen=True)
class Perfdatum:
    """One ``'label'=value[UOM];warn;crit;min;max`` item.

    ``value`` None is written as ``U`` ("could not be determined", allowed by
    the guidelines); then no UOM is written, since ``Us`` is misparsed by some
    consumers.
    """

    label: str
    value: float | None
    uom: str = ""
    warn: str = ""
    crit: str = ""
    min: float | None = None
    max: float | None = None

    def format(self) -> str:
        value = "U" if self.value is None else format_number(self.value) + self.uom
        fields = [
            f"'{clean_label(self.label)}'={value}",
            self.warn,
            self.crit,
            "" if self.min is None else format_number(self.min),
            "" if self.max is None else format_number(self.max),
        ]
        while fields[-1] == "":  # the guidelines allow dropping trailing empty fields
            fields.pop()
        return ";".join(fields)


@dataclass(frozen=True)
class PluginOutput:
    """What a plugin run says: the state, the summary, perfdata and long output."""

    status: Status
    summary: str
    perfdata: Sequence[Perfdatum] = ()
    long_output: Sequence[str] = field(default_factory=tuple)

    @property
    def exit_code(self) -> int:
        return PLUGIN_EXIT[self.status.value]


def render(output: PluginOutput) -> str:
    """The complete plugin output, newline terminated."""
    first = status_line(output.status.value, output.summary)
    if output.perfdata:
        first += " | " + " ".join(p.format() for p in output.perfdata)
    lines = [first, *(clean_text(line) for line in output.long_output)]
    return "\n".join(lines) + "\n"


def format_number(value: float) -> str:
    """Plain decimal, never scientific notation (some parsers cannot read ``1e-05``)."""
    if not math.isfinite(value):
        raise ValueError(f"perfdata value must be finite, not {value!r}")
    if float(value).is_integer():
        return str(int(value))
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def clean_label(label: str) -> str:
    """A label without the characters perfdata cannot carry (``'``, ``=``, control chars)."""
    if label.isascii() and label.isprintable() and "'" not in label and "=" not in label:
        return label or "_"  # what the substitutions below leave of it, without compiling them
    label = re.sub(r"['=]", "_", label)
    label = re.sub(r"[\x00-\x1f\x7f]", "", encodable(label))
    return label or "_"


def display_url(url: str) -> str:
    """``host[:port]/path`` without scheme or credentials: short, and safe to show."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port else host
    return netloc + (parts.path or "/")


HASH_WIDTH = 8
"""Hex digits of the hash in front of a long URL label: 32 bits, so two URLs of one
manifest share it about once in a billion manifests of a hundred long URLs."""


def url_labels(urls: Iterable[str], reserved: Iterable[str] = ()) -> dict[str, str]:
    """A perfdata label per URL, unique in its first 19 characters, and stable.

    An ``http`` URL whose ``host/path`` fits in 19 characters is labelled just
    that (``site-1.example.com/``). Every other URL (longer, or ``https``, which
    would otherwise look like its ``http`` twin) is ``HASH~host/path``: 8 hex
    digits of a hash of the URL (scheme, lower-case host, port and path; a
    trailing slash and credentials left out), then its ``host/path`` in full
    (``1a2b3c4d~site-1.example.com/suburl/``). A label so depends on its URL
    alone: adding or removing other URLs never changes it, which keeps graph
    history continuous. Only if two hashes clash (or a label would equal a
    ``reserved`` one) do the URLs concerned get a longer hash.
    """
    urls = list(dict.fromkeys(urls))
    taken = {clean_label(r)[:LABEL_UNIQUE_CHARS] for r in reserved}
    levels = dict.fromkeys(urls, 0)  # an index into _LABEL_STAGES, raised on a clash
    while True:
        labels = {url: _url_label(url, *_LABEL_STAGES[levels[url]]) for url in urls}
        keys = Counter(label[:LABEL_UNIQUE_CHARS] for label in labels.values())
        clashing = [url for url in urls if keys[labels[url][:LABEL_UNIQUE_CHARS]] > 1
                    or labels[url][:LABEL_UNIQUE_CHARS] in taken]
        if not clashing:
            return labels
        for url in clashing:
            levels[url] += 1
            if levels[url] == len(_LABEL_STAGES):  # pragma: no cover - 76-bit hashes differ
                raise AssertionError(f"no unique perfdata label for {url!r}")


_LABEL_STAGES: list[tuple[bool, int]] = [
    (True, HASH_WIDTH),  # the plain label where the URL allows one
    *((False, width) for width in range(HASH_WIDTH, LABEL_UNIQUE_CHARS, 2)),
    (False, LABEL_UNIQUE_CHARS),
    (False, -LABEL_UNIQUE_CHARS),  # two spellings of one URL: hash the spelling
]
"""(plain label allowed, hash width; negative: hash the URL as written, not normalised)."""


def fleet_key(url: str, address: str | None) -> str:
    """The perfdata label source of a URL probed at one of several addresses.

    The address rides in the path (``http://h/p/@10.0.0.1:80``), so the label of each
    (URL, address) is made, shortened and hashed like a URL's and stays stable.
    """
    return f"{url.rstrip('/')}/@{address or 'dns'}"


def _url_label(url: str, plain: bool, width: int) -> str:
    shown = clean_label(display_url(url))
    if plain and urlsplit(url).scheme == "http" and len(shown) <= LABEL_UNIQUE_CHARS:
        return shown
    source = normal_url(url) if width > 0 else url
    import hashlib  # only for long URLs: not with every check's start-up

    digest = hashlib.sha1(source.encode("utf-8"), usedforsecurity=False).hexdigest()
    return f"{digest[:abs(width)]}~{shown}"


def answered_by(target: TargetResult) -> str:
    """Who answered, in words: the instance name, else the endpoint's label."""
    if target.answered_by:
        return target.answered_by
    if target.observed is not None:
        label = target.observed.label
        if label:
            return f"label {label}"
    return "another instance"


def problem_phrase(target: TargetResult, *, at_address: bool = False) -> str:
    """A few words for the status line: ``site-1.example.com/suburl/ answered by project-1``;
    ``at_address`` (a URL probed at several addresses) adds where: ``... at 10.0.0.2:80``."""
    where = display_url(target.url)
    if at_address and target.address:
        where += f" at {target.address}"
    verdict = target.verdict
    if verdict is Verdict.WRONG_INSTANCE:
        phrase = f"{where} answered by {answered_by(target)}"
    elif verdict is Verdict.SERVED_UNMAPPED:
        phrase = f"{where} served by {answered_by(target)} instead of refused"
    elif verdict is Verdict.SETTINGS_MISMATCH:
        settings = file = None
        if target.observed is not None:
            settings, file = target.observed.settings, target.observed.settings_file
        # settings_path: the module's name is the expected one; the file is another's
        phrase = (f"{where} runs another instance's settings file {file}"
                  if target.cause is Cause.SETTINGS_PATH and file else
                  f"{where} runs settings {settings or 'unknown'}")
    elif verdict is Verdict.INCONSISTENT:
        phrase = f"{where} answered inconsistently"
    elif verdict is Verdict.NO_ENDPOINT:
        code = f" (HTTP {target.status_code})" if target.status_code else ""
        phrase = f"{where} has no probe endpoint{code}"
    elif verdict is Verdict.HTTP_ERROR:
        phrase = f"{where} HTTP {target.status_code or 'error'}"
    elif verdict is Verdict.UNREACHABLE:
        phrase = f"{where} unreachable"
    elif verdict is Verdict.STALE:
        phrase = f"{where} served by stale {answered_by(target)}"
    elif verdict is not Verdict.OK:
        phrase = f"{where} {verdict.value.replace('_', ' ')}"
    else:
        phrase = f"{where} ok"
    if target.cause_text is not None:
        phrase += f" ({target.cause_text})"
    return phrase


def target_line(target: TargetResult, *, prefix: str, with_fix: bool) -> str:
    """One long-output line for a URL: ``prefix: URL verdict (details): explanation``."""
    expected = {None: "refused", "*": "any instance"}.get(target.expected, target.expected)
    details = [f"expected {expected}"]
    if target.observed is not None or target.answered_by:
        details.append(f"answered by {answered_by(target)}")
    if target.address:
        details.append(f"at {target.address}")
    if target.status_code is not None:
        details.append(f"HTTP {target.status_code}")
    if target.cause_text is not None:
        details.append(f"cause {target.cause_text}" if target.cause else target.cause_text)
    line = f"{prefix}: {public_url(target.url)} {target.verdict.value} ({', '.join(details)})"
    if target.explanation:
        line += f": {target.explanation}"
    if with_fix and target.fix:
        line += f" Fix: {target.fix}"
    return line
