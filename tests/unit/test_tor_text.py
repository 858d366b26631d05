"""Reading a terms-of-reference document, as written, into numbered sections."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.tor_text import DocumentParseError, ParsedDocument, parse_tor_document

DEMO = Path(__file__).parents[2] / "examples" / "demo"
ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def _read(name: str) -> ParsedDocument:
    return parse_tor_document((DEMO / name).read_text(encoding="utf-8"))


def _section(doc: ParsedDocument, section_id: str) -> str:
    return next(s.text for s in doc.sections if s.id == section_id)


# --- the Kent Community Safety Partnership Working Group ToR (2023) -------------


def test_the_kent_working_group_tor_reads_as_its_seven_numbered_sections() -> None:
    doc = _read("kcsp-wg-tor-2023.txt")
    assert [s.id for s in doc.sections] == [
        "title",
        "overarching-purpose",
        "membership",
        "purpose-of-the-kcsp-working-group",
        "meetings",
        "quorum",
        "decision-making",
    ]
    assert [s.number for s in doc.sections] == ["1", "2", "3", "4", "5", "6", "7"]
    assert {s.level for s in doc.sections} == {1}


def test_the_kent_working_group_title_is_the_two_lines_above_the_first_heading() -> None:
    doc = _read("kcsp-wg-tor-2023.txt")
    assert doc.title == "KENT COMMUNITY SAFETY PARTNERSHIP WORKING GROUP — TERMS OF REFERENCE"


def test_the_kent_quorum_section_says_four_responsible_authorities() -> None:
    doc = _read("kcsp-wg-tor-2023.txt")
    quorum = next(s for s in doc.sections if s.id == "quorum")
    assert quorum.heading == "QUORUM"
    assert quorum.text == (
        "A meeting will be regarded as quorate if no less than four of the "
        "responsible authorities are represented."
    )


def test_appendix_a_and_its_bullets_stay_inside_the_kent_purpose_section() -> None:
    doc = _read("kcsp-wg-tor-2023.txt")
    purpose = _section(doc, "purpose-of-the-kcsp-working-group")
    assert "\nAppendix A\n" in purpose
    assert "- Report to the KCSP on performance against relevant targets" in purpose
    assert purpose.endswith(
        "- Co-ordinate with other statutory bodies such Medway CSP when appropriate."
    )
    assert " with the aim of reducing crime/disorder" in purpose  # continuation indent kept


def test_the_kent_overarching_purpose_keeps_its_roman_numeral_bullets() -> None:
    doc = _read("kcsp-wg-tor-2023.txt")
    assert "- (i) Managing the Kent Community Safety fund" in _section(doc, "overarching-purpose")


# --- Richmond's Community Safety Partnership Strategy Group ToR (March 2008) --------

RICHMOND = [
    ("1", "purpose"),
    ("2", "objectives"),
    ("3", "membership"),
    ("3.1", "members"),
    ("3.2", "chair"),
    ("3.3", "substitute-members"),
    ("4", "roles-and-responsibilities-of-members"),
    ("5", "accountability"),
    ("5", "decision-making"),
    ("6", "structure-of-the-partnership"),
    ("7", "frequency-of-meetings"),
    ("8", "secretariat"),
    ("9", "workplan-and-performance-management"),
    ("10", "financial-arrangements"),
    ("11", "communication"),
    ("12", "conflicts-of-interest"),
    ("13", "diversity"),
    ("14", "conflict-resolution"),
    ("15", "exit-clause"),
]


def test_the_richmond_tor_reads_as_nineteen_sections_including_both_section_fives() -> None:
    doc = _read("richmond-csp-tor-2008.txt")
    assert [(s.number, s.id) for s in doc.sections] == RICHMOND
    assert len(doc.sections) == 19


def test_richmond_sub_sections_are_level_two_and_the_parent_keeps_only_its_own_text() -> None:
    doc = _read("richmond-csp-tor-2008.txt")
    levels = {s.number: s.level for s in doc.sections}
    assert (levels["3"], levels["3.1"], levels["3.2"], levels["3.3"]) == (1, 2, 2, 2)
    assert _section(doc, "membership") == ""


def test_the_richmond_membership_table_is_inside_section_3_1() -> None:
    members = _section(_read("richmond-csp-tor-2008.txt"), "members")
    assert members.startswith("Organisation\t\tOfficer(s)\n")
    assert "London Fire Brigade\tResponsible Authority\tDivisional Commander" in members
    assert members.endswith("the Community Safety Partnership Team.")


def test_richmond_meets_ten_times_a_year() -> None:
    doc = _read("richmond-csp-tor-2008.txt")
    assert (
        _section(doc, "frequency-of-meetings") == "The Strategy Group will meet 10 times per year."
    )


def test_richmond_headings_lose_the_number_and_a_trailing_full_stop() -> None:
    doc = _read("richmond-csp-tor-2008.txt")
    twelve = next(s for s in doc.sections if s.number == "12")
    assert twelve.heading == "Conflicts of interest"
    assert doc.title == (
        "Terms of Reference for Strategic Partnerships — "
        "Community Safety Partnership Strategy Group March 2008"
    )


def test_richmond_lettered_funding_bullets_stay_in_financial_arrangements() -> None:
    finance = _section(_read("richmond-csp-tor-2008.txt"), "financial-arrangements")
    assert "- a. Funding made available from partners' core budgets;" in finance
    assert "- f. Other grants made available from time to time" in finance


# --- shapes of document -----------------------------------------------------------


def test_markdown_headings_and_bold_headings_are_recognised() -> None:
    doc = parse_tor_document(
        "# Terms of reference\n\n## 6. Quorum\n\nFour authorities.\n\n**7. Decision making**\n\n"
        "By consensus.\n\n### 7.1 Voting ###\n\nShow of hands.\n"
    )
    assert doc.title == "Terms of reference"
    assert [(s.number, s.id, s.heading, s.text) for s in doc.sections] == [
        ("6", "quorum", "Quorum", "Four authorities."),
        ("7", "decision-making", "Decision making", "By consensus."),
        ("7.1", "voting", "Voting", "Show of hands."),
    ]


def test_a_document_without_a_numbered_heading_is_refused_with_a_clear_message() -> None:
    with pytest.raises(DocumentParseError, match="no numbered heading found") as caught:
        parse_tor_document("Terms of reference\n\nThe group meets monthly.\n")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("text", ["", "   \n\n\t\n"])
def test_an_empty_document_is_refused(text: str) -> None:
    with pytest.raises(DocumentParseError, match="the document is empty"):
        parse_tor_document(text)


def test_repeated_headings_get_ids_made_unique_with_their_number() -> None:
    doc = parse_tor_document(
        "1. Decision making\nA.\n5. Decision making\nB.\n5. Decision making\nC.\n"
    )
    assert [s.id for s in doc.sections] == [
        "decision-making",
        "decision-making-5",
        "decision-making-5-2",
    ]


def test_bullets_and_lettered_items_are_not_headings() -> None:
    doc = parse_tor_document(
        "1. Funding\n\n- a. Core budgets\n- (i) Grants\n* 2. Pooled budget\na. Other\n(ii) More\n"
    )
    assert [s.id for s in doc.sections] == ["funding"]
    assert doc.sections[0].text == (
        "- a. Core budgets\n- (i) Grants\n* 2. Pooled budget\na. Other\n(ii) More"
    )


def test_a_long_numbered_sentence_is_body_text_not_a_heading() -> None:
    doc = parse_tor_document(
        "1. Background\n\n1.1 The Crime and Disorder (Formulation and Implementation of Strategy) "
        "Regulations 2007 introduced a number of revisions to the Crime and Disorder Act 1998.\n"
        "2. The group meets ten times per year to review performance against the plan.\n"
    )
    assert [s.id for s in doc.sections] == ["background"]
    assert doc.sections[0].text.startswith("1.1 The Crime and Disorder")


def test_numbers_without_a_full_stop_and_years_are_not_headings() -> None:
    doc = parse_tor_document("1. Meetings\n10 Meetings a year\n2008. Adopted\n3.1.4\n")
    assert [s.id for s in doc.sections] == ["meetings"]


def test_section_text_keeps_lines_and_collapses_three_or_more_blank_lines() -> None:
    doc = parse_tor_document("1. Chair   \n\n\nElected annually.   \n\n\n\n\nBy members.  \n\n")
    assert doc.sections[0].heading == "Chair"
    assert doc.sections[0].text == "Elected annually.\n\nBy members."


def test_a_document_starting_with_a_heading_has_no_title() -> None:
    assert parse_tor_document("1. Purpose\nTo reduce crime.").title is None


def test_a_heading_with_no_letters_left_for_a_slug_is_named_by_its_number() -> None:
    doc = parse_tor_document("2.3 Ω\nText.\n")
    assert [(s.id, s.heading) for s in doc.sections] == [("section-2-3", "Ω")]


def test_long_headings_are_cut_to_a_valid_id() -> None:
    heading = "Arrangements for extraordinary multiagency partnership consultation"
    doc = parse_tor_document(f"1. {heading}\n2. {heading}\n")
    assert [len(s.id) <= 63 for s in doc.sections] == [True, True]
    assert doc.sections[1].id.endswith("-2")
    assert all(ID.match(s.id) for s in doc.sections)


@given(st.lists(st.text(max_size=90), min_size=1, max_size=12))
def test_every_id_is_a_valid_unique_slug_whatever_the_headings(headings: list[str]) -> None:
    text = "\n".join(f"{i % 3 + 1}. {h}" for i, h in enumerate(["Start", *headings]))
    ids = [s.id for s in parse_tor_document(text).sections]
    assert all(ID.match(i) for i in ids), ids
    assert len(set(ids)) == len(ids)


_WORD = st.from_regex(r"[A-Za-z][A-Za-z0-9'&()/-]{0,6}", fullmatch=True)
_HEADING = st.lists(_WORD, min_size=1, max_size=8).map(" ".join)


@given(st.lists(_HEADING, min_size=1, max_size=20))
def test_every_short_lettered_heading_becomes_a_section_with_a_valid_id(
    headings: list[str],
) -> None:
    doc = parse_tor_document("\n".join(f"{n}.{n} {h}" for n, h in enumerate(headings, start=1)))
    assert [s.heading for s in doc.sections] == headings
    assert all(s.level == 2 for s in doc.sections)
    assert all(ID.match(s.id) for s in doc.sections)
