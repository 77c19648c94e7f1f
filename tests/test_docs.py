"""docs/ and the code say the same: every verdict, cause, finding code, lint rule, metric,
manifest key and command-line option the code has is documented, and nothing documented is
missing from the code. Every list is read from the code itself (enums, the manifest
parser's own error message, the click and argparse parsers, a collector run, the calls that
make findings), so a new one fails here until it is documented, with a message saying
what to add where. And no file of the repository points outside it."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.registry import Collector

from probe import manifest
from probe.check import args as check_args
from probe.cli import main
from probe.endpoint_answer import EndpointAnswer
from probe.errors import ManifestError
from probe.exporter.command import process_collectors
from probe.exporter.metrics import (
    ProbeCollector,
    SweepCollector,
    SweepCounters,
    SweepSnapshot,
)
from probe.lint import sarif
from probe.model import Cause, Finding, Report, Status, TargetResult, Verdict
from tests.test_diagnose import ep

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"


# --- reading the documented lists -------------------------------------------------------------


def section(doc: str, heading: str) -> str:
    """The text under ``## heading`` in docs/``doc``, up to the next ``## ``."""
    text = (DOCS / doc).read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/{doc} has no '## {heading}' section: tests/test_docs.py reads it"
    return match.group(1)


def rows(doc: str, heading: str) -> list[list[str]]:
    """The cells of each body row of the tables in a section (headers and rules left out)."""
    found: list[list[str]] = []
    for line in section(doc, heading).splitlines():
        if not line.startswith("|"):
            continue
        if re.fullmatch(r"\|[-| ]+\|", line.strip()):
            found.pop()  # the row above a rule is the table's header
            continue
        found.append([c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
    return found


def first_column(doc: str, heading: str) -> dict[str, list[str]]:
    """Each backticked name in the first column of a section's tables -> its row's cells."""
    names: dict[str, list[str]] = {}
    for cells in rows(doc, heading):
        for name in re.findall(r"`([^`]+)`", cells[0]):
            names[name] = cells
    return names


def compare(kind: str, in_code: set[str], documented: set[str], where: str, row: str) -> None:
    missing = sorted(in_code - documented)
    extra = sorted(documented - in_code)
    messages = [f"{kind} {name!r} is in the code but not in {where}: add a row "
                f"{row.format(name=name)}" for name in missing]
    messages += [f"{where} documents {kind} {name!r}, which the code does not have: remove "
                 f"its row (or add it to the code)" for name in extra]
    assert not messages, "\n".join(messages)


# --- verdicts, causes, findings ---------------------------------------------------------------


def test_every_verdict_is_documented() -> None:
    compare("verdict", {v.value for v in Verdict}, set(first_column("verdicts.md", "Verdicts")),
            "the '## Verdicts' table of docs/verdicts.md",
            "| `{name}` | when | how it is told apart | causes |")


def test_every_cause_is_documented() -> None:
    compare("cause", {c.value for c in Cause}, set(first_column("verdicts.md", "Causes")),
            "the '## Causes' table of docs/verdicts.md", "| `{name}` | verdicts | evidence |")


def test_the_causes_named_for_each_verdict_exist() -> None:
    causes = {c.value for c in Cause}
    for verdict, cells in first_column("verdicts.md", "Verdicts").items():
        named = set(re.findall(r"`([^`]+)`", cells[-1]))
        assert named <= causes, f"docs/verdicts.md: {verdict}'s causes {named - causes} " \
                                f"are not causes in probe.model.Cause"


def calls_of(function: str, package: Path) -> Iterator[tuple[Path, ast.Call]]:
    for path in [package] if package.is_file() else sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            called = node.func
            # ``ConfigFinding.at(...)``: a constructor of the class is the class's call
            constructor = isinstance(called, ast.Attribute) and called.attr == "at" \
                and isinstance(called.value, ast.Name) and called.value.id == function
            if constructor or (isinstance(called, ast.Name) and called.id == function):
                yield path, node


def codes_made_by(function: str, package: Path = REPO / "probe") -> set[str]:
    """The ``code`` of every ``function(...)`` call in probe/: a literal, a constant of the
    module that makes it, or the parameter of a helper of that module that passes its own
    ``code`` on (then the codes of the helper's calls in that module)."""
    codes: set[str] = set()
    for path, call in calls_of(function, package):
        given = next((k.value for k in call.keywords if k.arg == "code"),
                     call.args[0] if call.args else None)
        where = f"{path.relative_to(REPO)}:{call.lineno}"
        if isinstance(given, ast.Constant) and isinstance(given.value, str):
            codes.add(given.value)
        elif isinstance(given, ast.Name) and (helper := _passing_on(path, call, given.id)):
            codes |= codes_made_by(helper, path)
        elif isinstance(given, ast.Name | ast.Attribute):
            value = _constant(path, given)
            assert isinstance(value, str), where
            codes.add(value)
        else:
            pytest.fail(f"{where}: {function}'s code is neither a string nor a module "
                        f"constant, so tests/test_docs.py cannot read it: name it")
    return codes


def _passing_on(path: Path, call: ast.Call, name: str) -> str | None:
    """The function of ``path`` that makes ``call`` with its own parameter ``name``, if any."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef) \
                and name in {a.arg for a in (*node.args.posonlyargs, *node.args.args,
                                             *node.args.kwonlyargs)} \
                and any(isinstance(n, ast.Call) and n.lineno == call.lineno
                        and n.col_offset == call.col_offset for n in ast.walk(node)):
            return node.name
    return None


def _constant(path: Path, node: ast.Name | ast.Attribute) -> object:
    """The value of a module constant named in ``path``: ``NAME`` or ``module.NAME``, from the
    module's globals or from an import inside a function."""
    parts = path.relative_to(REPO).with_suffix("").parts
    module = importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def named(name: str) -> object:
        if hasattr(module, name):
            return getattr(module, name)
        for found in ast.walk(tree):
            if isinstance(found, ast.ImportFrom) and found.module:
                for alias in found.names:
                    if (alias.asname or alias.name) == name:
                        source = importlib.import_module(found.module)
                        return getattr(source, alias.name, None) or importlib.import_module(
                            f"{found.module}.{alias.name}")
        raise AssertionError(f"{path}: cannot find {name}")

    if isinstance(node, ast.Name):
        return named(node.id)
    assert isinstance(node.value, ast.Name), ast.dump(node)
    return getattr(named(node.value.id), node.attr)


def test_every_finding_of_a_sweep_is_documented() -> None:
    compare("finding code", codes_made_by("Finding"),
            set(first_column("verdicts.md", "Findings")),
            "the '## Findings' table of docs/verdicts.md", "| `{name}` | severity | when |")


def test_every_lint_finding_is_documented() -> None:
    documented = {name for heading in re.findall(r"^### (.*)$", section("lint.md", "The rules"),
                                                 re.M)
                  for name in re.findall(r"`([^`]+)`", heading)}
    compare("lint finding code", codes_made_by("ConfigFinding"), documented,
            "the '## The rules' section of docs/lint.md",
            "### `{name}` (severity), with what it means and an example")


def test_every_lint_finding_has_a_sarif_description() -> None:
    compare("lint finding code", codes_made_by("ConfigFinding"), set(sarif._HELP),
            "probe/lint/sarif.py's _HELP", '"{name}": "a one-line description",')


# --- metrics ----------------------------------------------------------------------------------


def exposition(collector: Collector) -> dict[str, set[str]]:
    """Each sample name a collector exposes -> its label names."""
    registry = CollectorRegistry()
    registry.register(collector)
    found: dict[str, set[str]] = {}
    for line in generate_latest(registry).decode().splitlines():
        if line.startswith("#") or not line:
            continue
        name, _, rest = line.partition("{")
        name = name.split(" ")[0]
        labels = set(re.findall(r'(\w+)="', rest.rpartition("}")[0])) if rest else set()
        found.setdefault(name, set()).update(labels)
    return found


def every_metric() -> dict[str, set[str]]:
    """Everything /metrics and /probe serve, for a sweep with an answer and a finding."""
    answer = EndpointAnswer.from_json(ep("project-1", host="site-1.example.com"))
    target = TargetResult("http://site-1.example.com/", "project-1", Verdict.WRONG_INSTANCE,
                          Cause.ALIAS_ORDER, "explained", "fix", answer, 200, 3, 4.0,
                          address="127.0.0.1:80")
    finding = Finding("embedded_shared_process", Status.WARNING, ("a", "b"), "explained")
    report = Report((target,), (finding,), duration_s=0.5)
    snapshot = SweepSnapshot(SweepCounters(3, 1), report, finished_at=1.0e9)
    metrics = exposition(SweepCollector(snapshot))
    for collector in (ProbeCollector([target], 0.5), *process_collectors()):
        for name, labels in exposition(collector).items():
            metrics.setdefault(name, set()).update(labels)
    return metrics


def test_every_metric_and_label_is_documented() -> None:
    metrics = every_metric()
    documented = first_column("monitoring.md", "Metrics")
    compare("metric", set(metrics), set(documented), "the '## Metrics' table of "
            "docs/monitoring.md", "| `{name}` | type | labels | meaning |")
    for name, labels in metrics.items():
        listed = set(re.findall(r"`([^`]+)`", documented[name][2]))
        assert listed == labels, (
            f"docs/monitoring.md: the labels of {name} are {sorted(labels)} in the code, "
            f"{sorted(listed)} in its row's labels column: make them the same")


# --- the manifest's keys ----------------------------------------------------------------------


def accepted_keys(where: str, text: str) -> set[str]:
    """The keys the manifest parser accepts at ``where``, from its own error message."""
    with pytest.raises(ManifestError) as error:
        manifest.parse(text)
    listed = re.search(r"unknown key \(expected one of: (.*)\)", str(error.value))
    assert listed, f"{where}: {error.value}"
    return set(listed.group(1).split(", "))


def test_every_manifest_key_is_documented() -> None:
    refuse = '[refuse]\nurls = ["http://a.example/"]\n'
    in_code = {f"[probe] {k}" for k in accepted_keys("[probe]", "[probe]\nx_x = 1\n" + refuse)}
    instance = '[instances.a]\nurls = ["http://b.example/"]\nx_x = 1\n'
    in_code |= {f"[instances.NAME] {k}" for k in accepted_keys("instance", instance)}
    in_code |= {f"[refuse] {k}" for k in accepted_keys("[refuse]", refuse + "x_x = 1\n")}
    tables = accepted_keys("top level", "x_x = 1\n")
    assert tables == {"probe", "instances", "refuse"}, f"new manifest tables: {tables}"
    compare("manifest key", in_code, set(first_column("manifest.md", "Keys")),
            "the '## Keys' table of docs/manifest.md", "| `{name}` | type, default | meaning |")


# --- options ----------------------------------------------------------------------------------


HELP = {"-h", "--help"}


def options_in_code() -> dict[str, set[str]]:
    """Each command -> every option string it takes (help left out: every command has it)."""
    commands: dict[str, set[str]] = {}
    for name, command in main.commands.items():
        if name == "check":  # forwarded to its own argparse parser
            actions = check_args.parser()._actions
            commands[name] = {o for a in actions for o in a.option_strings} - HELP
            continue
        commands[name] = {o for p in command.params if isinstance(p, click.Option)
                          for o in (*p.opts, *p.secondary_opts)} - HELP
    return commands


def documented_options() -> dict[str, set[str]]:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    commands = re.findall(r"^## probe (\S+)$", text, re.M)
    return {name: {piece.split()[0] for cells in rows("cli.md", f"probe {name}")
                   for piece in re.findall(r"`(-[^`]+)`", cells[0])}
            for name in commands}


def test_every_command_and_option_is_documented() -> None:
    code, docs = options_in_code(), documented_options()
    compare("command", set(code), set(docs), "docs/cli.md", "## probe {name} with its table")
    for name in code:
        compare(f"probe {name} option", code[name], docs[name],
                f"the table under '## probe {name}' in docs/cli.md",
                "| `{name}` (and its value, e.g. `FILE`, if it takes one) | what it does |")


# --- the documented lists can fail ------------------------------------------------------------


def test_a_missing_row_is_reported_with_what_to_add() -> None:
    with pytest.raises(AssertionError, match=r"cause 'new_cause' is in the code but not in "
                       r"the '## Causes' table of docs/verdicts.md: add a row \| `new_cause`"):
        compare("cause", {c.value for c in Cause} | {"new_cause"},
                set(first_column("verdicts.md", "Causes")),
                "the '## Causes' table of docs/verdicts.md", "| `{name}` | verdicts | evidence |")


# --- nothing points outside the repository ----------------------------------------------------


OUTSIDE = ("shared/" + "contract", "contract " + "section", "../" + "shared")
"""Written in pieces so that this file does not match itself."""


def repository_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=REPO, capture_output=True, check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: the repository's files are not known")
    return [REPO / n for n in listed.stdout.decode().split("\0") if n and (REPO / n).is_file()]


def test_no_file_refers_outside_the_repository() -> None:
    found = []
    for path in repository_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            found += [f"{path.relative_to(REPO)}:{number}: {phrase!r}" for phrase in OUTSIDE
                      if phrase in line.lower()]
    assert not found, ("these lines point to a file outside the repository; say it in the "
                       "project's own words or link docs/ instead:\n" + "\n".join(found))


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces -> -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_links_between_documents_resolve() -> None:
    broken = []
    for doc in [REPO / "README.md", *sorted(DOCS.glob("*.md"))]:
        for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([^)]*))?\)", doc.read_text("utf-8")):
            if "://" in target:
                continue
            linked = (doc.parent / target) if target else doc
            if not linked.exists():
                broken.append(f"{doc.relative_to(REPO)}: {target}")
            elif anchor and linked.suffix == ".md":
                headings = re.findall(r"^#+ (.*)$", linked.read_text("utf-8"), re.M)
                if anchor not in {slug(h) for h in headings}:
                    broken.append(f"{doc.relative_to(REPO)}: {target}#{anchor}")
    assert not broken, "links to files or headings that do not exist:\n" + "\n".join(broken)


def test_the_layout_lists_every_module_and_nothing_gone() -> None:
    block = section("architecture.md", "Layout").split("```")[1]
    listed: set[str] = set()
    package = ""
    for line in block.splitlines():
        path = line.split(" ")[0] if line and not line.startswith(" ") else ""
        if path:
            listed.add(path.rstrip("/"))
            package = path if path.endswith("/") else ""
        elif package and re.match(r"  \w+\.py ", line):
            listed.add(package + line.split()[0])
    gone = sorted(p for p in listed if not (REPO / p).exists())
    assert not gone, f"docs/architecture.md's layout lists what does not exist: {gone}"
    probe = REPO / "probe"
    present = {f"probe/{p.name}" for p in probe.iterdir()
               if (p.suffix == ".py" and not p.name.startswith("__"))
               or (p / "__init__.py").exists()}
    missing = sorted(present - listed)
    assert not missing, f"add these to the layout in docs/architecture.md: {missing}"
