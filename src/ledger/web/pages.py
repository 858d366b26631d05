"""What every page shares: its query parameters read strictly, its links, and its
answer given as HTML or as the command line's JSON document.

A page is JSON when its path ends ``.json`` or its request prefers ``application/json``
(the ``Accept`` header); the document is then byte for byte what the matching
``ledger ... --json`` prints (``ledger.documents.json_text``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from ledger.application import Ledger
from ledger.documents import json_text
from ledger.domain import clock
from ledger.domain.body_state import BodyState
from ledger.domain.errors import ValidationError
from ledger.domain.moments import parse_day, parse_moment
from ledger.web.readers import Readers

JSON = "application/json"
EPOCH = date(1970, 1, 1)


def readers(request: Request) -> Readers:
    """The read-only ledgers of the application serving ``request``."""
    found: Readers = request.app.state.readers
    return found


def templates(request: Request) -> Jinja2Templates:
    found: Jinja2Templates = request.app.state.templates
    return found


# --- query parameters ------------------------------------------------------------------


def text(request: Request, name: str) -> str | None:
    """A parameter's text, or None when it is missing or blank."""
    value = request.query_params.get(name)
    if value is None or not value.strip():
        return None
    if "\x00" in value:
        raise ValidationError(f"{name}: holds a NUL character (U+0000)")
    return value.strip()


def day(request: Request, name: str) -> date | None:
    """A ``YYYY-MM-DD`` parameter (None when missing); a malformed one is a 400."""
    value = text(request, name)
    if value is None:
        return None
    try:
        return parse_day(value)
    except ValueError as exc:
        raise ValidationError(f"{name}: {exc}") from None


def moment(request: Request, name: str = "known_at") -> datetime | None:
    """A recorded moment (``known_at``), read as the command line's ``--known-at``."""
    value = text(request, name)
    if value is None:
        return None
    try:
        return parse_moment(value)
    except ValueError as exc:
        raise ValidationError(f"{name}: {exc}") from None


def flag(request: Request, name: str) -> bool:
    """A check box: present and not 0, no, false or off."""
    value = text(request, name)
    return value is not None and value.lower() not in ("0", "no", "false", "off")


def today() -> date:
    """Today by the ledger's clock (UTC)."""
    return clock.now().date()


def day_number(value: date) -> int:
    """A day as the date slider counts it: days since 1 January 1970."""
    return (value - EPOCH).days


def from_day_number(value: str) -> date:
    try:
        return EPOCH + timedelta(days=int(value))
    except (ValueError, OverflowError):
        raise ValidationError(f"day: '{value}' is not a day of the slider") from None


def canonical(request: Request, **defaults: str) -> Response | None:
    """A redirect to this page's stable URL when the request lacks it: blank parameters
    dropped, and the missing ones given their defaults (a page on a date names it)."""
    given = [(k, v) for k, v in request.query_params.multi_items()]
    kept = [(k, v) for k, v in given if v.strip()]
    names = {k for k, _ in kept}
    kept += [(k, v) for k, v in defaults.items() if k not in names]
    if kept == given:
        return None
    path = here(request) + (".json" if str(request.scope["path"]).endswith(".json") else "")
    return redirect(request, link(request, path), kept)


def redirect(request: Request, path: str, params: list[tuple[str, str]]) -> Response:
    query = urlencode(params)
    return RedirectResponse(path + (f"?{query}" if query else ""), status_code=303)


# --- links ------------------------------------------------------------------------------


def link(request: Request, path: str, params: Mapping[str, Any] | None = None) -> str:
    """A link to ``path`` of this application (behind any prefix the proxy gives it),
    with the parameters that are not None."""
    root = str(request.scope.get("root_path", "")).rstrip("/")
    pairs = [(k, _param(v)) for k, v in (params or {}).items() if v is not None and v != ""]
    query = urlencode(pairs)
    return root + path + (f"?{query}" if query else "")


def _param(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def here(request: Request) -> str:
    """The route path of this request, without any ``.json`` suffix or proxy prefix."""
    path = str(request.scope["path"])
    root = str(request.scope.get("root_path", ""))
    if root and path.startswith(root):
        path = path[len(root) :]
    return path.removesuffix(".json")


def json_link(request: Request) -> str:
    """This page as the JSON document."""
    return link(request, here(request) + ".json", dict(request.query_params))


# --- answers ----------------------------------------------------------------------------


def wants_json(request: Request) -> bool:
    """Whether the answer should be the JSON document rather than the page."""
    if str(request.scope["path"]).endswith(".json"):
        return True
    best: tuple[float, int] = (0.0, 0)
    choice = "html"
    for index, part in enumerate(request.headers.get("accept", "").split(",")):
        kind, *options = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for option in options:
            key, _, value = option.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if kind not in (JSON, "text/html"):
            continue
        # The most preferred of the two; on a tie, whichever the client listed first.
        rank = (quality, -index)
        if quality > 0 and rank > best:
            best, choice = rank, kind
    return choice == JSON


def json_response(document: Any, status: int = 200) -> Response:
    """The document as the command line prints it with ``--json``."""
    return Response(
        json_text(document) + "\n",
        status_code=status,
        media_type=f"{JSON}; charset=utf-8",
        headers={"Vary": "Accept"},
    )


def answer(
    request: Request,
    template: str,
    document: Any,
    context: dict[str, Any],
    status: int = 200,
) -> Response:
    """The page (``template`` with ``context``), or ``document`` when JSON is wanted."""
    if wants_json(request):
        return json_response(document, status)
    return page(request, template, context, status)


def page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    """The HTML page ``template`` with ``context``."""
    response = templates(request).TemplateResponse(
        request, template, {**context, "json_link": json_link(request)}, status_code=status
    )
    response.headers["Vary"] = "Accept"
    return response


# --- what many pages ask ----------------------------------------------------------------

LAST_DAY = date(9999, 12, 31)


def body_state(ledger: Ledger, slug: str, on: date) -> BodyState:
    """The body as it stood on ``on`` (or nearest that day): its name for the page's
    heading and links.  NotFound if the ledger has never recorded it."""
    return ledger.body(slug, on)


def dates(request: Request) -> dict[str, Any]:
    """The dates a page was asked for, as typed, for its forms and links."""
    return {"on": text(request, "on"), "known_at": text(request, "known_at")}
