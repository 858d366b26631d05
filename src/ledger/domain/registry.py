"""The handler of every command: the table the application's one write path runs through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.domain import (
    body,
    checkpoint,
    corrections,
    decision,
    fund_commands,
    meeting,
    membership,
    organisation,
    tor,
)
from ledger.domain.commands import Command, Context
from ledger.domain.events import LedgerEvent

Handler = Callable[[Context, Any], list[LedgerEvent]]

HANDLERS: dict[type[Command], Handler] = {
    body.EstablishBody: body.establish_body,
    body.RenameBody: body.rename_body,
    body.DissolveBody: body.dissolve_body,
    organisation.RegisterOrganisation: organisation.register_organisation,
    organisation.RenameOrganisation: organisation.rename_organisation,
    organisation.SetOrganisationIdentifier: organisation.set_organisation_identifier,
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
    decision.ProposeMotion: decision.propose_motion,
    decision.DecideMotion: decision.decide_motion,
    tor.AdoptTor: tor.adopt_tor,
    tor.AmendSection: tor.amend_section,
    tor.InsertSection: tor.insert_section,
    tor.RepealSection: tor.repeal_section,
    **fund_commands.COMMANDS,
    checkpoint.RecordCheckpoint: checkpoint.record_checkpoint,
    corrections.CorrectEvent: corrections.correct_event,
    corrections.RetractEvent: corrections.retract_event,
}


def handler_for(command: Command) -> Handler:
    """The function that turns ``command`` into events."""
    return HANDLERS[type(command)]
