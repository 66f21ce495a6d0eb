"""OHLCV CSV import: Yahoo Finance and generic `date,open,high,low,close,volume` layouts.

Every row is checked and every bad row is reported with its line number (the header is line 1):
unparseable date, unparseable or missing number, non-positive price, high below low, open or
close outside the high–low range, negative volume, duplicate date, date earlier than the row
before. A file with any bad row imports nothing unless the caller accepts skipping them.
Written with the csv module rather than pandas.read_csv because the line numbers of bad rows
are the point, and pandas gives them only for malformed CSV, not for bad values.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from dorado_tui.domain.errors import BadInput

#: Date layouts tried in order; day-first and month-first are told apart per file (see `_formats`).
ISO_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d")
MONTH_FIRST = ("%m/%d/%Y", "%m-%d-%Y")
DAY_FIRST = ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
_COLUMNS = {"date": ("date", "datetime", "timestamp", "time"), "open": ("open",), "high": ("high",),
            "low": ("low",), "close": ("close", "adj close", "adj_close")}


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class ParsedCsv:
    """Good rows as bars (index: date at 00:00 UTC) and every rejected row with its reason."""

    bars: pd.DataFrame
    errors: tuple[RowError, ...]
    layout: str
    rows_read: int


def _header_map(header: list[str]) -> tuple[dict[str, int], str]:
    names = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for key, aliases in _COLUMNS.items():
        for alias in aliases:
            if alias in names:
                found[key] = names.index(alias)
                break
    if "close" in names:  # Yahoo has both: Close is the traded close, Adj Close is adjusted
        found["close"] = names.index("close")
    if "volume" in names:
        found["volume"] = names.index("volume")
    missing = [k for k in ("date", "open", "high", "low", "close") if k not in found]
    if missing:
        raise BadInput(f"header (line 1) lacks column(s) {', '.join(missing)}: expected "
                       "date,open,high,low,close[,volume] or Yahoo's Date,Open,High,Low,Close,Adj Close,Volume")
    layout = "yahoo" if "adj close" in names else "generic"
    return found, layout


def _date_part(text: str) -> str:
    """The date of a timestamp ('2024-01-02 00:00:00-05:00' or '2024-01-02T00:00:00Z')."""
    text = text.strip()
    for sep in ("T", " "):
        if sep in text and text[:4].isdigit():
            return text.split(sep, 1)[0]
    return text


def _formats(samples: list[str]) -> tuple[str, ...]:
    """Month-first unless some sample only reads day-first (a first field above 12)."""
    for s in samples:
        parts = s.replace(".", "/").replace("-", "/").split("/")
        if len(parts) == 3 and len(parts[0]) <= 2 and parts[0].isdigit() and int(parts[0]) > 12:
            return ISO_FORMATS + DAY_FIRST
    return ISO_FORMATS + MONTH_FIRST + DAY_FIRST


def _parse_date(text: str, formats: tuple[str, ...]) -> date | None:
    core = _date_part(text)
    for fmt in formats:
        try:
            return datetime.strptime(core, fmt).replace(tzinfo=UTC).date()
        except ValueError:
            continue
    return None


def _number(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", ""))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _check_row(cells: list[str], cols: dict[str, int], formats: tuple[str, ...]) -> tuple[date, list[float]] | str:
    needed = max(cols[k] for k in ("date", "open", "high", "low", "close")) + 1
    if len(cells) < needed:
        return f"expected at least {needed} fields, found {len(cells)}"
    day = _parse_date(cells[cols["date"]], formats)
    if day is None:
        return f"unparseable date {cells[cols['date']].strip()!r}"
    values: list[float] = []
    for key in ("open", "high", "low", "close"):
        v = _number(cells[cols[key]])
        if v is None:
            return f"unparseable {key} {cells[cols[key]].strip()!r}"
        if v <= 0:
            return f"non-positive price: {key} = {v:g}"
        values.append(v)
    o, h, lo, c = values
    if h < lo:
        return f"high {h:g} is below low {lo:g}"
    if not (lo <= o <= h and lo <= c <= h):
        return f"open {o:g} or close {c:g} outside the low–high range [{lo:g}, {h:g}]"
    volume = 0.0
    if "volume" in cols and cols["volume"] < len(cells) and cells[cols["volume"]].strip():
        vol = _number(cells[cols["volume"]])
        if vol is None or vol < 0:
            return f"bad volume {cells[cols['volume']].strip()!r}"
        volume = vol
    return day, [o, h, lo, c, volume]


def parse_csv(text: str) -> ParsedCsv:
    """Check every row of an OHLCV CSV document (see the module docstring)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise BadInput("the file is empty")
    cols, layout = _header_map(rows[0])
    formats = _formats([r[cols["date"]] for r in rows[1:101] if len(r) > cols["date"]])
    good: dict[date, list[float]] = {}
    errors: list[RowError] = []
    seen: dict[date, int] = {}
    last: date | None = None
    for line, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        checked = _check_row(cells, cols, formats)
        if isinstance(checked, str):
            errors.append(RowError(line, checked))
            continue
        day, values = checked
        if day in seen:
            errors.append(RowError(line, f"duplicate date {day} (first on line {seen[day]})"))
            continue
        if last is not None and day < last:
            errors.append(RowError(line, f"date {day} is earlier than {last} on the line before (dates must increase)"))
            continue
        seen[day], last = line, day
        good[day] = values
    index = pd.DatetimeIndex([pd.Timestamp(d) for d in good], name="ts").tz_localize("UTC")
    bars = pd.DataFrame(list(good.values()), index=index, columns=["open", "high", "low", "close", "volume"],
                        dtype="float64")
    return ParsedCsv(bars, tuple(errors), layout, len(rows) - 1)


def read_csv(path: Path) -> ParsedCsv:
    """`parse_csv` of a file (BadInput when it cannot be read as UTF-8 text)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise BadInput(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: cannot be read as UTF-8 text ({exc})") from exc
    return parse_csv(text)
