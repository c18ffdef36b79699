"""No import circle in the core (issue 17).

The graph is built from the source, not from ``sys.modules``: every module of ``smsbridge`` is
parsed with ``ast`` and every ``import``/``from ... import`` of an ``smsbridge`` module counts,
wherever it stands: at module level, inside a function or a method (a lazy import is still a
dependency: it runs the first time the function does), inside ``try`` or ``if``.  Imports
inside an ``if TYPE_CHECKING:`` block are left out: they never run, and only say which types a
signature names.  ``from smsbridge.x import y`` is an edge to ``smsbridge.x.y`` when that is a
module, else to ``smsbridge.x``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import smsbridge

ROOT = Path(smsbridge.__file__).resolve().parent


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if package else parts)] = (path, package)
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else ""
            if name == "TYPE_CHECKING":
                skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return skipped


def import_graph() -> dict[str, set[str]]:
    """Module → the ``smsbridge`` modules it imports (at any level, ``TYPE_CHECKING`` blocks left out)."""
    modules = _modules()

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, (path, package) in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        skipped = _type_checking_only(tree)
        here = name if package else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            targets: list[str | None] = []
            if isinstance(node, ast.Import):
                targets = [known(a.name) for a in node.names if a.name.split(".")[0] == "smsbridge"]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = here.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                if base.split(".")[0] != "smsbridge":
                    continue
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else known(base) for a in node.names]
            edges.update(t for t in targets if t is not None and t != name)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One shortest circle through each strongly connected group of modules (Tarjan, then BFS)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    found = []
    for group in groups:
        start = min(group)
        paths = {start: [start]}
        queue = [start]
        circle: list[str] = []
        while queue and not circle:
            v = queue.pop(0)
            for w in sorted(graph[v] & group):
                if w == start:
                    circle = [*paths[v], start]
                    break
                if w not in paths:
                    paths[w] = [*paths[v], w]
                    queue.append(w)
        found.append(circle)
    return found


def test_the_graph_sees_function_level_imports() -> None:
    graph = import_graph()
    # smsbridge.account imports the ledger's single sends only inside a function of the engine
    assert "smsbridge.ledger.sends" in graph["smsbridge.sending"]
    assert "smsbridge.ledger.runner" in graph["smsbridge.sending"]
    # and a TYPE_CHECKING import is not an edge: the engine names Account in signatures only
    assert "smsbridge.account" not in graph["smsbridge.sending"]


def test_the_cycle_finder_finds_a_planted_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]


def test_no_import_circle_in_the_core() -> None:
    found = cycles(import_graph())
    shown = "\n".join(" -> ".join(circle) for circle in found)
    assert not found, f"import circles in smsbridge (function-level imports count):\n{shown}"
