"""Fixtures the integration tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger.cli.demo import build
from tests.conftest import drop_pg_schema, new_pg_url


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo ledger, built once per backend for a module whose tests only read it
    (a module that writes defines its own ``demo``)."""
    if request.param == "sqlite":
        url = str(tmp_path_factory.mktemp("demo") / "demo.db")
        build(url)
        yield url
        return
    url = new_pg_url()
    try:
        build(url)
        yield url
    finally:
        drop_pg_schema(url)
