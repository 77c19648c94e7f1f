"""The house rules of the package, checked on every run (scripts/import-graph prints them):
no import circles, no relative imports, no module over 300 lines without a reason in its
docstring, and the Apache configuration model in probe/apache/, not inside lint."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _graph_tool() -> ModuleType:
    script = str(ROOT / "scripts/import-graph")
    loader = importlib.machinery.SourceFileLoader("import_graph", script)
    spec = importlib.util.spec_from_loader("import_graph", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["import_graph"] = module
    loader.exec_module(module)
    return module


graph_tool = _graph_tool()


def test_no_import_circles() -> None:
    assert graph_tool.circles(graph_tool.graph()) == []


def test_the_circle_finder_finds_a_circle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert graph_tool.circles(edges) == [["a", "b", "c"]]


def test_a_lazy_import_is_an_edge(tmp_path: Path) -> None:
    # entry -> cli -> check_args -> entry was a circle made of an import inside a function
    pkg = tmp_path / "probe"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f() -> None:\n    from probe import b\n")
    (pkg / "b.py").write_text("from probe.a import f\n")
    assert graph_tool.circles(graph_tool.graph(tmp_path)) == [["probe.a", "probe.b"]]


def test_no_relative_imports() -> None:
    relative = [f"{path}:{node.lineno}" for path in graph_tool.modules().values()
                for node in ast.walk(ast.parse(path.read_text()))
                if isinstance(node, ast.ImportFrom) and node.level]
    assert relative == []


def test_long_modules_say_why() -> None:
    assert graph_tool.long_modules() == []


def test_the_apache_model_lives_in_its_own_package() -> None:
    edges = graph_tool.graph()
    from_lint = {(v, w) for v, ws in edges.items() if not v.startswith("probe.lint")
                 for w in ws if w.startswith("probe.lint")}
    # only the lint command, and the one module that joins a configuration with lint's
    # findings for the diagnosis (sweep, check and exporter all build it there)
    assert {v for v, _ in from_lint} <= {"probe.commands.configuration", "probe.front_config"}
    model_in_lint = {v for v in edges if v.startswith("probe.lint.")
                     and v.rsplit(".", 1)[1] in {"model", "apache_config", "sections",
                                                  "handlers", "addresses", "config_text"}}
    assert model_in_lint == set()
