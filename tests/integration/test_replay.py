"""``ledger replay``: a scrutiny committee steps through the record, sees what each event
changed in every answer, and sees that the record is intact.

The demo ledger is built once per backend and only read.  A smaller story is built once
per backend too: the KCSP Working Group (four responsible authorities make a quorum)
meets with three of them there and decides a motion; a fourth is recorded later, then
corrected to apologies, the quorum is amended to three, money is allocated on the
decision and the correction is retracted, each at its own recorded time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from freezegun import freeze_time

from ledger.application import Ledger, ReplayStep
from ledger.cli.main import cli
from ledger.domain.corrections import CorrectEvent, RetractEvent
from ledger.domain.decision import Counts, DecideMotion, How, Outcome, ProposeMotion
from ledger.domain.errors import IntegrityFailure, NotFound, ValidationError
from ledger.domain.events import Authority
from ledger.domain.fund_commands import AllocateFunds, CreateFund, ReceiveIncome
from ledger.domain.tor import AmendSection
from tests.conftest import drop_pg_schema, new_pg_url
from tests.integration.raw import Raw
from tests.integration.test_quorum import (
    THREE_AUTHORITIES,
    attend,
    held,
    meeting,
    working_group,
)

DOCS = Path(__file__).parents[2] / "docs" / "replaying.md"
MEETING = "wg-2024-03-14"
MOTION = "wg-2024-03-14-1a"


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def backend_url(request: pytest.FixtureRequest, folder: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(folder / "ledger.db")
        return
    url = new_pg_url()
    yield url
    drop_pg_schema(url)


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


# --- the story -----------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    url: str
    steps: list[ReplayStep]

    def step(self, topic: str, text: str = "") -> ReplayStep:
        """The one step of this topic whose summary holds ``text``."""
        found = [s for s in self.steps if s.topic.startswith(topic) and text in s.summary]
        assert len(found) == 1, [(s.position, s.summary) for s in found]
        return found[0]


def record_story(ledger: Ledger) -> None:
    with freeze_time("2025-01-10 09:00:00"):
        ledger.execute(
            [
                *working_group(),
                *meeting("wg", date(2024, 3, 14), items=1),
                held(MEETING),
                attend(MEETING, "c-hart", "Chief Inspector Hart"),
                attend(MEETING, "k-jones", "Kim Jones"),
                attend(MEETING, "f-white", "Fay White"),
                ProposeMotion(
                    motion=MOTION,
                    meeting=MEETING,
                    item="1",
                    text="To fund the bid",
                    mover="c-hart",
                    seconder="k-jones",
                ),
                DecideMotion(
                    motion=MOTION,
                    outcome=Outcome.CARRIED,
                    method=How.SHOW_OF_HANDS,
                    counts=Counts(yes=3, no=0, abstain=0),
                ),
                CreateFund(
                    fund="csf",
                    name="Community Safety Fund",
                    body="wg",
                    funders=["Kent PCC"],
                    effective=date(2024, 3, 1),
                ),
                ReceiveIncome(
                    fund="csf",
                    year="2024/25",
                    source="Kent PCC",
                    amount="£10,000.00",
                    effective=date(2024, 4, 1),
                ),
            ]
        )
    with freeze_time("2025-01-11 09:00:00"):
        ledger.execute([attend(MEETING, "m-shah", "Mo Shah")])
    shah = ledger.log()[-1].position
    with freeze_time("2025-01-12 09:00:00"):
        ledger.execute(
            [CorrectEvent(event=f"#{shah}", changes={"status": "apologies"}, reason="minuted")]
        )
    correction = ledger.log()[-1].position
    with freeze_time("2025-01-13 09:00:00"):
        ledger.execute(
            [
                AmendSection(
                    body="wg",
                    section="quorum",
                    text="No less than three of the responsible authorities represented.",
                    rules=[THREE_AUTHORITIES],
                    effective=date(2024, 1, 1),
                    authority=Authority(meeting="kcsp-2023-12-07", item="4", paper="ToR review"),
                )
            ]
        )
    with freeze_time("2025-01-14 09:00:00"):
        ledger.execute(
            [
                AllocateFunds(
                    fund="csf",
                    year="2024/25",
                    allocation="csf-2024-01",
                    recipient="Kent Police",
                    title="Op Liberty",
                    amount="£4,000.00",
                    effective=date(2024, 5, 1),
                    authority=Authority(decision=MOTION),
                )
            ]
        )
    with freeze_time("2025-01-15 09:00:00"):
        ledger.execute([RetractEvent(event=f"#{correction}", reason="she was there after all")])


@pytest.fixture(scope="module", params=BACKENDS)
def story(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Story]:
    for url in backend_url(request, tmp_path_factory.mktemp("story")):
        with Ledger(url, actor="clerk") as ledger:
            record_story(ledger)
            yield Story(url, list(ledger.replay()))


def quorate(change: Any) -> tuple[bool | None, bool | None]:
    return (
        change.before.quorate if change.before else None,
        change.after.quorate if change.after else None,
    )


def validity(change: Any) -> tuple[bool | None, bool | None]:
    return (
        change.before.valid if change.before else None,
        change.after.valid if change.after else None,
    )


# --- the envelope and the chain -----------------------------------------------------


def test_the_replay_steps_through_every_event_in_chain_order_with_its_envelope(
    demo: str,
) -> None:
    with Ledger(demo) as ledger:
        log = ledger.log()
        replay = ledger.replay()
        steps = list(replay)

    assert [s.position for s in steps] == list(range(1, len(log) + 1))
    assert (replay.verified, replay.verified_hash) == (log[-1].position, log[-1].hash)
    for step, entry in zip(steps, log, strict=True):
        assert (step.hash, step.recorded_at, step.effective, step.topic) == (
            entry.hash,
            entry.recorded_at,
            entry.effective,
            entry.topic,
        )
        assert (step.actor, step.summary, step.event_id) == (
            entry.actor,
            entry.summary,
            entry.event_id,
        )
        assert (step.authority.describe() if step.authority else None) == (entry.authority or None)


def test_the_last_answer_the_replay_shows_for_each_meeting_and_decision_is_todays(
    demo: str,
) -> None:
    quorum: dict[tuple[str, str | None], Any] = {}
    decisions: dict[str, Any] = {}
    with Ledger(demo) as ledger:
        for step in ledger.replay():
            quorum |= {(q.meeting, q.item): q.after for q in step.changes.quorum}
            decisions |= {d.motion: d.after for d in step.changes.decisions}
        assert decisions.keys() == {d.motion for d in ledger.decisions()}
        for (meeting_id, item), after in quorum.items():
            assert ledger.quorum(meeting_id, item=item) == after
        for motion, after in decisions.items():
            report = ledger.decision(motion)
            assert (report.valid, report.findings) == (after.valid, after.findings)


def test_the_2024_review_shows_the_membership_section_as_a_word_diff(demo: str) -> None:
    with Ledger(demo) as ledger:
        step = next(s for s in ledger.replay() if s.source_key == "kcsp-wg-2024-membership")

    [tor] = step.changes.tor
    [section] = tor.sections
    assert (tor.body, tor.on, section.section, section.change) == (
        "kcsp-wg",
        "2024-07-04",
        "membership",
        "changed",
    )
    removed = "".join(p.text for p in section.text_diff if p.op == "-")
    added = "".join(p.text for p in section.text_diff if p.op == "+")
    assert "Kent, Surrey & Sussex Community Rehabilitation Company" in removed
    assert "The Probation Service" in added
    assert step.authority is not None
    assert step.authority.decision == "kcsp-2024-07-04-5a"

    text = run(demo, "replay", "--from", str(step.position), "--to", str(step.position)).stdout
    assert f"#{step.position}  tor.section-amended/v1  kcsp-wg  effective 2024-07-04" in text
    assert "[-- Kent, Surrey & Sussex Community Rehabilitation Company (CRC)" in text
    assert "{+- The Probation Service" in text


def test_json_is_one_object_per_event_per_line_with_every_field_documented(demo: str) -> None:
    with Ledger(demo) as ledger:
        count = ledger.count()

    result = run(demo, "replay", "--json")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == count
    objects = [json.loads(line) for line in lines]
    assert [o["position"] for o in objects] == list(range(1, count + 1))
    keys: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                keys.add(key)
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(objects)
    documented = set(re.findall(r"`([a-z_]+)`", DOCS.read_text(encoding="utf-8")))
    assert sorted(keys - documented) == []


def test_body_positions_moments_and_effective_dates_choose_the_steps(demo: str) -> None:
    with Ledger(demo) as ledger:
        log = ledger.log()
        wg = ledger.replay(body="kcsp-wg")
        assert {s.body for s in wg} == {"kcsp-wg"}
        assert wg.verified == len(log)  # every link is checked, whatever is shown

        assert [s.position for s in ledger.replay(first=40, last=60)] == list(range(40, 61))
        assert [s.position for s in ledger.replay(first=len(log) - 2, last=10**6)] == [
            len(log) - 2,
            len(log) - 1,
            len(log),
        ]

        # A moment: the first event recorded at or after it, the last at or before it.
        moment = datetime.fromisoformat(log[99].recorded_at)
        same_write = [e.position for e in log if e.recorded_at == log[99].recorded_at]
        shown = [s.position for s in ledger.replay(first=moment, last=moment)]
        assert shown == same_write

        dated = list(
            ledger.replay(effective_from=date(2024, 7, 1), effective_to=date(2024, 12, 31))
        )
        assert dated
        assert all("2024-07-01" <= s.effective <= "2024-12-31" for s in dated)
        assert [s.position for s in dated] == [
            e.position for e in log if "2024-07-01" <= e.effective <= "2024-12-31"
        ]

    shown = run(demo, "replay", "--body", "kcsp-dhr", "--from", "2000-01-01", "--json").stdout
    assert {json.loads(line)["body"] for line in shown.splitlines()} == {"kcsp-dhr"}


def test_bad_selections_are_one_line(demo: str) -> None:
    with Ledger(demo) as ledger:
        with pytest.raises(NotFound, match="unknown body 'nobody'"):
            ledger.replay(body="nobody")
        with pytest.raises(ValidationError, match="--from 9 is after --to 3"):
            ledger.replay(first=9, last=3)
        with pytest.raises(ValidationError, match="is after --effective-to"):
            ledger.replay(effective_from=date(2025, 1, 1), effective_to=date(2024, 1, 1))

    refused = run(demo, "replay", "--from", "yesterday")
    assert refused.exit_code == 2
    assert "neither a chain position" in refused.stderr
    nothing = run(demo, "replay", "--from", "2999-01-01")
    assert nothing.exit_code == 0
    assert "no events in the range" in nothing.stdout


# --- what each event changed ---------------------------------------------------------


def test_before_and_after_are_what_the_ledger_knew_just_before_and_once_it_was_recorded(
    story: Story,
) -> None:
    # Each write after the first records one event, so its step's "before" is the record
    # known just before its recorded time, and its "after" the record known at it.
    alone = [s for s in story.steps if s.recorded_at > story.steps[0].recorded_at]
    assert len(alone) == 5
    assert sum(len(s.changes.quorum) + len(s.changes.decisions) for s in alone) >= 8
    with Ledger(story.url) as ledger:
        for step in alone:
            at = datetime.fromisoformat(step.recorded_at)
            just_before = at - timedelta(microseconds=1)
            for q in step.changes.quorum:
                assert q.before == ledger.quorum(q.meeting, item=q.item, known_at=just_before)
                assert q.after == ledger.quorum(q.meeting, item=q.item, known_at=at)
            for d in step.changes.decisions:
                for state, moment in ((d.before, just_before), (d.after, at)):
                    report = ledger.decision(d.motion, known_at=moment)
                    assert (state.valid, state.findings) == (report.valid, report.findings)


def test_an_attendance_record_makes_the_meeting_quorate_and_the_decision_valid(
    story: Story,
) -> None:
    decided = story.step("motion.decided")
    [inquorate] = decided.changes.decisions
    assert validity(inquorate) == (False, False)  # pending, then inquorate
    assert [f.check for f in inquorate.after.findings] == ["quorum"]

    step = story.step("meeting.attendance", "Mo Shah: present")
    assert [(q.meeting, q.item, quorate(q)) for q in step.changes.quorum] == [
        (MEETING, None, (False, True)),
        (MEETING, "1", (False, True)),
    ]
    at_item = step.changes.quorum[1].after
    assert sorted(c.name for c in at_item.counted) == [
        "Chief Inspector Hart",
        "Fay White",
        "Kim Jones",
        "Mo Shah",
    ]
    [decision] = step.changes.decisions
    assert (decision.motion, decision.meeting, validity(decision)) == (
        MOTION,
        MEETING,
        (False, True),
    )

    text = run(story.url, "replay", "--from", str(step.position), "--to", str(step.position))
    assert "start, item 1: NOT quorate" in text.stdout
    assert f"decision {MOTION}: INVALID: item 1 was inquorate when decided" in text.stdout
    assert "-> valid" in text.stdout


def test_a_correction_shows_what_it_corrects_and_a_retraction_what_it_withdraws(
    story: Story,
) -> None:
    original = story.step("meeting.attendance", "Mo Shah: present")
    correction = story.step("meeting.attendance", "Mo Shah: apologies")
    assert correction.corrects is not None
    assert (correction.corrects.how, correction.corrects.position) == (
        "corrects",
        original.position,
    )
    assert correction.corrects.summary == original.summary
    assert [quorate(q) for q in correction.changes.quorum] == [(True, False), (True, False)]
    assert [validity(d) for d in correction.changes.decisions] == [(True, False)]

    retraction = story.step("event.retracted")
    assert retraction.corrects is not None
    assert (retraction.corrects.how, retraction.corrects.position) == (
        "retracts",
        correction.position,
    )
    # Under the amended rule three authorities were enough: Mo Shah's return is counted,
    # but the verdicts stand.
    after = retraction.changes.quorum[0].after
    assert (after.quorate, len(after.counted)) == (True, 4)
    assert retraction.changes.decisions == []

    text = run(story.url, "replay", "--from", str(retraction.position)).stdout
    assert f"retracts #{correction.position} (meeting.attendance/v1): Mo Shah: apologies" in text


def test_a_backdated_tor_amendment_shows_its_word_diff_and_the_decisions_it_reaches(
    story: Story,
) -> None:
    step = story.step("tor.section-amended")
    [tor] = step.changes.tor
    assert (tor.body, tor.on) == ("wg", "2024-01-01")
    [section] = tor.sections
    assert [(p.op, p.text) for p in section.text_diff if p.op != "="] == [
        ("-", "four"),
        ("+", "three"),
    ]
    assert section.rules_before == [
        "quorate with at least 4 responsible-authority organisation(s) present"
    ]
    assert section.rules_after == [
        "quorate with at least 3 responsible-authority organisation(s) present"
    ]
    # In force before the meeting of 14 March 2024: its quorum and decision follow.
    assert [quorate(q) for q in step.changes.quorum] == [(False, True), (False, True)]
    assert [(d.motion, validity(d)) for d in step.changes.decisions] == [(MOTION, (False, True))]
    assert step.authority is not None
    assert step.authority.paper == "ToR review"


def test_an_allocation_moves_the_budget(story: Story) -> None:
    step = story.step("fund.allocated")
    [budget] = step.changes.budget
    assert (budget.fund, budget.on) == ("csf", "2024-05-01")
    [year] = budget.years
    assert (year.year, year.before.allocated.pence, year.after.allocated.pence) == (
        "2024/25",
        0,
        400_000,
    )
    assert (year.before.available.text, year.after.available.text) == ("£10,000.00", "£6,000.00")
    [allocation] = budget.allocations
    assert allocation.before is None
    assert (allocation.after.awarded.text, allocation.after.balance.text) == ("£4,000.00",) * 2
    assert budget.total_after is not None
    assert budget.total_after.available.pence == 600_000

    text = run(story.url, "replay", "--from", str(step.position), "--to", str(step.position))
    assert "2024/25: allocated £0.00 -> £4,000.00; available £10,000.00 -> £6,000.00" in text.stdout


def test_membership_shows_seats_joined_and_left(story: Story) -> None:
    joined = story.step("membership.joined", "kent-police")
    [members] = joined.changes.members
    assert [(s.member, s.change) for s in members.seats] == [("kent-police", "joined")]
    left = story.step("membership.left")
    [members] = left.changes.members
    assert (members.on, [(s.member, s.change) for s in members.seats]) == (
        "2021-06-26",
        [("crc", "left")],
    )


# --- a broken chain -----------------------------------------------------------------


def test_a_tampered_event_stops_the_replay_at_its_position_after_what_came_before(
    ledger_url: str,
) -> None:
    with Ledger(ledger_url, actor="clerk") as ledger:
        record_story(ledger)
        shah = next(e.position for e in ledger.log() if e.summary.startswith("Mo Shah: present"))
    raw = Raw(ledger_url)
    try:
        raw.disarm()
        raw.set_state(shah, raw.state(shah).replace(b"Mo Shah", b"Mo Shaw"))
    finally:
        raw.close()

    with Ledger(ledger_url) as ledger:
        replay = ledger.replay()
        shown: list[int] = []

        def consume() -> None:
            shown.extend(step.position for step in replay)

        with pytest.raises(IntegrityFailure) as broken:
            consume()
    assert shown == list(range(1, shah))
    assert str(broken.value) == (
        f"NOT INTACT at position {shah}: the event does not match its hash "
        "(modified or reordered): the replay stops here"
    )

    result = run(ledger_url, "replay")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"Error: {broken.value}"]
    assert f"#{shah - 1}  " in result.stdout
    assert f"#{shah}  " not in result.stdout
    as_json = run(ledger_url, "replay", "--json", "--body", "wg")
    assert as_json.exit_code == 1
    assert all(json.loads(line)["position"] < shah for line in as_json.stdout.splitlines())
    assert f"position {shah}" in as_json.stderr
    # A range that ends before the fault is intact.
    assert run(ledger_url, "replay", "--to", str(shah - 1), "--json").exit_code == 0


def test_an_event_inserted_behind_the_ledgers_back_stops_the_replay(ledger_url: str) -> None:
    with (
        Ledger(ledger_url, actor="clerk") as ledger,
        freeze_time(datetime(2025, 1, 10, tzinfo=UTC)),
    ):
        ledger.execute(working_group()[:3])
    raw = Raw(ledger_url)
    try:
        raw.disarm()
        raw.run(
            "INSERT INTO {events} (originator_id, originator_version, topic, state) "
            "SELECT originator_id, 99, topic, state FROM {events} WHERE {nid} = ?",
            (raw.at(1),),
        )
    finally:
        raw.close()

    result = run(ledger_url, "replay", "--json")

    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 3
    assert "position 4: an event is there that the chain never recorded (inserted)" in result.stderr
