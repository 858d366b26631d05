"""The addresses the web tests read: every page, and each JSON view with the command
whose --json it must be."""

from __future__ import annotations

WG = "/bodies/kcsp-wg"
INQUORATE = "/meetings/kcsp-wg-2024-09-12"

# Every page, with a line of what a reader sees on it.
PAGES = [
    ("/bodies?on=2024-07-04", "Kent Community Safety Partnership (KCSP) Working Group"),
    ("/bodies?on=2024-07-04&all=1", "Leave out the dissolved bodies"),
    (f"{WG}/tor?on=2024-07-04", "Standing members"),
    (f"{WG}/tor?on=2024-07-04&section=membership", "section membership only"),
    (f"{WG}/tor/history", "History of the terms of reference"),
    (f"{WG}/tor/history?section=membership", "section membership"),
    (f"{WG}/tor/redline?from=2024-07-03&to=2024-07-04", "Redline: 2024-07-03 to 2024-07-04"),
    (f"{WG}/members?on=2024-07-04", "Members on 2024-07-04"),
    (f"{WG}/meetings", "kcsp-wg-2024-09-12"),
    (f"{WG}/meetings?from=2024-01-01&to=2024-12-31", "kcsp-wg-2024-06-13"),
    (INQUORATE, "1 more responsible-authority organisation(s) needed"),
    ("/meetings/kcsp-wg-2024-06-13/quorum?item=3", "at item 3"),
    ("/decisions", "kcsp-2024-07-04-5a"),
    (f"{WG}/decisions?invalid=1", "NOT validly made"),
    ("/decisions/kcsp-wg-2024-06-13-3a", "Why it was not validly made"),
    ("/forward-plan?on=2024-12-20", "Forward plan on 2024-12-20"),
    (f"{WG}/forward-plan?on=2024-12-20", "Forward plan on 2024-12-20"),
    ("/funds?on=2025-03-31", "Kent Community Safety Fund"),
    (f"{WG}/funds?on=2025-03-31", "Kent Community Safety Fund"),
    ("/funds/kcsp-csf?on=2025-03-31", "£1,840.50"),
    ("/funds/kcsp-csf?on=2025-03-31&year=2024/25", "Position in 2024/25"),
    ("/funds/kcsp-csf/series?from=2024-04-01&to=2025-03-31&every=quarter", "every quarter"),
    ("/audit", "Intact"),
    ("/audit?body=kcsp-wg&from=2024-04-01&to=2025-03-31", "kcsp-wg's record"),
]

# Each JSON view and the command whose --json it must be, byte for byte.
DOCUMENTS = [
    ("/bodies.json?on=2024-07-04", ["bodies", "--on", "2024-07-04"]),
    ("/bodies.json?on=2024-07-04&all=1", ["bodies", "--on", "2024-07-04", "--all"]),
    (f"{WG}/tor.json?on=2024-07-04", ["tor", "show", "kcsp-wg", "--on", "2024-07-04"]),
    (
        f"{WG}/tor.json?on=2024-07-03&section=membership",
        ["tor", "show", "kcsp-wg", "--on", "2024-07-03", "--section", "membership"],
    ),
    (f"{WG}/tor/history.json", ["tor", "history", "kcsp-wg"]),
    (
        f"{WG}/tor/redline.json?from=2024-07-03&to=2024-07-04",
        ["tor", "diff", "kcsp-wg", "2024-07-03", "2024-07-04"],
    ),
    (f"{WG}/members.json?on=2024-07-04", ["members", "kcsp-wg", "--on", "2024-07-04"]),
    (f"{WG}/meetings.json?from=2024-01-01", ["meetings", "kcsp-wg", "--from", "2024-01-01"]),
    (f"{INQUORATE}.json", ["meeting", "show", "kcsp-wg-2024-09-12"]),
    (
        "/meetings/kcsp-wg-2024-06-13/quorum.json?item=3",
        ["quorum", "kcsp-wg-2024-06-13", "--item", "3"],
    ),
    ("/decisions.json", ["decisions"]),
    (f"{WG}/decisions.json?invalid=1", ["decisions", "kcsp-wg", "--invalid"]),
    ("/decisions/kcsp-wg-2024-06-13-3a.json", ["decision", "kcsp-wg-2024-06-13-3a"]),
    (
        f"{WG}/forward-plan.json?on=2024-12-20",
        ["decisions", "kcsp-wg", "--pending", "--on", "2024-12-20"],
    ),
    ("/funds.json?on=2025-03-31", ["funds", "--on", "2025-03-31"]),
    ("/funds/kcsp-csf.json?on=2025-03-31", ["budget", "kcsp-csf", "--on", "2025-03-31"]),
    (
        "/funds/kcsp-csf/series.json?from=2024-04-01&to=2025-03-31&every=quarter",
        ["budget", "kcsp-csf", "--from", "2024-04-01", "--to", "2025-03-31", "--every", "quarter"],
    ),
]
