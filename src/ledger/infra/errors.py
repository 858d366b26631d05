"""Database failures as one clear line: what went wrong in a user's terms, never a password.

The drivers and the eventsourcing library raise their own exceptions (``sqlite3``,
``psycopg``, the library's ``PersistenceError`` wrapping either).  ``storage_errors``
turns any of them into a ``StorageError`` whose message says what happened: the disk
is full, the ledger is busy, this user may not write, the file is not a database.
Every message passes through ``mask``, so a password given in a URL or a conninfo
never reaches a terminal or a log.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from ledger.domain.errors import LedgerError, StorageError

# scheme://user:password@  and  password=secret  (as psycopg may echo a conninfo)
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^:/@\s]*):[^@\s]*@", re.IGNORECASE)
_CONNINFO_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.I)


def mask(text: str, secret: str = "") -> str:
    """``text`` with every password replaced by ``***``: in URLs, conninfo, and ``secret``."""
    text = _URL_PASSWORD.sub(r"\g<head>:***@", text)
    text = _CONNINFO_PASSWORD.sub(r"\g<head>***", text)
    # A literal password is masked wherever it appears, unless it is too short to be
    # told apart from ordinary words (and far too short to be a real password).
    if len(secret) >= 4:
        text = text.replace(secret, "***")
    return text


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def _origin(exc: BaseException) -> BaseException:
    """The driver's own exception behind the library's wrappers, if there is one."""
    seen = exc
    while True:
        if isinstance(seen, sqlite3.Error) or hasattr(seen, "sqlstate"):
            return seen
        nxt = seen.__cause__ or seen.__context__
        if nxt is None or nxt is seen:
            return exc
        seen = nxt


FULL = "the database is full (no space left on its disk, or its size limit reached)"
BUSY = "the ledger is busy: another process held its lock for longer than the time allowed"

_SQLITE = {
    "SQLITE_FULL": FULL,
    "SQLITE_BUSY": BUSY,
    "SQLITE_LOCKED": BUSY,
    "SQLITE_NOTADB": "the file is not a SQLite database",
    "SQLITE_CORRUPT": "the SQLite file is damaged",
    "SQLITE_READONLY": "the database is read-only here",
    "SQLITE_CANTOPEN": "the file cannot be opened",
    "SQLITE_IOERR": "the disk could not be read or written",
    "SQLITE_PERM": "this user may not open the file",
}
_POSTGRES = {
    "53100": FULL,  # disk_full
    "53200": "the database server is out of memory",
    "55P03": BUSY,  # lock_not_available (lock_timeout)
    "57014": BUSY,  # query_canceled (statement_timeout)
    "40P01": BUSY,  # deadlock_detected
    "25006": "the database is read-only here",  # read_only_sql_transaction
}


def describe(exc: BaseException) -> str:
    """What a database exception means, in one line (the driver's words after a colon)."""
    origin = _origin(exc)
    detail = first_line(origin)
    name = getattr(origin, "sqlite_errorname", None)
    if isinstance(name, str):
        for prefix, meaning in _SQLITE.items():
            if name == prefix or name.startswith(prefix + "_"):
                return f"{meaning} ({detail})"
        return detail
    state = getattr(origin, "sqlstate", None)
    if isinstance(state, str):
        if state in _POSTGRES:
            return f"{_POSTGRES[state]} ({detail})"
        if state == "42501":  # insufficient_privilege, or our append-only trigger
            return detail if "append-only" in detail else f"not permitted: {detail}"
        if state.startswith("08"):  # connection exceptions
            return f"the connection to PostgreSQL failed: {detail}"
    return detail


def is_full(exc: BaseException) -> bool:
    """True when the database refused for want of space."""
    origin = _origin(exc)
    return getattr(origin, "sqlite_errorname", None) == "SQLITE_FULL" or getattr(
        origin, "sqlstate", None
    ) in ("53100", "53000")


def is_database_error(exc: BaseException) -> bool:
    """True for the drivers' and the library's exceptions (not for the ledger's own)."""
    if isinstance(exc, LedgerError):
        return False
    # The library's own error can only come from a process that has imported it:
    # looked up, never imported here (a read imports no eventsourcing).
    library = sys.modules.get("eventsourcing.persistence")
    if library is not None and isinstance(exc, library.PersistenceError):
        return True
    return isinstance(exc, sqlite3.Error) or hasattr(exc, "sqlstate")


@contextmanager
def storage_errors(context: str, secret: str = "") -> Iterator[None]:
    """Turn a database exception raised inside into ``StorageError("context: what")``."""
    try:
        yield
    except Exception as exc:
        if not is_database_error(exc):
            raise
        raise StorageError(mask(f"{context}: {describe(exc)}", secret)) from exc
