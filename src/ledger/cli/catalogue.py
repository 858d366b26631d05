"""Every top-level command: the module that defines it and its short help, so that
``ledger --help`` lists them all and ``ledger COMMAND`` imports only its own module.

``tests/cli/test_cli.py`` checks this table against the commands themselves (each name,
its module, and its help as click would shorten it): change a command's first line of
help, and change it here too.
"""

from __future__ import annotations

COMMANDS: dict[str, tuple[str, str]] = {
    "correct": (
        "core",
        "Correct an earlier event (by #position, event id or key); the original stays on record.",
    ),
    "head": (
        "core",
        "Print the head of the audit chain (POSITION:HASH), to publish in the minutes.",
    ),
    "import": (
        "core",
        "Import YAML or JSON files of entries, all or nothing; re-importing records nothing new.",
    ),
    "init": ("core", "Create an empty ledger (or open an existing one) and print where it is."),
    "log": (
        "core",
        "List events in the ledger's order: position, recorded, effective, what, who, hash.",
    ),
    "projections": ("core", "Read models kept from the log."),
    "retract": (
        "core",
        "Retract an event recorded in error; it stays in the log, marked as retracted.",
    ),
    "schema": (
        "core",
        "Print the JSON Schema of import files (generated from the command models).",
    ),
    "verify": (
        "core",
        "Recompute the audit chain over every stored event; exit 1 at the first fault.",
    ),
    "bodies": ("bodies", "List the bodies as they stood on a date, as a tree under their parents."),
    "body": ("bodies", "Record the life of a body: establish, rename, dissolve."),
    "organisation": (
        "organisations",
        "Record the life of an organisation: register, rename, identify, close.",
    ),
    "organisations": (
        "organisations",
        "List the organisations as they stood on a date, under the names they had then.",
    ),
    "tor": (
        "tor",
        "Terms of reference: as in force on a date, as known at a moment, and how they changed.",
    ),
    "compliance": (
        "committee",
        "Compare the meetings held in a year with the ToR's meeting frequency.",
    ),
    "meetings": (
        "committee",
        "List a body's meetings with their ids and whether each was quorate at the start.",
    ),
    "member": (
        "committee",
        "Record membership: members join and leave, representatives and substitutes, offices.",
    ),
    "members": (
        "committee",
        "Show who sat on a body on a date: seats, representatives, substitutes, offices.",
    ),
    "quorum": (
        "committee",
        "Was a meeting (or one agenda item) quorate under the rules in force that day, and why.",
    ),
    "meeting": (
        "meeting",
        "Record meetings: schedule, agenda, attendance, interests, outcome, minutes; and show"
        " one as recorded.",
    ),
    "decision": (
        "decisions",
        "Was a decision validly made under the rules in force that day, and why.",
    ),
    "decisions": (
        "decisions",
        "Decisions (of one body, or all), each with its outcome and whether validly made; "
        "with --pending, the forward plan of those not yet in effect or open to call-in.",
    ),
    "motion": ("decisions", "Record motions at agenda items and how each was decided."),
    "allocations": (
        "funds",
        "A fund's allocations on a date, each with its balance and the decisions behind it.",
    ),
    "budget": (
        "funds",
        "The budget position of a fund on a date: received, allocated, spent, returned, "
        "carried forward and available, per financial year and in total, with each "
        "allocation's balance; with --from and --to, the position over time.",
    ),
    "fund": (
        "funds",
        "Record a fund's money: income, allocations, spend, returns and carry-forward.",
    ),
    "funds": ("funds", "The funds (of one managing body, or all), each with its totals on a date."),
    "checkpoint": (
        "checkpoints",
        "Sign a checkpoint of the log (its size and Merkle root, in the C2SP tlog-checkpoint "
        "format), record it in the ledger, and print it to publish.",
    ),
    "checkpoints": (
        "checkpoints",
        "Every checkpoint the ledger has signed and recorded, oldest first.",
    ),
    "key": ("checkpoints", "The Ed25519 key that signs the ledger's checkpoints."),
    "replay": (
        "replay",
        "Step through the record in the ledger's order: each event's envelope (position, "
        "recorded, effective, actor, authority, what it corrects) and what it changed in the "
        "terms of reference (a word diff), the membership, the quorum of each meeting and "
        "item, the validity of each decision and the budget, before and after.",
    ),
    "export": ("export", "Write the record to files that others can read and check on their own."),
    "verifier": (
        "export",
        "Print verify.py: one file, Python's standard library only, that checks an export "
        "(every line's hash, the inclusion proofs or the whole tree, the checkpoint and, when"
        " the cryptography package is there, its signature).",
    ),
    "serve": (
        "serve",
        "Serve the record as read-only web pages: bodies, terms of reference on any date "
        "(with a date slider and redlines), members, meetings and quorum, decisions, the "
        "forward plan, funds, and the audit page with the exports to download.",
    ),
    "demo": (
        "demo",
        "Build a fresh demo ledger from the seed documents and show what it can answer.",
    ),
}
"""name: (module of ``ledger.cli``, short help)."""
