"""The validated configuration of a home: what the engine is built from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import BaseModel, SecretStr

from dorado_tui.domain.errors import ConfigError
from dorado_tui.home import Home, resolve_home
from dorado_tui.settings.bots import Bot
from dorado_tui.settings.dorado import DoradoSettings, effective_mode
from dorado_tui.settings.loader import Report, check_home
from dorado_tui.settings.scoring import Scoring
from dorado_tui.settings.secrets import Secrets
from dorado_tui.settings.templates import StrategyTemplate
from dorado_tui.settings.universe import Underlying, Universe

CORE_KINDS = ("dorado", "universe", "risk_policy", "scoring", "bot", "strategy")


@dataclass(frozen=True, slots=True)
class Config:
    """Every file's model, by role. `report` keeps documents and sources for `config show`."""

    home: Home
    dorado: DoradoSettings
    universe: Universe
    scoring: Scoring
    risk_policy: Any
    bots: Mapping[str, Bot]
    templates: Mapping[str, StrategyTemplate]
    secrets: Secrets
    extras: Mapping[str, tuple[BaseModel, ...]]
    report: Report

    def store_url(self) -> str:
        """The store URL to connect with: the default SQLite file unless set; password added."""
        url = self.dorado.store.url or f"sqlite+aiosqlite:///{self.home.db_path}"
        return with_password(url, self.secrets.store_password)

    def cache_url(self) -> str | None:
        """Redis URL of the cache (None = in-process)."""
        url = self.dorado.cache.url
        return with_password(url, self.secrets.redis_password) if url else None

    def bus_url(self) -> str | None:
        """Redis URL of the event bus (None = in-process)."""
        url = self.dorado.bus.url
        return with_password(url, self.secrets.redis_password) if url else None

    def template_for(self, bot: Bot) -> StrategyTemplate:
        return self.templates[bot.strategy_template]

    def underlying_for(self, bot: Bot) -> Underlying:
        found = self.universe.get(bot.underlying)
        assert found is not None, "cross-file validation guarantees the underlying exists"
        return found

    def venue_mode_for(self, bot: Bot) -> str:
        """The mode the bot really runs in (its own, capped by venue.mode)."""
        return effective_mode(bot.venue_mode, self.dorado.venue.mode)

    def enabled_bots(self) -> list[Bot]:
        return [b for b in self.bots.values() if b.enabled]


def with_password(url: str, password: SecretStr | None) -> str:
    """`url` with the secret password inserted after the user name (unchanged when None)."""
    if password is None:
        return url
    parts = urlsplit(url)
    if not parts.hostname:
        return url
    user = parts.username or ""
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    netloc = f"{quote(user, safe='')}:{quote(password.get_secret_value(), safe='')}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def load_config(home: Home | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Validate and return the home's configuration; ConfigError lists every problem."""
    home = home or resolve_home(None)
    report = check_home(home, environ)
    errors = report.errors
    if errors:
        raise ConfigError(f"{len(errors)} configuration problem{'s' if len(errors) != 1 else ''} "
                          f"in {home.root}", [str(p) for p in errors])
    return build(report)


def build(report: Report) -> Config:
    """A Config from an error-free report."""
    def one(kind: str, default: Any) -> Any:
        valid = report.valid(kind)
        return valid[0].model if valid else default

    settings: DoradoSettings = one("dorado", DoradoSettings())
    paths = settings.paths
    home = report.home.with_paths(paths.state, paths.models, paths.logs, paths.exports)
    extras = {k.kind.name: tuple(f.model for f in report.valid(k.kind.name) if f.model is not None)
              for k in report.files if k.kind.name not in CORE_KINDS}
    return Config(
        home=home,
        dorado=settings,
        universe=one("universe", None),
        scoring=one("scoring", Scoring()),
        risk_policy=one("risk_policy", None),
        bots={f.model.id: f.model for f in report.valid("bot") if isinstance(f.model, Bot)},
        templates={f.path.stem: f.model for f in report.valid("strategy")
                   if isinstance(f.model, StrategyTemplate)},
        secrets=report.secrets.secrets if report.secrets else Secrets(),
        extras=extras,
        report=report,
    )
