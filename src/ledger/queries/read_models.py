"""Do the read models say what the log says?  Rebuild them from the log and compare.

Every read model is rebuilt from the log alone into a scratch space
(``infra/scratch.py``), up to the position the live read model has reached, and the
two are compared table by table, row by row, in one consistent snapshot.  The first
row that differs is reported with its table: an edited ``proj_*`` row, a row deleted
or inserted by hand, or a tracking position moved.

Rows believed for no time at all (``recorded_from = recorded_to``) are left out of
both sides: no question "known at K" can ever see one, and a catch-up split at another
batch boundary than the rebuild's may leave one where the rebuild does not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger.domain.errors import StorageError
from ledger.infra.scratch import Scratch, scratch_space
from ledger.infra.urls import DatabaseConfig
from ledger.projections.base import Projection
from ledger.projections.runner import TRACKING, ProjectionRunner

StageProgress = Callable[[str, int], Callable[[int], None] | None] | None


@dataclass(frozen=True)
class Difference:
    """The first row where a read model and its rebuild from the log part."""

    table: str
    held: dict[str, Any] | None  # the row the read model holds (None: it has none there)
    rebuilt: dict[str, Any] | None  # the row the log gives (None: the log gives none)

    def __str__(self) -> str:
        if self.held is None:
            return f"{self.table} lacks a row the log gives: {_row(self.rebuilt)}"
        if self.rebuilt is None:
            return f"{self.table} holds a row the log does not give: {_row(self.held)}"
        # Where both have a row, the log's side needs only the values that differ.
        changed = {k: v for k, v in self.rebuilt.items() if self.held.get(k) != v}
        return f"{self.table} holds {_row(self.held)} where the log gives {_row(changed, True)}"


@dataclass
class ReadModelReport:
    """What ``ledger verify --read-models`` found."""

    position: int = 0
    tables: int = 0
    rows: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    @property
    def first_difference(self) -> Difference | None:
        return self.differences[0] if self.differences else None


def verify_read_models(
    config: DatabaseConfig, projections: Sequence[Projection], progress: StageProgress = None
) -> ReadModelReport:
    """Rebuild every read model from the log and compare it with the live one."""
    report = ReadModelReport()
    with scratch_space(config) as space:
        runner = ProjectionRunner(space.db, projections)
        runner.setup()  # before the snapshot: PostgreSQL creates nothing inside it
        with space.db.snapshot():
            reached = _live_positions(space, projections)
            report.position = max(reached.values(), default=0)
            # The read models move together; one left behind (or ahead) was moved by hand.
            for name, position in reached.items():
                if position != report.position:
                    held = {"name": name, "position": position}
                    others = {"name": name, "position": report.position}
                    report.differences.append(Difference(TRACKING, held, others))
                    return report
            advance = progress("rebuilding read models", report.position) if progress else None
            runner.catch_up(advance, until=report.position)
            for projection in projections:
                for table in projection.tables:
                    report.tables += 1
                    found = _compare(space, table, report)
                    if found is not None:
                        report.differences.append(found)
                        return report
    return report


def _live_positions(space: Scratch, projections: Sequence[Projection]) -> dict[str, int]:
    rows = space.db.query(f"SELECT name, version, position FROM {space.live}.{TRACKING}")
    live = {r["name"]: (int(r["version"]), int(r["position"])) for r in rows}
    reached = {}
    for projection in projections:
        version, position = live.get(projection.name, (None, 0))
        if version != projection.version:
            raise StorageError(
                f"the read model '{projection.name}' is not set up for this release, so it "
                "cannot be compared: the ledger's owner sets it up with `ledger init`"
            )
        reached[projection.name] = position
    return reached


def _compare(space: Scratch, table: str, report: ReadModelReport) -> Difference | None:
    columns = space.db.columns(table, space.mine)
    held_columns = space.db.columns(table, space.live)
    if held_columns != columns:
        return Difference(table, dict.fromkeys(held_columns), dict.fromkeys(columns))
    listed = ", ".join(columns)
    believed = (
        " WHERE recorded_to IS NULL OR recorded_to <> recorded_from"
        if {"recorded_from", "recorded_to"} <= set(columns)
        else ""
    )
    report.rows += int(space.db.scalar(f"SELECT COUNT(*) FROM {space.live}.{table}{believed}"))
    # Each distinct row with how many copies of it each side has; the database finds
    # what one side has that the other has not (NULLs compare equal in EXCEPT).
    side = f"SELECT {listed}, COUNT(*) AS copies FROM {{}}.{table}{believed} GROUP BY {listed}"
    held, rebuilt = side.format(space.live), side.format(space.mine)

    def only_in(first: str, second: str, limit: int) -> list[dict[str, Any]]:
        rows = space.db.query(f"{first} EXCEPT {second} ORDER BY {listed} LIMIT {limit}")
        return [dict(zip([*columns, "copies"], _values(r), strict=True)) for r in rows]

    extra = only_in(held, rebuilt, 1)
    missing = only_in(rebuilt, held, 1 if not extra else 50)
    if not extra and not missing:
        return None
    if not extra:
        return Difference(table, None, missing[0])
    if not missing:
        return Difference(table, extra[0], None)
    # An edited row: set beside the row the log gives that it most resembles.
    closest = max(missing, key=lambda row: sum(row.get(k) == v for k, v in extra[0].items()))
    return Difference(table, extra[0], closest)


def _values(row: Any) -> list[Any]:
    return list(row.values()) if isinstance(row, dict) else list(row)


def _row(row: dict[str, Any] | None, changed: bool = False) -> str:
    """A row for a message: its values, leaving out NULLs and the usual single copy
    (unless these are the values that changed)."""
    shown = ", ".join(
        f"{k}={v!r}"
        for k, v in (row or {}).items()
        if changed or (v is not None and (k, v) != ("copies", 1))
    )
    return "{" + shown + "}"
