"""Exports: the record in files that others can read and check (one module per format)."""
