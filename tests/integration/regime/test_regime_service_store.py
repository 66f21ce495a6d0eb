"""RegimeService against the real store (SQLite and PostgreSQL) and cache (in-process and Redis):
published rows, the latest cached for readers, stale states read as neutral."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from regime_sim import SimHistory, simulated_history

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.regime import NEUTRAL, RegimeModel
from dorado_tui.engine.regime_updates import StoreHistory
from dorado_tui.regime.crypto import CryptoConfig
from dorado_tui.regime.fx import FXConfig
from dorado_tui.regime.inputs import MarketFrames
from dorado_tui.regime.macro import MacroConfig
from dorado_tui.regime.radar import RadarConfig, RegimeRadar
from dorado_tui.regime.service import RegimeService
from dorado_tui.store.cache import Cache, InProcessCache, RedisCache
from dorado_tui.store.database import Database
from dorado_tui.store.urls import sqlite_url

CONFIG = RadarConfig(macro=MacroConfig(n_restarts=2), fx=FXConfig(n_estimators=20, every="YE"),
                     crypto=CryptoConfig(n_estimators=20, every="YE"))


class _Frames:
    def __init__(self, data: MarketFrames) -> None:
        self.data = data

    async def load_frames(self) -> MarketFrames:
        return self.data


@pytest.fixture(scope="module")
def sim6() -> SimHistory:
    return simulated_history(6)


@pytest.fixture(scope="module")
def trained_models(sim6: SimHistory, tmp_path_factory: pytest.TempPathFactory) -> Path:
    models = tmp_path_factory.mktemp("models")
    results = RegimeRadar(models, FixedClock(datetime(2021, 1, 4, tzinfo=UTC)), CONFIG).train(sim6.data)
    assert [r.error for r in results] == [None, None, None]
    return models


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    url = sqlite_url(tmp_path / "dorado.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    database = Database(url)
    await database.create_all()
    async with database.engine.begin() as conn:  # PostgreSQL: one database per session, empty it
        from dorado_tui.store.tables import RegimeRow

        await conn.execute(RegimeRow.__table__.delete())
    yield database
    await database.dispose()


@pytest.fixture(params=["in-process", pytest.param("redis", marks=pytest.mark.services)])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    made: Cache = InProcessCache() if request.param == "in-process" else RedisCache(request.getfixturevalue("redis_url"))
    yield made
    await made.close()


def _service(models: Path, data: MarketFrames, db: Database, cache: Cache, clock: FixedClock) -> RegimeService:
    return RegimeService(RegimeRadar(models, clock, CONFIG), _Frames(data), StoreHistory(db), cache)


async def test_publish_stores_rows_and_readers_see_fresh_then_stale(sim6: SimHistory, trained_models: Path,
                                                                    db: Database, cache: Cache) -> None:
    clock = FixedClock(datetime(2021, 1, 5, 22, 0, tzinfo=UTC))
    service = _service(trained_models, sim6.data, db, cache, clock)
    computed = await service.publish()
    assert computed.problems == {}
    readings = {r.model: r for r in await service.current()}
    assert set(readings) == set(RegimeModel)
    assert all(not r.stale and r.state is not None for r in readings.values())
    stored = await service.states_between(RegimeModel.MACRO)
    assert [s.regime for s in stored] == [readings[RegimeModel.MACRO].state.regime]  # type: ignore[union-attr]

    clock.advance(timedelta(days=3, minutes=1))
    stale = {r.model: r for r in await service.current()}
    assert all(r.stale and r.effective_regime == NEUTRAL for r in stale.values())
    assert stale[RegimeModel.FX].reason.startswith("fx regime stale: computed 3.0 d ago")


async def test_a_fresh_process_reads_the_newest_stored_state(sim6: SimHistory, trained_models: Path,
                                                             db: Database) -> None:
    clock = FixedClock(datetime(2021, 1, 5, 22, 0, tzinfo=UTC))
    await _service(trained_models, sim6.data, db, InProcessCache(), clock).publish()
    restarted = _service(trained_models, sim6.data, db, InProcessCache(), clock)  # empty cache
    readings = {r.model: r for r in await restarted.current()}
    assert readings[RegimeModel.CORRELATION].state is not None
    assert not readings[RegimeModel.CORRELATION].stale


async def test_backfill_stores_one_state_per_model_and_day(sim6: SimHistory, trained_models: Path,
                                                           db: Database) -> None:
    clock = FixedClock(datetime(2021, 1, 5, 22, 0, tzinfo=UTC))
    service = _service(trained_models, sim6.data, db, InProcessCache(), clock)
    computed = await service.backfill(date(2020, 11, 2), date(2020, 11, 30))
    assert computed.problems == {}
    macro = await service.states_between(RegimeModel.MACRO, date(2020, 11, 1), date(2020, 11, 30))
    equity_days = sim6.data.closes["SPY"].dropna().loc["2020-11-02":"2020-11-30"].index
    assert [pd.Timestamp(s.asof) for s in macro] == list(equity_days)
    assert all(s.model_version.startswith("walk-forward macro trained to ") for s in macro)
    crypto = await service.states_between(RegimeModel.CRYPTO, date(2020, 11, 2), date(2020, 11, 30))
    assert len(crypto) == 29  # crypto trades every calendar day
