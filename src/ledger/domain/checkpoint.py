"""Checkpoints recorded in the ledger: each signed statement of the tree's size and root.

A checkpoint is signed outside the domain (``infra/checkpoint.py``) and recorded here as
an event of its own, on the aggregate of its origin, so ``ledger checkpoints`` lists
every one the ledger has published and the log itself shows when each was made.  The
checkpoint of size N is recorded after event N: recording it makes the log one longer,
and the next checkpoint covers it.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from ledger.domain.clock import now
from ledger.domain.commands import Command, Context
from ledger.domain.errors import RuleViolation
from ledger.domain.events import LedgerEvent
from ledger.domain.ids import aggregate_id
from ledger.domain.types import Name, Reason, Whole

HEX64 = r"^[0-9a-f]{64}$"


def checkpoint_id(origin: str) -> Any:
    """The aggregate of every checkpoint of one origin."""
    return aggregate_id("checkpoint", origin)


class CheckpointRecorded(LedgerEvent):
    TOPIC: ClassVar[str] = "checkpoint.recorded/v1"
    origin: Name
    size: Whole = Field(ge=0)
    root: str = Field(pattern=HEX64)
    verifier_key: Name
    note: Reason

    def describe(self) -> str:
        return f"checkpoint of {self.origin} at tree size {self.size}"


class RecordCheckpoint(Command):
    """Record a signed checkpoint the ledger has made (``ledger checkpoint`` does this)."""

    type: Literal["record-checkpoint"] = "record-checkpoint"
    origin: Name
    size: Whole = Field(ge=0)
    root: str = Field(pattern=HEX64, description="The tree's root, hex.")
    verifier_key: Name
    note: Reason = Field(description="The signed note, as published.")


def record_checkpoint(ctx: Context, cmd: RecordCheckpoint) -> list[LedgerEvent]:
    history = ctx.history(checkpoint_id(cmd.origin))
    earlier = [e for e in history.current() if isinstance(e, CheckpointRecorded)]
    if earlier and earlier[-1].size > cmd.size:
        raise RuleViolation(
            f"a checkpoint of size {cmd.size} is older than the last one recorded "
            f"({earlier[-1].size}): a log only grows"
        )
    fields = cmd.model_dump(exclude={"type", "id", "authority"})
    event = ctx.new_event(
        CheckpointRecorded,
        history,
        effective=now().date(),
        authority=cmd.authority,
        **fields,
    )
    return [event]
