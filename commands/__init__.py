"""Dorado's Typer CLI: one module per command or group, composed in `commands.main`."""
