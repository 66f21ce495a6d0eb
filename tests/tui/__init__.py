"""TUI tests: snapshots, Pilot tests and the tmux harness (package so helpers import as `tui.*`)."""
