"""Maps pydantic events to stored events and back, by explicit topic.

The stored state is the event's RFC 8785 canonical JSON, so the bytes in the
database are exactly the bytes the audit chain hashes and an export carries.
"""

from __future__ import annotations

import json
from typing import Any

from eventsourcing.persistence import Mapper, StoredEvent, Transcoder

# Every module that defines events registers them (and their upcasters) when imported:
# all of them, so that any stored event decodes whichever modules a command has used
# (a read imports only the states it needs, ADR 0023).
from ledger.domain import (  # noqa: F401
    body,
    checkpoint,
    decision,
    fund,
    meeting,
    membership,
    organisation,
    tor,
)
from ledger.domain.errors import StorageError
from ledger.domain.events import UPCASTERS, LedgerEvent, event_class, upcast
from ledger.domain.types import STORED
from ledger.infra.canonical import canonical_bytes


class CanonicalJSONTranscoder(Transcoder):
    """Encodes JSON-ready values as canonical JSON bytes."""

    def encode(self, obj: Any) -> bytes:
        return canonical_bytes(obj)

    def decode(self, data: bytes) -> Any:
        return json.loads(data)


class PydanticMapper(Mapper):  # type: ignore[type-arg]
    """Stores ``event.model_dump(mode="json")`` under the event class's own TOPIC."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        event: LedgerEvent = domain_event
        return StoredEvent(
            originator_id=event.originator_id,
            originator_version=event.originator_version,
            topic=event.TOPIC,
            state=canonical_bytes(event.model_dump(mode="json")),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        return decode_event(stored_event.topic, stored_event.state)


def decode_event(topic: str, state: bytes) -> LedgerEvent:
    """Rebuild an event from its topic and stored bytes; a payload stored under an
    earlier version of its topic is upcast to the current one (ADR 0003)."""
    if topic in UPCASTERS:
        topic, payload = upcast(topic, json.loads(state))
        state = json.dumps(payload).encode("utf-8")
    try:
        cls = event_class(topic)
    except LookupError:
        raise StorageError(
            f"the ledger holds an event of topic {topic!r}, which this version of ledger "
            "does not know; upgrade ledger to read it"
        ) from None
    return cls.model_validate_json(state, context=STORED)
