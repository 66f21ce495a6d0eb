"""The console's screens: one per concern (Textual MODES) plus the dialogs."""
