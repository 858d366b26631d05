"""Was this decision validly made, and why; and the decisions of a body, each with its
outcome and whether it was validly made.  Validity is worked out on demand
(``domain/validity.py``) from the read models, all as known at one moment."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from ledger.domain.errors import NotFound
from ledger.domain.meeting_state import MeetingState
from ledger.domain.quorum import QuorumResult
from ledger.domain.rule_kinds import VotingEligibility, rule_of
from ledger.domain.validity import UNRECORDED, Finding, Validity, assess
from ledger.projections import constitution, decisions, meetings, membership
from ledger.queries.quorum import quorum_of

if TYPE_CHECKING:
    from ledger.domain.membership_state import MembershipState
    from ledger.domain.motion_state import MotionState
    from ledger.infra.db import Connection


class DecisionReport(Struct):
    """A motion, its decision, and every finding against it (none: validly made)."""

    motion: str
    body: str
    meeting: str
    date: str
    item: str
    item_title: str
    text: str
    mover: str
    seconder: str | None
    amends: str | None
    key_decision: bool
    outcome: str | None
    method: str | None
    counts: dict[str, int] | None
    votes: list[dict[str, Any]]
    casting: dict[str, str] | None
    resolution: str | None
    takes_effect: str | None
    reasons: str | None
    alternatives: str | None
    interests: str | None
    dispensations: list[str]
    requirement: str
    requirement_source: str
    quorate: bool | None
    arithmetic: str | None
    valid: bool
    findings: list[Finding] = field(default_factory=list)
    election: dict[str, Any] | None = None  # the office and candidates, in an election
    elected: str | None = None
    tallies: dict[str, int] = field(default_factory=dict)
    published: str | None = None
    # What cites this decision as its authority (event summaries, as known).
    authorised: list[str] = field(default_factory=list)


def decision_report(db: Connection, motion: str, known_at: str) -> DecisionReport:
    """The decision on ``motion`` as known at ``known_at``, and whether it was valid."""
    state = decisions.motion_as_known(db, motion, known_at)
    if state is None:
        raise NotFound(f"unknown motion '{motion}' (see 'ledger decisions BODY' for ids)")
    return _report(db, state, known_at, {})


def decision_list(
    db: Connection,
    body: str | None,
    first: date | None,
    last: date | None,
    known_at: str,
    invalid_only: bool = False,
) -> list[DecisionReport]:
    """Every motion (of ``body``, or of all) between two dates, each with its validity.
    The motions of one meeting are judged against one reading of its setting."""
    settings: dict[tuple[str, str, date], _Setting] = {}
    found = [
        _report(db, s, known_at, settings)
        for s in decisions.motions_of(db, body, first, last, known_at)
    ]
    return [r for r in found if not (invalid_only and r.valid)]


def validity(
    db: Connection,
    motion: str,
    known_at: str,
    settings: dict[tuple[str, str, date], _Setting] | None = None,
) -> tuple[str | None, list[Finding]] | None:
    """The outcome of the decision on ``motion`` as known at ``known_at`` and the findings
    against it (None: no such motion recorded): what judging it as authority needs.
    ``settings``: the meetings already read for this answer (see ``decision_list``)."""
    state = decisions.motion_as_known(db, motion, known_at)
    if state is None:
        return None
    result = _assessed(db, state, known_at, {} if settings is None else settings)[2]
    return (state.decision.outcome if state.decision else None), result.findings


class _Setting(Struct):
    """What a meeting's motions are judged against, read once per answer: the meeting,
    its body's membership with its seats' sectors and the ToR's sections with rules on
    its day, and each item's quorum."""

    meeting: MeetingState
    seats: MembershipState
    sections: list[constitution.SectionRules]
    sectors: dict[str, Any]
    quorums: dict[str, QuorumResult] = field(default_factory=dict)


def _setting(
    db: Connection,
    state: MotionState,
    known_at: str,
    settings: dict[tuple[str, str, date], _Setting],
) -> _Setting:
    key = (state.meeting, state.body, state.day)
    found = settings.get(key)
    if found is None:
        meeting = meetings.meeting_as_known(db, state.meeting, known_at)
        if meeting is None:  # the meeting's own record was retracted: a finding, not an error
            meeting = MeetingState(state.meeting, state.body, state.day, None, False, UNRECORDED)
        seats, organisations = membership.membership_with_organisations_on(
            db, meeting.body, meeting.day, known_at
        )
        sectors = {slug: sector for slug, (_name, sector) in organisations.items()}
        sections = constitution.rules_on(db, meeting.body, meeting.day, known_at)
        found = settings[key] = _Setting(meeting, seats, sections, sectors)
    return found


def _assessed(
    db: Connection,
    state: MotionState,
    known_at: str,
    settings: dict[tuple[str, str, date], _Setting],
) -> tuple[MeetingState, QuorumResult | None, Validity]:
    """The motion's meeting, its item's quorum (None if not on the agenda) and its
    validity, each read once (and once for all the motions of a meeting judged in one
    answer, through ``settings``): the meeting, membership and ToR sections of its day."""
    setting = _setting(db, state, known_at, settings)
    meeting, seats, sections = setting.meeting, setting.seats, setting.sections
    quorum = setting.quorums.get(state.item)
    if quorum is None and any(i.item == state.item for i in meeting.items):
        quorum = quorum_of(db, meeting, seats, sections, state.item, known_at, setting.sectors)
        setting.quorums[state.item] = quorum
    eligibility = rule_of(sections, VotingEligibility)
    return meeting, quorum, assess(state, meeting, seats, sections, quorum, eligibility)


def _report(
    db: Connection,
    state: MotionState,
    known_at: str,
    settings: dict[tuple[str, str, date], _Setting],
) -> DecisionReport:
    meeting, quorum, result = _assessed(db, state, known_at, settings)
    d = state.decision
    item = next((i.title for i in meeting.items if i.item == state.item), "")
    return DecisionReport(
        motion=state.motion,
        body=state.body,
        meeting=state.meeting,
        date=state.day.isoformat(),
        item=state.item,
        item_title=item,
        text=state.text,
        mover=state.mover,
        seconder=state.seconder,
        amends=state.amends,
        key_decision=state.key_decision,
        outcome=d.outcome if d else None,
        method=d.method if d else None,
        counts=(t.as_document() if (t := d.tally()) is not None else None) if d else None,
        votes=[v.as_document() for v in d.votes] if d else [],
        casting=d.casting.as_document() if d and d.casting else None,
        resolution=d.resolution if d else None,
        takes_effect=d.takes_effect.isoformat() if d and d.takes_effect else None,
        reasons=d.reasons if d else None,
        alternatives=d.alternatives if d else None,
        interests=d.interests if d else None,
        dispensations=list(d.dispensations) if d else [],
        requirement=result.requirement.describe(),
        requirement_source=result.requirement.source,
        quorate=quorum.quorate if quorum is not None else None,
        arithmetic=result.arithmetic,
        valid=result.valid,
        findings=result.findings,
        election=state.election.as_document() if state.election else None,
        elected=d.elected if d else None,
        tallies={t.candidate: t.votes for t in d.tallies} if d else {},
        published=d.published.isoformat() if d and d.published else None,
        authorised=_authorised(db, state.motion, known_at),
    )


def _authorised(db: Connection, motion: str, known_at: str) -> list[str]:
    """What was recorded, by ``known_at``, on the authority of ``motion`` (still in force
    or not: a correction that drops the citation shows as the correction)."""
    rows = db.query(
        "SELECT position, effective, summary FROM proj_events "
        "WHERE decision = ? AND recorded_at <= ? ORDER BY position",
        [motion, known_at],
    )
    return [f"#{r['position']} effective {r['effective']}: {r['summary']}" for r in rows]
