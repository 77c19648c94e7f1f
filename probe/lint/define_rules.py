"""``define_from_other_file``: a ``${VAR}`` in an included file that defines ``VAR`` for
itself nowhere before the line, where other files each ``Define`` their own ``VAR``.

httpd's ``Define`` is global and takes effect in read order: a file copied from a sibling
with its ``Define`` line dropped still expands ``${VAR}``, to the value the file read before
it set. T33 b-mass-macro: ``sites-enabled/gamma.conf:2`` (``Use DjangoSite gamma.macro.test
gamma ${GROUP}``) ran gamma in beta's daemon ("Loading WSGI script '.../gamma/wsgi.py' into
main interpreter of daemon process 'beta'"), ``GROUP`` being ``beta`` from ``beta.conf:1``;
httpd said nothing. A variable one file defines for all (``Define SITES`` in httpd.conf) is
not this: only a ``VAR`` defined in two or more files is taken as each file's own.

The lines are read from the files as written (the tree holds them expanded); where a line
stands in read order is where the directives read from it stand (a mod_macro ``Use`` line's
are those of its expanded body, named by the ``Use``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from probe.apache.config import Directive
from probe.apache.model import Site
from probe.files import read_text
from probe.lint.findings import ConfigFinding, Severity
from probe.lint.wsgi_options import walk

_USE = re.compile(r"\$\{(\w+)\}")
_DEFINE = re.compile(r"\s*Define\s+(\w+)", re.I)
_MAX_BYTES = 4 * 1024 * 1024


def define_from_other_file(site: Site) -> list[ConfigFinding]:
    """A warning at each line that uses such a ``${VAR}``, naming the ``Define`` it gets."""
    defines = [d for d in walk(site.config.directives) if d.key == "define" and d.args]
    files_defining: dict[str, set[str]] = defaultdict(set)
    for d in defines:
        files_defining[d.args[0]].add(d.file)
    shared = {var for var, files in files_defining.items() if len(files) > 1}
    if not shared:
        return []
    uses = {(file, line): vars_ for file in site.config.files[1:]
            for line, vars_ in _uses(file, shared)}
    findings: list[ConfigFinding] = []
    current: dict[str, Directive] = {}
    seen: set[tuple[str, int]] = set()
    for d in walk(site.config.directives):
        place = (d.macro.file, d.macro.line) if d.macro else (d.file, d.line)
        if place in uses and place not in seen:
            seen.add(place)
            for var in uses[place]:
                source = current.get(var)
                if source is not None and source.file != place[0]:
                    findings.append(_finding(place, var, source, files_defining[var]))
        if d.key == "define" and d.args:
            current[d.args[0]] = d
    return findings


def _uses(file: str, names: set[str]) -> Iterator[tuple[int, list[str]]]:
    """(line, variables) of each line using one of ``names`` with no Define of it earlier
    in the same file."""
    try:
        text = read_text(file, _MAX_BYTES, errors="replace")
    except OSError:
        return
    own: set[str] = set()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("#"):
            continue
        used = [v for v in dict.fromkeys(_USE.findall(line)) if v in names and v not in own]
        if used:
            yield number, used
        defined = _DEFINE.match(line)
        if defined:
            own.add(defined.group(1))


def _finding(place: tuple[str, int], var: str, source: Directive,
             files: set[str]) -> ConfigFinding:
    file, line = place
    value = source.args[1] if len(source.args) > 1 else ""
    others = sorted(f for f in files if f != file)
    return ConfigFinding(
        code="define_from_other_file",
        severity=Severity.WARNING,
        file=file,
        line=line,
        message=(
            f"${{{var}}} at {file}:{line} takes the value {value!r} of Define {var} "
            f"{value} at {source.where}, another file's: {file} defines no {var} of its own "
            f"before this line, and Define is global, in read order ({var} is defined in "
            f"{len(others)} other file(s), each for itself: {', '.join(others)})"),
        fix=(f"add 'Define {var} VALUE' to {file} before line {line}, VALUE the one meant "
             f"for this file (as {source.where} does for its own); no line read says which "
             f"value that is"),
    )
