"""Commands: what a clerk asks the ledger to record.

The same pydantic models validate the CLI's arguments and every entry of an import
file, and generate the import file's JSON Schema.  A handler turns a command into
events after checking it against the aggregate's history.
"""

from __future__ import annotations

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
