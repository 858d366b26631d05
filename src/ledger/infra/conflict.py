"""The one conflict a chained write raises for the application to retry.

Apart from ``chain.py`` (which the read path imports) because it is the library's
``IntegrityError``: only the recorders, which import the library anyway, raise it.
"""

from __future__ import annotations

from eventsourcing.persistence import IntegrityError


class ChainConflict(IntegrityError):
    """The write met another writer's later recorded time; retry with a fresh time."""
