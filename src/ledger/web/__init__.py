"""The read-only web view: every answer of the command line as a page with a stable
link, over the same API (``ledger.application.Ledger``), opened so it cannot write.

``app.py`` builds the Starlette application; one module per concept holds its routes
(``bodies``, ``tor``, ``committee``, ``decisions``, ``funds``, ``audit``); ``pages.py``
reads query parameters and answers as HTML or as the CLI's JSON document;
``readers.py`` keeps the read-only ledgers the pages ask.
"""
