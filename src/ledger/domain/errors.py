"""The errors a user can cause.  Each carries one clear line for the CLI to print."""

from __future__ import annotations

from uuid import UUID


class LedgerError(Exception):
    """Base class for every error the ledger reports to its user."""


class ValidationError(LedgerError):
    """Input that is malformed or breaks a rule; nothing was recorded."""


class NotFound(LedgerError):
    """An unknown body, event or other identifier."""


class RuleViolation(ValidationError):
    """A well-formed command that the rules in force refuse."""


class EntryViolation(RuleViolation):
    """A rule broken by one event of a write, found when the whole write is judged at its
    end: it names that event, so the refusal names the entry that recorded it."""

    def __init__(self, message: str, event_id: UUID | None = None) -> None:
        super().__init__(message)
        self.event_id = event_id


class ConcurrentWriteError(LedgerError):
    """Another writer changed the same record at the same moment, repeatedly."""


class StorageError(LedgerError):
    """The database could not be opened or used."""


class ReadModelsBehind(StorageError):
    """A ledger that may not write found its read models behind the log: a writer has
    recorded events and not yet (or never) brought the read models up to them."""


class IntegrityFailure(LedgerError):
    """The audit chain does not match the stored events."""
