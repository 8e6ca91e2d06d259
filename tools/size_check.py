"""Modules over 300 lines and functions over 60 in the services and the gateway.

``python tools/size_check.py`` prints one line per offender and exits 1 when there is any.
Migrations, benchmarks (``bench_*.py``) and the tools are outside the rule.
"""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCOPES = ("services", "gateway")
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


@dataclass(frozen=True)
class Offender:
    path: str
    name: str  # "" for the module itself
    lines: int
    limit: int

    def __str__(self) -> str:
        what = f"{self.path}:{self.name}" if self.name else self.path
        return f"{what}: {self.lines} lines (limit {self.limit})"


def in_scope(path: Path) -> bool:
    parts = path.parts
    return ("migrations" not in parts and not path.name.startswith("bench_")
            and ".venv" not in parts and "build" not in parts)


def source_files(root: Path = ROOT) -> list[Path]:
    return sorted(p for scope in SCOPES for p in (root / scope).rglob("*.py")
                  if in_scope(p.relative_to(root)))


def functions(tree: ast.AST, prefix: str = ""):
    """(qualified name, line count) of every function, methods and nested functions included;
    a function's lines run from its first decorator to its last line."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            yield f"{prefix}{node.name}", node.end_lineno - first + 1
            yield from functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from functions(node, f"{prefix}{node.name}.")
        else:
            yield from functions(node, prefix)


def offenders_in(path: Path, shown: str) -> list[Offender]:
    text = path.read_text(encoding="utf-8")
    found = []
    count = len(text.splitlines())
    if count > MAX_MODULE_LINES:
        found.append(Offender(shown, "", count, MAX_MODULE_LINES))
    for name, lines in functions(ast.parse(text, filename=str(path))):
        if lines > MAX_FUNCTION_LINES:
            found.append(Offender(shown, name, lines, MAX_FUNCTION_LINES))
    return found


def offenders(root: Path = ROOT) -> list[Offender]:
    return [o for p in source_files(root) for o in offenders_in(p, str(p.relative_to(root)))]


def main() -> int:
    found = offenders()
    for offender in found:
        print(offender)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
