"""Every command the ledger accepts, with its handler: one table for the CLI and imports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from ledger.domain import body, corrections, tor
from ledger.domain.commands import Command, Context
from ledger.domain.events import LedgerEvent

Handler = Callable[[Context, Any], list[LedgerEvent]]

HANDLERS: dict[type[Command], Handler] = {
    body.EstablishBody: body.establish_body,
    body.RenameBody: body.rename_body,
    body.DissolveBody: body.dissolve_body,
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
