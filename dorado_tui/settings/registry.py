"""Which file is validated by which model: one registry, path pattern -> model.

Any layer can plug a file in with `register(FileKind(...))` (for example the market simulator's
`config/market.yaml`); `dorado config check`, `show` and `schema` then cover it with no other
change. Models are named as "module:Attribute" and imported only when a file is validated.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True, slots=True)
class FileKind:
    """A kind of configuration file.

    pattern: glob relative to the home (``config/bots/*.yaml``).
    model: ``"package.module:Model"`` (a pydantic model) validating the document.
    root_key: the document's single top-level key wrapping the model's mapping (PRD shape,
        e.g. ``bot:``), or None when the whole document is the model.
    required: a missing file is an error (otherwise the model's defaults apply).
    label: how `config show` prefixes values (``bots.{id}``, ``strategies.{stem}``); ``{stem}``
        is the file name without extension, ``{id}`` the model's `id`.
    companions: globs of files this kind reads itself (risk profiles), so they are not strays.
    strict: validate in pydantic's strict mode (no coercion). A model that merges a partial
        document onto python defaults in a `mode="before"` validator needs False: its merged
        sequences are python lists, which strict mode refuses for tuple fields.
    """

    name: str
    pattern: str
    model: str
    root_key: str | None = None
    required: bool = False
    label: str = ""
    description: str = ""
    companions: tuple[str, ...] = ()
    strict: bool = True

    @property
    def many(self) -> bool:
        return any(ch in self.pattern for ch in "*?[")

    def load_model(self) -> type[BaseModel]:
        """Import the model class (ImportError/AttributeError propagate to the caller)."""
        module_name, _, attr = self.model.partition(":")
        model = getattr(importlib.import_module(module_name), attr)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise TypeError(f"{self.model} is not a pydantic model")
        return model

    def files(self, home_root: Path) -> list[Path]:
        """The matching files under the home, sorted."""
        if not self.many:
            path = home_root / self.pattern
            return [path] if path.is_file() else []
        return sorted(p for p in home_root.glob(self.pattern) if p.is_file())

    def label_for(self, path: Path, model: Any) -> str:
        """The `config show` prefix of one file's values."""
        template = self.label or self.name
        ident = getattr(model, "id", None) or path.stem
        return template.format(stem=path.stem, id=ident)


_REGISTRY: dict[str, FileKind] = {}


def register(kind: FileKind) -> None:
    """Add a file kind, or replace the one with the same name."""
    _REGISTRY[kind.name] = kind


def unregister(name: str) -> None:
    """Remove a file kind (tests; a layer withdrawing its file)."""
    _REGISTRY.pop(name, None)


def kinds() -> tuple[FileKind, ...]:
    """Every registered kind, in registration order."""
    return tuple(_REGISTRY.values())


def get(name: str) -> FileKind:
    return _REGISTRY[name]


for _kind in (
    FileKind("dorado", "config/dorado.yaml", "dorado_tui.settings.dorado:DoradoSettings",
             description="venue, store/cache/bus URLs, paths, schedules, time zone, simulation"),
    FileKind("universe", "config/universe.yaml", "dorado_tui.settings.universe:Universe",
             root_key="universe", required=True, description="the tradable underlyings (PRD §2.1)"),
    FileKind("risk_policy", "config/risk_policy.yaml", "dorado_tui.risk.policy:RiskPolicy",
             required=True, companions=("config/risk_profiles/*.yaml",),
             description="risk limits, layers, circuit breakers (PRD §3.4); `profile:` layers "
                         "config/risk_profiles/<name>.yaml over it"),
    FileKind("scoring", "config/scoring.yaml", "dorado_tui.settings.scoring:Scoring",
             root_key="scoring", description="candidate scoring weights and exclusions (PRD §3.2)"),
    FileKind("bot", "config/bots/*.yaml", "dorado_tui.settings.bots:Bot", root_key="bot",
             label="bots.{id}", description="one bot per file (PRD §2.2)"),
    FileKind("strategy", "strategies/*.yaml", "dorado_tui.settings.templates:StrategyTemplate",
             root_key="strategy", label="strategies.{stem}",
             description="strategy templates (PRD §3.6); the file name is the template name"),
    FileKind("market_sim", "config/market_sim.yaml", "dorado_tui.market.config:MarketSimConfig",
             description="the simulated market: regimes, instruments, chains, defects",
             strict=False),
):
    register(_kind)
