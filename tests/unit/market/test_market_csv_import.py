"""CSV import: every rejection reason with its line number, layouts, date formats, all-or-nothing."""

from __future__ import annotations

from datetime import date

import pytest

from dorado_tui.domain.errors import BadInput
from dorado_tui.market.csv_import import parse_csv

HEADER = "date,open,high,low,close,volume\n"


def _errors(body: str) -> list[tuple[int, str]]:
    return [(e.line, e.reason) for e in parse_csv(HEADER + body).errors]


@pytest.mark.parametrize("row,reason", [
    ("2024-13-45,1,2,0.5,1.5,10", "unparseable date '2024-13-45'"),
    ("yesterday,1,2,0.5,1.5,10", "unparseable date 'yesterday'"),
    ("2024-01-03,1,1,2,1,10", "high 1 is below low 2"),
    ("2024-01-03,0,2,0.5,1.5,10", "non-positive price: open = 0"),
    ("2024-01-03,1,2,-0.5,1.5,10", "non-positive price: low = -0.5"),
    ("2024-01-03,1,2,0.5,null,10", "unparseable close 'null'"),
    ("2024-01-03,3,2,0.5,1.5,10", "open 3 or close 1.5 outside the low–high range [0.5, 2]"),
    ("2024-01-03,1,2,0.5,1.5,-4", "bad volume '-4'"),
    ("2024-01-03,1,2", "expected at least 5 fields, found 3"),
])
def test_each_bad_row_is_rejected_with_its_reason_and_line(row: str, reason: str) -> None:
    body = "2024-01-02,1,2,0.5,1.5,10\n" + row + "\n2024-01-04,1,2,0.5,1.5,10\n"

    assert _errors(body) == [(3, reason)]


def test_duplicate_date_names_the_first_line() -> None:
    body = "2024-01-02,1,2,0.5,1.5,10\n2024-01-03,1,2,0.5,1.5,10\n2024-01-03,1,2,0.5,1.5,10\n"

    assert _errors(body) == [(4, "duplicate date 2024-01-03 (first on line 3)")]


def test_non_monotonic_date_is_rejected() -> None:
    body = "2024-01-02,1,2,0.5,1.5,10\n2024-01-05,1,2,0.5,1.5,10\n2024-01-04,1,2,0.5,1.5,10\n"

    assert _errors(body) == [(4, "date 2024-01-04 is earlier than 2024-01-05 on the line before (dates must increase)")]


def test_several_bad_rows_are_all_reported_and_good_rows_kept_apart() -> None:
    body = ("2024-01-02,1,2,0.5,1.5,10\nbad,1,2,0.5,1.5,10\n2024-01-04,1,0.5,2,1,10\n"
            "2024-01-05,1,2,0.5,1.5,10\n")

    parsed = parse_csv(HEADER + body)

    assert [e.line for e in parsed.errors] == [3, 4]
    assert list(parsed.bars.index.date) == [date(2024, 1, 2), date(2024, 1, 5)]


def test_yahoo_layout_uses_close_not_adj_close() -> None:
    text = ("Date,Open,High,Low,Close,Adj Close,Volume\n"
            "2024-01-02,472.16,473.67,470.49,472.65,466.60,123007800\n"
            "2024-01-03,470.43,471.19,468.17,468.79,462.79,103585900\n")

    parsed = parse_csv(text)

    assert parsed.layout == "yahoo" and not parsed.errors
    assert parsed.bars["close"].tolist() == [472.65, 468.79]
    assert parsed.bars["volume"].iloc[0] == 123007800
    assert str(parsed.bars.index.tz) == "UTC" and parsed.bars.index[0].hour == 0


@pytest.mark.parametrize("stamp,expected", [
    ("2024-03-08", date(2024, 3, 8)), ("2024/03/08", date(2024, 3, 8)), ("20240308", date(2024, 3, 8)),
    ("03/08/2024", date(2024, 3, 8)), ("2024-03-08 00:00:00-05:00", date(2024, 3, 8)),
    ("2024-03-08T00:00:00Z", date(2024, 3, 8)), ("08.03.2024", date(2024, 3, 8)),
])
def test_date_formats(stamp: str, expected: date) -> None:
    parsed = parse_csv(HEADER + f"{stamp},1,2,0.5,1.5,10\n")

    assert not parsed.errors
    assert parsed.bars.index[0].date() == expected


def test_day_first_is_detected_from_a_day_above_twelve() -> None:
    parsed = parse_csv(HEADER + "05/03/2024,1,2,0.5,1.5,1\n25/03/2024,1,2,0.5,1.5,1\n")

    assert [d.date() for d in parsed.bars.index] == [date(2024, 3, 5), date(2024, 3, 25)]


def test_header_without_required_columns_is_bad_input() -> None:
    with pytest.raises(BadInput, match=r"header \(line 1\) lacks column\(s\) low"):
        parse_csv("date,open,high,close\n2024-01-02,1,2,1.5\n")


def test_blank_lines_are_ignored_and_line_numbers_stay_true() -> None:
    body = "2024-01-02,1,2,0.5,1.5,10\n\n2024-01-03,1,1,2,1,10\n"

    assert _errors(body) == [(4, "high 1 is below low 2")]
