"""``ledger export --format popolo``: the demo's people, organisations, posts,
memberships, meetings, motions and votes as one Popolo object.  Every item validates
against the Popolo JSON Schema of its class (copied into tests/standards/popolo/, refs
resolved locally); what it says agrees with the ledger's own answers (its decisions, its
members on a date); one body or a range of dates restricts it.  Each backend builds the
demo once for the module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from jsonschema import Draft3Validator
from referencing import Registry
from referencing.jsonschema import DRAFT3

from ledger.application import Ledger
from ledger.cli.main import cli

SCHEMAS = Path(__file__).parents[1] / "standards" / "popolo"
SCHEMA_OF = {
    "persons": "person",
    "organizations": "organization",
    "posts": "post",
    "memberships": "membership",
    "events": "event",
    "motions": "motion",
    "vote_events": "vote_event",
}
RECORDED_VOTE = "kcsp-wg-2024-06-13-3a"


def popolo_validators() -> dict[str, Draft3Validator]:
    """A validator per Popolo class; the schemas' URL refs resolve to the local copies
    (the registry has no way to retrieve anything else: an unknown ref fails)."""
    schemas = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SCHEMAS.glob("*.json"))]
    assert all(s["id"].startswith("http://www.popoloproject.com/schemas/") for s in schemas)
    registry: Registry[Any] = Registry().with_resources(
        (s["id"], DRAFT3.create_resource(s)) for s in schemas
    )
    validators = {}
    for schema in schemas:
        Draft3Validator.check_schema(schema)
        name = schema["id"].rsplit("/", 1)[1].removesuffix(".json#")
        validators[name] = Draft3Validator(schema, registry=registry)
    return validators


VALIDATORS = popolo_validators()


def errors_in(name: str, item: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in VALIDATORS[name].iter_errors(item)
    ]


@pytest.fixture(scope="module")
def opened(demo: str) -> Iterator[Ledger]:
    with Ledger(demo, read_only=True) as ledger:
        yield ledger


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def export(db: str, out: Path, *args: str) -> dict[str, Any]:
    done = run(db, "export", "--format", "popolo", "--out", str(out), *args)
    assert done.exit_code == 0, done.output
    assert done.output.startswith(f"wrote popolo to {out} (1 file(s)): ")
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module")
def whole(demo: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return export(demo, tmp_path_factory.mktemp("out") / "demo.popolo.json")


def by_id(document: dict[str, Any], key: str) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in document[key]}


def referenced_ids(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(list, id) for every Popolo reference the items make, to check they resolve."""
    wanted: set[tuple[str, str]] = set()
    refs = {
        "organization_id": "organizations",
        "on_behalf_of_id": "organizations",
        "person_id": "persons",
        "post_id": "posts",
        "creator_id": "persons",
        "motion_id": "motions",
        "legislative_session_id": "events",
    }
    for key in SCHEMA_OF:
        for item in document[key]:
            wanted |= {(target, item[k]) for k, target in refs.items() if k in item}
            if key == "events" and "parent_id" in item:
                wanted.add(("events", item["parent_id"]))
            if "member" in item:
                wanted.add(("organizations", item["member"]["id"]))
            for attendee in item.get("attendees", []):
                wanted.add(("persons", attendee["id"]))
            for vote in item.get("votes", []):
                wanted.add(("persons", vote["voter_id"]))
                if "group_id" in vote:
                    wanted.add(("organizations", vote["group_id"]))
    return wanted


def test_every_item_validates_against_the_popolo_schema_of_its_class(
    whole: dict[str, Any],
) -> None:
    assert set(SCHEMA_OF) <= set(whole)
    for key, name in SCHEMA_OF.items():
        assert whole[key], f"the demo's export has no {key}"
        for item in whole[key]:
            assert errors_in(name, item) == [], f"{key} {item.get('id')}"
    for vote_event in whole["vote_events"]:
        for count in vote_event.get("counts", []):
            assert errors_in("count", count) == []
        for vote in vote_event.get("votes", []):
            assert errors_in("vote", vote) == []
    # Popolo has no schema for the whole document: every id is unique within its list,
    # and every reference an item makes resolves to an item of the export.
    for key in SCHEMA_OF:
        assert len(by_id(whole, key)) == len(whole[key]), f"{key}: an id is repeated"
    missing = sorted((k, i) for k, i in referenced_ids(whole) if i not in by_id(whole, k))
    assert missing == []


def test_the_motions_and_vote_events_are_the_ledgers_decisions(
    whole: dict[str, Any], opened: Ledger
) -> None:
    decisions = opened.decisions()
    assert len(decisions) == 9
    motions, vote_events = by_id(whole, "motions"), by_id(whole, "vote_events")
    assert set(motions) == {f"motion/{d.motion}" for d in decisions}
    decided = [d for d in decisions if d.outcome in ("carried", "lost", "agreed", "noted")]
    assert set(vote_events) == {f"vote-event/{d.motion}" for d in decided}
    for d in decisions:
        motion = motions[f"motion/{d.motion}"]
        assert (motion["text"], motion["date"]) == (d.text, d.date)
        assert motion["creator_id"] == f"person/{d.mover}"
        assert motion["organization_id"] == f"body/{d.body}"
        assert motion["legislative_session_id"] == f"meeting/{d.meeting}"
        assert motion["extra"].get("seconder_id") == (
            f"person/{d.seconder}" if d.seconder else None
        )
    for d in decided:
        vote_event = vote_events[f"vote-event/{d.motion}"]
        assert vote_event["motion_id"] == f"motion/{d.motion}"
        assert vote_event["result"] == {"carried": "pass", "agreed": "pass"}.get(
            d.outcome or "", d.outcome
        )
        assert vote_event["extra"]["validity"]["valid"] is d.valid
        if d.counts and not d.tallies:
            assert {c["option"]: c["value"] for c in vote_event["counts"]} == d.counts


def test_a_recorded_vote_names_each_voter_their_option_and_their_organisation(
    whole: dict[str, Any],
) -> None:
    vote_event = by_id(whole, "vote_events")[f"vote-event/{RECORDED_VOTE}"]
    assert vote_event["classification"] == "recorded-vote"
    assert vote_event["counts"] == [
        {"option": "yes", "value": 4},
        {"option": "no", "value": 0},
        {"option": "abstain", "value": 1},
    ]
    votes = {v["voter_id"]: v for v in vote_event["votes"]}
    abstained = votes["person/icb-safeguarding-lead"]
    assert abstained["option"] == "abstain"
    assert abstained["group_id"] == "organisation/nhs-kent-medway-icb"
    assert abstained["extra"]["seat_id"] == "body/kcsp-wg/seat/nhs-kent-medway-icb"
    assert votes["person/kent-police-superintendent"]["group_id"] == "organisation/kent-police"
    people = by_id(whole, "persons")
    assert people["person/icb-safeguarding-lead"]["name"] == "Safeguarding Lead, ICB (illustrative)"
    # The ledger found the decision not validly made: its findings travel with it.
    validity = vote_event["extra"]["validity"]
    assert validity["valid"] is False
    assert [f["check"] for f in validity["findings"]] == ["quorum", "vote"]
    assert "person/kfrs-community-safety-manager" in validity["findings"][1]["person_ids"]


def held(membership: dict[str, Any], body: str, day: str) -> bool:
    return (
        membership["organization_id"] == f"body/{body}"
        and membership["start_date"] <= day
        and membership.get("end_date", "9999-12-31") >= day
    )


def names(person: dict[str, Any]) -> set[str]:
    return {person.get("name"), *(n["name"] for n in person.get("other_names", []))}


@pytest.mark.parametrize(
    ("body", "day"),
    [
        ("kcsp", "2014-07-07"),  # the day before a new representative
        ("kcsp", "2014-07-08"),
        ("kcsp", "2023-07-11"),  # the last day of the first representative
        ("kcsp", "2023-07-12"),
        ("kcsp", "2021-06-25"),  # the CRC's last day
        ("kcsp", "2022-07-01"),  # CCGs out, the ICB in
        ("kcsp-wg", "2024-07-04"),
        ("richmond-csp", "2009-05-18"),  # the last day of the chair's term
        ("richmond-csp", "2009-05-19"),
    ],
)
def test_memberships_hold_on_exactly_the_days_ledger_members_gives(
    whole: dict[str, Any], opened: Ledger, body: str, day: str
) -> None:
    report = opened.members(body, date.fromisoformat(day))
    people = by_id(whole, "persons")
    on = [m for m in whole["memberships"] if held(m, body, day)]
    seats = {(m["post_id"], m["member"]["id"]) for m in on if "member" in m}
    assert seats == {
        (f"body/{body}/seat/{m.member}", f"organisation/{m.organisation}")
        for m in report.members
        if m.organisation
    }
    sitting = {m["post_id"]: m for m in on if m.get("role") == "representative"}
    assert set(sitting) == {
        f"body/{body}/seat/{m.member}" for m in report.members if m.representative
    }
    for m in report.members:
        if m.representative:
            person = people[sitting[f"body/{body}/seat/{m.member}"]["person_id"]]
            assert m.representative in names(person)
    substitutes = {
        (m["post_id"], s["name"])
        for m in on
        if "member" in m
        for s in m["extra"].get("substitutes", [])
        if s["start_date"] <= day <= s.get("end_date", "9999-12-31")
    }
    assert substitutes == {
        (f"body/{body}/seat/{m.member}", m.substitute) for m in report.members if m.substitute
    }
    offices = {m["role"]: people[m["person_id"]] for m in on if "/office/" in m["post_id"]}
    assert set(offices) == set(report.offices)
    for office, name in report.offices.items():
        assert name in names(offices[office])


def test_renamed_bodies_and_organisations_keep_their_former_names_with_dates(
    whole: dict[str, Any],
) -> None:
    organizations = by_id(whole, "organizations")
    dardr = organizations["body/kcsp-dhr"]
    assert dardr["name"] == "Domestic Abuse Related Death Review (DARDR) Steering Group"
    assert dardr["other_names"] == [
        {
            "name": "Domestic Homicide Review (DHR) Steering Group",
            "start_date": "2011-04-13",
            "end_date": "2025-07-02",
        }
    ]
    assert (dardr["classification"], dardr["parent_id"]) == ("steering-group", "body/kcsp")
    crc = organizations["organisation/kss-crc"]
    assert (crc["dissolution_date"], crc["extra"]["successor_id"]) == (
        "2021-06-26",
        "organisation/probation-service",
    )
    # An organisation's org-id.guide identifier is a Popolo identifier.
    assert organizations["organisation/kcc"]["identifiers"] == [
        {"identifier": "GB-LAE-KEN", "scheme": "org-id"}
    ]
    assert "identifiers" not in crc
    # Every item carries the chain positions of the events it was made from.
    assert [r["topic"] for r in dardr["extra"]["recorded"]] == [
        "body.established/v1",
        "body.renamed/v1",
    ]


def recorded_entries(value: Any) -> Iterator[dict[str, Any]]:
    """Every ``extra.recorded`` entry anywhere in an item (substitutes have their own)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "recorded":
                yield from inner
            else:
                yield from recorded_entries(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from recorded_entries(inner)


def test_each_item_names_the_log_positions_of_the_events_it_was_made_from(
    whole: dict[str, Any], opened: Ledger
) -> None:
    log = {e.position: e for e in opened.log()}
    entries = [r for key in SCHEMA_OF for r in recorded_entries(whole[key])]
    assert len(entries) > 300
    for entry in entries:
        logged = log[entry["position"]]
        assert (logged.event_id, logged.topic) == (entry["event_id"], entry["topic"])
    positions = [r["position"] for r in entries]
    assert len(set(positions)) == len(positions), "an event is cited by two items"


def test_one_body_restricts_the_export_to_its_own_record(
    demo: str, opened: Ledger, tmp_path: Path
) -> None:
    part = export(demo, tmp_path / "wg.json", "--body", "kcsp-wg")
    for key, name in SCHEMA_OF.items():
        for item in part[key]:
            assert errors_in(name, item) == [], f"{key} {item.get('id')}"
    for key in ("posts", "memberships", "events", "motions", "vote_events"):
        assert part[key], key
        assert {i["organization_id"] for i in part[key]} == {"body/kcsp-wg"}, key
    assert {m["id"] for m in part["motions"]} == {
        f"motion/{d.motion}" for d in opened.decisions("kcsp-wg")
    }
    organizations = set(by_id(part, "organizations"))
    assert "body/kcsp-wg" in organizations
    assert "body/kcsp" not in organizations
    assert "organisation/met-police" not in organizations
    missing = sorted((k, i) for k, i in referenced_ids(part) if i not in by_id(part, k))
    assert missing == []
    assert part["extra"]["selection"] == {"body": "kcsp-wg"}


def test_a_range_of_dates_holds_that_time_s_meetings_and_the_memberships_that_overlap_it(
    demo: str, opened: Ledger, tmp_path: Path
) -> None:
    part = export(demo, tmp_path / "2024.json", "--from", "2024-01-01", "--to", "2024-12-31")
    assert part["events"]
    assert all(e["start_date"].startswith("2024-") for e in part["events"])
    first, last = date(2024, 1, 1), date(2024, 12, 31)
    assert {m["id"] for m in part["motions"]} == {
        f"motion/{d.motion}" for d in opened.decisions(None, first, last)
    }
    for m in part["memberships"]:
        assert m["start_date"] <= "2024-12-31"
        assert m.get("end_date", "9999") >= "2024-01-01"
    # Richmond's officers' terms ended in 2009: their holdings are not in 2024's export.
    assert not any("/office/" in m["id"] and "richmond" in m["id"] for m in part["memberships"])


def test_an_unknown_body_is_one_line_and_writes_no_file(demo: str, tmp_path: Path) -> None:
    out = tmp_path / "nope.json"
    done = run(demo, "export", "--format", "popolo", "--out", str(out), "--body", "nope")
    assert done.exit_code == 1
    assert done.output.strip().splitlines() == ["Error: unknown body 'nope'"]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_an_out_that_is_a_folder_or_in_no_folder_is_one_line(demo: str, tmp_path: Path) -> None:
    for out, said in [
        (tmp_path, "it is a folder; give a file name"),
        (tmp_path / "missing" / "x.json", f"there is no folder {tmp_path / 'missing'}"),
    ]:
        done = run(demo, "export", "--format", "popolo", "--out", str(out))
        assert done.exit_code == 1
        assert done.output.strip().splitlines() == [f"Error: cannot write {out}: {said}"]
    assert list(tmp_path.iterdir()) == []


def test_a_casting_vote_a_substitutes_vote_and_a_seat_without_an_organisation(
    ledger: Ledger, ledger_url: str, tmp_path: Path
) -> None:
    from ledger.domain.decision import Casting, DecideMotion, How, Outcome, Vote
    from tests.integration.test_decisions import hands, motion, setting

    def vote(person: str, option: str) -> Vote:
        return Vote(person=person, option=option)  # type: ignore[arg-type]

    ledger.execute(
        [
            *setting(),
            motion(),
            hands(2, 2, casting=Casting(person="c-hart", option="yes")),
            motion(slug="wg-2024-03-14-5b", text="To fund the second bid"),
            DecideMotion(
                motion="wg-2024-03-14-5b",
                outcome=Outcome.CARRIED,
                method=How.RECORDED_VOTE,
                votes=[vote("c-hart", "yes"), vote("s-brinson", "no"), vote("c-old", "abstain")],
            ),
        ]
    )
    document = export(ledger_url, tmp_path / "wg.json")
    for key, name in SCHEMA_OF.items():
        for item in document[key]:
            assert errors_in(name, item) == [], f"{key} {item.get('id')}"
    tie = by_id(document, "vote_events")["vote-event/wg-2024-03-14-5a"]
    assert tie["counts"] == [
        {"option": "yes", "value": 2},
        {"option": "no", "value": 2},
        {"option": "abstain", "value": 0},
    ]
    assert tie["extra"]["casting_vote"] == {"voter_id": "person/c-hart", "option": "yes"}
    votes = {
        v["voter_id"]: v
        for v in by_id(document, "vote_events")["vote-event/wg-2024-03-14-5b"]["votes"]
    }
    # The substitute votes for the seat they cover, so for its organisation.
    assert votes["person/s-brinson"]["group_id"] == "organisation/kcc"
    assert votes["person/s-brinson"]["extra"]["seat_id"] == "body/wg/seat/kcc"
    # A seat with no organisation: no group, and the person's own membership holds it.
    assert "group_id" not in votes["person/c-old"]
    own = [m for m in document["memberships"] if m.get("person_id") == "person/c-old"]
    assert [(m["role"], m["post_id"], m["end_date"]) for m in own] == [
        ("responsible-authority", "body/wg/seat/crc", "2021-06-25")
    ]
    assert "on_behalf_of_id" not in own[0]
    assert own[0]["extra"]["voting"] is True
    kcc = next(m for m in document["memberships"] if m["id"].startswith("membership/wg/seat/kcc/"))
    assert [(s["person_id"], s["start_date"]) for s in kcc["extra"]["substitutes"]] == [
        ("person/s-brinson", "2020-01-01")
    ]
    assert by_id(document, "motions")["motion/wg-2024-03-14-5a"]["extra"]["seconder_id"] == (
        "person/h-green"
    )
