"""The import graph of the four packages: imports point one way (server -> realtime -> analyzers; everyone may
import rooms, the shared model, which imports none of them) and no module imports itself back through others.

Imports made only for type checking (under `if TYPE_CHECKING:`) do not count: they never run. Imports inside
functions do count: a lazy import is still a dependency, and hiding a cycle that way is what this test is for.
Run this file as a script to print the graph: `.venv/bin/python tests/unit/test_import_graph.py`.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("server", "realtime", "analyzers", "rooms")
# What each package may import besides itself.
ALLOWED = {
    "server": {"realtime", "analyzers", "rooms"},
    "realtime": {"analyzers", "rooms"},
    "analyzers": {"rooms"},
    "rooms": set(),
}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str) -> set[str]:
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports."""
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts): path
        for package in PACKAGES
        for path in sorted((ROOT / package).glob("*.py"))
        if path.name != "__init__.py"
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        imported = _imports(ast.parse(path.read_text()), name)
        graph[name] = {m for m in imported if m in modules and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10_000)

    def connect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def wrong_way(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{a} -> {b}"
        for a, targets in graph.items()
        for b in targets
        if b.split(".")[0] != a.split(".")[0] and b.split(".")[0] not in ALLOWED[a.split(".")[0]]
    )


def test_imports_point_one_way() -> None:
    assert wrong_way(import_graph()) == []


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def main() -> None:
    graph = import_graph()
    packages = {
        p: {q for m, ts in graph.items() if m.startswith(p + ".") for q in {t.split(".")[0] for t in ts}} - {p}
        for p in PACKAGES
    }
    print("package imports:", {p: sorted(q) for p, q in packages.items()})
    print(f"modules: {len(graph)}, import edges: {sum(len(t) for t in graph.values())}")
    print("cycles:", cycles(graph) or "none")
    print("imports against the direction:", wrong_way(graph) or "none")
    if "--edges" in sys.argv:
        for module in sorted(graph):
            print(f"  {module} -> {', '.join(sorted(graph[module])) or '-'}")


if __name__ == "__main__":
    main()
