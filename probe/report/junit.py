"""``--format junit``: one testcase per URL, for CI systems that read JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

from probe.addresses import is_fleet
from probe.model import Report, Status
from probe.safe_text import xml_text


def _element(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """A child element whose text and attributes XML 1.0 can carry, whatever they hold."""
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def render(report: Report) -> str:
    problems = report.problems
    # A critical finding fails the sweep (exit 1), so it fails its testcase too.
    critical = [f for f in report.findings if f.severity is Status.CRITICAL]
    suite = ET.Element(
        "testsuite",
        name="wsgi-probe",
        tests=str(len(report.targets) + len(report.findings)),
        failures=str(len(problems) + len(critical)),
        errors="0",
        skipped="0",
        time=f"{report.duration_s:.3f}",
    )
    # A URL probed at several addresses is one test case per address; a lone URL keeps its
    # plain name, so a CI history of one-address sweeps stays continuous.
    fleet = is_fleet((t.url, t.address) for t in report.targets)
    for target in report.targets:
        case = _element(
            suite,
            "testcase",
            classname=f"wsgi-probe.{target.expected or 'refuse'}",
            name=f"{target.url} @ {target.address}" if target.url in fleet else target.url,
            time=f"{target.elapsed_ms / 1000:.3f}",
        )
        if not target.ok:
            cause = f" ({target.cause_text})" if target.cause_text else ""
            _element(case, "failure", f"{target.explanation}\nFix: {target.fix}".strip(),
                     type=target.verdict.value, message=f"{target.verdict.value}{cause}")
        else:
            _element(case, "system-out", target.explanation)
    seen: Counter[str] = Counter()
    for finding in report.findings:
        # A fleet has one finding of a code per URL and address: CI tools merge equal names.
        seen[finding.code] += 1
        name = finding.code if seen[finding.code] == 1 else f"{finding.code} #{seen[finding.code]}"
        case = _element(suite, "testcase", classname="wsgi-probe.findings", name=name)
        if finding.severity is Status.CRITICAL:
            _element(case, "failure", finding.explanation, type=finding.code,
                     message=f"{finding.code} ({', '.join(finding.instances)})")
        else:
            _element(case, "system-out", f"{finding.severity.value}: {finding.explanation}")
    ET.indent(suite)
    body = ET.tostring(suite, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
