"""The demo ledger the web tests read, built once per backend per module, with a signed
checkpoint and a body whose name and terms of reference are hostile text."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ledger.application import Ledger, generate_key
from ledger.cli.demo import build
from ledger.domain.body import EstablishBody
from ledger.domain.tor import AdoptTor
from ledger.web.app import create_app
from tests.conftest import drop_pg_schema, new_pg_url

HOSTILE_NAME = '<script>alert("name")</script> & "Partners"'
HOSTILE_TEXT = "Members <img src=x onerror=alert(1)> & guests\n</div><script>alert(2)</script>"
HOSTILE_SLUG = "hostile-wg"


@dataclass(frozen=True)
class Demo:
    url: str
    marks: dict[str, str]
    folder: Path


def build_demo(url: str, folder: Path) -> dict[str, str]:
    """The demo, a signed checkpoint of it, and one body of hostile text."""
    with contextlib.redirect_stdout(io.StringIO()):
        marks = build(url)
    key = folder / "demo.key"
    generate_key(key, "demo-csp")
    with Ledger(url, actor="clerk") as ledger:
        ledger.checkpoint(key, "demo.example/ledger")
        ledger.execute(
            [
                EstablishBody(
                    body=HOSTILE_SLUG, name=HOSTILE_NAME, kind="board", effective=date(2020, 1, 1)
                ),
                AdoptTor.model_validate(
                    {
                        "body": HOSTILE_SLUG,
                        "effective": "2020-02-01",
                        "title": "<b>Terms</b>",
                        "sections": [
                            {
                                "id": "membership",
                                "number": "1",
                                "heading": "<i>Members</i>",
                                "text": HOSTILE_TEXT,
                            }
                        ],
                    }
                ),
            ]
        )
    return marks


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("web")
    if request.param == "sqlite":
        url = str(folder / "ledger.db")
        yield Demo(url, build_demo(url, folder), folder)
        return
    url = new_pg_url()
    try:
        yield Demo(url, build_demo(url, folder), folder)
    finally:
        drop_pg_schema(url)


@pytest.fixture(scope="module")
def client(demo: Demo) -> Iterator[TestClient]:
    """The application over the demo, with its worker threads open for the module."""
    with TestClient(create_app(demo.url)) as opened:
        yield opened
