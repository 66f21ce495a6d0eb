"""Pure domain types and rules: no I/O, no frameworks, time only from an injected Clock."""
