"""The package's modules import one another without cycles: what a module imports at its top
(``TYPE_CHECKING`` imports included) never leads back to it. Imports inside a function (the
command line loading Qt only when the window is wanted) are not counted."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _top_level_imports(tree: ast.Module) -> set[str]:
    """Modules named by the import statements outside any function or class body."""
    names: set[str] = set()
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, (ast.If, ast.Try)):  # `if TYPE_CHECKING:`, `try: import …`
            pending += [*node.body, *node.orelse, *getattr(node, "finalbody", []), *getattr(node, "handlers", [])]
        elif isinstance(node, ast.ExceptHandler):
            pending += node.body
    return names


def import_graph() -> dict[str, set[str]]:
    modules = {}
    for path in (ROOT / "gui").rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = _top_level_imports(ast.parse(path.read_text(encoding="utf-8")))
    # a package importing its own submodule (``from gui.emulator import accounts``) is that submodule
    return {
        name: {d for d in deps if d in modules and d != name and not name.startswith(d + ".")}
        for name, deps in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import paths that lead from a module back to itself (one per module on a cycle)."""
    found = []
    for start in sorted(graph):
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for dep in sorted(graph[node]):
                if dep == start:
                    found.append([*path, start])
                    stack.clear()
                    break
                if dep not in seen:
                    seen.add(dep)
                    stack.append((dep, [*path, dep]))
    return found


def test_no_module_imports_lead_back_to_it() -> None:
    graph = import_graph()
    assert "gui.emulator.server" in graph["gui.emulator"]  # the graph sees what it should
    assert cycles(graph) == []
