"""The replay's throwaway home: the operator's configuration, a fresh store, the simulated world.

Only `config/` and `strategies/` are read from the operator's home (copied, never written); the
copy's `dorado.yaml` is forced onto the simulation venue with an embedded store, cache and bus in
the throwaway directory, so a replay can never reach the operator's live store, Redis or broker.
The seeded simulated market's daily history (bars, macro series, IV, funding) is written into the
fresh store from `LOOKBACK_YEARS` before the first day to the last, as `dorado data simulate`
would, so the scan's point-in-time history and the regime models have what they read.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from dorado_tui.domain.clock import NEW_YORK
from dorado_tui.domain.errors import BadInput
from dorado_tui.home import Home, ensure_state, migrate_store
from dorado_tui.market.data_service import MAX_YEARS, SimulateResult, simulate_into_store
from dorado_tui.market.spec import load_spec
from dorado_tui.settings.config import Config, load_config
from dorado_tui.store.database import Database

#: History before the first replayed day: the macro model trains on ~3 years of complete rows.
LOOKBACK_YEARS = 4
SHM = Path("/dev/shm")


@dataclass(frozen=True)
class ReplayHome:
    """The throwaway home, the seed of its world, and what history went into its store."""

    home: Home
    seed: int
    history: SimulateResult
    owned_dir: Path | None  # removed after the replay unless kept


def replay_config(home: Home) -> Config:
    """The throwaway home's configuration, deaf to DORADO_* environment overrides (one of them
    could name the operator's live store, Redis or venue)."""
    return load_config(home, environ={})


def pick_seed(source: Home, seed: int | None) -> int:
    """The seed given, else the one of the operator's stored history, else their configured one."""
    if seed is not None:
        return seed
    spec = load_spec(source.state_dir)
    if spec is not None:
        return spec.seed
    return int(load_config(source).dorado.simulation.seed)


def _workdir(workdir: Path | None) -> tuple[Path, Path | None]:
    if workdir is not None:
        if workdir.exists() and any(workdir.iterdir()):
            raise BadInput(f"the replay work directory {workdir} is not empty: give an empty or new one")
        workdir.mkdir(parents=True, exist_ok=True)
        return workdir, None
    base = SHM if SHM.is_dir() and _writable(SHM) else None  # throwaway state: no fsync cost in RAM
    made = Path(tempfile.mkdtemp(prefix="dorado-replay-", dir=base))
    return made, made


def _writable(path: Path) -> bool:
    try:
        with tempfile.TemporaryFile(dir=path):
            return True
    except OSError:
        return False


def _force_simulation(config_dir: Path, seed: int) -> None:
    """Rewrite the copy's dorado.yaml: simulation venue, embedded store/cache/bus, the seed."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    path = config_dir / "dorado.yaml"
    doc: Any = yaml.load(path.read_text(encoding="utf-8")) if path.exists() else None
    doc = doc if doc is not None else {}
    for section, key, value in (("venue", "mode", "simulation"), ("store", "url", None), ("cache", "url", None),
                                ("bus", "url", None), ("simulation", "seed", seed)):
        if doc.get(section) is None:
            doc[section] = {}
        doc[section][key] = value
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(doc, fh)


def _history_years(start: date, end: date) -> int:
    years = math.ceil((end - start).days / 365.25) + LOOKBACK_YEARS
    if years > MAX_YEARS:
        raise BadInput(f"a replay spans at most {MAX_YEARS - LOOKBACK_YEARS} years, got {start} to {end}")
    return years


async def prepare(source: Home, start: date, end: date, seed: int | None = None,
                  workdir: Path | None = None) -> ReplayHome:
    """Build the throwaway home for [start, end] (see the module docstring)."""
    if end < start:
        raise BadInput(f"--to {end} is before --from {start}")
    chosen = pick_seed(source, seed)
    root, owned = _workdir(workdir)
    target = Home.at(root / "home", source="replay")
    try:
        shutil.copytree(source.config_dir, target.config_dir)
        shutil.copytree(source.strategies_dir, target.strategies_dir)
        _force_simulation(target.config_dir, chosen)
        config = replay_config(target)
        home = config.home
        ensure_state(home)
        migrate_store(config.store_url())
        last_close = datetime.combine(end, time(23, 0), tzinfo=NEW_YORK).astimezone(UTC)
        url = f"sqlite+aiosqlite:///{home.db_path}"
        db = Database(url)
        try:
            history = await simulate_into_store(db, url, home.state_dir, _history_years(start, end), chosen,
                                                last_close)
        finally:
            await db.dispose()
    except BaseException:
        if owned is not None:
            shutil.rmtree(owned, ignore_errors=True)
        raise
    return ReplayHome(home, chosen, history, owned)


def discard(replay_home: ReplayHome) -> None:
    """Remove the throwaway directory (when the replay created it)."""
    if replay_home.owned_dir is not None:
        shutil.rmtree(replay_home.owned_dir, ignore_errors=True)
