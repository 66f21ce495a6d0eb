"""The scheduler's daily regime job: retrains what is due, publishes every model, and is idempotent."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.regime import RegimeModel
from dorado_tui.engine.regime_updates import daily_regime_update, regime_service
from dorado_tui.engine.runtime import open_runtime
from dorado_tui.home import Home


async def test_daily_job_trains_when_no_model_exists_then_only_publishes(stored_home: Path, tmp_path: Path) -> None:
    root = tmp_path / "home"
    shutil.copytree(stored_home, root)
    clock = FixedClock(datetime(2024, 7, 1, 12, 30, tzinfo=UTC))
    async with open_runtime(Home.at(root), clock=clock, connect=False) as rt:
        first = await daily_regime_update(rt, asof=date(2024, 6, 28))
        second = await daily_regime_update(rt, asof=date(2024, 6, 28))
        latest = await regime_service(rt).history.latest(RegimeModel.MACRO)

    assert sorted(r.model for r in first.trained) == ["crypto", "fx", "macro"]
    assert all(r.error is None for r in first.trained)
    assert second.trained == ()
    assert {s.model for s in first.published.states} == set(RegimeModel)
    assert latest is not None and latest.asof == date(2024, 6, 28)
