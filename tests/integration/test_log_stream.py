"""``ledger log --json`` is written an event at a time, as the same document."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ledger.application import Ledger
from ledger.cli.main import cli
from ledger.documents import json_text


def test_the_streamed_log_is_the_document_of_the_whole_log_byte_for_byte(demo: str) -> None:
    with Ledger(demo, read_only=True) as ledger:
        whole = ledger.log()
        for_body = ledger.log(body="kcsp-wg", limit=5)
    runner = CliRunner()
    streamed = runner.invoke(cli, ["--db", demo, "log", "--json"], catch_exceptions=False)
    assert streamed.exit_code == 0
    assert streamed.output == json_text(whole) + "\n"
    assert [e["position"] for e in json.loads(streamed.output)] == list(range(1, len(whole) + 1))
    some = runner.invoke(cli, ["--db", demo, "log", "--json", "--body", "kcsp-wg", "--limit", "5"])
    assert some.output == json_text(for_body) + "\n"
    none = runner.invoke(cli, ["--db", demo, "log", "--json", "--from", "2999-01-01"])
    assert none.output == "[]\n"
