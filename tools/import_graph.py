"""The project's import graph, read from the source with `ast`; exits 1 on an import cycle.

    .venv/bin/python -m tools.import_graph            # summary, cycles, then module -> imports
    .venv/bin/python -m tools.import_graph --summary  # summary and cycles only
    .venv/bin/python -m tools.import_graph --dot      # Graphviz

Every module of the project's packages (watcher/, state/, replay/ and notifiers/) is parsed,
never imported. An import inside a function counts like one at the top of the module: it runs as
soon as the function does, so a cycle it closes is still a cycle, only a hidden one. Imports
under `if TYPE_CHECKING:` never run and are shown but not counted.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PACKAGES = ("watcher", "state", "replay", "notifiers")
ROOT = Path(__file__).resolve().parent.parent

# Edge kinds: where the import statement sits.
TOP, LAZY, TYPING = "top", "function", "type-only"


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    kind: str
    line: int


@dataclass(slots=True)
class Graph:
    modules: list[str]
    edges: list[Edge] = field(default_factory=list)
    # Third-party packages imported at module level, per module (the lazy-import rule's view).
    external: dict[str, set[str]] = field(default_factory=dict)
    # Import statements inside functions, project and third-party alike, per module.
    lazy_statements: dict[str, int] = field(default_factory=dict)

    def targets(self, module: str, kinds: Iterable[str] = (TOP, LAZY)) -> list[str]:
        wanted = set(kinds)
        found = {e.target for e in self.edges if e.source == module and e.kind in wanted}
        return sorted(found - {module})

    def count(self, kind: str) -> int:
        """Distinct module pairs joined by an import of this kind."""
        return len({(e.source, e.target) for e in self.edges if e.kind == kind})


def module_files(root: Path, packages: Sequence[str]) -> dict[str, Path]:
    """Module name -> file, for every .py file of the packages that exist under `root`."""
    found: dict[str, Path] = {}
    for package in packages:
        base = root / package
        if not (base / "__init__.py").is_file():
            continue
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(root).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
    """Every import statement with its kind (TOP, LAZY or TYPING)."""

    def walk(node: ast.AST, kind: str) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, kind
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                yield from walk(child, TYPING if kind == TYPING else LAZY)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    yield from walk(ast.Module(body=[stmt], type_ignores=[]), TYPING)
                for stmt in child.orelse:
                    yield from walk(ast.Module(body=[stmt], type_ignores=[]), kind)
            else:
                yield from walk(child, kind)

    return walk(tree, TOP)


def _resolve(
    stmt: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: set[str]
) -> Iterator[str]:
    """The modules an import statement loads: project modules by name, others by top package."""
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            yield alias.name
        return
    base = stmt.module or ""
    if stmt.level:
        parts = module.split(".")
        keep = len(parts) - stmt.level + (1 if is_package else 0)
        base = ".".join([*parts[:keep], *([base] if base else [])])
    for alias in stmt.names:
        child = f"{base}.{alias.name}" if base else alias.name
        # `from watcher.sources import base` loads a module; `from x import name` loads x.
        yield child if child in known else base


def build_graph(root: Path = ROOT, packages: Sequence[str] = PACKAGES) -> Graph:
    files = module_files(root, packages)
    known = set(files)
    graph = Graph(modules=sorted(files))
    for module, path in sorted(files.items()):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for stmt, kind in _imports(tree):
            if kind == LAZY:
                graph.lazy_statements[module] = graph.lazy_statements.get(module, 0) + 1
            for target in _resolve(stmt, module, is_package, known):
                top_name = target.split(".")[0]
                if target in known:
                    graph.edges.append(Edge(module, target, kind, stmt.lineno))
                elif kind == TOP and top_name not in packages and not _stdlib(top_name):
                    graph.external.setdefault(module, set()).add(top_name)
    return graph


def _stdlib(name: str) -> bool:
    return name in sys.stdlib_module_names or name == "__future__"


def find_cycles(graph: Graph, kinds: Iterable[str] = (TOP, LAZY)) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    wanted = tuple(kinds)
    succ = {m: graph.targets(m, wanted) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in succ[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in graph.modules:
        if module not in index:
            visit(module)
    return sorted(cycles)


def _cycle_path(graph: Graph, component: list[str]) -> list[str]:
    """One concrete loop through a component, for the message: a -> b -> ... -> a."""
    members = set(component)
    start = component[0]
    path, seen = [start], {start}
    node = start
    while True:
        nxt = [t for t in graph.targets(node) if t in members]
        back = [t for t in nxt if t == start]
        if back and len(path) > 1:
            return [*path, start]
        fresh = [t for t in nxt if t not in seen]
        if not fresh:
            return [*path, (back or nxt or [start])[0]]
        node = fresh[0]
        path.append(node)
        seen.add(node)


def render_text(graph: Graph, cycles: list[list[str]], *, summary_only: bool) -> str:
    runtime = {(e.source, e.target) for e in graph.edges if e.kind != TYPING}
    lazy = sum(graph.lazy_statements.values())
    lines = [
        f"{len(graph.modules)} modules, {len(runtime)} import edges between them "
        f"({graph.count(TOP)} at module level, {graph.count(LAZY)} inside functions, "
        f"{graph.count(TYPING)} type-only edges not counted)",
        f"{lazy} import statements inside functions, in {len(graph.lazy_statements)} modules",
    ]
    if cycles:
        lines.append(f"{len(cycles)} import cycle(s):")
        lines += ["  " + " -> ".join(_cycle_path(graph, c)) for c in cycles]
    else:
        lines.append("no import cycle")
    if summary_only:
        return "\n".join(lines)
    lines.append("")
    lines.append("module -> imports (at module level; [inside functions]; (type-only))")
    for module in graph.modules:
        top = graph.targets(module, (TOP,))
        lazy = [t for t in graph.targets(module, (LAZY,)) if t not in top]
        typing = [t for t in graph.targets(module, (TYPING,)) if t not in top and t not in lazy]
        parts = top + [f"[{t}]" for t in lazy] + [f"({t})" for t in typing]
        external = sorted(graph.external.get(module, ()))
        tail = f"   | third-party at top: {', '.join(external)}" if external else ""
        lines.append(f"{module} -> {', '.join(parts) or '-'}{tail}")
    return "\n".join(lines)


def render_dot(graph: Graph) -> str:
    style = {TOP: "solid", LAZY: "dashed", TYPING: "dotted"}
    lines = ["digraph imports {", "  rankdir=LR;"]
    for e in sorted({(e.source, e.target, e.kind) for e in graph.edges}):
        lines.append(f'  "{e[0]}" -> "{e[1]}" [style={style[e[2]]}];')
    lines.append("}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.import_graph", description=__doc__)
    p.add_argument("--root", type=Path, default=ROOT, help="project root (default: this checkout)")
    p.add_argument(
        "--package", action="append", dest="packages", help="package to read (repeatable)"
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--summary", action="store_true", help="counts and cycles only")
    out.add_argument("--dot", action="store_true", help="print the graph for Graphviz")
    args = p.parse_args(argv)
    graph = build_graph(args.root, args.packages or PACKAGES)
    cycles = find_cycles(graph)
    if args.dot:
        print(render_dot(graph))
    else:
        print(render_text(graph, cycles, summary_only=args.summary))
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main())
