"""Every read model's name, version, tables and indexes, known without importing it.

A read of the read models (``ledger quorum``, ``ledger tor show``) asks the runner
whether they are set up for this release and caught up; that needs only what this
table says.  The projections themselves (their modules import the event models) are
imported only to apply events or to create or migrate their tables (ADR 0023).
``tests/cli/test_startup.py`` holds this table to the projections' own
classes and to the tables and indexes their ``create`` makes.
"""

from __future__ import annotations

from typing import NamedTuple


class ReadModel(NamedTuple):
    name: str
    version: int
    tables: tuple[str, ...]
    indexes: tuple[str, ...]  # made by its create(): a ledger lacking one is set up again


def _indexed(table: str, *suffixes: str) -> tuple[str, ...]:
    return tuple(f"{table}_{suffix}" for suffix in suffixes)


# In the order the runner applies them (projections/catalogue.py: all_projections).
READ_MODELS: tuple[ReadModel, ...] = (
    ReadModel(
        "events",
        3,
        ("proj_events",),
        _indexed("proj_events", "body_idx", "eff_idx", "decision_idx"),
    ),
    ReadModel(
        "bodies",
        2,
        ("proj_bodies",),
        _indexed("proj_bodies", "open_idx"),
    ),
    ReadModel(
        "constitution",
        2,
        ("proj_tor_sections", "proj_tor_documents", "proj_tor_makers"),
        _indexed("proj_tor_sections", "asof_idx", "open_idx", "key_idx", "inforce_idx", "rules_idx")
        + _indexed("proj_tor_documents", "idx", "key_idx")
        + _indexed("proj_tor_makers", "asof_idx", "open_idx"),
    ),
    ReadModel(
        "organisations",
        3,
        ("proj_organisations",),
        _indexed("proj_organisations", "open_idx"),
    ),
    ReadModel(
        "membership",
        3,
        ("proj_members", "proj_offices"),
        _indexed("proj_members", "asof_idx", "open_idx", "key_idx")
        + _indexed("proj_offices", "idx", "key_idx"),
    ),
    ReadModel(
        "meetings",
        1,
        ("proj_meetings",),
        _indexed("proj_meetings", "id_idx", "body_idx", "key_idx"),
    ),
    ReadModel(
        "decisions",
        2,
        ("proj_decisions",),
        _indexed("proj_decisions", "id_idx", "body_idx", "key_idx"),
    ),
    ReadModel(
        "budget",
        2,
        ("proj_funds", "proj_budget_years", "proj_budget_allocations"),
        _indexed("proj_funds", "body_idx", "key_idx")
        + _indexed("proj_budget_years", "asof_idx", "key_idx")
        + _indexed("proj_budget_allocations", "asof_idx", "key_idx"),
    ),
)
