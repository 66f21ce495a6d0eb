"""Dorado: a terminal-first operator console for a solo systematic trader."""

__version__ = "0.1.0"
