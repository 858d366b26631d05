"""Every kind of entry the ledger accepts, as one discriminated union of the commands.

Import files and ``correct`` validate against it, and the import file's JSON Schema is
generated from it.
"""

from __future__ import annotations

from typing import Annotated, Any, get_args

from pydantic import ConfigDict, Field, TypeAdapter

from ledger.domain import (
    body,
    corrections,
    decision,
    meeting,
    membership,
    organisation,
    tor,
)
from ledger.domain import fund_commands as fund

AnyCommand = Annotated[
    body.EstablishBody
    | body.RenameBody
    | body.DissolveBody
    | organisation.RegisterOrganisation
    | organisation.RenameOrganisation
    | organisation.SetOrganisationIdentifier
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
    | decision.ProposeMotion
    | decision.DecideMotion
    | tor.AdoptTor
    | tor.AmendSection
    | tor.InsertSection
    | tor.RepealSection
    | fund.CreateFund
    | fund.ReceiveIncome
    | fund.ReduceIncome
    | fund.AllocateFunds
    | fund.VaryAllocation
    | fund.WithdrawAllocation
    | fund.RecordSpend
    | fund.ReturnUnderspend
    | fund.VireFunds
    | fund.CarryForward
    | corrections.CorrectEvent
    | corrections.RetractEvent,
    Field(discriminator="type"),
]

# Its validator (and the import schema) are built on first use, not at import.
COMMAND_ADAPTER: TypeAdapter[Any] = TypeAdapter(AnyCommand, config=ConfigDict(defer_build=True))
ENTRY_TYPES = sorted(cls.model_fields["type"].default for cls in get_args(get_args(AnyCommand)[0]))
