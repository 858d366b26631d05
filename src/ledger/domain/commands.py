"""Commands: what a clerk asks the ledger to record.

The same pydantic models validate the CLI's arguments and every entry of an import
file, and generate the import file's JSON Schema.  A handler turns a command into
events after checking it against the aggregate's history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from uuid import UUID

from pydantic import ConfigDict, Field

from ledger.domain.events import Authority, LedgerEvent
from ledger.domain.history import History
from ledger.domain.types import Day, StrictInput

E = TypeVar("E", bound=LedgerEvent)


class Command(StrictInput):
    """Fields every command shares."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description=(
            "Optional stable key of this entry. Importing an entry whose key the ledger "
            "already holds records nothing. Without it, the key is the SHA-256 of the "
            "entry's canonical JSON."
        ),
    )
    authority: Authority | None = Field(
        default=None, description="The meeting and item, or paper, that authorised it."
    )

    def legacy_values(self) -> dict[str, Any]:
        """Values an earlier release dumped for fields this entry leaves out, where a
        default changed form but not meaning: an entry imported then is recognised by
        the digest of its dump with these put back (ADR 0009)."""
        return {}


class EffectiveCommand(Command):
    """A command that changes the world from an effective date."""

    effective: Day = Field(description="When the change takes effect (YYYY-MM-DD).")


@dataclass(frozen=True)
class Entry:
    """A command with its import key (None for commands typed at the CLI), the label
    that names it in messages (file and entry number), and, when the key is the
    entry's own ``id``, the SHA-256 of its content: the same id with other content is
    refused on a later import, not skipped."""

    command: Command
    key: str | None = None
    label: str = ""
    digest: str | None = None  # of the content, for an entry keyed by its own ``id``
    # The key and digest an earlier release gave the same entry, if they differ.
    legacy_key: str | None = None
    legacy_digest: str | None = None


class Context(Protocol):
    """What a handler may ask of the unit of work it runs in."""

    def history(self, aggregate_id: UUID) -> History:
        """The aggregate's events, including those recorded earlier in this unit."""
        ...

    def resolve_event(self, ref: str) -> LedgerEvent:
        """The event a reference (event id, ``#position`` or entry key) names."""
        ...

    def new_event(self, cls: type[E], history: History, **fields: Any) -> E:
        """A new event for ``history``, stamped with version, time, actor and key."""
        ...

    def warn(self, message: str) -> None:
        """Say something the clerk should know about what is being recorded, which does
        not stop it being recorded (the receipt carries it; the CLI prints it)."""
        ...

    def at_end(self, key: str, check: Callable[[], None], blames: UUID | None = None) -> None:
        """Run ``check`` once, when every entry of the write has been handled (the first
        check given for a ``key``; a later one for it is dropped): a rule that holds of
        what the write records, not of each step of it (a seat joining and leaving in
        one import).  What it raises refuses the write; what it warns is on the receipt.
        The check reads what it needs through ``history()`` when it runs (a big write
        lets go of its earlier chunks' histories).  ``blames``: the aggregate whose
        events an ``EntryViolation`` of the check may name, so the write keeps which
        entry recorded each of them."""
        ...
