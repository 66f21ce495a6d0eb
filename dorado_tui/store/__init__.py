"""Persistence: SQLModel tables, async sessions, migrations, audit log, bus, cache, leases."""
