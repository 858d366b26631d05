"""Dependencies point inward: the domain knows nothing of storage, read models or the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[2] / "src" / "ledger"

# For each layer, the ledger modules it must never import.
FORBIDDEN = {
    "domain": (
        "ledger.application",
        "ledger.projections",
        "ledger.cli",
        "ledger.infra",
        "ledger.importing",
        "eventsourcing",
        "psycopg",
        "sqlite3",
        "click",
        "rich",
    ),
    "projections": ("ledger.application", "ledger.cli", "ledger.importing"),
    "infra": ("ledger.application", "ledger.projections", "ledger.cli"),
}


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_from_the_layers_outside_it(layer: str) -> None:
    offences = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in sorted((SRC / layer).rglob("*.py"))
        for name in imports_of(path)
        if name.startswith(FORBIDDEN[layer])
    ]
    assert offences == []


def test_the_cli_writes_only_through_the_application() -> None:
    offences = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in sorted((SRC / "cli").rglob("*.py"))
        for name in imports_of(path)
        if name.startswith(("ledger.infra", "ledger.projections", "eventsourcing", "psycopg"))
    ]
    assert offences == []
