"""Helpers of the configuration tests: a small valid home and ways to break one file of it."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from dorado_tui.home import Home, shipped_defaults
from dorado_tui.settings import Report, check_home

UNIVERSE = """\
universe:
  id: core
  underlyings:
    - {symbol: SPY, asset_class: equity_options, venue: ibkr}
    - {symbol: TLT, asset_class: equity_options, venue: ibkr}
    - {symbol: USDJPY, asset_class: fx, venue: ibkr}
    - {symbol: BTC, asset_class: crypto, venue: hyperliquid}
"""

SPY_BOT = """\
bot:
  id: spy-ic
  universe: core
  underlying: SPY
  strategy_template: iron_condor
  strategy_layer: L2_credit_spreads
"""

BTC_BOT = """\
bot:
  id: btc-mom
  universe: core
  underlying: BTC
  venue_mode: simulation
  strategy_template: crypto_momentum
  strategy_layer: L4_crypto
"""


def write(home: Home, rel: str, text: str) -> Path:
    """Write `text` (dedented) to `rel` under the home."""
    path = home.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def check(home: Home, environ: dict[str, str] | None = None) -> Report:
    return check_home(home, environ or {})


def errors(home: Home, environ: dict[str, str] | None = None) -> list[str]:
    """Every error of the home as its one-line text."""
    return [str(p) for p in check(home, environ).errors]


def make_home(root: Path) -> Home:
    """A valid home: 4 underlyings, 2 bots, 3 shipped templates, default dorado.yaml and policy."""
    h = Home.at(root, "test")
    write(h, "config/universe.yaml", UNIVERSE)
    write(h, "config/risk_policy.yaml", 'version: "2.0"\n')
    write(h, "config/bots/spy-ic.yaml", SPY_BOT)
    write(h, "config/bots/btc-mom.yaml", BTC_BOT)
    shipped = shipped_defaults().strategies_dir
    h.strategies_dir.mkdir(parents=True, exist_ok=True)
    for name in ("iron_condor", "crypto_momentum", "zero_dte_iron_condor"):
        shutil.copy(shipped / f"{name}.yaml", h.strategies_dir / f"{name}.yaml")
    return h
