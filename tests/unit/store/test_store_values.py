"""Pure store helpers: JSON conversion, canonical JSON, timestamps, URLs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy.dialects import postgresql, sqlite

from dorado_tui.domain.errors import BadInput
from dorado_tui.domain.states import BotState
from dorado_tui.store.types import UTCDateTime, canonical_json, jsonable
from dorado_tui.store.urls import default_store_url, mask_url, parse_store_url, sqlite_path


def test_jsonable_converts_enums_dates_tuples_numpy_and_nonfinite() -> None:
    value = {"state": BotState.IDLE, "asof": date(2025, 3, 14), "legs": (1, 2),
             "at": datetime(2025, 3, 14, 10, tzinfo=timezone(timedelta(hours=-4))),
             "figure": float("nan"), "n": np.int64(3), "x": np.float64(0.5), "ttl": timedelta(minutes=2)}

    assert jsonable(value) == {"state": "IDLE", "asof": "2025-03-14", "legs": [1, 2],
                               "at": "2025-03-14T14:00:00+00:00", "figure": None, "n": 3, "x": 0.5, "ttl": 120.0}


def test_jsonable_refuses_what_json_cannot_hold() -> None:
    with pytest.raises(TypeError, match="cannot store object as JSON"):
        jsonable({"bad": object()})


def test_canonical_json_is_key_order_independent_and_compact() -> None:
    assert canonical_json({"b": 1, "a": [1.5, "é"]}) == canonical_json({"a": [1.5, "é"], "b": 1})
    assert canonical_json({"b": 1, "a": [1.5, "é"]}) == '{"a":[1.5,"é"],"b":1}'


def test_utc_datetime_stores_naive_utc_on_sqlite_and_aware_on_postgresql() -> None:
    kind = UTCDateTime()
    moment = datetime(2025, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=-4)))

    on_sqlite = kind.process_bind_param(moment, sqlite.dialect())
    on_pg = kind.process_bind_param(moment, postgresql.dialect())

    assert on_sqlite == datetime(2025, 3, 14, 13, 30)
    assert on_pg == datetime(2025, 3, 14, 13, 30, tzinfo=UTC)
    assert kind.process_result_value(on_sqlite, sqlite.dialect()) == moment


def test_utc_datetime_refuses_naive_input() -> None:
    with pytest.raises(ValueError, match="naive datetime 2025-03-14T09:30:00 given to the store"):
        UTCDateTime().process_bind_param(datetime(2025, 3, 14, 9, 30), sqlite.dialect())


def test_mask_url_hides_the_password_only() -> None:
    assert mask_url("postgresql+asyncpg://dorado:s3cr3t@db:5432/dorado") == \
        "postgresql+asyncpg://dorado:***@db:5432/dorado"
    assert mask_url("sqlite+aiosqlite:////home/x/state/dorado.db") == "sqlite+aiosqlite:////home/x/state/dorado.db"


@pytest.mark.parametrize(("url", "message"), [
    ("sqlite:///x.db", "store URL driver 'sqlite' is not supported (allowed: sqlite+aiosqlite, "
                       "postgresql+asyncpg); did you mean sqlite+aiosqlite://...?"),
    ("postgresql+psycopg2://u@h/db", "store URL driver 'postgresql+psycopg2' is not supported (allowed: "
                                     "sqlite+aiosqlite, postgresql+asyncpg); did you mean postgresql+asyncpg://...?"),
    ("not a url", "store URL is not a database URL (expected sqlite+aiosqlite:////abs/path/dorado.db or "
                  "postgresql+asyncpg://user@host:5432/dbname)"),
])
def test_unsupported_store_urls_are_bad_input_in_one_line(url: str, message: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_store_url(url)

    assert caught.value.message.startswith(message)
    assert caught.value.exit_code == 2


def test_default_store_is_sqlite_in_the_homes_state_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = default_store_url(tmp_path)

    assert url == f"sqlite+aiosqlite:///{tmp_path.resolve()}/state/dorado.db"
    assert sqlite_path(url) == tmp_path.resolve() / "state" / "dorado.db"
    assert sqlite_path("postgresql+asyncpg://u@h/db") is None
