"""Errors the store raises that callers are expected to catch and act on."""

from __future__ import annotations

from dorado_tui.domain.errors import StoreError


class DuplicateKey(StoreError):
    """A row with this natural key exists already (e.g. a second intent for one client order id).

    The caller's transaction stays usable: the failed insert ran inside a savepoint.
    """

    title = "Duplicate key"

    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"{what} {key!r} exists already")
        self.what = what
        self.key = key


class NotFound(StoreError):
    """The row a call refers to does not exist."""

    title = "Not found"

    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"no {what} {key!r} in the store")
        self.what = what
        self.key = key


class StaleState(StoreError):
    """The stored state is not the one the caller started from (another process moved it first)."""

    title = "State changed underneath"
