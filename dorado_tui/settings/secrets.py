"""Secrets: gateway credentials, store/Redis passwords, webhook secrets and API tokens.

They come only from the environment (`DORADO_*`, which wins) or the home's git-ignored
`secrets.yaml` (mode 0600), are held as pydantic SecretStr (masked in every repr), and are never
printed: `config show` masks them and validation messages never echo their values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from dorado_tui.home import secrets_mode_problem
from dorado_tui.settings.problems import Problem
from dorado_tui.settings.translate import translate
from dorado_tui.settings.yamldoc import Document, read_document

#: Single secrets: environment variable -> field.
ENV_SECRETS: dict[str, str] = {
    "DORADO_IBKR_USERNAME": "ibkr_username",
    "DORADO_IBKR_PASSWORD": "ibkr_password",
    "DORADO_STORE_PASSWORD": "store_password",
    "DORADO_REDIS_PASSWORD": "redis_password",
}
#: Named secrets: environment prefix -> field (DORADO_WEBHOOK_SECRET_SPY_IC -> spy_ic).
ENV_NAMED: dict[str, str] = {
    "DORADO_WEBHOOK_SECRET_": "webhook_secrets",
    "DORADO_TOKEN_": "tokens",
}


class Secrets(BaseModel):
    """Every secret Dorado knows; unset ones are None or absent."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    ibkr_username: SecretStr | None = None
    """IB Gateway login (for gateway automation)."""
    ibkr_password: SecretStr | None = None
    """IB Gateway password."""
    store_password: SecretStr | None = None
    """PostgreSQL password, inserted into store.url."""
    redis_password: SecretStr | None = None
    """Redis password, inserted into cache.url and bus.url."""
    webhook_secrets: dict[str, SecretStr] = Field(default_factory=dict)
    """Secrets that authenticate webhook signals, by the name bots give in signal_source."""
    tokens: dict[str, SecretStr] = Field(default_factory=dict)
    """API tokens (data sources, notifications), by name."""


@dataclass(slots=True)
class SecretsResult:
    """The secrets, where each came from (never the value), and any problems."""

    secrets: Secrets
    sources: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def load_secrets(path: Path, display: str, environ: Mapping[str, str]) -> SecretsResult:
    """Read secrets.yaml (if present, checked for 0600) and overlay the environment."""
    data: dict[str, object] = {}
    sources: dict[str, str] = {}
    problems: list[Problem] = []
    doc: Document | None = None
    if path.is_file():
        loaded = read_document(path, display)
        if isinstance(loaded, list):
            return SecretsResult(Secrets(), {}, loaded)
        doc = loaded
        unsafe = secrets_mode_problem(path)
        if unsafe:
            problems.append(Problem(display, 1, 1, "", unsafe))
        if doc.data is not None and not isinstance(doc.data, dict):
            problems.append(doc.problem((), "expected a mapping of secret names to values",
                                        got="a list" if isinstance(doc.data, list) else "a value"))
        elif doc.data:
            data = dict(doc.data)
            for key, node in ((k, doc.nodes.get((k,))) for k in data):
                if node is not None:
                    sources[key] = f"{display}:{node.value.line}"
    _overlay_env(data, sources, environ)
    return SecretsResult(_validate(data, doc, display, problems), sources, problems)


def _overlay_env(data: dict[str, object], sources: dict[str, str], environ: Mapping[str, str]) -> None:
    for var, name in ENV_SECRETS.items():
        if environ.get(var):
            data[name] = environ[var]
            sources[name] = f"env {var}"
    for prefix, name in ENV_NAMED.items():
        for var, value in environ.items():
            if var.startswith(prefix) and len(var) > len(prefix) and value:
                key = var[len(prefix):].lower()
                bucket = data.get(name)
                merged = dict(bucket) if isinstance(bucket, dict) else {}
                merged[key] = value
                data[name] = merged
                sources[f"{name}.{key}"] = f"env {var}"


def _validate(data: dict[str, object], doc: Document | None, display: str,
              problems: list[Problem]) -> Secrets:
    try:
        return Secrets.model_validate(data, strict=True)
    except ValidationError as exc:
        problems.extend(translate(exc, Secrets, doc or Document(display, data), mask=True))
        return Secrets()
