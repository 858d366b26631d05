"""What earlier releases stored still reads, counts and is recognised as it was.

``membership.joined/v1`` counted a seat only if it voted and counted for quorum; /v2
lets a true ``counts_for_quorum`` count a non-voting seat, so /v1 payloads are upcast
on reading (ADR 0003, ADR 0009).  Fields added since are left out of a dump while
empty, so events and entries that do not use them keep their bytes and their keys.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent

from ledger.application import Entry, Ledger
from ledger.domain.body import EstablishBody
from ledger.domain.corrections import CorrectEvent
from ledger.domain.membership import AddMember, MemberJoined
from ledger.domain.rules import OfficeHolderPresent, QuorumRule
from ledger.domain.tor import SectionText
from ledger.infra.canonical import canonical_bytes
from ledger.infra.mapper import CanonicalJSONTranscoder, PydanticMapper, decode_event
from tests.integration.test_quorum import (
    attend,
    held,
    meeting,
    reasons,
    registered,
    working_group,
)


@contextmanager
def as_an_earlier_release(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Store seats as the release before membership.joined/v2 did: topic /v1, no roles,
    counts_for_quorum true unless it was given false."""
    original = PydanticMapper.to_stored_event

    def to_stored_event(self: PydanticMapper, domain_event: Any) -> StoredEvent:
        stored = original(self, domain_event)
        if not isinstance(domain_event, MemberJoined):
            return stored
        payload = json.loads(stored.state)
        assert payload.pop("roles", None) is None
        payload["counts_for_quorum"] = payload["counts_for_quorum"] is not False
        return StoredEvent(
            originator_id=stored.originator_id,
            originator_version=stored.originator_version,
            topic="membership.joined/v1",
            state=canonical_bytes(payload),
        )

    with monkeypatch.context() as patched:
        patched.setattr(PydanticMapper, "to_stored_event", to_stored_event)
        yield


def test_a_seat_stored_as_membership_joined_v1_reads_and_counts_as_it_did(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Ledger(ledger_url, actor="clerk") as ledger, as_an_earlier_release(monkeypatch):
        # Porchlight: non-voting, counts_for_quorum true (the old default): not counted.
        ledger.execute(working_group())
    march = "wg-2024-03-14"
    with Ledger(ledger_url, actor="clerk") as ledger:
        ledger.execute(
            [*meeting("wg", date(2024, 3, 14)), attend(march, "v-lee", "Val Lee"), held(march)]
        )
        assert reasons(ledger.quorum(march)) == {"Val Lee": "porchlight is non-voting"}
        log = [e for e in ledger.log() if e.summary.startswith("porchlight joined")]
        assert [e.topic for e in log] == ["membership.joined/v1"]
        porchlight = {m.member: m for m in ledger.members("wg", date(2024, 3, 14)).members}[
            "porchlight"
        ]
        assert (porchlight.voting, porchlight.counts_for_quorum) == (False, None)

        # A correction of the /v1 seat is a /v2 event; now a true counts_for_quorum counts.
        ledger.execute(
            [
                CorrectEvent(
                    event=log[0].event_id,
                    changes={"counts_for_quorum": True},
                    reason="the ToR count co-operating bodies towards quorum",
                )
            ]
        )
        assert "Val Lee" not in reasons(ledger.quorum(march))
        assert ledger.log()[-1].topic == "membership.joined/v2"
        assert ledger.rebuild_projections() == ledger.count()
        assert "Val Lee" not in reasons(ledger.quorum(march))
        assert ledger.verify().ok


def test_events_that_leave_the_new_fields_empty_keep_their_bytes() -> None:
    mapper = PydanticMapper(transcoder=CanonicalJSONTranscoder())
    stored_v1 = {
        "originator_id": "0b8a5c7e-6ad6-5b8c-9f4b-5d3c4e2a1b10",
        "originator_version": 1,
        "timestamp": "2024-01-01T09:00:00Z",
        "event_id": "6f0b5d1e-1c84-4b4e-9d55-64f7a0d1f6a2",
        "effective": "2020-01-01",
        "actor": "clerk",
        "authority": None,
        "corrects": None,
        "source_key": None,
        "body": "wg",
        "member": "kcc",
        "organisation": None,
        "category": "responsible-authority",
        "voting": True,
        "counts_for_quorum": False,
    }
    seat = decode_event("membership.joined/v1", canonical_bytes(stored_v1))
    assert isinstance(seat, MemberJoined)
    assert (seat.counts_for_quorum, seat.roles) == (False, [])
    # Read as /v2, the stored /v1 payload differs only in its topic: roles is left out.
    again = json.loads(mapper.to_stored_event(seat).state)
    assert again == stored_v1

    # A ToR section with an office-holder requirement, as stored before or_offices.
    section = {
        "heading": "Quorum",
        "id": "quorum",
        "number": "6",
        "rules": [
            {
                "all_of": [{"office": "chair", "or_deputy": True, "require": "office-holder"}],
                "kind": "quorum",
            }
        ],
        "text": "",
    }
    parsed = SectionText.model_validate_json(json.dumps(section))
    assert parsed.rules == [QuorumRule(all_of=[OfficeHolderPresent(office="chair")])]
    assert parsed.model_dump(mode="json") == section


def test_an_add_member_entry_imported_by_an_earlier_release_is_recognised(
    ledger: Ledger, tmp_path: Path
) -> None:
    def earlier_digest(command: AddMember) -> str:
        # How the release before this one keyed it: counts_for_quorum true, no roles.
        body: dict[str, Any] = command.model_dump(mode="json", exclude={"id"}, exclude_none=True)
        body["counts_for_quorum"] = True
        return hashlib.sha256(canonical_bytes(body)).hexdigest()

    ledger.execute(
        [
            *registered(),
            EstablishBody(body="wg", name="WG", kind="working-group", effective=date(2015, 1, 1)),
        ]
    )
    police = AddMember(
        body="wg",
        member="kent-police",
        organisation="kent-police",
        category="responsible-authority",
        effective=date(2016, 7, 14),
    )
    porchlight = AddMember(
        id="wg-porchlight",
        body="wg",
        member="porchlight",
        organisation="porchlight",
        category="co-operating-body",
        voting=False,
        effective=date(2016, 7, 14),
    )
    ledger.execute(
        [
            Entry(police, key=f"sha256:{earlier_digest(police)}"),
            Entry(porchlight, key="wg-porchlight", digest=earlier_digest(porchlight)),
        ]
    )
    path = tmp_path / "members.yaml"
    path.write_text(
        "- {type: add-member, body: wg, member: kent-police, organisation: kent-police, "
        "category: responsible-authority, effective: 2016-07-14}\n"
        "- {id: wg-porchlight, type: add-member, body: wg, member: porchlight, "
        "organisation: porchlight, category: co-operating-body, voting: false, "
        "effective: 2016-07-14}\n",
        encoding="utf-8",
    )
    head = ledger.head()
    again = ledger.import_files([path])
    assert (again.recorded, again.skipped) == (0, 2)
    assert ledger.head() == head
