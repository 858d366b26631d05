"""The audit page: the head of the chain, the latest signed checkpoint, a verification
of the whole log, and the exports of the body and period shown, to download.

A verification recomputes the whole chain, which takes seconds on a large ledger; so
one runs at a time, and its result is shown again (with when it was made) while the
head is unchanged and it is younger than ``verify_every`` seconds (``ledger serve
--verify-every``).

The exports are made on request into a temporary folder by ``Ledger.export`` (on the
read-only ledger, so an export that tried to write would be refused) and sent back: a
single file as it is, several zipped.  The signed trail (jsonl) is not offered: making
one signs and records a new checkpoint, which is a write, and this view never writes.
"""

from __future__ import annotations

import mimetypes
import shutil
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ledger.application import Ledger
from ledger.documents import checkpoints_document, head_document, verify_document
from ledger.domain import clock
from ledger.domain.errors import NotFound
from ledger.interchange.export import FORMATS
from ledger.web.pages import answer, day, link, readers, text
from ledger.web.routing import page_routes

SIGNED = "jsonl"  # the trail that records a checkpoint as it is made: never from here
NOT_OFFERED = (
    "the signed trail (jsonl) is not made here: making one signs and records a new "
    "checkpoint, a write, and this view of the record never writes. Ask the clerk for "
    "one (ledger export --format jsonl --key KEY), and check it with verify.py against "
    "the checkpoint on this page."
)
EXTENSION = {"html": ".html", "csv": ".csv", "popolo": ".json", "grants": ".json"}


@dataclass(frozen=True)
class Verification:
    """The result of ``Ledger.verify``, when it was made, and the head it was made at."""

    report: Any
    at: datetime
    head: tuple[int, str]


class Verifications:
    """One verification at a time, its result reused while the head is unchanged and it
    is younger than ``every`` seconds (0: verify on every request)."""

    def __init__(self, every: float) -> None:
        self.every = timedelta(seconds=every)
        self._lock = threading.Lock()
        self._last: Verification | None = None

    def latest(self, ledger: Ledger) -> Verification:
        with self._lock:  # whoever comes while one runs waits for it, and shares it
            head, now = ledger.head(), clock.now()
            last = self._last
            if last is not None and last.head == head and now - last.at < self.every:
                return last
            self._last = Verification(ledger.verify(), clock.now(), head)
            return self._last


def offered() -> list[str]:
    """The export formats this view offers: every one but the signed trail."""
    return [kind for kind in FORMATS if kind != SIGNED]


def selection(request: Request) -> dict[str, Any]:
    """The body and period an export holds, from the page's query."""
    return {"body": text(request, "body"), "from": day(request, "from"), "to": day(request, "to")}


async def audit_page(request: Request) -> Response:
    """The head (``ledger head``), the latest checkpoint (``ledger checkpoints``), the
    verification (``ledger verify``) and the exports' links; as JSON, those documents."""
    chosen = selection(request)
    verifications: Verifications = request.app.state.verifications

    def ask(ledger: Ledger) -> tuple[Any, ...]:
        if chosen["body"] is not None:
            ledger.require_body(chosen["body"])
        return ledger.head(), ledger.checkpoints()[-1:], verifications.latest(ledger)

    head, latest, verified = await readers(request).ask(ask)
    report = verified.report
    query = {k: v for k, v in chosen.items() if v is not None}
    downloads = [
        {"format": kind, "href": link(request, f"/audit/export/{kind}", query)}
        for kind in offered()
    ]
    document = {
        "head": head_document(head),
        "checkpoint": checkpoints_document(latest)[0] if latest else None,
        "verify": verify_document(report),
        "exports": downloads,
        "not_offered": {SIGNED: NOT_OFFERED} if SIGNED in FORMATS else {},
    }
    context = {
        "head": head,
        "checkpoint": latest[0] if latest else None,
        "report": report,
        "verified_at": verified.at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "verify_every": int(verifications.every.total_seconds()),
        "downloads": downloads,
        "signed": SIGNED in FORMATS,
        "not_offered": NOT_OFFERED,
        "chosen": chosen,
        "body": None,
    }
    return answer(request, "audit.html", document, context)


async def export_download(request: Request) -> Response:
    """An export of the body and period asked for, made now and sent as a download."""
    kind = request.path_params["kind"]
    if kind == SIGNED:
        raise NotFound(NOT_OFFERED)
    if kind not in offered():
        raise NotFound(f"unknown export format '{kind}': one of {', '.join(offered())}")
    chosen = selection(request)
    stem = "-".join(
        str(part) for part in ("ledger", chosen["body"], chosen["from"], chosen["to"]) if part
    )
    folder = Path(tempfile.mkdtemp(prefix="ledger-web-export-"))
    out = folder / stem
    try:
        await readers(request).ask(
            lambda ledger: ledger.export(
                kind, out, body=chosen["body"], first=chosen["from"], last=chosen["to"]
            )
        )
        path, name = packed(folder, out, f"{stem}{EXTENSION.get(kind, '')}", f"{stem}-{kind}")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    kind_of, _ = mimetypes.guess_type(name)
    return FileResponse(
        path,
        filename=name,
        media_type=kind_of or "application/octet-stream",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


def packed(folder: Path, out: Path, single: str, many: str) -> tuple[Path, str]:
    """What to send: the one file the export wrote, or a zip of all it wrote."""
    written = sorted(p for p in folder.rglob("*") if p.is_file())
    if written == [out]:
        return out, single
    archive = folder / ".download.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for path in written:
            zipped.write(path, path.relative_to(folder).as_posix())
    return archive, f"{many}.zip"


ROUTES = [
    *page_routes("/audit", audit_page),
    Route("/audit/export/{kind}", export_download, methods=["GET"]),
]
