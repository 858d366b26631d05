"""The read side's answers, composed from the read models: one module per question.

Each function takes the database connection (and, where it needs an aggregate's
events, the history reader) and returns plain dataclasses.  Nothing here writes.
"""
