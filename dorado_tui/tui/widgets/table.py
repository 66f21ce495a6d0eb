"""A DataTable that reconciles to a list of keyed rows: unchanged rows cost nothing, a filter hides rows.

Re-adding a thousand rows on every refresh would block the event loop for tens of milliseconds;
diffing row tuples and touching only changed cells keeps a refresh well under a frame.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

Cell = str | Text
Row = tuple[Cell, ...]


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


class SyncTable(DataTable[Cell]):
    """Row-cursor table fed with `sync([(key, cells), ...])`; `filter_text` hides non-matching rows."""

    DEFAULT_CSS = """
    SyncTable { height: 1fr; }
    """

    def __init__(self, columns: Sequence[tuple[str, str]], *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self._columns = tuple(columns)
        self._rows: dict[str, Row] = {}  # every row, filtered or not
        self._order: list[str] = []  # every key, in display order
        self._shown: list[str] = []  # keys on screen (after the filter)
        self._filter = ""

    def on_mount(self) -> None:
        for key, label in self._columns:
            self.add_column(label, key=key)
        self._rebuild()

    @property
    def selected_key(self) -> str | None:
        """The key of the row under the cursor (None when the table is empty)."""
        if not self._shown or not 0 <= self.cursor_row < len(self._shown):
            return None
        return self._shown[self.cursor_row]

    @property
    def filter_text(self) -> str:
        return self._filter

    @property
    def shown_keys(self) -> tuple[str, ...]:
        return tuple(self._shown)

    def set_filter(self, text: str) -> None:
        """Show only rows whose text contains `text` (case-insensitive); empty shows all."""
        self._filter = text.strip().lower()
        self._rebuild()

    def sync(self, rows: Sequence[tuple[str, Row]]) -> None:
        """Make the table show `rows` in this order, touching only what changed."""
        order = [key for key, _ in rows]
        new = dict(rows)
        if order != self._order:
            self._rows, self._order = new, order
            self._rebuild()
            return
        for key, cells in rows:
            if self._rows.get(key) != cells:
                self._patch_row(key, cells)

    def patch(self, key: str, values: dict[str, Cell]) -> None:
        """Replace some cells of one row by column key (live marks); unknown rows are ignored."""
        row = self._rows.get(key)
        if row is None:
            return
        cells = list(row)
        for col, value in values.items():
            cells[self._column_index(col)] = value
        self._patch_row(key, tuple(cells))

    def _column_index(self, col: str) -> int:
        for i, (key, _) in enumerate(self._columns):
            if key == col:
                return i
        raise KeyError(f"no column {col!r} in {[k for k, _ in self._columns]}")

    def _matches(self, row: Row) -> bool:
        return not self._filter or any(self._filter in _plain(c).lower() for c in row)

    def _patch_row(self, key: str, cells: Row) -> None:
        old = self._rows.get(key)
        self._rows[key] = cells
        if key not in self._shown:
            if self._matches(cells):
                self._rebuild()
            return
        if not self._matches(cells):
            self._rebuild()
            return
        for (col, _), before, after in zip(self._columns, old or (), cells, strict=False):
            if before != after:
                try:
                    self.update_cell(key, col, after)
                except (CellDoesNotExist, RowDoesNotExist):
                    self._rebuild()
                    return

    def _rebuild(self) -> None:
        if not self.is_mounted:
            return
        keep = self.selected_key
        self.clear()
        self._shown = [k for k in self._order if self._matches(self._rows[k])]
        for key in self._shown:
            self.add_row(*self._rows[key], key=key)
        if keep in self._shown:
            self.move_cursor(row=self._shown.index(keep), animate=False)
