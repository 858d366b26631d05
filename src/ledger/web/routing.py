"""Routes that only read: each page answers GET (and so HEAD) at its path, and the same
answer as JSON at its path with ``.json``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Endpoint = Callable[[Request], Awaitable[Response]]


def page_routes(path: str, endpoint: Endpoint) -> list[Route]:
    """``path.json`` and ``path``, both GET (and HEAD) only.  The JSON route comes first:
    ``/meetings/{meeting}`` would otherwise take ``x.json`` for a meeting's id."""
    return [
        Route(f"{path}.json", endpoint, methods=["GET"]),
        Route(path, endpoint, methods=["GET"]),
    ]
