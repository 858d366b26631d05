"""The layering of src/ledger, held in one place, and no import cycles anywhere.

Each layer may import only the layers listed for it (its own included).  A failure
names the file, the line and the import that broke the rule.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).parents[2] / "src" / "ledger"

EXPORTS = "ledger.interchange.export"

# Layer -> the ledger packages it may import.  Prefixes match whole dotted names.
ALLOWED: dict[str, tuple[str, ...]] = {
    "ledger.domain": ("ledger.domain",),
    "ledger.infra": ("ledger.infra", "ledger.domain"),
    "ledger.projections": ("ledger.projections", "ledger.infra", "ledger.domain"),
    "ledger.queries": ("ledger.queries", "ledger.projections", "ledger.infra", "ledger.domain"),
    # Files in and out: translations between files and the API's vocabulary.  They
    # never touch the database; what they read, the application hands them (the
    # answers of ledger.queries, whose types the exports name).
    "ledger.interchange": (
        "ledger.interchange",
        "ledger.queries",
        "ledger.domain",
        "ledger.infra.canonical",
    ),
    "ledger.application": (
        "ledger.application",
        "ledger.interchange",
        "ledger.queries",
        "ledger.projections",
        "ledger.infra",
        "ledger.domain",
    ),
    # The JSON documents both faces give (the CLI's --json, the web view's .json pages):
    # answers made plain, shaped once for the two.
    "ledger.documents": ("ledger.documents", "ledger.domain"),
    # The faces: the API, their own modules and renderers, the documents they share,
    # and the domain's vocabulary (commands, value types, errors) that the API takes and
    # returns, and the names of the export formats (ledger.interchange.export's
    # constants, to offer as choices).  `ledger serve` starts the web face.
    "ledger.cli": (
        "ledger",
        "ledger.cli",
        "ledger.application",
        "ledger.documents",
        "ledger.domain",
        EXPORTS,
        "ledger.web",
    ),
    "ledger.web": (
        "ledger",
        "ledger.web",
        "ledger.application",
        "ledger.documents",
        "ledger.domain",
        EXPORTS,
    ),
}

# Modules that write events: the application's command path runs through them, and no
# layer that only reads or renders may import them.
WRITERS = ("ledger.infra.unit_of_work", "ledger.domain.registry", "eventsourcing.application")
READERS = (
    "ledger.projections",
    "ledger.queries",
    "ledger.interchange",
    "ledger.documents",
    "ledger.cli",
    "ledger.web",
)

# Outside packages a layer must never import.
FOREIGN: dict[str, tuple[str, ...]] = {
    "ledger.domain": ("eventsourcing", "psycopg", "sqlite3", "click", "rich", "yaml"),
    "ledger.projections": ("eventsourcing.application", "click", "rich"),
    "ledger.queries": ("eventsourcing", "psycopg", "sqlite3", "click", "rich"),
    "ledger.interchange": ("eventsourcing", "psycopg", "sqlite3", "click", "rich"),
    "ledger.cli": ("eventsourcing", "psycopg", "sqlite3"),
    "ledger.web": ("eventsourcing", "psycopg", "sqlite3", "click"),
    "ledger.documents": ("eventsourcing", "psycopg", "sqlite3", "click", "rich"),
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    path: str
    line: int
    target: str  # the imported module

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.module}) imports {self.target}"


def module_name(root: Path, path: Path) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_in(root: Path) -> list[Import]:
    """Every import statement in the package at ``root``, with lazy ones inside functions
    too; ``from a import b`` counts as importing ``a.b`` when that is a module."""
    modules = {module_name(root, p) for p in root.rglob("*.py")}
    found = []
    for path in sorted(root.rglob("*.py")):
        name = module_name(root, path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                    for a in node.names
                ]
            rel = str(path.relative_to(root.parent))
            found.extend(Import(name, rel, node.lineno, t) for t in dict.fromkeys(targets))
    return found


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer_of(module: str) -> str | None:
    matches = [layer for layer in ALLOWED if within(module, layer)]
    return max(matches, key=len) if matches else None


def layering_offences(imports: list[Import]) -> list[str]:
    offences = []
    for imp in imports:
        layer = layer_of(imp.module)
        if layer is None:
            continue
        if within(imp.target, "ledger"):
            allowed = ALLOWED[layer]
            # "ledger" alone means the package root (its version), nothing below it.
            ok = any(
                imp.target == "ledger" if a == "ledger" else within(imp.target, a) for a in allowed
            )
            if not ok:
                offences.append(f"{imp}: {layer} may import only {', '.join(allowed)}")
                continue
        if layer in READERS and any(within(imp.target, w) for w in WRITERS):
            offences.append(f"{imp}: only the application's command path writes events")
            continue
        if any(within(imp.target, f) for f in FOREIGN.get(layer, ())):
            offences.append(f"{imp}: {layer} must not depend on {imp.target.split('.')[0]}")
    return offences


def cycles(imports: list[Import]) -> list[list[str]]:
    """Each set of modules that import one another, as one path around the loop."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        if within(imp.target, "ledger") and imp.target != imp.module:
            graph.setdefault(imp.module, set()).add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(_loop(sorted(component), graph))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _loop(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """A path from the component's first module back to itself, through the component."""
    members, start = set(component), component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph.get(node, set()) & members):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    return component  # pragma: no cover - a component always has a loop


def test_every_layer_imports_only_the_layers_beneath_it() -> None:
    offences = layering_offences(imports_in(SRC))
    assert not offences, "layering broken:\n" + "\n".join(offences)


def test_no_module_imports_one_that_imports_it_back() -> None:
    loops = cycles(imports_in(SRC))
    assert not loops, "import cycles:\n" + "\n".join(" -> ".join(loop) for loop in loops)


def test_every_module_belongs_to_a_layer() -> None:
    loose = sorted(
        name
        for name in {module_name(SRC, p) for p in SRC.rglob("*.py")}
        if layer_of(name) is None and name != "ledger"
    )
    assert not loose, f"modules outside every layer: {loose}"


@pytest.fixture
def bad_tree(tmp_path: Path) -> Path:
    root = tmp_path / "ledger"
    for package in ("domain", "cli", "queries"):
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "domain" / "a.py").write_text("from ledger.domain import b\n")
    (root / "domain" / "b.py").write_text("def f():\n    from ledger.domain.a import x\n")
    (root / "cli" / "c.py").write_text("import json\n\nfrom ledger.queries import answers\n")
    (root / "queries" / "answers.py").write_text(
        "from ledger.infra.unit_of_work import UnitOfWork\n"
    )
    return root


def test_the_checker_names_the_file_line_and_import_that_break_a_rule(bad_tree: Path) -> None:
    offences = layering_offences(imports_in(bad_tree))

    assert any(
        o.startswith("ledger/cli/c.py:3 (ledger.cli.c) imports ledger.queries.answers")
        for o in offences
    )
    assert any("ledger/queries/answers.py:1" in o and "writes events" in o for o in offences)


def test_the_checker_finds_a_cycle_through_a_lazy_import(bad_tree: Path) -> None:
    assert cycles(imports_in(bad_tree)) == [
        ["ledger.domain.a", "ledger.domain.b", "ledger.domain.a"]
    ]
