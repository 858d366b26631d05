"""ledger: an event-sourced, tamper-evident decision ledger for public partnerships."""

__version__ = "0.1.0"
