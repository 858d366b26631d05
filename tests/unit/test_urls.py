"""Database URLs: what each form opens, and that no password ever reaches a message."""

from __future__ import annotations

import pytest

from ledger.domain.errors import StorageError
from ledger.infra.errors import mask
from ledger.infra.urls import parse_url


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgresql://clerk:secret@host/db", "postgresql://clerk:***@host/db"),
        (
            "cannot reach postgres://clerk:s%40cret@host:5432/db?schema=k",
            "cannot reach postgres://clerk:***@host:5432/db?schema=k",
        ),
        ("host=h user=clerk password=secret dbname=db", "host=h user=clerk password=*** dbname=db"),
        ("password = 'se cret' dbname=db", "password = *** dbname=db"),
        ("postgresql://clerk@host/db", "postgresql://clerk@host/db"),
    ],
)
def test_a_password_in_a_url_or_a_conninfo_is_masked(text: str, shown: str) -> None:
    assert mask(text) == shown


def test_a_known_password_is_masked_wherever_it_appears() -> None:
    assert mask("the server said: no user for 'hunter22'", "hunter22") == (
        "the server said: no user for '***'"
    )
    # Too short to tell from a word: left alone (and too short to be a real password).
    assert mask("a cat", "a") == "a cat"


def test_a_config_never_shows_its_password() -> None:
    config = parse_url("postgresql://clerk:secret@host/db?schema=kent")

    assert "secret" not in repr(config)
    assert "secret" not in config.describe()
    assert config.safe_url == "postgresql://clerk:***@host/db?schema=kent"
    assert config.password == "secret"


@pytest.mark.parametrize(
    ("url", "path", "read_only"),
    [
        ("ledger.db", "ledger.db", False),
        ("ledger.db?mode=ro", "ledger.db", True),
        ("sqlite:///kent.db?mode=ro", "kent.db", True),
        ("sqlite:////srv/kent.db?mode=rw", "/srv/kent.db", False),
        ("minutes?.db", "minutes?.db", False),
    ],
)
def test_a_sqlite_url_may_ask_to_open_read_only(url: str, path: str, read_only: bool) -> None:
    config = parse_url(url)

    assert (config.kind, config.path, config.read_only) == ("sqlite", path, read_only)


def test_a_postgresql_url_may_ask_to_open_read_only() -> None:
    config = parse_url("postgresql://reader@host/db?schema=kent&mode=ro")

    assert (config.schema, config.read_only) == ("kent", True)
    assert config.url_for("kent_reader") == "postgresql://kent_reader@host:5432/db?schema=kent"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "the database URL is blank"),
        ("   ", "the database URL is blank"),
        ("ledger.db?mode=wo", "mode must be ro or rw, not 'wo'"),
        ("ledger.db?journal=wal", "unknown option 'journal'"),
        ("?mode=ro", "names no file"),
        (
            "postgresql://clerk:secret@host:99999/db",
            "'postgresql://clerk:***@host:99999/db' has a port",
        ),
    ],
)
def test_a_url_that_cannot_be_used_is_one_line(url: str, message: str) -> None:
    with pytest.raises(StorageError) as refused:
        parse_url(url)

    assert message in str(refused.value)
    assert "secret" not in str(refused.value)
