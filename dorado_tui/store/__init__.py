"""Persistence: SQLModel tables, async sessions, migrations, audit log, bus, cache, leases.

Entry points (import the submodule you need; this package imports nothing heavy itself):
- `database.Database(url)`: engine + `transaction()` / `read()` sessions (SQLite or PostgreSQL).
- `repos.*`: the functions the engine calls with a session (audit, bots, candidates, orders,
  positions, risk, regime, learning, series, status).
- `migrate.upgrade(url)` / `current_revision(url)`: Alembic migrations from code.
- `services.open_services(...)`: database, bus, cache and leases chosen by their URLs.
- `admin`: what `dorado db|audit|status` run.
"""
