"""Grants: every allocation of the ledger's funds as a 360Giving grant (standard 1.4.3).

Two files of the same grants: a JSON package (``{"version": "1.4", ..., "grants": [...]}``,
valid against 360Giving's package and grant schemas) and a CSV whose columns carry the
standard's titles, flattened as 360Giving's spreadsheets are (``Recipient Org:Identifier``).
``--out DIR`` writes ``DIR/grants.json`` and ``DIR/grants.csv``; an ``--out`` ending
``.json`` (or ``.csv``) writes that file and its twin beside it.

What a grant says, and why (docs/export-grants.md, ADR 0020):

- its ``Identifier`` is ``PREFIX-FUND_ALLOCATION``: the publisher's 360Giving prefix (the
  ``prefix`` given, else ``360G-`` and the slug of the top body above the fund's
  manager), then the allocation's id within its fund (an underscore joins the two, as
  360Giving advises for identifiers holding other characters, so no two allocations
  meet in one identifier);
- organisations are named by their org-id.guide identifier (``GB-LAE-KEN``) where the
  ledger holds one on the day of the award, else ``PREFIX-org-SLUG``; a recipient
  known only by the paper's free text is ``PREFIX-name-TEXT``; a fund with no grant
  maker is funded, in the record, by the body that manages it (``PREFIX-body-SLUG``);
- ``Amount Awarded`` is the allocation as it stands today (varied, vired), exact in
  pounds and pence; one withdrawn shows what was paid before it was withdrawn, and one
  withdrawn before anything was paid is no grant and is left out.

The module reads only through ``GrantSource``, which ``Ledger`` satisfies.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol
from uuid import uuid4

from ledger.domain.body import BodyState
from ledger.domain.errors import NotFound, ValidationError
from ledger.domain.money import year_bounds
from ledger.domain.organisation import OrganisationState
from ledger.interchange.export import Selection, StageProgress, Written
from ledger.interchange.export.csv.columns import cell
from ledger.queries.budget import AllocationReport, FundReport, FundSummary

VERSION = "1.4"
"""The package's ``version``: the standard's major.minor (1.4.3)."""

PREFIX = re.compile(r"360G-[A-Za-z0-9][A-Za-z0-9_-]{0,62}")
NUMBERS = {"GB-CHC": "charityNumber", "GB-SC": "charityNumber", "GB-NIC": "charityNumber"}
NUMBERS |= {"GB-COH": "companyNumber"}


class GrantSource(Protocol):
    """The reads the grants export makes (``Ledger`` has them all)."""

    def funds(
        self, body: str | None = None, on: date | None = None, *, known_at: datetime | None = None
    ) -> list[FundSummary]: ...

    def allocations(
        self,
        fund: str,
        on: date | None = None,
        *,
        known_at: datetime | None = None,
        year: str | None = None,
        recipient: str | None = None,
    ) -> list[AllocationReport]: ...

    def organisation(
        self, slug: str, on: date, *, known_at: datetime | None = None
    ) -> OrganisationState | None: ...

    def body(self, slug: str, on: date, *, known_at: datetime | None = None) -> BodyState: ...


# The CSV: each column's title, as 360Giving titles it, and where its value lies in
# the grant's JSON (a key, or an index into a list).
COLUMNS: tuple[tuple[str, tuple[str | int, ...]], ...] = (
    ("Identifier", ("id",)),
    ("Title", ("title",)),
    ("Description", ("description",)),
    ("Currency", ("currency",)),
    ("Amount Awarded", ("amountAwarded",)),
    ("Amount Disbursed", ("amountDisbursed",)),
    ("Award Date", ("awardDate",)),
    ("Planned Dates:Start Date", ("plannedDates", 0, "startDate")),
    ("Planned Dates:End Date", ("plannedDates", 0, "endDate")),
    ("Planned Dates:Duration (months)", ("plannedDates", 0, "duration")),
    ("Recipient Org:Identifier", ("recipientOrganization", 0, "id")),
    ("Recipient Org:Name", ("recipientOrganization", 0, "name")),
    ("Recipient Org:Charity Number", ("recipientOrganization", 0, "charityNumber")),
    ("Recipient Org:Company Number", ("recipientOrganization", 0, "companyNumber")),
    ("Funding Org:Identifier", ("fundingOrganization", 0, "id")),
    ("Funding Org:Name", ("fundingOrganization", 0, "name")),
    ("Grant Programme:Code", ("grantProgramme", 0, "code")),
    ("Grant Programme:Title", ("grantProgramme", 0, "title")),
)


@dataclass(frozen=True)
class _Award:
    fund: FundReport
    allocation: AllocationReport
    day: date  # the award date: the day the allocation was made


def write(
    source: GrantSource,
    out: Path,
    selection: Selection,
    progress: StageProgress,
    *,
    prefix: str | None = None,
) -> Written:
    """Write the selected allocations as 360Giving grants (JSON package and CSV)."""
    publisher = _checked_prefix(prefix) if prefix is not None else None
    json_path, csv_path = _paths(out)
    awards, withdrawn, issued = _awards(source, selection)
    if not awards:
        raise ValidationError(
            f"no grants to export{_scope(selection)}: a 360Giving package holds at least one"
        )
    registers = _Registers(source)
    advance = progress("writing grants", len(awards)) if progress is not None else None
    folder = json_path.parent
    made = not folder.exists()
    try:
        folder.mkdir(exist_ok=True)
        with (
            _placed(json_path) as json_partial,
            _placed(csv_path) as csv_partial,
            json_partial.open("w", encoding="utf-8") as package,
            csv_partial.open("w", encoding="utf-8", newline="") as table,
        ):
            rows = csv.writer(table)
            rows.writerow([title for title, _ in COLUMNS])
            # The package's fields, then its grants one to a line, as they are made.
            package.write(_json(_package_head(selection, issued))[:-1] + ', "grants": [\n')
            for index, award in enumerate(awards):
                grant = _grant(award, publisher or registers.prefix(award), registers)
                package.write(("" if index == 0 else ",\n") + _json(grant))
                # No cell may start a spreadsheet formula: the CSV export's rule (OWASP).
                rows.writerow([cell(_at(grant, path)) for _, path in COLUMNS])
                if advance is not None:
                    advance(1)
            package.write("\n]}\n")
    except BaseException as exc:
        if made and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()  # a failed export leaves nothing behind, not even its folder
        if isinstance(exc, OSError):
            raise ValidationError(
                f"cannot write {out}: {exc.strerror or exc}; nothing was written"
            ) from None
        raise
    counts = {"grants": len(awards)}
    if withdrawn:
        counts["withdrawn_unpaid_left_out"] = withdrawn
    return Written("grants", [str(json_path), str(csv_path)], counts)


# --- what goes in ------------------------------------------------------------------


def _awards(source: GrantSource, selection: Selection) -> tuple[list[_Award], int, str | None]:
    """The allocations of the selected funds awarded in the date range, by fund and
    allocation; how many of them were withdrawn before anything was paid; and the day
    they stand on (today, by the ledger's clock)."""
    found: list[_Award] = []
    withdrawn = 0
    summaries = source.funds(selection.body)
    for summary in summaries:
        for allocation in source.allocations(summary.fund.fund):
            day = date.fromisoformat(allocation.made)
            if not selection.covers(day):
                continue
            if allocation.withdrawn is not None and allocation.awarded.pence == 0:
                withdrawn += 1
                continue
            found.append(_Award(summary.fund, allocation, day))
    return found, withdrawn, summaries[0].on if summaries else None


class _Registers:
    """The organisations and bodies the grants name, as they stood on each award date:
    each read once (by id and day), never the whole register."""

    def __init__(self, source: GrantSource) -> None:
        self.source = source
        self._organisations: dict[tuple[str, date], OrganisationState | None] = {}
        self._bodies: dict[tuple[str, date], BodyState | None] = {}

    def organisation(self, slug: str, day: date) -> OrganisationState | None:
        if (slug, day) not in self._organisations:
            self._organisations[slug, day] = self.source.organisation(slug, day)
        return self._organisations[slug, day]

    def body(self, slug: str, day: date) -> BodyState | None:
        if (slug, day) not in self._bodies:
            try:
                state: BodyState | None = self.source.body(slug, day)
            except NotFound:
                state = None
            self._bodies[slug, day] = state
        return self._bodies[slug, day]

    def prefix(self, award: _Award) -> str:
        """``360G-`` and the top body above the fund's manager: the partnership."""
        slug, seen = award.fund.body, set()
        while slug not in seen:
            seen.add(slug)
            body = self.body(slug, award.day)
            if body is None or body.parent is None:
                break
            slug = body.parent
        return f"360G-{slug}"


# --- one grant ---------------------------------------------------------------------


def _grant(award: _Award, prefix: str, registers: _Registers) -> dict[str, Any]:
    fund, a = award.fund, award.allocation
    first, last = year_bounds(a.year, fund.year_starts)
    return {
        "id": f"{prefix}-{fund.fund}_{a.allocation}",
        "title": a.title,
        "description": _description(fund, a),
        "currency": fund.currency,
        "amountAwarded": _pounds(a.awarded.pence),
        "amountDisbursed": _pounds(a.spent.pence),
        "awardDate": award.day.isoformat(),
        "plannedDates": [
            {"startDate": first.isoformat(), "endDate": last.isoformat(), "duration": 12}
        ],
        "recipientOrganization": [_recipient(award, prefix, registers)],
        "fundingOrganization": [_funder(award, prefix, registers)],
        "grantProgramme": [{"code": fund.fund, "title": fund.name}],
    }


def _description(fund: FundReport, a: AllocationReport) -> str:
    decisions = ", ".join(c.decision for c in a.decisions)
    text = (
        f"{a.title}: an allocation of {fund.name} for {a.year} to {a.recipient}, "
        f"approved by decision {decisions or '(none recorded)'}."
    )
    if a.withdrawn is not None:
        text += f" Withdrawn on {a.withdrawn}: the amount awarded is what was paid before then."
    wanting = [c.decision for c in a.decisions if not c.valid]
    if wanting:
        text += f" As the ledger knows it, decision {', '.join(wanting)} was not validly made."
    return text


def _recipient(award: _Award, prefix: str, registers: _Registers) -> dict[str, Any]:
    a = award.allocation
    if a.recipient_organisation is None:
        return {"id": f"{prefix}-name-{_local_id(a.recipient)}", "name": a.recipient}
    return _organisation(a.recipient_organisation, award.day, prefix, registers)


def _funder(award: _Award, prefix: str, registers: _Registers) -> dict[str, Any]:
    fund = award.fund
    if fund.grant_maker is not None:
        return _organisation(fund.grant_maker, award.day, prefix, registers)
    body = registers.body(fund.body, award.day)
    return {"id": f"{prefix}-body-{fund.body}", "name": body.name if body else fund.body}


def _organisation(slug: str, day: date, prefix: str, registers: _Registers) -> dict[str, Any]:
    """A registered organisation as it stood on ``day``: its name, and its org-id (or
    the publisher's own identifier for it), with the charity or company number an
    org-id carries."""
    state = registers.organisation(slug, day)
    identifier = state.identifier if state is not None else None
    found: dict[str, Any] = {
        "id": identifier or f"{prefix}-org-{slug}",
        "name": state.name if state is not None else slug,
    }
    for code, field in NUMBERS.items():
        if identifier and identifier.startswith(code + "-"):
            found[field] = identifier[len(code) + 1 :]
    return found


# --- writing -----------------------------------------------------------------------


def _package_head(selection: Selection, issued: str | None) -> dict[str, Any]:
    head: dict[str, Any] = {
        "version": VERSION,
        "title": f"Grants from the ledger's funds{_scope(selection)}",
        "description": (
            "Every allocation of the funds the ledger records, as 360Giving grants: the "
            "amount awarded as it stands (varied, vired; a withdrawn allocation at what "
            "was paid before then)."
        ),
    }
    if issued is not None:
        head["issued"] = issued
    return head


def _scope(selection: Selection) -> str:
    parts = []
    if selection.body is not None:
        parts.append(f"managed by {selection.body}")
    if selection.first is not None:
        parts.append(f"awarded from {selection.first}")
    if selection.last is not None:
        parts.append(f"awarded up to {selection.last}")
    return f" ({', '.join(parts)})" if parts else ""


def _pounds(pence: int) -> Decimal:
    """Pence as pounds, exactly: 3966100 is 39661.00 (never a binary fraction)."""
    return Decimal(pence).scaleb(-2)


def _json(value: Any) -> str:
    """JSON text, with amounts as the exact decimal numbers they are."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _at(grant: dict[str, Any], path: tuple[str | int, ...]) -> Any:
    value: Any = grant
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError):
            return None
    return value


def _local_id(text: str) -> str:
    """A free-text name as an identifier's last part: lower-case letters, digits and
    hyphens (``KCC Community Safety`` is ``kcc-community-safety``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    local = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return local or "x" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _checked_prefix(given: str) -> str:
    text = given.strip().rstrip("-")
    if not text.startswith("360G-"):
        text = f"360G-{text}"
    if not PREFIX.fullmatch(text):
        raise ValidationError(
            f"--prefix {given!r}: a 360Giving prefix is 360G- and letters, digits, hyphens "
            "or underscores, e.g. 360G-kentcsp"
        )
    return text


def _paths(out: Path) -> tuple[Path, Path]:
    """The package and the CSV that ``--out`` names, checked before anything is read."""
    if not out.absolute().parent.is_dir():
        raise ValidationError(f"cannot write {out}: there is no folder {out.absolute().parent}")
    if out.suffix.lower() in (".json", ".csv"):
        if out.is_dir():
            raise ValidationError(f"cannot write {out}: it is a folder; give a file name")
        return out.with_suffix(".json"), out.with_suffix(".csv")
    if out.exists() and not out.is_dir():
        raise ValidationError(
            f"--out {out}: give a directory (for grants.json and grants.csv) or a file ending .json"
        )
    return out / "grants.json", out / "grants.csv"


@contextmanager
def _placed(path: Path) -> Iterator[Path]:
    """A file beside ``path`` that replaces it once the block ends well, and is removed
    if it does not: a failed export leaves what was there before, and nothing else."""
    partial = path.with_name(f".{path.name}.{uuid4().hex[:12]}.partial")
    try:
        yield partial
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)
