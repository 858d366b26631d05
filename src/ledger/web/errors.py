"""Errors as pages a person can act on: an unknown body or meeting is a 404, a
malformed date a 400, a ledger that cannot answer a 503; never a traceback."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ledger.domain.errors import LedgerError, NotFound, StorageError, ValidationError
from ledger.web.pages import json_response, page, wants_json
from ledger.web.security import HEADERS

log = logging.getLogger("ledger.web")

TITLES = {
    400: "That request could not be read",
    404: "Not found",
    405: "This view only reads",
    500: "Something went wrong",
    503: "The ledger cannot answer just now",
}


def status_of(exc: LedgerError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, ValidationError):
        return 400
    if isinstance(exc, StorageError):
        return 503
    return 500


def problem(request: Request, status: int, message: str) -> Response:
    """The error page (or, for JSON, ``{"error": ..., "status": ...}``)."""
    if wants_json(request):
        return json_response({"error": message, "status": status}, status)
    title = TITLES.get(status, "Something went wrong")
    return page(
        request, "error.html", {"status": status, "title": title, "message": message}, status
    )


async def ledger_error(request: Request, exc: Exception) -> Response:
    """What the ledger said, as one line: the same line the command line prints."""
    assert isinstance(exc, LedgerError)
    return problem(request, status_of(exc), str(exc))


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"There is no page at {request.url.path}."
    elif exc.status_code == 405:
        message = (
            f"{request.method} is not allowed here: this view of the record only reads "
            "(GET and HEAD). The record is changed by the clerk's own tools."
        )
    else:
        message = str(exc.detail)
    response = problem(request, exc.status_code, message)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    """Anything unforeseen: logged for the operator, one calm page for the reader."""
    log.error("error serving %s", request.url.path, exc_info=exc)
    response = problem(
        request, 500, "The page could not be made. Nothing was changed; the error is logged."
    )
    # This answer is sent from outside the middleware that adds these to every other.
    for name, value in HEADERS:
        response.headers[name.decode()] = value.decode()
    return response
