"""A keyed, row-cursor table on Textual's line API: a changed row repaints one line, nothing else.

Why not DataTable: every `update_cell` there bumps a table-wide counter that is part of every
render-cache key, so one live mark re-renders every visible cell; with 1,000 positions and 100
marks/s that alone blocked the loop for hundreds of milliseconds (benchmarks/bench_tui.py).
Here rows are cached as strips per (key, version, style), `patch` refreshes one screen line, and
`sync` diffs row tuples so a snapshot refresh touches only rows whose cells changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = str | Text
Row = tuple[Cell, ...]
Column = tuple[str, str] | tuple[str, str, str]  # key, label[, "right"]


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


class SyncTable(ScrollView, can_focus=True):
    """Rows fed with `sync([(key, cells), ...])`, patched with `patch`, filtered with `set_filter`."""

    DEFAULT_CSS = """
    SyncTable { height: 1fr; background: $surface; }
    SyncTable > .synctable--header { background: $panel; color: $foreground; text-style: bold; }
    SyncTable > .synctable--cursor { background: $block-cursor-blurred-background; }
    SyncTable:focus > .synctable--cursor { background: $block-cursor-background;
                                           color: $block-cursor-foreground; text-style: bold; }
    SyncTable > .synctable--empty { color: $text-muted; text-style: italic; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "synctable--header", "synctable--cursor", "synctable--empty"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", show=False), Binding("down", "cursor(1)", show=False),
        Binding("pageup", "page(-1)", show=False), Binding("pagedown", "page(1)", show=False),
        Binding("home", "cursor_to(0)", show=False), Binding("end", "cursor_to(-1)", show=False),
        Binding("left", "scroll_left", show=False), Binding("right", "scroll_right", show=False),
        Binding("enter", "select", "Detail", show=False),
    ]

    class RowHighlighted(Message):
        """The cursor moved onto another row."""

        def __init__(self, table: SyncTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> SyncTable:
            return self.table

    class RowSelected(RowHighlighted):
        """Enter (or a click) on a row."""

    def __init__(self, columns: Sequence[Column], *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._columns = tuple(columns)
        self._rows: dict[str, Row] = {}  # every row, filtered or not
        self._versions: dict[str, int] = {}
        self._order: list[str] = []  # every key, in display order
        self._shown: list[str] = []  # keys on screen after the filter
        self._index: dict[str, int] = {}
        self._filter = ""
        self._cursor = 0
        self._widths = [cell_len(c[1]) for c in self._columns]
        self._strips: LRUCache[tuple[str, int, Style], Strip] = LRUCache(4096)

    # -- queries ---------------------------------------------------------------------------------
    @property
    def selected_key(self) -> str | None:
        """The key of the row under the cursor (None when no row is shown)."""
        return self._shown[self._cursor] if self._shown else None

    @property
    def shown_keys(self) -> tuple[str, ...]:
        return tuple(self._shown)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def row_count(self) -> int:
        return len(self._shown)

    @property
    def filter_text(self) -> str:
        return self._filter

    def get_row(self, key: str) -> Row:
        return self._rows[key]

    def get_cell(self, key: str, column: str) -> Cell:
        return self._rows[key][self._column_index(column)]

    # -- updates ---------------------------------------------------------------------------------
    def sync(self, rows: Sequence[tuple[str, Row]]) -> None:
        """Make the table show `rows` in this order, repainting only the rows that changed."""
        order = [key for key, _ in rows]
        if order != self._order:
            self._rows, self._order = dict(rows), order
            self._versions = {k: self._versions.get(k, 0) + 1 for k in order}
            self._rebuild()
            return
        for key, cells in rows:
            if self._rows[key] != cells:
                self._replace(key, cells)

    def patch(self, key: str, values: dict[str, Cell]) -> None:
        """Replace some cells of one row by column key (live marks); unknown rows are ignored."""
        row = self._rows.get(key)
        if row is None:
            return
        cells = list(row)
        for col, value in values.items():
            cells[self._column_index(col)] = value
        self._replace(key, tuple(cells))

    def set_filter(self, text: str) -> None:
        """Show only rows whose text contains `text` (case-insensitive); empty shows all."""
        self._filter = text.strip().lower()
        self._rebuild()

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        self._set_cursor(row)

    def _column_index(self, col: str) -> int:
        for i, spec in enumerate(self._columns):
            if spec[0] == col:
                return i
        raise KeyError(f"no column {col!r} in {[c[0] for c in self._columns]}")

    def _matches(self, row: Row) -> bool:
        return not self._filter or any(self._filter in _plain(c).lower() for c in row)

    def _replace(self, key: str, cells: Row) -> None:
        was_shown = key in self._index
        self._rows[key] = cells
        self._versions[key] = self._versions.get(key, 0) + 1
        if was_shown != self._matches(cells):
            self._rebuild()
            return
        if not was_shown:
            return
        if self._widen(cells):
            self._strips.clear()
            self.refresh()
            return
        y = self._index[key] - int(self.scroll_offset.y) + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _widen(self, cells: Row) -> bool:
        grew = False
        for i, cell in enumerate(cells):
            width = cell_len(_plain(cell))
            if width > self._widths[i]:
                self._widths[i], grew = width, True
        if grew:
            self._set_virtual_size()
        return grew

    def _rebuild(self) -> None:
        keep = self.selected_key
        self._shown = [k for k in self._order if self._matches(self._rows[k])]
        self._index = {k: i for i, k in enumerate(self._shown)}
        self._widths = [max([cell_len(c[1])] + [cell_len(_plain(self._rows[k][i])) for k in self._order])
                        for i, c in enumerate(self._columns)]
        self._strips.clear()
        self._set_virtual_size()
        self._cursor = min(self._cursor, max(0, len(self._shown) - 1))
        if keep is not None and keep in self._index:
            self._cursor = self._index[keep]
        self.refresh()
        if self.selected_key is not None and self.selected_key != keep:
            self.post_message(self.RowHighlighted(self, self.selected_key))

    def _set_virtual_size(self) -> None:
        width = sum(w + 2 for w in self._widths)
        self.virtual_size = Size(width, len(self._shown) + 1)

    # -- cursor and keys -------------------------------------------------------------------------
    def _set_cursor(self, row: int) -> None:
        if not self._shown:
            return
        row = max(0, min(row, len(self._shown) - 1))
        if row == self._cursor:
            return
        self._cursor = row
        visible = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + visible:
            self.scroll_to(y=row - visible + 1, animate=False)
        self.refresh()
        self.post_message(self.RowHighlighted(self, self._shown[row]))

    def action_cursor(self, step: int) -> None:
        self._set_cursor(self._cursor + step)

    def action_page(self, direction: int) -> None:
        self._set_cursor(self._cursor + direction * max(1, self.size.height - 2))

    def action_cursor_to(self, row: int) -> None:
        self._set_cursor(len(self._shown) - 1 if row < 0 else row)

    def action_select(self) -> None:
        if self.selected_key is not None:
            self.post_message(self.RowSelected(self, self.selected_key))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        self._set_cursor(int(self.scroll_offset.y) + offset.y - 1)
        if event.chain > 1:
            self.action_select()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- rendering ---------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("synctable--header")
            strip = self._strip("", tuple(c[1] for c in self._columns), -1, style)
        else:
            index = int(scroll_y) + y - 1
            if index >= len(self._shown):
                if index == 0:
                    note = f"no rows match “{self._filter}”" if self._filter else "no rows"
                    style = base + self.get_component_rich_style("synctable--empty")
                    return Strip([*Text(f" {note}").render(self.app.console)]).apply_style(style).crop_extend(
                        0, width, base)
                return Strip.blank(width, base)
            key = self._shown[index]
            style = base + self.get_component_rich_style("synctable--cursor") if index == self._cursor else base
            strip = self._strip(key, self._rows[key], self._versions.get(key, 0), style)
        return strip.crop_extend(int(scroll_x), int(scroll_x) + width, base)

    def _strip(self, key: str, cells: Row, version: int, style: Style) -> Strip:
        cache_key = (key, version, style)
        cached = self._strips.get(cache_key)
        if cached is not None:
            return cached
        line = Text(no_wrap=True, end="")
        for spec, width, cell in zip(self._columns, self._widths, cells, strict=False):
            text = cell.copy() if isinstance(cell, Text) else Text(cell)
            text.truncate(width, overflow="ellipsis")
            text.align("right" if len(spec) > 2 and spec[2] == "right" else "left", width)
            line.append(" ")
            line.append_text(text)
            line.append(" ")
        # Text.render leaves unstyled runs with no style at all: the row style goes under every
        # segment here (NO_COLOR's monochrome filter fails on a segment without a style).
        strip = Strip(list(line.render(self.app.console)), line.cell_len).apply_style(style)
        self._strips[cache_key] = strip
        return strip
