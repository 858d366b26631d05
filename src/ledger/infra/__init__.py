"""Infrastructure: persistence on SQLite and PostgreSQL, the mapper, the audit chain."""
