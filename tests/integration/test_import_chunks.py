"""A big import is checked and saved a chunk at a time inside its one transaction.

Each test makes the chunks tiny (``ledger.application.CHUNK``), so a file of a few
entries crosses several of them: what is recorded, what is refused, which entry a
refusal names and what a second import skips are the same as for one chunk.
"""

from __future__ import annotations

import gc
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger import application
from ledger.application import Ledger
from ledger.domain.entries import COMMAND_ADAPTER
from ledger.domain.errors import NotFound, RuleViolation, ValidationError
from ledger.infra.db import LONG_WRITE_CACHE_KIB
from ledger.infra.unit_of_work import entry_event_id
from ledger.interchange.importing import content_digest
from ledger.projections import runner
from tests.integration.test_funds import VALID, create, decisions, figures


@pytest.fixture(autouse=True)
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(application, "CHUNK", 2)


def establish(slug: str, day: str = "2008-04-01", **fields: Any) -> dict[str, Any]:
    return {
        "type": "establish-body",
        "body": slug,
        "name": slug.upper(),
        "kind": "working-group",
        "effective": day,
        **fields,
    }


def rename(slug: str, name: str, day: str, **fields: Any) -> dict[str, Any]:
    return {"type": "rename-body", "body": slug, "name": name, "effective": day, **fields}


def history(bodies: int = 4, renames: int = 3) -> list[dict[str, Any]]:
    """Bodies established, then renamed in turn, so each chunk touches several."""
    entries = [establish(f"b{i}", id=f"b{i}") for i in range(bodies)]
    for year in range(renames):
        entries += [rename(f"b{i}", f"B{i} {year}", f"{2010 + year}-01-01") for i in range(bodies)]
    return entries


def write_json(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def names(ledger: Ledger, day: date) -> dict[str, str]:
    return {b.slug: b.name for b in ledger.bodies(day)}


def test_an_import_across_chunks_records_every_entry_once_in_one_run_of_positions(
    ledger: Ledger, tmp_path: Path
) -> None:
    entries = history()
    # A correction naming an entry two chunks back, by its id.
    entries.append({"type": "correct", "event": "b1", "effective": "2008-05-01", "reason": "r"})
    path = write_json(tmp_path, "big.json", entries)
    seen: list[int] = []
    receipt = ledger.import_files([path], progress=lambda label, total: seen.append)
    assert (receipt.recorded, receipt.skipped) == (17, 0)
    assert list(receipt.positions) == list(range(1, 18))
    assert len(set(receipt.event_ids)) == len(receipt.event_ids) == 17
    assert [e.position for e in ledger.log()] == list(range(1, 18))
    assert names(ledger, date(2012, 6, 1)) == {f"b{i}": f"B{i} 2" for i in range(4)}
    assert names(ledger, date(2008, 4, 15)) == {"b0": "B0", "b2": "B2", "b3": "B3"}
    assert ledger.verify().ok
    assert ledger.verify_read_models().ok  # the read models, caught up chunk by chunk
    again = ledger.import_files([path])
    assert (again.recorded, again.skipped) == (0, 17)


def test_the_events_of_a_chunk_are_stored_under_the_ids_their_links_name(
    ledger: Ledger, tmp_path: Path
) -> None:
    # Written in one statement per chunk (SQLite: ids worked out from the table's
    # largest rowid), after events already stored: each link names its own event.
    ledger.import_files([write_json(tmp_path, "first.json", history(2, 1))])
    receipt = ledger.import_files([write_json(tmp_path, "big.json", history(5, 3)[2:])])
    db = ledger.db
    rows = db.query(
        f"SELECT c.position, e.state FROM ledger_chain c JOIN {db.dialect.events} e "
        f"ON e.{db.dialect.notification_id} = c.notification_id ORDER BY c.position"
    )
    stored = [json.loads(bytes(r["state"]))["event_id"] for r in rows]
    assert [int(r["position"]) for r in rows] == list(range(1, 4 + receipt.recorded + 1))
    assert stored[4:] == [str(event_id) for event_id in receipt.event_ids]
    assert ledger.verify().ok


def test_a_long_write_on_sqlite_has_a_roomy_page_cache_and_gives_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The page cache is the SQLite connection's own (PostgreSQL's server has its buffers).
    ledger = Ledger(str(tmp_path / "ledger.db"), actor="clerk")
    raw = ledger.db._raw

    def cache() -> int:
        return int(raw.execute("PRAGMA cache_size").fetchone()[0])

    before, during = cache(), []
    path = write_json(tmp_path, "big.json", history())
    ledger.import_files([path], progress=lambda label, total: lambda n: during.append(cache()))
    assert set(during) == {-LONG_WRITE_CACHE_KIB}
    assert cache() == before
    ledger.execute([COMMAND_ADAPTER.validate_python(rename("b0", "Once", "2020-01-01"))])
    assert cache() == before  # a write of one chunk keeps the connection's own
    rebuilt: list[int] = []
    ledger.rebuild_projections(progress=lambda n: rebuilt.append(cache()))
    assert rebuilt
    assert cache() == before
    monkeypatch.setattr(runner, "BATCH", 4)  # a rebuild of several batches
    rebuilt.clear()
    ledger.rebuild_projections(progress=lambda n: rebuilt.append(cache()))
    assert len(rebuilt) > 1
    assert set(rebuilt) == {-LONG_WRITE_CACHE_KIB}
    assert cache() == before
    assert ledger.verify_read_models().ok
    ledger.close()


def test_what_lives_across_chunks_is_frozen_and_unfrozen_when_the_import_ends(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    freezes: list[int] = []
    real_freeze = gc.freeze
    monkeypatch.setattr(gc, "freeze", lambda: (freezes.append(1), real_freeze())[1])
    path = write_json(tmp_path, "big.json", history())
    assert ledger.import_files([path]).recorded == 16
    assert len(freezes) == 8  # before each of its eight chunks of two entries
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()
    with pytest.raises(ValidationError):
        ledger.import_files([write_json(tmp_path, "bad.json", [*history(6), {"type": "x"}])])
    assert gc.get_freeze_count() == 0


def test_a_refusal_in_a_late_chunk_leaves_nothing_recorded(ledger: Ledger, tmp_path: Path) -> None:
    entries = [*history(), rename("nope", "X", "2012-01-01")]
    path = write_json(tmp_path, "bad.json", entries)
    with pytest.raises(NotFound, match=r"bad\.json: entry 17 \(rename-body\): unknown body 'nope'"):
        ledger.import_files([path])
    assert ledger.count() == 0
    assert ledger.bodies(date(2012, 6, 1)) == []
    # What the refused write read and cached is gone with it: the next write is right.
    receipt = ledger.import_files([write_json(tmp_path, "good.json", history(2, 1))])
    assert receipt.recorded == 4
    assert names(ledger, date(2012, 6, 1)) == {"b0": "B0 0", "b1": "B1 0"}
    assert ledger.verify_read_models().ok


def test_a_file_broken_after_several_chunks_records_nothing(ledger: Ledger, tmp_path: Path) -> None:
    text = json.dumps(history())[:-1] + ', {"type": }]'
    path = tmp_path / "cut.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match=r"cut\.json: not valid JSON"):
        ledger.import_files([path])
    assert ledger.count() == 0


def test_an_entry_repeated_chunks_later_is_skipped_as_in_one_chunk(
    ledger: Ledger, tmp_path: Path
) -> None:
    entries = [
        establish("wg", id="wg"),
        *history(2, 1),
        # The same id again, with other content, in a later chunk of the same file.
        establish("wg", id="wg", name="Other"),
    ]
    receipt = ledger.import_files([write_json(tmp_path, "a.json", entries)])
    assert (receipt.recorded, receipt.skipped) == (5, 1)
    assert names(ledger, date(2009, 1, 1))["wg"] == "WG"
    # Another file giving that id other content is refused, as ever.
    with pytest.raises(ValidationError, match="id 'wg' is already recorded at #1 with other"):
        ledger.import_files([write_json(tmp_path, "b.json", [establish("wg", id="wg", name="O")])])


def test_an_end_check_sees_the_whole_import_across_its_chunks(
    ledger: Ledger, tmp_path: Path
) -> None:
    ledger.execute([*decisions(), create()])

    def income(amount: str, day: str) -> dict[str, Any]:
        return {
            "type": "receive-income",
            "fund": "csf",
            "year": "2024/25",
            "source": "PCC",
            "amount": amount,
            "effective": day,
        }

    allocation = {
        "type": "allocate-funds",
        "fund": "csf",
        "year": "2024/25",
        "allocation": "a-1",
        "recipient": "R",
        "title": "T",
        "amount": "1,500",
        "effective": "2024-05-01",
        "authority": {"decision": VALID},
    }
    filler = [rename("wg", f"Working Group {i}", f"2024-0{i}-02") for i in range(1, 6)]
    # Over-allocated until the second receipt, recorded three chunks later but taking
    # effect before the allocation: the books hold for the import as a whole.
    fixed = [income("1000", "2024-04-01"), allocation, *filler, income("600", "2024-04-15")]
    ledger.import_files([write_json(tmp_path, "fixed.json", fixed)])
    assert figures(ledger, date(2024, 6, 1))["available"] == 10_000

    # An over-allocation that nothing later in the file makes good is refused, naming
    # the entry whose event broke the books though its chunk was saved long before.
    more = {**allocation, "allocation": "a-2", "amount": "500", "effective": "2024-07-01"}
    spend = {
        "type": "record-spend",
        "fund": "csf",
        "allocation": "a-1",
        "amount": "1",
        "effective": "2024-08-01",
    }
    path = write_json(tmp_path, "over.json", [more, *filler[:3], spend])
    before = ledger.count()
    with pytest.raises(RuleViolation) as caught:
        ledger.import_files([path])
    assert str(caught.value).startswith(f"{path}: entry 1 (allocate-funds): allocation of £500")
    assert ledger.count() == before


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"events": {"type": "rename-body"}}', "expected a list of entries at the top level"),
        ('{"other": []}', "expected a list of entries at the top level"),
        ('"entries"', "expected a list of entries at the top level"),
        ("[] []", "not valid JSON: parse error: trailing garbage"),
        ("", "not valid JSON"),
        ('\ufeff[{"type": "rename-body"}]', "not valid JSON"),
    ],
)
def test_a_streamed_json_file_of_the_wrong_shape_is_refused_in_one_line(
    ledger: Ledger, tmp_path: Path, text: str, fragment: str
) -> None:
    path = tmp_path / "odd.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match=fragment) as caught:
        ledger.import_files([path])
    assert "\n" not in str(caught.value)
    assert ledger.count() == 0


def test_entries_under_an_events_key_stream_too(ledger: Ledger, tmp_path: Path) -> None:
    wrapped = {"source": "minutes", "events": history(2, 2), "note": {"events": 1}}
    receipt = ledger.import_files([write_json(tmp_path, "wrapped.json", wrapped)])
    assert receipt.recorded == 6
    assert names(ledger, date(2012, 1, 1)) == {"b0": "B0 1", "b1": "B1 1"}


def test_an_entry_can_name_an_event_of_an_earlier_chunk_by_its_event_id(
    ledger: Ledger, tmp_path: Path
) -> None:
    entries = history(3, 2)
    renamed = entries[5]  # b2's first rename, keyed by its content
    key = "sha256:" + content_digest(COMMAND_ADAPTER.validate_python(renamed))
    event_id = entry_event_id(key, None)
    # Several chunks later, before the read models have followed the write.
    entries.append({"type": "retract", "event": str(event_id), "reason": "not minuted"})
    receipt = ledger.import_files([write_json(tmp_path, "ids.json", entries)])
    assert receipt.event_ids[5] == str(event_id)
    assert names(ledger, date(2010, 6, 1))["b2"] == "B2"
    assert names(ledger, date(2011, 6, 1))["b2"] == "B2 1"
    assert ledger.verify_read_models().ok
