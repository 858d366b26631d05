"""The web application: read-only pages over the one API, the CLI's answers with links.

``create_app(url)`` opens nothing until a page asks; each worker thread then opens the
ledger read-only (SQLite ``mode=ro``, PostgreSQL in READ ONLY transactions), and every
route answers GET and HEAD only.  Run it with ``ledger serve`` (uvicorn).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import jinja2
from pydantic import ValidationError as PydanticValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ledger import __version__
from ledger.domain.errors import LedgerError
from ledger.web import audit, bodies, committee, decisions, funds, tor
from ledger.web.errors import http_error, ledger_error, problem, server_error
from ledger.web.pages import link
from ledger.web.readers import Readers
from ledger.web.security import SecurityHeaders


def environment() -> jinja2.Environment:
    """The templates (package data beside this module): every value escaped, and a
    name the template does not know is an error, never a blank."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ledger.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    @jinja2.pass_context
    def url(context: Mapping[str, Any], path: str, **params: Any) -> str:
        return link(context["request"], path, params)

    env.globals.update(url=url, version=__version__)
    return env


async def pydantic_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PydanticValidationError)
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return problem(request, 400, f"{where}: {message}" if where else message)


def create_app(url: str, *, threads: int = 2, verify_every: float = 300) -> Starlette:
    """The read-only web view of the ledger at ``url``: ``threads`` worker threads, each
    with its own read-only ledger; the audit page's verification reused for up to
    ``verify_every`` seconds while the head is unchanged."""
    readers = Readers(url, threads)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        readers.close()

    routes = [
        *bodies.ROUTES,
        *tor.ROUTES,
        *committee.ROUTES,
        *decisions.ROUTES,
        *funds.ROUTES,
        *audit.ROUTES,
        Mount("/static", StaticFiles(packages=[("ledger.web", "static")]), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={
            LedgerError: ledger_error,
            PydanticValidationError: pydantic_error,
            HTTPException: http_error,
            Exception: server_error,
        },
        lifespan=lifespan,
    )
    app.state.readers = readers
    app.state.verifications = audit.Verifications(verify_every)
    app.state.templates = Jinja2Templates(env=environment())
    return app
