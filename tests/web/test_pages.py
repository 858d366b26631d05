"""Every page of the web view, on SQLite and PostgreSQL, through Starlette's test client.

The pages read the demo ledger (tests/web/conftest.py); their JSON is the command
line's --json, byte for byte; their addresses name their dates; and a wrong address or
date is a helpful 404 or 400 page.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from datetime import date

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from ledger.application import Ledger
from ledger.cli.main import cli
from ledger.domain.body import EstablishBody
from ledger.web import audit, readers
from ledger.web.app import create_app
from ledger.web.pages import day_number
from tests.web.addresses import DOCUMENTS, PAGES, WG
from tests.web.conftest import Demo


def cli_json(url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", url, *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(("path", "seen"), PAGES, ids=[p for p, _ in PAGES])
def test_every_page_shows_its_answer(client: TestClient, path: str, seen: str) -> None:
    page = client.get(path)

    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert seen in page.text
    assert page.text.count("<h1") == 1
    assert '<html lang="en-GB">' in page.text
    assert "Traceback" not in page.text


@pytest.mark.parametrize(("path", "args"), DOCUMENTS, ids=[p for p, _ in DOCUMENTS])
def test_each_json_view_is_the_command_lines_json_document(
    client: TestClient, demo: Demo, path: str, args: list[str]
) -> None:
    served = client.get(path)

    assert served.status_code == 200, served.text
    assert served.headers["content-type"] == "application/json; charset=utf-8"
    assert served.text == cli_json(demo.url, *args)


def test_accept_json_gives_the_same_document_as_the_json_path(client: TestClient) -> None:
    asked = client.get(f"{WG}/tor?on=2024-07-04", headers={"Accept": "application/json"})
    html = client.get(f"{WG}/tor?on=2024-07-04", headers={"Accept": "text/html,*/*;q=0.8"})

    assert asked.json() == client.get(f"{WG}/tor.json?on=2024-07-04").json()
    assert html.headers["content-type"].startswith("text/html")
    assert "Accept" in asked.headers["vary"]


def test_a_page_as_known_at_a_moment_answers_as_the_command_line_does(
    client: TestClient, demo: Demo
) -> None:
    moment = demo.marks["before-2024-review"]
    path = f"{WG}/tor.json?on=2024-07-04&known_at={moment}"

    assert client.get(path).text == cli_json(
        demo.url, "tor", "show", "kcsp-wg", "--on", "2024-07-04", "--known-at", moment
    )
    page = client.get(f"{WG}/tor", params={"on": "2024-07-04", "known_at": moment})
    assert f"as the ledger knew at {moment}" in page.text
    assert "As amended from 2024-07-04" not in page.text


def test_the_audit_page_is_the_head_the_latest_checkpoint_and_the_verification(
    client: TestClient, demo: Demo
) -> None:
    document = client.get("/audit.json").json()

    assert document["head"] == json.loads(cli_json(demo.url, "head"))
    assert document["checkpoint"] == json.loads(cli_json(demo.url, "checkpoints"))[-1]
    assert document["verify"] == json.loads(cli_json(demo.url, "verify"))
    assert [d["format"] for d in document["exports"]] == audit.offered()
    page = client.get("/audit").text
    assert document["head"]["hash"] in page
    assert "demo.example/ledger" in page


def test_the_date_slider_spans_the_bodys_life_with_a_tick_at_each_change(
    client: TestClient,
) -> None:
    page = client.get(f"{WG}/tor?on=2024-07-04").text

    slider = re.search(r'<input type="range"[^>]*>', page, re.S)
    assert slider is not None
    assert f'value="{day_number(date(2024, 7, 4))}"' in slider.group()
    assert 'list="changes"' in slider.group()
    ticks = re.findall(r'<option value="(-?\d+)" label="([\d-]+)">', page)
    assert "2024-07-04" in [label for _, label in ticks]
    assert len(ticks) >= 2
    assert 'name="day"' in slider.group()
    assert "Show this date" in page


def test_the_slider_form_leads_to_the_stable_address_of_its_date(client: TestClient) -> None:
    moved = client.get(
        f"{WG}/tor",
        params={"day": day_number(date(2024, 7, 4)), "known_at": "", "section": "membership"},
        follow_redirects=False,
    )

    assert moved.status_code == 303
    assert moved.headers["location"] == f"{WG}/tor?on=2024-07-04&section=membership#day"


def test_the_membership_section_changes_across_4_july_2024(client: TestClient) -> None:
    before = client.get(f"{WG}/tor?on=2024-07-03&section=membership").text
    after = client.get(f"{WG}/tor?on=2024-07-04&section=membership").text

    assert "As amended from 2024-07-04" in after
    assert "As amended from 2024-07-04" not in before
    red = client.get(f"{WG}/tor/redline?from=2024-07-03&to=2024-07-04").text
    assert "<del>" in red
    assert "<ins>" in red


def test_pending_changes_are_shown(client: TestClient) -> None:
    page = client.get(f"{WG}/tor?on=2024-07-03").text

    assert "Pending changes" in page
    assert re.search(r"membership</a> amended from <a[^>]*>2024-07-04</a>", page)


def test_a_page_without_its_date_moves_to_the_address_that_names_it(client: TestClient) -> None:
    moved = client.get(f"{WG}/members", follow_redirects=False)
    blanks = client.get("/bodies?on=2024-07-04&known_at=", follow_redirects=False)

    assert moved.status_code == 303
    assert re.fullmatch(rf"{WG}/members\?on=\d{{4}}-\d{{2}}-\d{{2}}", moved.headers["location"])
    assert blanks.headers["location"] == "/bodies?on=2024-07-04"
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/bodies?on=")


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/bodies/no-such-body/tor?on=2024-07-04", "unknown body 'no-such-body'"),
        ("/bodies/no-such-body/members?on=2024-07-04", "unknown body 'no-such-body'"),
        ("/meetings/kcsp-wg-1999-01-01", "unknown meeting 'kcsp-wg-1999-01-01'"),
        ("/decisions/no-such-motion", "unknown motion 'no-such-motion'"),
        ("/funds/no-such-fund?on=2024-07-04", "no-such-fund"),
        ("/no/such/page", "There is no page at /no/such/page"),
        (f"{WG}/tor?on=2001-01-01&section=membership", "no terms of reference in force"),
        ("/audit/export/jsonl", "the signed trail (jsonl) is not made here"),
        ("/audit/export/nonsense", "unknown export format 'nonsense'"),
    ],
)
def test_an_unknown_address_is_a_helpful_404_page(client: TestClient, path: str, said: str) -> None:
    page = client.get(path)

    assert page.status_code == 404
    assert said in html.unescape(page.text)
    assert "Try <a" in page.text
    assert "Traceback" not in page.text
    as_json = client.get(path, headers={"Accept": "application/json"}).json()
    assert as_json["status"] == 404
    assert said in as_json["error"]


def test_a_date_before_the_terms_of_reference_is_a_404_that_keeps_the_slider(
    client: TestClient,
) -> None:
    page = client.get(f"{WG}/tor?on=2001-01-01")

    assert page.status_code == 404
    assert "kcsp-wg has no terms of reference in force on 2001-01-01" in page.text
    assert 'type="range"' in page.text


def test_a_body_with_no_terms_of_reference_keeps_its_menu(client: TestClient) -> None:
    page = client.get("/bodies/kcst/tor?on=2024-07-04")

    assert page.status_code == 404
    assert "kcst has no terms of reference recorded" in page.text
    assert 'href="/bodies/kcst/members?on=2024-07-04"' in page.text


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("on=2024-13-01", "on: '2024-13-01' is not a real date (use YYYY-MM-DD)"),
        ("on=yesterday", "on: 'yesterday' is not a date written YYYY-MM-DD"),
        ("on=2024-07-04&known_at=soon", "known_at: 'soon' is not a real moment"),
        ("day=tomorrow", "day: 'tomorrow' is not a day of the slider"),
        ("day=99999999999", "is not a day of the slider"),
    ],
)
def test_a_malformed_date_is_a_helpful_400_page(client: TestClient, query: str, said: str) -> None:
    page = client.get(f"{WG}/tor?{query}")

    assert page.status_code == 400
    assert said in html.unescape(page.text)
    assert "Dates are written YYYY-MM-DD" in page.text


def test_the_pages_follow_a_reverse_proxys_prefix(demo: Demo) -> None:
    with TestClient(create_app(demo.url), root_path="/ledger") as prefixed:
        page = prefixed.get("/ledger/bodies?on=2024-07-04").text
        moved = prefixed.get("/ledger/bodies/kcsp-wg/members", follow_redirects=False)

    assert 'href="/ledger/static/ledger.css"' in page
    assert 'href="/ledger/bodies/kcsp-wg/tor?on=2024-07-04"' in page
    assert moved.headers["location"].startswith("/ledger/bodies/kcsp-wg/members?on=")


def test_a_page_asked_while_a_clerk_writes_waits_for_the_read_models(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def body(slug: str) -> EstablishBody:
        return EstablishBody(body=slug, name=slug.upper(), kind="board", effective=date(2024, 1, 1))

    with Ledger(ledger_url, actor="clerk") as clerk:
        clerk.execute([body("first")])
        # A write that has committed its event but not yet brought the read models up.
        monkeypatch.setattr(clerk.projections, "catch_up", lambda *args, **kwargs: 0)
        clerk.execute([body("second")])
        monkeypatch.undo()

    def finish_the_write() -> None:
        time.sleep(0.3)
        with Ledger(ledger_url, actor="clerk") as clerk:
            clerk.catch_up_projections()

    with TestClient(create_app(ledger_url)) as client:
        monkeypatch.setattr(readers, "WAIT_FOR_WRITER", 0.2)
        stopped = client.get("/bodies?on=2024-07-04")  # a writer that never finishes
        monkeypatch.setattr(readers, "WAIT_FOR_WRITER", 10)
        writer = threading.Thread(target=finish_the_write)
        writer.start()
        waited = client.get("/bodies.json?on=2024-07-04")
        writer.join()

    assert stopped.status_code == 503
    assert "the read models are 1 event(s) behind the log" in html.unescape(stopped.text)
    assert waited.status_code == 200
    assert [b["slug"] for b in waited.json()] == ["first", "second"]
