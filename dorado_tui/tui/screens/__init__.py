"""The console's screens: one per concern (Textual MODES) plus the dialogs.

Mode screens are imported when first shown (`screen_factory`): the charts pull in plotext and
every module imported before the first paint is start-up time the operator waits for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from textual.screen import Screen

#: mode -> (module in this package, screen class)
SCREENS: dict[str, tuple[str, str]] = {
    "dashboard": ("dashboard", "DashboardScreen"),
    "candidates": ("candidates", "CandidatesScreen"),
    "positions": ("positions", "PositionsScreen"),
    "regimes": ("regimes", "RegimesScreen"),
    "risk": ("risk", "RiskScreen"),
    "bots": ("bots", "BotsScreen"),
    "log": ("log", "LogScreen"),
}


def screen_factory(mode: str) -> Callable[[], Screen[None]]:
    """A callable that imports the mode's module on first use and builds its screen."""
    module_name, class_name = SCREENS[mode]

    def build() -> Screen[None]:
        module = importlib.import_module(f"{__name__}.{module_name}")
        screen: Screen[None] = getattr(module, class_name)()
        return screen

    return build
