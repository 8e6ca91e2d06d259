"""The import contracts of the repository (.importlinter, run by import-linter) and a stricter
circle check: no module reaches itself through imports, function-local imports and a package's
``__init__`` included (import-linter's acyclic_siblings only compares siblings)."""
from __future__ import annotations

import configparser
import sys
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / ".importlinter"
PACKAGES = ("regcommon", "catalog", "schedule", "auth", "booking", "tickets", "gateway")
CONTRACTS = {"domain-no-framework", "services-independent", "common-imports-no-service",
             "booking-layers", "booking-book-path-over-ports", "tickets-use-cases-over-ports",
             "auth-use-cases-over-ports", "schedule-use-cases-over-ports",
             "no-sibling-circles"}


def import_circles(graph) -> list[list[str]]:
    """The strongly connected groups of two or more modules (Tarjan's algorithm, iterative)."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    circles.append(sorted(group))
    return circles


def test_every_contract_is_configured_and_none_is_weakened():
    parser = configparser.ConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    names = {s.split(":", 2)[2] for s in parser.sections() if s.startswith("importlinter:contract:")}
    assert names == CONTRACTS
    assert set(parser["importlinter"]["root_packages"].split()) == set(PACKAGES)
    for section in parser.sections():
        assert "ignore_imports" not in parser[section], f"{section}: move the code instead"


def test_the_import_contracts_are_kept(capsys):
    code = lint_imports(config_filename=str(CONFIG), no_cache=True, no_logo=True)
    output = capsys.readouterr().out
    assert code == 0, output
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in output


def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    assert import_circles(graph) == []


def test_the_circle_check_finds_a_function_local_circle_through_a_package(tmp_path, monkeypatch):
    package = tmp_path / "circled"
    package.mkdir()
    (package / "__init__.py").write_text("def build():\n    from . import views\n")
    (package / "views.py").write_text("def page():\n    from . import helpers\n")
    (package / "helpers.py").write_text("from circled import build\n")
    (package / "alone.py").write_text("import circled.helpers\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        graph = grimp.build_graph("circled", cache_dir=None)
    finally:
        sys.modules.pop("circled", None)
    assert import_circles(graph) == [["circled", "circled.helpers", "circled.views"]]
