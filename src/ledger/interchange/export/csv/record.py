"""The files of the log and of the record's versions over time: events, bodies,
organisations, ToR section versions, seats (memberships) and offices."""

from __future__ import annotations

from ledger.domain.body import BodyKind
from ledger.domain.membership import CATEGORIES
from ledger.domain.organisation import OrganisationSector
from ledger.interchange.export.csv.columns import Column, Table, joined, one_of
from ledger.queries.whole_record import (
    BodyVersion,
    EventRecord,
    OfficeVersion,
    OrganisationVersion,
    SeatVersion,
    SectionVersion,
)

FROM = "The first day this version was in force (its effective date)."
UNTIL = (
    "The first day it was no longer in force (exclusive); empty: still in force, as far as "
    "the record knows."
)

EVENTS: Table[EventRecord] = Table(
    "events.csv",
    "stored event, in the log's order (corrected and retracted ones too)",
    (
        Column("position", "number", "Its position in the log and the audit chain (1, 2, ...)."),
        Column("recorded", "time", "When the ledger recorded it.", lambda e: e.recorded_at),
        Column("effective", "date", "When it takes effect (the date the user gave)."),
        Column("topic", "id", "What kind of event it is, e.g. body.renamed/v1."),
        Column("event_id", "id", "Its event id."),
        Column("aggregate_id", "id", "The id of the thing it belongs to (a body, a meeting ...)."),
        Column(
            "aggregate_version",
            "number",
            "Its place in that thing's history (1, 2, ...).",
            lambda e: e.version,
        ),
        Column("body", "id", "The body it concerns (empty: none, e.g. an organisation)."),
        Column("actor", "text", "Who recorded it."),
        Column(
            "authority_meeting",
            "text",
            "The meeting it cites as its authority.",
            lambda e: e.meeting,
        ),
        Column(
            "authority_item", "text", "The agenda item (minute) at that meeting.", lambda e: e.item
        ),
        Column("authority_paper", "text", "The paper or report it cites.", lambda e: e.paper),
        Column(
            "authority_decision",
            "id",
            "The decision (motion id) it cites as authority.",
            lambda e: e.decision,
        ),
        Column("authority_note", "text", "Any other authority it gives.", lambda e: e.note),
        Column("corrects", "id", "The event id of the earlier event it corrects or retracts."),
        Column(
            "corrected_by",
            "list",
            "The event ids of later events that correct or retract it (space-separated).",
            lambda e: joined(e.corrected_by, " "),
        ),
        Column("key", "text", "The import key of the entry it was recorded from."),
        Column("summary", "text", "One line saying what happened."),
        Column(
            "chain_hash",
            "id",
            "The audit chain's link at this position (SHA-256, hex), as `ledger verify` "
            "recomputes it.",
            lambda e: e.hash,
        ),
        Column(
            "leaf_hash",
            "id",
            "Its Merkle leaf (RFC 9162): SHA-256 of 0x00 and the stored canonical bytes, "
            "hex; the leaf a checkpoint's root covers.",
            lambda e: e.leaf_hash,
        ),
    ),
)

BODIES: Table[BodyVersion] = Table(
    "bodies.csv",
    "version of a body (a new one when it is renamed, moved or dissolved)",
    (
        Column("body", "id", "The body's id."),
        Column("name", "text", "Its name in this version."),
        Column("kind", "id", "What sort of body it is: " + one_of(BodyKind) + "."),
        Column("parent", "id", "The body it reports to (empty: none)."),
        Column("established", "date", "When it was established."),
        Column("dissolved", "date", "When it was dissolved (empty: it was not)."),
        Column("in_force_from", "date", FROM, lambda v: v.valid_from),
        Column("in_force_until", "date", UNTIL, lambda v: v.valid_to),
    ),
)

ORGANISATIONS: Table[OrganisationVersion] = Table(
    "organisations.csv",
    "version of an organisation (a new one when it is renamed or closed)",
    (
        Column("organisation", "id", "The organisation's id."),
        Column("name", "text", "Its name in this version."),
        Column("short_name", "text", "Its short name, if any (e.g. OPCC)."),
        Column("sector", "id", "Its sector: " + one_of(OrganisationSector) + "."),
        Column("registered", "date", "When it came into being, as recorded."),
        Column("closed", "date", "When it ceased to exist (empty: it has not)."),
        Column("successor", "id", "The organisation that took over from it, if any."),
        Column(
            "identifier",
            "id",
            "Its org-id.guide identifier in this version (e.g. GB-LAE-KEN), if recorded.",
        ),
        Column("in_force_from", "date", FROM, lambda v: v.valid_from),
        Column("in_force_until", "date", UNTIL, lambda v: v.valid_to),
    ),
)

TOR_VERSIONS: Table[SectionVersion] = Table(
    "tor_versions.csv",
    "version of one section of a body's terms of reference",
    (
        Column("body", "id", "The body whose terms of reference these are."),
        Column("section", "id", "The section's id (stable across versions)."),
        Column(
            "order",
            "number",
            "Its place in the document in this version (0, 1, ...).",
            lambda v: v.ordinal,
        ),
        Column("number", "text", "Its number as printed (e.g. 6)."),
        Column("heading", "text", "Its heading."),
        Column("text", "text", "Its text."),
        Column(
            "rules",
            "text",
            "The structured rules it carries (quorum, meeting frequency ...), as JSON; "
            "[] for none.",
        ),
        Column("in_force_from", "date", FROM, lambda v: v.valid_from),
        Column("in_force_until", "date", UNTIL, lambda v: v.valid_to),
        Column(
            "status",
            "text",
            "On the day of the export: in force, prospective (takes effect later), "
            "superseded (a later version replaced it) or repealed (none followed it).",
        ),
        Column("changed_on", "date", "The effective date of the change that made this text."),
        Column("changed_by", "id", "That change's event id (see events.csv)."),
        Column(
            "changed_at_position",
            "number",
            "That change's position in the log.",
            lambda v: v.position,
        ),
        Column("recorded", "time", "When that change was recorded.", lambda v: v.recorded_at),
        Column("authority", "text", "The authority that change cites (meeting, item, paper ...)."),
        Column(
            "authority_decision",
            "id",
            "The decision that change cites, if any.",
            lambda v: v.decision,
        ),
    ),
)

MEMBERSHIPS: Table[SeatVersion] = Table(
    "memberships.csv",
    "version of a seat on a body: who held it for which organisation, from when to when",
    (
        Column("body", "id", "The body the seat is on."),
        Column("seat", "id", "The seat's id (e.g. kent-police)."),
        Column("organisation", "id", "The organisation it is held for (empty: an individual)."),
        Column(
            "organisation_name",
            "text",
            "That organisation's name when this version began (see organisations.csv).",
        ),
        Column("category", "id", "The seat's category, usually one of " + one_of(CATEGORIES) + "."),
        Column("voting", "flag", "Whether the seat votes, as recorded."),
        Column(
            "counts_for_quorum",
            "flag",
            "Whether it counts towards quorum, as recorded (empty: if it votes).",
        ),
        Column(
            "roles",
            "list",
            "Its roles, e.g. chair-of-subgroup (space-separated).",
            lambda v: joined(v.roles, " "),
        ),
        Column("joined", "date", "When the seat was added to the body."),
        Column("representative", "id", "The person who holds it (their id)."),
        Column("representative_name", "text", "Their name."),
        Column("representative_role", "text", "Their role or title."),
        Column("substitute", "id", "The named substitute (their id)."),
        Column("substitute_name", "text", "Their name."),
        Column("substitute_role", "text", "Their role or title."),
        Column(
            "authority_decision",
            "id",
            "The decision the seat's joining cites, if any.",
            lambda v: v.decision,
        ),
        Column("in_force_from", "date", FROM, lambda v: v.valid_from),
        Column(
            "in_force_until",
            "date",
            "The first day this version no longer held (the seat left, or someone else "
            "took it); empty: it still holds, as far as the record knows.",
            lambda v: v.valid_to,
        ),
    ),
)

OFFICES: Table[OfficeVersion] = Table(
    "offices.csv",
    "holder of an office (chair, vice-chair) of a body, from when to when",
    (
        Column("body", "id", "The body."),
        Column("office", "text", "The office, e.g. chair."),
        Column("person", "id", "The holder's id."),
        Column("name", "text", "The holder's name."),
        Column("elected", "date", "When they were elected."),
        Column("term_end", "date", "The last day of their term, if one was set."),
        Column(
            "authority_decision",
            "id",
            "The decision that elected them, if one is cited.",
            lambda v: v.decision,
        ),
        Column("in_force_from", "date", FROM, lambda v: v.valid_from),
        Column("in_force_until", "date", UNTIL, lambda v: v.valid_to),
    ),
)
