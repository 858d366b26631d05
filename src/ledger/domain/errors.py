"""The errors a user can cause.  Each carries one clear line for the CLI to print."""

from __future__ import annotations


class LedgerError(Exception):
    """Base class for every error the ledger reports to its user."""


class ValidationError(LedgerError):
    """Input that is malformed or breaks a rule; nothing was recorded."""


class NotFound(LedgerError):
    """An unknown body, event or other identifier."""


class RuleViolation(ValidationError):
    """A well-formed command that the rules in force refuse."""


class ConcurrentWriteError(LedgerError):
    """Another writer changed the same record at the same moment, repeatedly."""


class StorageError(LedgerError):
    """The database could not be opened or used."""


class IntegrityFailure(LedgerError):
    """The audit chain does not match the stored events."""
