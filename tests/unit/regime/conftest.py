"""Shared regime fixtures: one synthetic regime-switching market and one fitted macro model."""

from __future__ import annotations

import pandas as pd
import pytest
from regime_synthetic import Synthetic, make_market

from dorado_tui.regime.features import macro_features
from dorado_tui.regime.macro import FittedMacro, MacroConfig, fit_macro


@pytest.fixture(scope="session")
def synth() -> Synthetic:
    """Eight years of seeded synthetic market with its planted regime path."""
    return make_market(years=8.0, seed=3)


@pytest.fixture(scope="session")
def features(synth: Synthetic) -> pd.DataFrame:
    return macro_features(synth.data)


@pytest.fixture(scope="session")
def fitted(features: pd.DataFrame) -> FittedMacro:
    """The macro model fitted once on all eight years (shared by every test that reads it)."""
    return fit_macro(features, MacroConfig(n_restarts=3))
