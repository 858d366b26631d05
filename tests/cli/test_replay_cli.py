"""``ledger replay`` on the command line: positions and moments read as a reader means
them, and a mistyped bound is one line before any ledger is opened."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli.main import cli
from ledger.cli.params import FROM_BOUND, TO_BOUND


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("42", 42, 42),
        (
            "2024-07-04",
            datetime(2024, 7, 4, tzinfo=UTC),
            datetime.max.replace(2024, 7, 4, tzinfo=UTC),
        ),
        (
            "2024-07-04T09:30",
            datetime(2024, 7, 4, 9, 30, tzinfo=UTC),
            datetime(2024, 7, 4, 9, 30, tzinfo=UTC),
        ),
        (
            "2024-07-04T10:30+01:00",
            datetime(2024, 7, 4, 9, 30, tzinfo=UTC),
            datetime(2024, 7, 4, 9, 30, tzinfo=UTC),
        ),
    ],
)
def test_a_bound_is_a_position_or_a_moment_and_a_date_is_its_start_or_its_end(
    text: str, first: object, last: object
) -> None:
    assert FROM_BOUND.convert(text, None, None) == first
    assert TO_BOUND.convert(text, None, None) == last


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "yesterday"],
        ["--to", "2024-02-30"],
        ["--from", "-3"],
        ["--effective-from", "2024-13-01"],
    ],
    ids=" ".join,
)
def test_a_mistyped_bound_is_one_line_and_opens_no_ledger(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "never.db"

    result = CliRunner().invoke(cli, ["--db", str(db), "replay", *args])

    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert not db.exists()
