"""Who sat, and was the meeting quorate, is what a plain replay of the events says.

Hypothesis writes random histories of a body's membership (members joining and leaving
in various categories, voting or not, counting towards quorum or not or as they vote,
holding roles; representatives, substitutes, chairs elected for terms), amendments of
the quorum rule (offices, seats and roles required among them) and of the voting-
eligibility rule in its terms of reference, and two meetings (agenda items, attendance
arriving and leaving by item, substitutes, people in attendance, apologies, interests
with withdrawal), with corrections and retractions, each recorded at a later frozen
moment.  Commands the rules refuse are skipped, as a clerk's would be.  Then, for every
moment on the recorded axis, the membership read model on each date, and the quorum of
every item, must equal a replay in memory; and the ToR's limit of one co-opted member,
in force before anyone joined, holds on every date as known at every moment, however
seats were backdated, corrected or their departures retracted.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from ledger.application import Ledger
from ledger.domain.body import EstablishBody
from ledger.domain.commands import Command
from ledger.domain.corrections import CorrectEvent, RetractEvent
from ledger.domain.errors import LedgerError, NotFound
from ledger.domain.events import LedgerEvent
from ledger.domain.meeting import (
    AddAgendaItem,
    AttendanceRecorded,
    DeclareInterest,
    MeetingOutcome,
    RecordAttendance,
    ScheduleMeeting,
    Status,
)
from ledger.domain.membership import (
    AddMember,
    AppointRepresentative,
    ElectOfficeHolder,
    EndMember,
    MemberJoined,
    MembershipState,
    NameSubstitute,
    membership_id,
)
from ledger.domain.organisation import OrganisationSector, RegisterOrganisation
from ledger.domain.quorum import QuorumResult
from ledger.domain.rules import (
    AnyOf,
    Counted,
    FractionPresent,
    MembershipLimit,
    MinimumPresent,
    OfficeHolderPresent,
    QuorumRule,
    RolePresent,
    SeatPresent,
    VotingEligibility,
)
from ledger.domain.tor import AdoptTor, AmendSection, SectionText
from ledger.infra.chain import utc_text
from ledger.projections import membership as membership_projection
from ledger.projections import replay
from tests.integration.oracle import all_events, on_postgres, on_sqlite

RA = "responsible-authority"
START = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
JUNE = "wg-2020-06-15"
SEPTEMBER = "wg-2020-09-15"
ITEMS = {JUNE: ["1", "2", "3"], SEPTEMBER: ["1", "2"]}
DAY_OF = {JUNE: date(2020, 6, 15), SEPTEMBER: date(2020, 9, 15)}
MEMBERS = ["m-a", "m-b", "m-c", "m-d"]
PEOPLE = ["p1", "p2", "p3", "p4", "p5"]
# Two people share a name, as people do.
NAME_OF = {"p1": "Ann", "p2": "Bob", "p3": "Cy", "p4": "Di", "p5": "Ann"}
ORGANISATIONS = st.sampled_from([None, "o-pol", "o-nhs", "o-la"])
CATEGORIES = st.sampled_from([RA, RA, "co-opted", "invitee"])
EARLY = st.dates(min_value=date(2020, 1, 1), max_value=date(2020, 6, 14))
# Dates near the meetings, so joining, leaving and amending fall either side of them.
DAYS = st.one_of(
    st.sampled_from(
        [
            date(2020, 1, 1),
            date(2020, 6, 14),
            date(2020, 6, 15),
            date(2020, 6, 16),
            date(2020, 9, 14),
            date(2020, 9, 15),
            date(2020, 9, 16),
        ]
    ),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2020, 12, 31)),
)
ELECTED = "elected-member"
RULES = st.sampled_from(
    [
        QuorumRule(all_of=[MinimumPresent(at_least=2, of=Counted.ORGANISATIONS, category=RA)]),
        QuorumRule(all_of=[MinimumPresent(at_least=2)]),
        QuorumRule(all_of=[FractionPresent(numerator=1, denominator=2)]),
        QuorumRule(
            all_of=[
                FractionPresent(numerator=2, denominator=3, of=Counted.ORGANISATIONS, category=RA)
            ]
        ),
        QuorumRule(
            all_of=[
                MinimumPresent(at_least=1, sector="health"),
                OfficeHolderPresent(office="chair"),
            ]
        ),
        QuorumRule(
            all_of=[
                AnyOf(
                    options=[
                        MinimumPresent(at_least=3),
                        OfficeHolderPresent(office="chair", or_deputy=False),
                    ]
                )
            ]
        ),
        QuorumRule(
            all_of=[
                MinimumPresent(at_least=2),
                OfficeHolderPresent(office="chair", or_deputy=False, or_offices=["vice-chair"]),
                RolePresent(role=ELECTED),
            ]
        ),
        QuorumRule(
            all_of=[
                SeatPresent(member="m-a"),
                AnyOf(options=[RolePresent(role=ELECTED, at_least=2), SeatPresent(member="m-b")]),
            ]
        ),
    ]
)
VOTING_RULES = st.sampled_from(
    [
        [],
        [VotingEligibility(categories=[RA])],
        [VotingEligibility(categories=[RA, "co-opted"])],
        [VotingEligibility(categories=["invitee"])],
    ]
)


def setup(quorum: QuorumRule, voting: list[VotingEligibility]) -> list[Command]:
    """Organisations, the body, its ToR (a quorum rule, one co-opted member, perhaps a
    voting-eligibility rule) and two meetings with their agendas: the ground every
    history builds on."""
    return [
        RegisterOrganisation(
            organisation="o-pol",
            name="Police",
            sector=OrganisationSector.POLICE,
            effective=date(2019, 1, 1),
        ),
        RegisterOrganisation(
            organisation="o-nhs",
            name="NHS",
            sector=OrganisationSector.HEALTH,
            effective=date(2019, 1, 1),
        ),
        RegisterOrganisation(
            organisation="o-la",
            name="Council",
            sector=OrganisationSector.LOCAL_AUTHORITY,
            effective=date(2019, 1, 1),
        ),
        EstablishBody(body="wg", name="WG", kind="working-group", effective=date(2019, 1, 1)),
        AdoptTor(
            body="wg",
            effective=date(2020, 1, 1),
            sections=[
                SectionText(
                    id="membership",
                    number="3",
                    heading="Membership",
                    rules=[MembershipLimit(category="co-opted", at_most=1)],
                ),
                SectionText(
                    id="quorum",
                    number="6",
                    heading="Quorum",
                    rules=[quorum],
                ),
                SectionText(id="decision-making", number="7", heading="Decisions", rules=voting),
            ],
        ),
        ScheduleMeeting(body="wg", effective=date(2020, 6, 15)),
        ScheduleMeeting(body="wg", effective=date(2020, 9, 15)),
        *(
            AddAgendaItem(meeting=m, item=i, title=f"Item {i}")
            for m, items in ITEMS.items()
            for i in items
        ),
    ]


def draw_command(
    data: st.DataObject, events: list[LedgerEvent], first: int, kind: str | None = None
) -> Command:
    """A command a clerk might plausibly type next, given what is already recorded;
    most are accepted, some are refused (and skipped)."""
    first_joins, first_attendance = kind == "join", kind == "attend"
    kind = kind or data.draw(
        st.sampled_from(
            ["join"] * 4
            + ["leave", "represent", "substitute", "substitute", "elect", "elect"]
            + ["amend", "amend", "vote"]
            + ["attend"] * 14
            + ["interest", "interest", "outcome", "correct", "correct", "correct", "retract"]
        )
    )
    joined = sorted({e.member for e in events if isinstance(e, MemberJoined)})
    fresh = [m for m in MEMBERS if m not in joined]
    member = data.draw(st.sampled_from((fresh if kind == "join" else joined) or MEMBERS))
    person = data.draw(st.sampled_from(PEOPLE))
    day = data.draw(DAYS)
    if kind == "join":
        if first_joins:
            member = fresh[0]
            person = data.draw(st.sampled_from([PEOPLE[MEMBERS.index(member)]] * 3 + PEOPLE))
        return AddMember(
            body="wg",
            member=member,
            organisation=data.draw(ORGANISATIONS),
            category=data.draw(CATEGORIES),
            voting=data.draw(st.sampled_from([True] * 3 + [False, False])),
            counts_for_quorum=data.draw(st.sampled_from([None] * 3 + [True, True, False])),
            roles=data.draw(st.sampled_from([[], [], [ELECTED]])),
            representative=data.draw(st.sampled_from([person, person, person, None])),
            representative_name=NAME_OF[person],
            effective=data.draw(EARLY if first_joins else st.one_of(EARLY, DAYS)),
        )
    if kind == "leave":
        return EndMember(body="wg", member=member, effective=day)
    if kind in ("represent", "substitute"):
        cls = AppointRepresentative if kind == "represent" else NameSubstitute
        return cls(
            body="wg",
            member=member,
            person=person,
            name=NAME_OF[person],
            effective=data.draw(st.one_of(EARLY, DAYS)),
        )
    if kind == "elect":
        return ElectOfficeHolder(
            body="wg",
            office=data.draw(st.sampled_from(["chair", "vice-chair"])),
            person=person,
            name=NAME_OF[person],
            effective=data.draw(st.one_of(EARLY, DAYS)),
            term_end=data.draw(st.one_of(st.none(), DAYS)),
        )
    if kind == "amend":
        rules = data.draw(
            st.one_of(RULES.map(lambda r: [r]), st.just([]), RULES.map(lambda r: [r]))
        )
        return AmendSection(body="wg", section="quorum", effective=day, rules=rules)
    if kind == "vote":
        return AmendSection(
            body="wg", section="decision-making", effective=day, rules=data.draw(VOTING_RULES)
        )
    meeting = JUNE if first_attendance else data.draw(st.sampled_from([JUNE, SEPTEMBER]))
    item = st.sampled_from(ITEMS[meeting])
    # Most often, someone the history has seated by the meeting's day comes.
    seats = replay.membership_on(events, "wg", DAY_OF[meeting]).seats
    seated = [(s.representative.person, s.member, False) for s in seats if s.representative]
    seated += [(s.substitute.person, s.member, True) for s in seats if s.substitute]
    if seated and data.draw(st.sampled_from([True, True, True, False])):
        person, member, substitute = data.draw(st.sampled_from(seated))
    else:
        substitute = False
    if kind == "attend":
        status = (
            Status.SUBSTITUTE
            if substitute
            else data.draw(st.sampled_from([Status.PRESENT] * 8 + list(Status)))
        )
        fields: dict[str, Any] = {}
        if status == Status.SUBSTITUTE:
            fields["substitute_for"] = data.draw(st.sampled_from([member, *MEMBERS]))
        else:
            fields["member"] = data.draw(st.sampled_from([None, None, member]))
        return RecordAttendance(
            meeting=meeting,
            person=person,
            name=NAME_OF[person],
            status=status,
            from_item=data.draw(st.sampled_from([None] * 4 + ITEMS[meeting])),
            to_item=data.draw(st.sampled_from([None] * 4 + ITEMS[meeting])),
            **fields,
        )
    if kind == "interest":
        return DeclareInterest(
            meeting=meeting,
            person=person,
            item=data.draw(item),
            interest="a declared interest",
            withdrew=data.draw(st.booleans()),
        )
    if kind == "outcome":
        outcome = data.draw(st.sampled_from(["held", "held", "held", "cancelled", "dissolved"]))
        return MeetingOutcome(meeting=meeting, outcome=outcome)
    # Corrections and retractions aim mostly at what the history itself recorded,
    # attendance above all.
    attendance = [
        n for n, e in enumerate(events, start=1) if isinstance(e, AttendanceRecorded) and n > first
    ]
    later = list(range(first + 1, len(events) + 1))
    choices = [st.integers(min_value=1, max_value=max(1, len(events)))]
    choices += [st.sampled_from(later)] if later else []
    choices += [st.sampled_from(attendance)] * 2 if attendance else []
    position = data.draw(st.one_of(*choices))
    if kind == "retract":
        return RetractEvent(event=f"#{position}", reason="recorded in error")
    change = data.draw(
        st.sampled_from(
            [
                {"status": "present"},
                {"status": "apologies"},
                {"status": "in-attendance"},
                {"to_item": "1"},
                {"from_item": "2"},
                {"member": data.draw(st.sampled_from(MEMBERS))},
                {"withdrew": True},
                {"voting": False},
                {"voting": True},
                {"counts_for_quorum": False},
                {"counts_for_quorum": True},
                {"counts_for_quorum": None},
                {"roles": [ELECTED]},
                {"roles": []},
                {"category": "co-opted"},
                {"category": "invitee"},
                {"person": person},
                {"term_end": "2020-06-15"},
                {},
            ]
        )
    )
    return CorrectEvent(
        event=f"#{position}",
        changes=change,
        effective=None if change else day,
        reason="the minutes were corrected",
    )


REASON = re.compile(r"\b(m-[a-d]|p[1-5]|Ann|Bob|Cy|Di|item [0-9]|2020-[0-9-]+|[0-9]+)\b")


def ordered(state: MembershipState) -> MembershipState:
    """The same membership, seats and offices in a fixed order (tables have no order)."""
    return replace(
        state,
        seats=tuple(sorted(state.seats, key=lambda s: s.member)),
        offices=tuple(sorted(state.offices, key=lambda o: o.office)),
    )


def moment_text(known_at: datetime | None) -> str:
    return utc_text(known_at) if known_at else "9999-12-31T23:59:59.999999Z"


def ledger_quorum(ledger: Ledger, meeting: str, item: str | None, known_at: datetime | None):  # type: ignore[no-untyped-def]
    try:
        return ledger.quorum(meeting, item=item, known_at=known_at)
    except NotFound as exc:
        return type(exc)


def replay_quorum(
    events: list[LedgerEvent], meeting: str, item: str | None, known_at: datetime | None
) -> QuorumResult | type[NotFound]:
    try:
        return replay.quorum(events, meeting, item, known_at)
    except NotFound as exc:
        return type(exc)


def run_history(url: str, data: st.DataObject) -> None:
    moment = START
    with Ledger(url, actor="oracle") as ledger, freeze_time(moment) as clock:
        initial = data.draw(RULES, label="quorum")
        event(f"initially {initial.describe()}")
        ledger.execute(setup(initial, data.draw(VOTING_RULES)))
        first = ledger.count()
        events = all_events(ledger)
        # Members join; the clerk records who came; then anything may happen, in any order.
        joins = data.draw(st.integers(min_value=2, max_value=len(MEMBERS)), label="joins")
        attends = data.draw(st.integers(min_value=3, max_value=8), label="attendance")
        steps = data.draw(st.integers(min_value=4, max_value=16), label="steps")
        kinds = ["join"] * joins + ["attend"] * attends + [None] * steps
        for kind in kinds:
            # Each command some hours after the one before, or at the very same moment.
            moment += timedelta(hours=data.draw(st.integers(min_value=0, max_value=2)))
            command = draw_command(data, events, first, kind)
            clock.move_to(moment)
            try:
                receipt = ledger.execute([command])
            except LedgerError as exc:
                if "would have" in str(exc):
                    event(f"refused {type(command).__name__}: over the co-opted limit")
                continue
            event(f"recorded {type(command).__name__}")
            if receipt.warnings:
                event(f"warned {type(command).__name__}")
            events = all_events(ledger)
        ledger.projections.catch_up()

        recorded = sorted({e.timestamp for e in events})
        knowns: list[datetime | None] = [
            None,
            *recorded,
            *(t - timedelta(microseconds=1) for t in recorded),
        ]
        # Every date the membership changed (a term ending aside), and the meetings'.
        changed = {e.effective for e in events if e.originator_id == membership_id("wg")}
        membership_days = sorted(changed | set(DAY_OF.values()))
        for known_at in knowns:
            for day in membership_days:
                expected = ordered(replay.membership_on(events, "wg", day, known_at))
                co_opted = [s.member for s in expected.seats if s.category == "co-opted"]
                assert len(co_opted) <= 1, (day, known_at, co_opted)
                found = membership_projection.membership_on(
                    ledger.db, "wg", day, moment_text(known_at)
                )
                assert ordered(found) == expected, (day, known_at)
            for meeting, items in ITEMS.items():
                for item in [None, *items]:
                    expected_quorum = replay_quorum(events, meeting, item, known_at)
                    if isinstance(expected_quorum, QuorumResult) and known_at is None:
                        event(f"quorate: {expected_quorum.quorate}")
                        for reason in expected_quorum.not_counted:
                            event(f"not counted: {REASON.sub('X', reason.reason)}")
                        if any(not c.votes for c in expected_quorum.counted):
                            event("counted a non-voting seat")
                        for r in expected_quorum.requirements:
                            if r.missing:
                                event(f"missing: {REASON.sub('X', r.missing)}")
                    assert ledger_quorum(ledger, meeting, item, known_at) == expected_quorum, (
                        meeting,
                        item,
                        known_at,
                    )

        # members() reports what the read model holds; and a rebuild changes no answer.
        for day in membership_days:
            expected = replay.membership_on(events, "wg", day)
            report = ledger.members("wg", day)
            assert [(m.member, m.representative, m.substitute) for m in report.members] == [
                (
                    s.member,
                    s.representative.name if s.representative else None,
                    s.substitute.name if s.substitute else None,
                )
                for s in ordered(expected).seats
            ]
        ledger.rebuild_projections()
        for meeting, items in ITEMS.items():
            for item in [None, *items]:
                assert ledger_quorum(ledger, meeting, item, None) == replay_quorum(
                    events, meeting, item, None
                )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_membership_and_quorum_match_a_plain_replay_on_sqlite(data: st.DataObject) -> None:
    on_sqlite(run_history, data)


@pytest.mark.postgres
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_membership_and_quorum_match_a_plain_replay_on_postgresql(data: st.DataObject) -> None:
    on_postgres(run_history, data)
