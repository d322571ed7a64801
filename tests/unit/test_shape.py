"""The shape of the code, as docs/DEVELOPING.md describes it: no import circle in
`consult/`, no module over 500 lines (generated migrations aside), no function over 60
lines, and the pure rule modules import only the standard library and each other."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "consult"

# Modules that hold rules: standard library only, or another module of this list.
PURE = {
    "consult.messages", "consult.roles", "consult.fields", "consult.numbers", "consult.accounts.common_passwords",
    "consult.voting.election", "consult.voting.majority", "consult.voting.shares_instance", "consult.voting.shares_run",
    "consult.places.tree", "consult.workorders.calendar", "consult.places.settings", "consult.voting.paper",
}
PURE_SUFFIXES = (".lifecycle", ".forms", ".evaluation", ".labels", ".domain", ".counting", ".equal_shares")


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        if "piccolo_migrations" in path.parts:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Every module of ours that `name` imports, at any depth of the file (a function-level
    import is an arrow too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _circles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return circles


def test_the_graph_sees_a_known_arrow():
    # the test below can only fail if arrows are found at all
    assert "consult.messages" in GRAPH["consult.roles"]


def test_no_import_circle():
    assert _circles() == []


def test_a_circle_would_be_found(monkeypatch):
    monkeypatch.setitem(GRAPH, "consult.messages", GRAPH["consult.messages"] | {"consult.roles"})
    assert ["consult.messages", "consult.roles"] in _circles()


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_under_500_lines(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= 500, f"{name}: {lines} lines"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_function_over_60_lines(name):
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 60
    ]
    assert long == []


def _is_pure(name: str) -> bool:
    return name in PURE or (name.endswith(PURE_SUFFIXES) and not name.startswith("consult.web."))


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _is_pure(n)))
def test_rule_modules_import_only_the_standard_library(name):
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    outside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            tops = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level:
            tops = {(node.module or "").split(".")[0]}
        else:
            continue
        outside |= tops - set(sys.stdlib_module_names) - {"__future__", "consult"}
    assert outside == set()
    impure = {m for m in GRAPH[name] if not _is_pure(m)}
    assert impure == set(), f"{name} imports modules that are not pure: {impure}"
