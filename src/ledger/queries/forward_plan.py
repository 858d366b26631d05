"""The forward plan: decisions still pending on a date.

A decision (a motion carried or agreed) is pending on a date when it takes effect after
that date, or when it is still inside its call-in period: where the terms of reference
in force on its meeting's date carry a ``call-in`` rule (and, with
``key_decisions_only``, the motion is a key decision), the period runs for that many
working days in England and Wales from the meeting, or from the decision's publication.
A decision whose period runs from publication and that was not yet published on the
date is awaiting publication, so pending too.  Each is shown with whether it was validly
made (``queries/decisions.py``), everything read from the read models as known at one
moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ledger.domain.rule_kinds import CallIn, RunsFrom, rule_of
from ledger.domain.validity import Finding
from ledger.domain.working_days import add_working_days
from ledger.projections import constitution, decisions
from ledger.queries.decisions import decision_report

if TYPE_CHECKING:
    from ledger.domain.decision import MotionState
    from ledger.infra.db import Connection

MADE = ("carried", "agreed")  # the outcomes that are decisions to act on


@dataclass
class PendingDecision:
    """A decision pending on the plan's date, why it is, and whether it was validly made."""

    motion: str
    body: str
    meeting: str
    date: str
    item: str
    text: str
    outcome: str
    key_decision: bool
    takes_effect: str | None
    published: str | None
    call_in_rule: str | None  # the ToR section carrying the call-in rule that applies
    call_in: str | None  # that rule, in words
    call_in_ends: str | None  # the last day a call-in may be made (None: not yet known)
    awaiting_publication: bool  # the period runs from publication, not yet made
    why: str
    valid: bool
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class _Period:
    ends: date | None
    awaiting_publication: bool
    phrase: str

    def open_on(self, on: date) -> bool:
        """Whether a call-in could still be made on ``on`` (to the end of the last day)."""
        return self.awaiting_publication or (self.ends is not None and on <= self.ends)


def forward_plan(
    db: Connection, body: str | None, on: date, known_at: str
) -> list[PendingDecision]:
    """Every decision (of ``body``, or of all) pending on ``on``, by meeting date."""
    in_force: dict[tuple[str, date], tuple[CallIn, str] | None] = {}
    plan = []
    for state in decisions.motions_of(db, body, None, on, known_at):
        d = state.decision
        if d is None or d.outcome not in MADE:
            continue
        key = (state.body, state.day)
        if key not in in_force:  # the rule in force on the meeting's date
            tor = constitution.tor_on(db, state.body, state.day, known_at)
            in_force[key] = rule_of(tor.sections, CallIn) if tor is not None else None
        call_in = in_force[key]
        if call_in is not None and call_in[0].key_decisions_only and not state.key_decision:
            call_in = None
        period = _period(call_in[0], state, on) if call_in is not None else None
        why = []
        if d.takes_effect is not None and d.takes_effect > on:
            why.append(f"takes effect on {d.takes_effect.isoformat()}")
        if period is not None and period.open_on(on):
            why.append(period.phrase)
        if not why:
            continue
        report = decision_report(db, state.motion, known_at)
        plan.append(
            PendingDecision(
                motion=state.motion,
                body=state.body,
                meeting=state.meeting,
                date=state.day.isoformat(),
                item=state.item,
                text=state.text,
                outcome=d.outcome,
                key_decision=state.key_decision,
                takes_effect=d.takes_effect.isoformat() if d.takes_effect else None,
                published=d.published.isoformat() if d.published else None,
                call_in_rule=call_in[1] if call_in is not None else None,
                call_in=call_in[0].describe() if call_in is not None else None,
                call_in_ends=period.ends.isoformat() if period and period.ends else None,
                awaiting_publication=period is not None and period.awaiting_publication,
                why="; ".join(why),
                valid=report.valid,
                findings=report.findings,
            )
        )
    return plan


def _period(rule: CallIn, state: MotionState, on: date) -> _Period:
    """The call-in period of a decision under ``rule``, as it stood on ``on``."""
    assert state.decision is not None
    published = state.decision.published
    days = rule.period()
    if rule.runs_from == RunsFrom.MEETING:
        ends = add_working_days(state.day, rule.working_days)
        return _Period(ends, False, f"open to call-in until {ends} ({days} from the meeting)")
    if published is None:
        return _Period(None, True, f"awaiting publication, then open to call-in for {days}")
    ends = add_working_days(published, rule.working_days)
    if published > on:
        return _Period(
            ends, True, f"to be published on {published}, then open to call-in until {ends}"
        )
    return _Period(ends, False, f"open to call-in until {ends} ({days} from publication)")
