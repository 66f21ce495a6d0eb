"""Risk radar: pure trade and portfolio checks, sizing, breakers and trading states (no I/O)."""
