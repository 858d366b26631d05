"""Was the decision a change cites as its authority validly made?

A ToR amendment, a membership change or an office can name the decision that authorised
it (``Authority.decision``).  When it was recorded the ledger checked that the decision
existed and was carried; what is known later can still undo that: the decision
corrected to lost, retracted, or found not validly made (the item inquorate, an
interested member voting).  Every answer that shows such a change asks this module,
as known at the same moment as the answer, and flags the authority when it fails.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from ledger.queries.decisions import validity

if TYPE_CHECKING:
    from ledger.infra.db import Connection


class AuthorityCheck(Struct, frozen=True):
    """The decision cited, its outcome as known, and whether it is good authority."""

    decision: str
    outcome: str | None  # None: not (or no longer) recorded
    valid: bool  # carried (or agreed) and validly made
    problems: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """e.g. ``decision kcsp-2024-07-04-5a: carried, validly made``."""
        if self.valid:
            return f"decision {self.decision}: {self.outcome}, validly made"
        return f"decision {self.decision}: NOT GOOD AUTHORITY ({'; '.join(self.problems)})"


def check_decisions(
    db: Connection, decisions: Iterable[str | None], known_at: str
) -> dict[str, AuthorityCheck]:
    """Each distinct decision named, checked once, as known at ``known_at`` (decisions
    taken at one meeting judged against one reading of it)."""
    checks: dict[str, AuthorityCheck] = {}
    settings: dict[Any, Any] = {}
    for slug in decisions:
        if slug is None or slug in checks:
            continue
        judged = validity(db, slug, known_at, settings)
        if judged is None:
            checks[slug] = AuthorityCheck(slug, None, False, ["no such decision is recorded"])
            continue
        outcome, findings = judged
        problems: list[str] = []
        if outcome not in ("carried", "agreed"):
            problems.append(f"it was {outcome or 'not decided'}, not carried")
        problems += [f"{f.check}: {f.message}" for f in findings]
        checks[slug] = AuthorityCheck(slug, outcome, not problems, problems)
    return checks
