"""Every command the ledger accepts, with its handler: one table for the CLI and imports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from ledger.domain import body, corrections, meeting, membership, organisation, tor
from ledger.domain.commands import Command, Context
from ledger.domain.events import LedgerEvent

Handler = Callable[[Context, Any], list[LedgerEvent]]

HANDLERS: dict[type[Command], Handler] = {
    body.EstablishBody: body.establish_body,
    body.RenameBody: body.rename_body,
    body.DissolveBody: body.dissolve_body,
    organisation.RegisterOrganisation: organisation.register_organisation,
    organisation.RenameOrganisation: organisation.rename_organisation,
    organisation.CloseOrganisation: organisation.close_organisation,
    membership.AddMember: membership.add_member,
    membership.EndMember: membership.end_member,
    membership.AppointRepresentative: membership.appoint_representative,
    membership.NameSubstitute: membership.name_substitute,
    membership.ElectOfficeHolder: membership.elect_office_holder,
    meeting.ScheduleMeeting: meeting.schedule_meeting,
    meeting.MeetingOutcome: meeting.meeting_outcome,
    meeting.AddAgendaItem: meeting.add_agenda_item,
    meeting.RecordAttendance: meeting.record_attendance,
    meeting.DeclareInterest: meeting.declare_interest,
    meeting.ApproveMinutes: meeting.approve_minutes,
    tor.AdoptTor: tor.adopt_tor,
    tor.AmendSection: tor.amend_section,
    tor.InsertSection: tor.insert_section,
    tor.RepealSection: tor.repeal_section,
    corrections.CorrectEvent: corrections.correct_event,
    corrections.RetractEvent: corrections.retract_event,
}

AnyCommand = Annotated[
    body.EstablishBody
    | body.RenameBody
    | body.DissolveBody
    | organisation.RegisterOrganisation
    | organisation.RenameOrganisation
    | organisation.CloseOrganisation
    | membership.AddMember
    | membership.EndMember
    | membership.AppointRepresentative
    | membership.NameSubstitute
    | membership.ElectOfficeHolder
    | meeting.ScheduleMeeting
    | meeting.MeetingOutcome
    | meeting.AddAgendaItem
    | meeting.RecordAttendance
    | meeting.DeclareInterest
    | meeting.ApproveMinutes
    | tor.AdoptTor
    | tor.AmendSection
    | tor.InsertSection
    | tor.RepealSection
    | corrections.CorrectEvent
    | corrections.RetractEvent,
    Field(discriminator="type"),
]

COMMAND_ADAPTER: TypeAdapter[Any] = TypeAdapter(AnyCommand)
ENTRY_TYPES = sorted(cls.model_fields["type"].default for cls in HANDLERS)


def handler_for(command: Command) -> Handler:
    return HANDLERS[type(command)]
