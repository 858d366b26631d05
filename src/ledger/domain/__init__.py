"""The domain: aggregates, their pydantic events, and the rules they enforce.

Nothing here imports from the application, the projections or the CLI.
"""
