"""The bodies on a date, as a tree; a body's own address leads to its terms of reference."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledger.documents import as_tree, bodies_document
from ledger.domain.body_state import BodyState
from ledger.web.pages import (
    answer,
    canonical,
    dates,
    day,
    flag,
    link,
    moment,
    readers,
    redirect,
    today,
)
from ledger.web.routing import page_routes


@dataclass
class Node:
    """A body and the bodies under it, for the page's nested list."""

    body: BodyState
    children: list[Node] = field(default_factory=list)


def nest(tree: list[tuple[int, BodyState]]) -> list[Node]:
    """The bodies in tree order with their depths, as nested nodes."""
    roots: list[Node] = []
    path: list[Node] = []
    for depth, body in tree:
        node = Node(body)
        del path[depth:]
        (path[-1].children if path else roots).append(node)
        path.append(node)
    return roots


async def home(request: Request) -> Response:
    return redirect(request, link(request, "/bodies"), [("on", today().isoformat())])


async def bodies_page(request: Request) -> Response:
    """``ledger bodies --on D [--known-at K] [--all]``."""
    if (moved := canonical(request, on=today().isoformat())) is not None:
        return moved
    on, known_at, every = day(request, "on"), moment(request), flag(request, "all")
    assert on is not None
    found = await readers(request).ask(
        lambda ledger: ledger.bodies(on, known_at=known_at, include_dissolved=every)
    )
    tree = as_tree(found)
    context = {"tree": nest(tree), "all": every, **dates(request)}
    return answer(request, "bodies.html", bodies_document(tree), context)


async def body_page(request: Request) -> Response:
    """A body's address: its terms of reference, on the same dates."""
    body = request.path_params["body"]
    target = link(request, f"/bodies/{body}/tor")
    return redirect(request, target, list(request.query_params.multi_items()))


ROUTES = [
    Route("/", home, methods=["GET"]),
    *page_routes("/bodies", bodies_page),
    Route("/bodies/{body}", body_page, methods=["GET"]),
]
