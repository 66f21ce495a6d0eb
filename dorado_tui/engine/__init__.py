"""Async services: scanner, lifecycle, reconciliation, kill switch — the only layer touching ports."""
