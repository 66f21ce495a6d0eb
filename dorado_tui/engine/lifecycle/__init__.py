"""The bot lifecycle (PRD §3.1, §3.3, seed 001): approval, idempotent execution, monitoring and
exits, the wheel, paper twins, NAV — `service.Lifecycle` is the entry point.

Modules by concern: `machine` (state transitions), `intake` (scan → machine), `approval`,
`execution` + `episodes` (the order path), `recovery` (intent recovery after a crash — what
reconciliation calls first), `finalize` (what an episode means), `ledger` + `book` (positions as
folds of their fills), `monitor` + `marking` + `rules` + `facts` (management), `exits`,
`proposals` (covered calls, rolls), `venue_events` (expiry, assignment, dividends), `twins`,
`accounting` (NAV and P&L), `front` (what commands open and show).
"""
