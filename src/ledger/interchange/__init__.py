"""Files in and out: import files, ToR documents (and the exports and verifier to come).

Modules here translate between files and the application's vocabulary (commands,
reports).  They never open the database: the application hands them what they read.
"""
