"""Nothing the web view serves can change the record, or be turned against its reader:
no route answers a method that could write, crawling every page and download leaves the
ledger as it was, everything the record holds is escaped, every answer carries a
Content-Security-Policy, and a failure is a calm page.
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

import ledger.interchange.export
from ledger.application import Ledger
from ledger.interchange.export import Written
from ledger.web import audit
from ledger.web.app import create_app
from tests.web.addresses import DOCUMENTS, PAGES, WG
from tests.web.conftest import HOSTILE_NAME, HOSTILE_SLUG, Demo


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
    # The downloads' scratch folders go under this test's own temporary folder, so other
    # tests downloading at the same time (in other workers) cannot be mistaken for ours.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    formats = (*audit.FORMATS, "onefile", "folder")
    # Ledger.export takes its list of formats from the export package when called.
    monkeypatch.setattr(ledger.interchange.export, "FORMATS", formats)
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
    assert not list(scratch.glob("ledger-web-export-*"))


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
