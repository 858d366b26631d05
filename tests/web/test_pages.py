"""Every page of the web view, on SQLite and PostgreSQL, through Starlette's test client.

The pages read the demo ledger (tests/web/conftest.py); their JSON is the command
line's --json, byte for byte; a wrong address or date is a helpful 404 or 400 page;
everything the record holds is escaped; and nothing a browser can send changes it.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

import ledger.application
from ledger.application import Ledger
from ledger.cli.main import cli
from ledger.interchange.export import Written
from ledger.web import audit
from ledger.web.app import create_app
from ledger.web.pages import day_number
from tests.web.conftest import HOSTILE_NAME, HOSTILE_SLUG, Demo

WG = "/bodies/kcsp-wg"
INQUORATE = "/meetings/kcsp-wg-2024-09-12"

# Every page, with a line of what a reader sees on it.
PAGES = [
    ("/bodies?on=2024-07-04", "Kent Community Safety Partnership (KCSP) Working Group"),
    ("/bodies?on=2024-07-04&all=1", "Leave out the dissolved bodies"),
    (f"{WG}/tor?on=2024-07-04", "Standing members"),
    (f"{WG}/tor?on=2024-07-04&section=membership", "section membership only"),
    (f"{WG}/tor/history", "History of the terms of reference"),
    (f"{WG}/tor/history?section=membership", "section membership"),
    (f"{WG}/tor/redline?from=2024-07-03&to=2024-07-04", "Redline: 2024-07-03 to 2024-07-04"),
    (f"{WG}/members?on=2024-07-04", "Members on 2024-07-04"),
    (f"{WG}/meetings", "kcsp-wg-2024-09-12"),
    (f"{WG}/meetings?from=2024-01-01&to=2024-12-31", "kcsp-wg-2024-06-13"),
    (INQUORATE, "1 more responsible-authority organisation(s) needed"),
    ("/meetings/kcsp-wg-2024-06-13/quorum?item=3", "at item 3"),
    ("/decisions", "kcsp-2024-07-04-5a"),
    (f"{WG}/decisions?invalid=1", "NOT validly made"),
    ("/decisions/kcsp-wg-2024-06-13-3a", "Why it was not validly made"),
    ("/forward-plan?on=2024-12-20", "Forward plan on 2024-12-20"),
    (f"{WG}/forward-plan?on=2024-12-20", "Forward plan on 2024-12-20"),
    ("/funds?on=2025-03-31", "Kent Community Safety Fund"),
    (f"{WG}/funds?on=2025-03-31", "Kent Community Safety Fund"),
    ("/funds/kcsp-csf?on=2025-03-31", "£1,840.50"),
    ("/funds/kcsp-csf?on=2025-03-31&year=2024/25", "Position in 2024/25"),
    ("/funds/kcsp-csf/series?from=2024-04-01&to=2025-03-31&every=quarter", "every quarter"),
    ("/audit", "Intact"),
    ("/audit?body=kcsp-wg&from=2024-04-01&to=2025-03-31", "kcsp-wg's record"),
]

# Each JSON view and the command whose --json it must be, byte for byte.
DOCUMENTS = [
    ("/bodies.json?on=2024-07-04", ["bodies", "--on", "2024-07-04"]),
    ("/bodies.json?on=2024-07-04&all=1", ["bodies", "--on", "2024-07-04", "--all"]),
    (f"{WG}/tor.json?on=2024-07-04", ["tor", "show", "kcsp-wg", "--on", "2024-07-04"]),
    (
        f"{WG}/tor.json?on=2024-07-03&section=membership",
        ["tor", "show", "kcsp-wg", "--on", "2024-07-03", "--section", "membership"],
    ),
    (f"{WG}/tor/history.json", ["tor", "history", "kcsp-wg"]),
    (
        f"{WG}/tor/redline.json?from=2024-07-03&to=2024-07-04",
        ["tor", "diff", "kcsp-wg", "2024-07-03", "2024-07-04"],
    ),
    (f"{WG}/members.json?on=2024-07-04", ["members", "kcsp-wg", "--on", "2024-07-04"]),
    (f"{WG}/meetings.json?from=2024-01-01", ["meetings", "kcsp-wg", "--from", "2024-01-01"]),
    (f"{INQUORATE}.json", ["meeting", "show", "kcsp-wg-2024-09-12"]),
    (
        "/meetings/kcsp-wg-2024-06-13/quorum.json?item=3",
        ["quorum", "kcsp-wg-2024-06-13", "--item", "3"],
    ),
    ("/decisions.json", ["decisions"]),
    (f"{WG}/decisions.json?invalid=1", ["decisions", "kcsp-wg", "--invalid"]),
    ("/decisions/kcsp-wg-2024-06-13-3a.json", ["decision", "kcsp-wg-2024-06-13-3a"]),
    (
        f"{WG}/forward-plan.json?on=2024-12-20",
        ["decisions", "kcsp-wg", "--pending", "--on", "2024-12-20"],
    ),
    ("/funds.json?on=2025-03-31", ["funds", "--on", "2025-03-31"]),
    ("/funds/kcsp-csf.json?on=2025-03-31", ["budget", "kcsp-csf", "--on", "2025-03-31"]),
    (
        "/funds/kcsp-csf/series.json?from=2024-04-01&to=2025-03-31&every=quarter",
        ["budget", "kcsp-csf", "--from", "2024-04-01", "--to", "2025-03-31", "--every", "quarter"],
    ),
]


@pytest.fixture(scope="module")
def client(demo: Demo) -> Iterator[TestClient]:
    with TestClient(create_app(demo.url)) as opened:
        yield opened


def cli_json(url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", url, *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def state_of(url: str) -> tuple[Any, ...]:
    """What a write would change: the head, the count, the read models' positions, the
    checkpoints, and for SQLite the bytes of the file and its write-ahead log."""
    with Ledger(url) as opened:
        recorded = (opened.head(), opened.count(), opened.projection_positions())
        recorded += (len(opened.checkpoints()),)
    if "://" not in url:
        files = [Path(url), Path(f"{url}-wal")]
        recorded += tuple(hashlib.sha256(f.read_bytes()).hexdigest() for f in files if f.exists())
    return recorded


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


def test_every_answer_carries_a_content_security_policy(client: TestClient) -> None:
    for path in ["/bodies?on=2024-07-04", "/static/ledger.css", "/no/such", f"{WG}/tor.json"]:
        response = client.get(path, follow_redirects=False)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "default-src 'none'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
    page = client.get(f"{WG}/tor?on=2024-07-04").text
    assert re.findall(r"<script\b[^>]*>", page) == ['<script src="/static/slider.js" defer>']
    assert " on" not in "".join(re.findall(r"<[^>]+\son\w+=", page))
    assert "style=" not in page


def test_an_unforeseen_failure_is_a_calm_500_page_never_a_traceback(
    demo: Demo, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug, with a secret /etc/ledger/key in its message")

    monkeypatch.setattr(Ledger, "members", broken)
    with TestClient(create_app(demo.url), raise_server_exceptions=False) as failing:
        page = failing.get(f"{WG}/members?on=2024-07-04")

    assert page.status_code == 500
    assert "Something went wrong" in page.text
    assert "Nothing was changed" in page.text
    assert "Traceback" not in page.text
    assert "/etc/ledger/key" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "a bug, with a secret" in caplog.text  # for the operator, in the log


def test_hostile_text_in_the_record_is_shown_escaped(client: TestClient) -> None:
    pages = [
        client.get(f"/bodies/{HOSTILE_SLUG}/tor?on=2020-03-01").text,
        client.get("/bodies?on=2020-03-01").text,
        client.get(f"/bodies/{HOSTILE_SLUG}/tor/history").text,
        client.get(f"/bodies/{HOSTILE_SLUG}/tor/redline?from=2020-01-31&to=2020-02-01").text,
    ]

    for page in pages:
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "<i>Members" not in page
        assert "<b>Terms" not in page
    assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt; &amp; &#34;Partners&#34;" in pages[1]
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[0]
    assert "&lt;/div&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in pages[0]
    assert client.get(f"/bodies/{HOSTILE_SLUG}/tor.json?on=2020-03-01").json()["title"] == (
        "<b>Terms</b>"
    )
    named = [b["name"] for b in client.get("/bodies.json?on=2020-03-01").json()]
    assert HOSTILE_NAME in named


def route_paths(client: TestClient) -> list[str]:
    """A real address for every route the application has."""
    names = {
        "body": "kcsp-wg",
        "meeting": "kcsp-wg-2024-09-12",
        "motion": "kcsp-wg-2024-06-13-3a",
        "fund": "kcsp-csf",
        "kind": "csv",
    }
    found = []
    app: Any = client.app
    for route in app.routes:
        if isinstance(route, Mount):
            found.append("/static/ledger.css")
        elif isinstance(route, Route):
            found.append(re.sub(r"{(\w+)}", lambda m: names[m.group(1)], route.path))
    return found


def test_no_route_answers_a_method_that_could_write(client: TestClient) -> None:
    paths = route_paths(client)

    assert len(paths) > 30
    for path in paths:
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            refused = client.request(method, path, follow_redirects=False)
            assert refused.status_code == 405, (method, path, refused.status_code)
            assert "GET" in refused.headers["allow"], (method, path)
        assert client.head(path, follow_redirects=False).status_code in (200, 303, 400, 404)


def test_crawling_every_page_and_download_changes_nothing(client: TestClient, demo: Demo) -> None:
    before = state_of(demo.url)

    for path, _ in PAGES + [(p, "") for p, _ in DOCUMENTS]:
        assert client.get(path).status_code == 200, path
    for kind in audit.offered():
        assert client.get(f"/audit/export/{kind}?body=kcsp-wg").status_code == 200, kind

    assert state_of(demo.url) == before


def test_every_offered_export_downloads(client: TestClient) -> None:
    for kind in audit.offered():
        download = client.get(f"/audit/export/{kind}?body=kcsp-wg&from=2024-04-01")
        assert download.status_code == 200, download.text
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.content


def fake_format(name: str, folder: bool) -> ModuleType:
    """An export module that writes one file, or a folder of two, at ``out``."""
    module = ModuleType(f"ledger.interchange.export.{name}")

    def write(source: Any, out: Path, selection: Any, progress: Any) -> Written:
        bodies = source.bodies(date(2024, 7, 4))
        if folder:
            out.mkdir()
            (out / "bodies.txt").write_text("\n".join(b.slug for b in bodies))
            (out / "selection.txt").write_text(repr(selection))
            return Written(name, [str(out / "bodies.txt"), str(out / "selection.txt")])
        out.write_text(",".join(b.slug for b in bodies))
        return Written(name, [str(out)])

    module.write = write  # type: ignore[attr-defined]
    return module


def test_a_download_is_the_file_an_export_writes_or_a_zip_of_its_folder(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    formats = (*audit.FORMATS, "onefile", "folder")
    monkeypatch.setattr(ledger.application, "FORMATS", formats)
    monkeypatch.setattr(audit, "FORMATS", formats)
    monkeypatch.setitem(
        sys.modules, "ledger.interchange.export.onefile", fake_format("onefile", False)
    )
    monkeypatch.setitem(
        sys.modules, "ledger.interchange.export.folder", fake_format("folder", True)
    )

    one = client.get("/audit/export/onefile?body=kcsp-wg")
    zipped = client.get("/audit/export/folder?body=kcsp-wg&from=2024-04-01&to=2025-03-31")

    assert one.status_code == 200
    assert 'filename="ledger-kcsp-wg"' in one.headers["content-disposition"]
    assert "kcsp-wg" in one.text.split(",")
    assert (
        'filename="ledger-kcsp-wg-2024-04-01-2025-03-31-folder.zip"'
        in zipped.headers["content-disposition"]
    )
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        names = sorted(archive.namelist())
        assert names == [
            "ledger-kcsp-wg-2024-04-01-2025-03-31/bodies.txt",
            "ledger-kcsp-wg-2024-04-01-2025-03-31/selection.txt",
        ]
        assert "first=datetime.date(2024, 4, 1)" in archive.read(names[1]).decode()
    assert "/audit/export/folder?body=kcsp-wg" in client.get("/audit?body=kcsp-wg").text
    assert not list(Path(tempfile.gettempdir()).glob("ledger-web-export-*"))


def test_the_pages_follow_a_reverse_proxys_prefix(demo: Demo) -> None:
    with TestClient(create_app(demo.url), root_path="/ledger") as prefixed:
        page = prefixed.get("/ledger/bodies?on=2024-07-04").text
        moved = prefixed.get("/ledger/bodies/kcsp-wg/members", follow_redirects=False)

    assert 'href="/ledger/static/ledger.css"' in page
    assert 'href="/ledger/bodies/kcsp-wg/tor?on=2024-07-04"' in page
    assert moved.headers["location"].startswith("/ledger/bodies/kcsp-wg/members?on=")


class CountingLedger:
    """What the audit page's verification asks of a ledger, counting the verifications."""

    def __init__(self) -> None:
        self.position = 1
        self.verified = 0

    def head(self) -> tuple[int, str]:
        return self.position, "ab" * 32

    def verify(self) -> str:
        self.verified += 1
        return f"verification {self.verified}"


def test_the_audit_page_verifies_again_when_the_record_grows_or_its_result_ages() -> None:
    counting = CountingLedger()
    kept, every_time = audit.Verifications(300), audit.Verifications(0)

    first = kept.latest(counting)  # type: ignore[arg-type]
    assert kept.latest(counting) is first  # type: ignore[arg-type]
    counting.position = 2
    assert kept.latest(counting).report == "verification 2"  # type: ignore[arg-type]
    every_time.latest(counting)  # type: ignore[arg-type]
    every_time.latest(counting)  # type: ignore[arg-type]
    assert counting.verified == 4
