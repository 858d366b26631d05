"""``ledger export --format grants``: every allocation as a 360Giving grant.

The package is validated against 360Giving's own schemas (1.4.3, kept offline in
tests/standards/360giving); the CSV's columns are the standard's titles; amounts are
exact and add up to what the budget says was allocated; identifiers carry the
publisher's 360G- prefix and the organisations' org-id.guide codes.
"""

from __future__ import annotations

import csv
import json
import shlex
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from ledger.application import Ledger
from ledger.cli.main import cli
from ledger.domain.errors import ValidationError
from ledger.domain.fund_commands import VaryAllocation, WithdrawAllocation
from ledger.domain.organisation import RegisterOrganisation, SetOrganisationIdentifier
from ledger.interchange.export.grants import COLUMNS
from tests.integration.test_funds import allocate, by, fund, spend

STANDARD = Path(__file__).parents[1] / "standards" / "360giving"
# The package schema names the grant schema by its 1.4.2 address; both are this file.
GRANT_URIS = (
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json",
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.3/schema/360-giving-schema.json",
)


def load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((STANDARD / name).read_text(encoding="utf-8"))
    return loaded


def validator() -> Draft202012Validator:
    """360Giving's package schema, resolving the grant schema locally (never the network)."""
    grant = DRAFT202012.create_resource(load("360-giving-schema.json"))
    registry: Registry[Any] = Registry().with_resources((uri, grant) for uri in GRANT_URIS)
    return Draft202012Validator(
        load("360-giving-package-schema.json"), registry=registry, format_checker=FormatChecker()
    )


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


Files = tuple[dict[str, Any], list[dict[str, str]]]


def read(json_path: Path) -> Files:
    """The package, and the CSV's rows by column title."""
    package = json.loads(json_path.read_text(encoding="utf-8"))
    with json_path.with_suffix(".csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return package, rows


def export(db: str, out: Path, *args: str) -> Files:
    """``ledger export --format grants --out OUT ARGS...``, read back."""
    result = run(db, "export", "--format", "grants", "--out", str(out), *args)
    assert result.exit_code == 0, result.output
    return read(out if out.suffix == ".json" else out / "grants.json")


def exported(ledger: Ledger, out: Path) -> Files:
    """The same through the Python API."""
    ledger.export("grants", out)
    return read(out / "grants.json")


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


# --- the demo ------------------------------------------------------------------------


def test_the_demo_exports_a_package_that_360givings_schemas_accept(
    demo: str, tmp_path: Path
) -> None:
    result = run(demo, "export", "--format", "grants", "--out", str(tmp_path / "out"))

    assert result.exit_code == 0, result.output
    assert "wrote grants to" in result.stdout
    assert "(2 file(s)): grants 8" in result.stdout
    package = json.loads((tmp_path / "out" / "grants.json").read_text(encoding="utf-8"))
    errors = [f"{list(e.path)}: {e.message}" for e in validator().iter_errors(package)]
    assert errors == []
    assert package["version"] == "1.4"
    assert len(package["grants"]) == 8


def test_the_schemas_refuse_what_the_standard_does_not_allow(demo: str, tmp_path: Path) -> None:
    package, _ = export(demo, tmp_path / "out")
    grant = package["grants"][0]
    broken = [
        {**grant, "amountAwarded": "12000.00"},
        {**grant, "awardDate": "2023-13-01"},
        {k: v for k, v in grant.items() if k != "fundingOrganization"},
    ]

    for bad in broken:
        assert list(validator().iter_errors({**package, "grants": [bad]})), bad


def test_amounts_are_exact_and_add_up_to_what_each_budget_says_was_allocated(
    demo: str, tmp_path: Path
) -> None:
    _, rows = export(demo, tmp_path / "out")
    text = (tmp_path / "out" / "grants.json").read_text(encoding="utf-8")
    exact = json.loads(text, parse_float=Decimal)

    with Ledger(demo) as ledger:
        summaries = ledger.funds()
    for summary in summaries:
        code = summary.fund.fund
        awarded = [
            g["amountAwarded"] for g in exact["grants"] if g["grantProgramme"][0]["code"] == code
        ]
        assert sum(awarded) * 100 == summary.total.allocated.pence
    assert '"amountAwarded": 9820.50' in text  # £9,820.50, never 9820.499999...
    assert {r["Amount Awarded"] for r in rows} >= {"9820.50", "790000.00", "12500.00"}


def test_every_grant_has_its_own_identifier_under_the_publishers_360g_prefix(
    demo: str, tmp_path: Path
) -> None:
    package, rows = export(demo, tmp_path / "default")
    ids = [g["id"] for g in package["grants"]]

    assert len(set(ids)) == len(ids) == 8
    assert "360G-kcsp-kcsp-csf_kcsp-csf-2024-02" in ids  # the Working Group's partnership
    assert "360G-richmond-csp-richmond-substance-misuse_richmond-sm-2008-01" in ids
    assert [r["Identifier"] for r in rows] == ids

    chosen, _ = export(demo, tmp_path / "chosen", "--prefix", "360G-kentcsp")
    bare, _ = export(demo, tmp_path / "bare", "--prefix", "kentcsp")
    assert all(g["id"].startswith("360G-kentcsp-") for g in chosen["grants"])
    assert [g["id"] for g in bare["grants"]] == [g["id"] for g in chosen["grants"]]


def test_organisations_carry_their_org_ids_and_the_rest_the_publishers_own(
    demo: str, tmp_path: Path
) -> None:
    package, rows = export(demo, tmp_path / "out")
    by_id = {g["id"].rsplit("_", 1)[1]: g for g in package["grants"]}

    scams = by_id["kcsp-csf-2023-03"]  # to "KCC Community Safety": Kent County Council
    assert scams["recipientOrganization"] == [{"id": "GB-LAE-KEN", "name": "Kent County Council"}]
    assert scams["fundingOrganization"] == [{"id": "GB-LAE-KEN", "name": "Kent County Council"}]
    assert "to KCC Community Safety" in scams["description"]
    police = by_id["kcsp-csf-2024-01"]["recipientOrganization"][0]
    assert police == {"id": "360G-kcsp-org-kent-police", "name": "Kent Police"}
    richmond = by_id["richmond-sm-2008-01"]
    assert richmond["fundingOrganization"] == [
        {
            "id": "360G-richmond-csp-body-richmond-csp",
            "name": "Richmond Community Safety Partnership Strategy Group",
        }
    ]
    row = next(r for r in rows if r["Identifier"].endswith("_kcsp-csf-2023-03"))
    assert (row["Recipient Org:Identifier"], row["Funding Org:Identifier"]) == (
        "GB-LAE-KEN",
        "GB-LAE-KEN",
    )


def test_the_csv_has_a_column_for_each_field_titled_as_360giving_titles_it(
    demo: str, tmp_path: Path
) -> None:
    schema = load("360-giving-schema.json")

    def title(path: tuple[str | int, ...]) -> str:
        node, parts = schema, []
        for step in path:
            if isinstance(step, int):
                continue
            node = node["properties"][step]
            ref = node.get("$ref") or node.get("items", {}).get("$ref")
            parts.append(node.get("title") or schema["$defs"][ref.split("/")[-1]]["title"])
            if ref:
                node = schema["$defs"][ref.split("/")[-1]]
        return ":".join(parts)

    assert [name for name, _ in COLUMNS] == [title(path) for _, path in COLUMNS]
    _, rows = export(demo, tmp_path / "out")
    with (tmp_path / "out" / "grants.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == [name for name, _ in COLUMNS]
    assert header[:7] == [
        "Identifier",
        "Title",
        "Description",
        "Currency",
        "Amount Awarded",
        "Amount Disbursed",
        "Award Date",
    ]
    assert {"Recipient Org:Identifier", "Funding Org:Name", "Planned Dates:Start Date"} <= set(
        header
    )
    first = rows[0]
    assert (first["Planned Dates:Start Date"], first["Planned Dates:End Date"]) == (
        "2023-04-01",
        "2024-03-31",
    )


def test_body_and_dates_choose_the_grants(demo: str, tmp_path: Path) -> None:
    def ids(*args: str) -> list[str]:
        package, _ = export(demo, tmp_path / "-".join(args).replace("/", ""), *args)
        return [g["id"].rsplit("_", 1)[1] for g in package["grants"]]

    assert len(ids("--body", "kcsp-wg")) == 7
    assert ids("--body", "richmond-csp") == ["richmond-sm-2008-01"]
    assert ids("--from", "2024-01-01") == [
        "kcsp-csf-2024-01",
        "kcsp-csf-2024-02",
        "kcsp-csf-2024-03",
    ]
    assert ids("--from", "2008-06-17", "--to", "2008-06-17") == ["richmond-sm-2008-01"]
    assert len(ids("--to", "2023-12-31")) == 5


def test_an_out_ending_json_writes_that_file_and_the_csv_beside_it(
    demo: str, tmp_path: Path
) -> None:
    package, rows = export(demo, tmp_path / "kent.json", "--body", "kcsp-wg")

    assert sorted(p.name for p in tmp_path.iterdir()) == ["kent.csv", "kent.json"]
    assert len(package["grants"]) == len(rows) == 7


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--body", "nobody"], "unknown body 'nobody'"),
        (["--prefix", "360G-kent csp"], "--prefix '360G-kent csp': a 360Giving prefix is"),
        (["--from", "2030-01-01"], "no grants to export (awarded from 2030-01-01)"),
        (["--from", "2024-02-01", "--to", "2024-01-01"], "--from 2024-02-01 is after --to"),
    ],
)
def test_a_bad_request_is_one_line_and_writes_nothing(
    demo: str, tmp_path: Path, args: list[str], says: str
) -> None:
    out = tmp_path / "out"
    line = one_line_error(run(demo, "export", "--format", "grants", "--out", str(out), *args))

    assert says in line
    assert not out.exists()


def test_the_prefix_is_for_grants_only(demo: str, tmp_path: Path) -> None:
    with Ledger(demo) as ledger, pytest.raises(ValidationError, match="--prefix goes with"):
        ledger.export("jsonl", tmp_path / "x.jsonl", prefix="360G-x")


def test_a_ledger_opened_read_only_exports_its_grants(demo: str, tmp_path: Path) -> None:
    url = f"{demo}&mode=ro" if "?" in demo else f"{demo}?mode=ro"

    package, _ = export(url, tmp_path / "out")

    assert len(package["grants"]) == 8


# --- small histories -------------------------------------------------------------------


def test_varied_and_withdrawn_allocations_show_what_was_awarded_in_the_end(
    ledger: Ledger, tmp_path: Path
) -> None:
    fund(
        ledger,
        allocate("csf-1", "3,000"),
        VaryAllocation(
            fund="csf",
            allocation="csf-1",
            amount="2,500",
            effective=date(2024, 7, 1),
            authority=by(),
        ),
        allocate("csf-2", "1,000"),
        spend("csf-2", "400.10"),
        WithdrawAllocation(fund="csf", allocation="csf-2", effective=date(2024, 8, 1)),
        allocate("csf-3", "500"),
        WithdrawAllocation(fund="csf", allocation="csf-3", effective=date(2024, 8, 1)),
    )

    written = ledger.export("grants", tmp_path / "out")

    assert written.counts == {"grants": 2, "withdrawn_unpaid_left_out": 1}
    package = json.loads((tmp_path / "out" / "grants.json").read_text(encoding="utf-8"))
    assert list(validator().iter_errors(package)) == []
    by_id = {g["id"]: g for g in package["grants"]}
    assert set(by_id) == {"360G-wg-csf_csf-1", "360G-wg-csf_csf-2"}
    assert by_id["360G-wg-csf_csf-1"]["amountAwarded"] == 2500
    withdrawn = by_id["360G-wg-csf_csf-2"]
    assert (withdrawn["amountAwarded"], withdrawn["amountDisbursed"]) == (400.1, 400.1)
    assert "Withdrawn on 2024-08-01" in withdrawn["description"]
    (summary,) = ledger.funds()
    assert summary.total.allocated.pence == 250000 + 40010


def test_hostile_text_cannot_start_a_formula_in_the_csv_and_stays_exact_in_the_json(
    ledger: Ledger, tmp_path: Path
) -> None:
    fund(
        ledger,
        allocate("csf-1", 100, recipient='=HYPERLINK("http://evil.example","x")', title="@SUM(1)"),
        allocate("csf-2", 100, recipient="+44 charity", title="-2+3"),
        allocate("csf-3", 100, recipient="\tTabbed", title='Quote " and, comma\nnewline'),
    )

    package, rows = exported(ledger, tmp_path / "out")

    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    names = {r["Recipient Org:Name"] for r in rows}
    assert names == {'\'=HYPERLINK("http://evil.example","x")', "'+44 charity", "'\tTabbed"}
    assert {r["Title"] for r in rows} == {"'@SUM(1)", "'-2+3", 'Quote " and, comma\nnewline'}
    grants = {g["id"]: g for g in package["grants"]}
    assert grants["360G-wg-csf_csf-1"]["recipientOrganization"][0] == {
        "id": "360G-wg-name-hyperlink-http-evil-example-x",
        "name": '=HYPERLINK("http://evil.example","x")',
    }
    assert list(validator().iter_errors(package)) == []


def test_an_organisation_is_known_by_the_org_id_it_held_on_the_day_of_the_award(
    ledger: Ledger, tmp_path: Path
) -> None:
    fund(
        ledger,
        RegisterOrganisation(
            organisation="kent-vcs",
            name="Kent Voluntary Action",
            sector="voluntary",
            identifier="GB-CHC-1070468",
            effective=date(2000, 1, 1),
        ),
        allocate("csf-1", 100, recipient="KCC", recipient_organisation="kcc"),
        allocate(
            "csf-2", 100, recipient="Kent Voluntary Action", recipient_organisation="kent-vcs"
        ),
        SetOrganisationIdentifier(
            organisation="kcc", identifier="GB-LAE-KEN", effective=date(2024, 6, 1)
        ),
        allocate("csf-3", 100, recipient="KCC", day=date(2024, 6, 1), recipient_organisation="kcc"),
    )

    package, rows = exported(ledger, tmp_path / "out")

    recipients = {g["id"]: g["recipientOrganization"][0] for g in package["grants"]}
    assert recipients["360G-wg-csf_csf-1"]["id"] == "360G-wg-org-kcc"  # not yet identified
    assert recipients["360G-wg-csf_csf-3"]["id"] == "GB-LAE-KEN"
    assert recipients["360G-wg-csf_csf-2"] == {
        "id": "GB-CHC-1070468",
        "name": "Kent Voluntary Action",
        "charityNumber": "1070468",
    }
    row = next(r for r in rows if r["Identifier"] == "360G-wg-csf_csf-2")
    assert row["Recipient Org:Charity Number"] == "1070468"


def test_the_grant_maker_is_the_funding_organisation(ledger: Ledger, tmp_path: Path) -> None:
    fund(ledger, allocate("csf-1", 100), grant_maker="kcc")

    package, _ = exported(ledger, tmp_path / "out")

    assert package["grants"][0]["fundingOrganization"] == [
        {"id": "360G-wg-org-kcc", "name": "Kent County Council"}
    ]


def test_the_command_line_records_identifiers_grant_makers_and_recipients(
    ledger: Ledger, ledger_url: str, tmp_path: Path
) -> None:
    fund(ledger)
    org = ["organisation", "register", "kent-vcs", "--name", "Kent VCS", "--sector", "voluntary"]

    bad = one_line_error(run(ledger_url, *org, "--identifier", "kent", "--effective", "2000-01-01"))
    assert "must be an org-id.guide identifier" in bad
    steps = [
        [*org, "--identifier", "GB-CHC-1070468", "--effective", "2000-01-01"],
        "organisation set-identifier kcc GB-LAE-KEN --effective 2020-01-01",
        "fund create csf2 --name Second --body wg --funder PCC --grant-maker kcc"
        " --effective 2024-03-01",
        "fund receive csf2 --year 2024/25 --amount 500 --source PCC --effective 2024-04-01",
        "fund allocate csf2 csf2-1 --year 2024/25 --recipient 'Kent VCS' --title Pastors"
        " --recipient-organisation kent-vcs --amount 250 --effective 2024-05-01"
        " --decision wg-2024-03-14-5a",
    ]
    for step in steps:
        result = run(ledger_url, *(shlex.split(step) if isinstance(step, str) else step))
        assert result.exit_code == 0, result.output

    package, _ = export(ledger_url, tmp_path / "out")
    (grant,) = package["grants"]
    assert grant["recipientOrganization"][0]["id"] == "GB-CHC-1070468"
    assert grant["fundingOrganization"][0] == {"id": "GB-LAE-KEN", "name": "Kent County Council"}
    listed = run(ledger_url, "organisations", "--on", "2024-05-01", "--json")
    identifiers = {o["slug"]: o["identifier"] for o in json.loads(listed.stdout)}
    assert (identifiers["kcc"], identifiers["kent-police"]) == ("GB-LAE-KEN", None)


def test_a_failed_export_leaves_what_was_there_and_nothing_else(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger.interchange.export import grants

    fund(ledger, allocate("csf-1", 100), allocate("csf-2", 200))
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "grants.json").write_text("the last export", encoding="utf-8")
    real = grants.cell

    def full_disk(value: Any) -> Any:
        if value == "csf":
            raise OSError(28, "No space left on device")
        return real(value)

    monkeypatch.setattr(grants, "cell", full_disk)
    for out in (tmp_path / "new", kept):
        with pytest.raises(ValidationError, match="No space left on device; nothing was written"):
            ledger.export("grants", out)
    assert not (tmp_path / "new").exists()
    assert [p.name for p in kept.iterdir()] == ["grants.json"]
    assert (kept / "grants.json").read_text(encoding="utf-8") == "the last export"

    monkeypatch.setattr(grants, "cell", real)
    package, rows = exported(ledger, kept)  # a good export replaces the last one
    assert len(package["grants"]) == len(rows) == 2


def test_an_out_in_no_folder_is_one_line(demo: str, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "grants.json"

    line = one_line_error(run(demo, "export", "--format", "grants", "--out", str(out)))

    assert f"there is no folder {tmp_path / 'missing'}" in line
