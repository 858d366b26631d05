"""Membership, meetings and quorum at the command line, as a clerk records a meeting
and a scrutiny member asks whether it could decide anything."""

from __future__ import annotations

import json
import shlex
from datetime import date

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from ledger.application import Ledger
from ledger.cli.main import cli
from ledger.domain.body import EstablishBody
from ledger.domain.commands import Command
from ledger.domain.meeting import AddAgendaItem, ScheduleMeeting
from ledger.domain.membership import AddMember
from ledger.domain.organisation import OrganisationSector, RegisterOrganisation
from ledger.domain.rules import (
    Counted,
    MeetingFrequency,
    MembershipLimit,
    MinimumPresent,
    QuorumRule,
)
from ledger.domain.tor import AdoptTor, SectionText

RA = "responsible-authority"


def run(db: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)
    return result.exit_code, result.output


def ok(db: str, line: str) -> str:
    """Run one command line, written as a clerk would type it, and expect success."""
    code, out = run(db, *shlex.split(line))
    assert code == 0, out
    return out


def groundwork() -> list[Command]:
    """Organisations, the working group and its terms of reference."""
    organisations = [
        ("kent-police", "Kent Police", OrganisationSector.POLICE),
        ("kcc", "Kent County Council", OrganisationSector.LOCAL_AUTHORITY),
        ("kfrs", "Kent Fire and Rescue Service", OrganisationSector.FIRE_AND_RESCUE),
        ("porchlight", "Porchlight", OrganisationSector.VOLUNTARY),
    ]
    return [
        *(
            RegisterOrganisation(organisation=o, name=n, sector=s, effective=date(2010, 1, 1))
            for o, n, s in organisations
        ),
        EstablishBody(
            body="wg", name="KCSP Working Group", kind="working-group", effective=date(2015, 1, 1)
        ),
        AdoptTor(
            body="wg",
            effective=date(2020, 1, 1),
            sections=[
                SectionText(
                    id="membership",
                    number="3",
                    heading="MEMBERSHIP",
                    text="One co-opted member.",
                    rules=[MembershipLimit(category="co-opted", at_most=1)],
                ),
                SectionText(
                    id="meetings",
                    number="5",
                    heading="MEETINGS",
                    text="The group will meet quarterly.",
                    rules=[MeetingFrequency(at_least=1, per="quarter")],
                ),
                SectionText(
                    id="quorum",
                    number="6",
                    heading="QUORUM",
                    text="No less than three of the responsible authorities represented.",
                    rules=[
                        QuorumRule(
                            all_of=[
                                MinimumPresent(at_least=3, of=Counted.ORGANISATIONS, category=RA)
                            ]
                        )
                    ],
                ),
            ],
        ),
    ]


def prepare(db: str, *more: Command) -> None:
    with Ledger(db, actor="clerk") as ledger:
        ledger.execute([*groundwork(), *more])


def count(db: str) -> int:
    with Ledger(db, actor="clerk") as ledger:
        return ledger.count()


MARCH = "wg-2024-03-14"


def record_the_committee(db: str) -> None:
    """What a clerk types: members, offices, then the meetings of 2024 and their minutes."""
    with freeze_time("2024-03-01 09:00:00"):
        prepare(db)
        for member, person, name in (
            ("kent-police", "c-hart", "Chief Inspector Hart"),
            ("kcc", "k-jones", "Kim Jones"),
            ("kfrs", "f-white", "Fay White"),
        ):
            out = ok(
                db,
                f"member add wg {member} --organisation {member} --category {RA} "
                f"--representative {person} --name '{name}' --effective 2020-01-01",
            )
            assert "recorded 2 event(s)" in out
        for line in (
            "member add wg porchlight --organisation porchlight --category co-operating-body "
            "--non-voting --effective 2020-01-01",
            "member represent wg porchlight v-lee --name 'Val Lee' --role 'Outreach Manager' "
            "--effective 2020-01-01",
            "member substitute wg kcc s-brinson --name 'Sam Brinson' --effective 2020-01-01",
            "member elect wg chair c-hart --name 'Chief Inspector Hart' --effective 2020-01-01 "
            "--until 2024-04-30 --meeting wg-2020-01-01",
            "member end wg porchlight --effective 2024-06-30",
        ):
            assert "recorded 1 event(s)" in ok(db, line)

        out = ok(db, "meeting schedule wg --date 2024-03-14 --title Q1")
        assert f"meeting id: {MARCH}" in out
        for line in (
            f"meeting item {MARCH} 1 'Minutes of the last meeting'",
            f"meeting item {MARCH} 2 'Funding bid' --classification for-decision --financial "
            "--paper 'Bid 2024/3'",
            f"meeting attend {MARCH} c-hart present --name 'Chief Inspector Hart'",
            f"meeting attend {MARCH} s-brinson substitute --for kcc --name 'Sam Brinson'",
            f"meeting attend {MARCH} f-white present --name 'Fay White' --to-item 1",
            f"meeting attend {MARCH} v-lee present --name 'Val Lee'",
            f"meeting attend {MARCH} k-jones apologies --name 'Kim Jones'",
            f"meeting interest {MARCH} c-hart 2 --interest 'trustee of a bidder' --withdrew",
            f"meeting outcome {MARCH} held",
        ):
            assert "recorded 1 event(s)" in ok(db, line)
        out = ok(db, "meeting schedule wg --date 2024-06-13 --public")
        assert "meeting id: wg-2024-06-13" in out
        ok(db, "meeting outcome wg-2024-06-13 held")
        ok(db, f"meeting approve-minutes {MARCH} --at wg-2024-06-13")
        ok(db, "meeting schedule wg --date 2024-09-12")
        ok(db, "meeting outcome wg-2024-09-12 cancelled --reason 'no business'")


def test_members_with_representatives_substitutes_and_offices(ledger_url: str) -> None:
    record_the_committee(ledger_url)

    out = ok(ledger_url, "members wg --on 2024-03-14")
    assert "Members of wg on 2024-03-14" in out
    for text in ("Kent County Council", "Kim Jones", "Sam Brinson", "Val Lee", "chair"):
        assert text in out

    found = json.loads(ok(ledger_url, "members wg --on 2024-03-14 --json"))
    assert found["offices"] == {"chair": "Chief Inspector Hart"}
    members = {m["member"]: m for m in found["members"]}
    assert set(members) == {"kcc", "kent-police", "kfrs", "porchlight"}
    assert (members["kcc"]["representative"], members["kcc"]["substitute"]) == (
        "Kim Jones",
        "Sam Brinson",
    )
    assert members["kent-police"]["offices"] == ["chair"]
    assert members["porchlight"]["voting"] is False

    later = json.loads(ok(ledger_url, "members wg --on 2024-07-01 --json"))
    assert later["offices"] == {}
    assert "porchlight" not in {m["member"] for m in later["members"]}
    empty = ok(ledger_url, "members wg --on 2019-12-31")
    assert empty.strip() == "no members of wg on 2019-12-31"


def test_meetings_lists_ids_and_quorum_at_the_start(ledger_url: str) -> None:
    record_the_committee(ledger_url)

    listed = json.loads(ok(ledger_url, "meetings wg --json"))
    assert [(m["id"], m["status"], m["quorate"]) for m in listed] == [
        ("wg-2024-03-14", "held", True),
        ("wg-2024-06-13", "held", False),
        ("wg-2024-09-12", "cancelled", None),
    ]
    assert listed[0]["minutes_approved_at"] == "wg-2024-06-13"
    assert listed[1]["public"] is True

    out = ok(ledger_url, "meetings wg --from 2024-06-01 --to 2024-06-30")
    assert "wg-2024-06-13" in out
    assert "wg-2024-03-14" not in out
    assert "NO" in out
    assert ok(ledger_url, "meetings wg --to 2020-01-01").strip() == "no meetings"


def test_quorum_explains_itself_and_json_has_a_boolean_verdict(ledger_url: str) -> None:
    record_the_committee(ledger_url)

    out = ok(ledger_url, f"quorum {MARCH}")
    lines = out.splitlines()
    assert lines[0] == f"{MARCH} (held) at the start: QUORATE"
    assert lines[1] == (
        "rule in force on 2024-03-14 (section quorum): "
        "quorate with at least 3 responsible-authority organisation(s) present"
    )
    assert "  [x] at least 3 responsible-authority organisation(s) present: 3 of 3 needed" in lines
    assert "  + Sam Brinson - kcc (responsible-authority), substitute for kcc" in lines
    assert "  - Val Lee: porchlight is non-voting" in lines
    assert "  - Kim Jones: apologies" in lines

    result = json.loads(ok(ledger_url, f"quorum {MARCH} --item 2 --json"))
    assert result["quorate"] is False
    assert result["item"] == "2"
    assert {n["name"]: n["reason"] for n in result["not_counted"]} == {
        "Chief Inspector Hart": "withdrawn for an interest in item 2",
        "Fay White": "not in the room at item 2",
        "Kim Jones": "apologies",
        "Val Lee": "porchlight is non-voting",
    }
    assert [c["name"] for c in result["counted"]] == ["Sam Brinson"]
    assert json.loads(ok(ledger_url, f"quorum {MARCH} --item 1 --json"))["quorate"] is True

    cancelled = ok(ledger_url, "quorum wg-2024-09-12")
    assert cancelled.splitlines()[0] == "wg-2024-09-12 (cancelled) at the start: not evaluated"
    assert "the meeting was cancelled" in cancelled
    assert json.loads(ok(ledger_url, "quorum wg-2024-09-12 --json"))["quorate"] is None


def test_quorum_as_known_before_the_minutes_were_corrected(ledger_url: str) -> None:
    record_the_committee(ledger_url)
    with freeze_time("2024-06-14 09:00:00"):
        ok(
            ledger_url,
            f"meeting attend {MARCH} c-hart apologies --name 'Chief Inspector Hart' "
            "--meeting wg-2024-06-13 --item 2",
        )

    now = json.loads(ok(ledger_url, f"quorum {MARCH} --json"))
    then = json.loads(ok(ledger_url, f"quorum {MARCH} --known-at 2024-06-13 --json"))
    assert (now["quorate"], then["quorate"]) == (False, True)
    out = ok(ledger_url, f"quorum {MARCH} --known-at 2024-06-13T23:00:00")
    assert out.splitlines()[0] == f"{MARCH} (held) at the start: QUORATE"
    listed = json.loads(ok(ledger_url, "meetings wg --known-at 2024-06-13 --json"))
    assert listed[0]["quorate"] is True


def test_compliance_table_and_json(ledger_url: str) -> None:
    record_the_committee(ledger_url)

    out = ok(ledger_url, "compliance wg --year 2024")
    assert out.splitlines()[0] == "wg in 2024: 2 meeting(s) held"
    assert "2024 Q1" in out
    assert "NOT compliant" in out

    report = json.loads(ok(ledger_url, "compliance wg --year 2024 --json"))
    assert report["compliant"] is False
    assert report["held"] == ["wg-2024-03-14", "wg-2024-06-13"]
    assert [(c["period"], c["held"], c["met"]) for c in report["checks"]] == [
        ("2024 Q1", 1, True),
        ("2024 Q2", 1, True),
        ("2024 Q3", 0, False),
        ("2024 Q4", 0, False),
    ]
    early = json.loads(ok(ledger_url, "compliance wg --year 2019 --json"))
    assert early["compliant"] is None
    assert early["note"] == "no machine-checked meeting-frequency rule was in force for wg in 2019"


MISTAKES = [
    (["quorum", "wg-2099-01-01"], "unknown meeting 'wg-2099-01-01'"),
    (["quorum", MARCH, "--item", "9"], "wg-2024-03-14 has no agenda item 9"),
    (["meeting", "item", "wg-2099-01-01", "1", "Minutes"], "unknown meeting 'wg-2099-01-01'"),
    (
        ["meeting", "attend", MARCH, "c-hart", "present", "--name", "Hart", "--from-item", "9"],
        "wg-2024-03-14 has no agenda item 9",
    ),
    (["meeting", "interest", MARCH, "c-hart", "9", "--interest", "x"], "has no agenda item 9"),
    (["meeting", "schedule", "wg", "--date", "2024-02-30"], "'2024-02-30' is not a real date"),
    (["members", "wg", "--on", "2024-13-01"], "'2024-13-01' is not a real date"),
    (
        ["meeting", "attend", MARCH, "t-tate", "substitute", "--name", "Tom Tate"],
        "status 'substitute' goes with substitute_for, and only it",
    ),
    (
        ["meeting", "attend", MARCH, "t-tate", "chairing", "--name", "Tom Tate"],
        "'chairing' is not one of 'present'",
    ),
    (
        ["meeting", "approve-minutes", "wg-2024-06-13", "--at", MARCH],
        "the minutes of wg-2024-06-13 are approved at a later meeting",
    ),
    (
        ["member", "add", "wg", "co-b", "--category", "co-opted", "--effective", "2024-01-01"],
        "refused: on 2024-01-01 wg would have 2 co-opted seats (co-a, co-b); its terms of "
        "reference (section membership) allow at most 1",
    ),
    (
        ["member", "end", "wg", "nobody", "--effective", "2024-01-01"],
        "nobody is not a member of wg on 2024-01-01",
    ),
    (["members", "nobody"], "unknown body 'nobody'"),
]


@pytest.mark.parametrize(("args", "message"), MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_mistakes_get_one_clear_line_and_record_nothing(
    ledger_url: str, args: list[str], message: str
) -> None:
    prepare(
        ledger_url,
        AddMember(body="wg", member="co-a", category="co-opted", effective=date(2020, 1, 1)),
        ScheduleMeeting(body="wg", effective=date(2024, 3, 14)),
        AddAgendaItem(meeting=MARCH, item="1", title="Minutes"),
        ScheduleMeeting(body="wg", effective=date(2024, 6, 13)),
    )
    before = count(ledger_url)

    code, out = run(ledger_url, *args)
    assert code != 0
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out
    assert lines[0].startswith("Error: ")
    assert message in lines[0]
    assert count(ledger_url) == before
