"""Secrets come from the environment or a 0600 secrets.yaml, and their values are never shown."""

from __future__ import annotations

from pathlib import Path

from cfgkit import check, errors, write

from dorado_tui.home import Home
from dorado_tui.settings import load_config
from dorado_tui.settings.config import with_password
from dorado_tui.settings.provenance import effective, mask_url


def _secrets(home: Home, text: str, mode: int = 0o600) -> Path:
    path = write(home, "secrets.yaml", text)
    path.chmod(mode)
    return path


def test_environment_wins_over_the_secrets_file(home: Home) -> None:
    _secrets(home, "ibkr_password: from-file\nstore_password: file-pw\n")

    config = load_config(home, environ={"DORADO_IBKR_PASSWORD": "from-env",
                                        "DORADO_WEBHOOK_SECRET_SPY_IC": "hook"})

    assert config.secrets.ibkr_password is not None
    assert config.secrets.ibkr_password.get_secret_value() == "from-env"
    assert config.secrets.store_password is not None
    assert config.secrets.store_password.get_secret_value() == "file-pw"
    assert config.secrets.webhook_secrets["spy_ic"].get_secret_value() == "hook"


def test_secret_values_never_appear_in_reprs_or_show(home: Home) -> None:
    _secrets(home, "ibkr_password: s3cr3t-value\n")
    write(home, "config/dorado.yaml", "store: {url: 'postgresql+asyncpg://dorado@127.0.0.1/dorado'}\n")

    config = load_config(home, environ={"DORADO_STORE_PASSWORD": "pg-s3cr3t"})
    shown = "\n".join(f"{s.key}={s.value}#{s.source}" for s in effective(config))

    assert "s3cr3t" not in shown and "s3cr3t" not in repr(config.secrets)
    assert "secrets.ibkr_password=********#secrets.yaml:1" in shown
    assert "secrets.store_password=********#env DORADO_STORE_PASSWORD" in shown
    assert "effective.store_url=postgresql+asyncpg://dorado:********@127.0.0.1/dorado" in shown
    assert config.store_url() == "postgresql+asyncpg://dorado:pg-s3cr3t@127.0.0.1/dorado"


def test_secrets_file_readable_by_others_is_an_error(home: Home) -> None:
    path = _secrets(home, "ibkr_password: x\n", mode=0o644)

    got = errors(home)

    assert got == [f"secrets.yaml:1:1 secrets file is readable by others (mode 0644); run: chmod 600 {path}"]


def test_wrong_secret_type_is_reported_without_its_value(home: Home) -> None:
    _secrets(home, "ibkr_password: 314159\n")

    got = errors(home)

    assert got == ["secrets.yaml:1:16 ibkr_password: expected a string (got ********)"]


def test_unknown_secret_name_suggests_the_known_one(home: Home) -> None:
    _secrets(home, "ibkr_pasword: x\n")

    got = errors(home)

    assert got == ["secrets.yaml:1:1 ibkr_pasword: unknown key, did you mean 'ibkr_password'? (got "
                   "'ibkr_pasword', allowed ibkr_password, ibkr_username, redis_password, store_password, "
                   "tokens, webhook_secrets)"]


def test_no_secrets_at_all_is_fine(home: Home) -> None:
    report = check(home)

    assert report.ok
    assert report.secrets is not None and report.secrets.sources == {}


def test_password_is_quoted_into_the_url_and_masked_for_display() -> None:
    from pydantic import SecretStr

    url = with_password("postgresql+asyncpg://dorado@db.local:5432/dorado", SecretStr("p@ss/w:rd"))

    assert url == "postgresql+asyncpg://dorado:p%40ss%2Fw%3Ard@db.local:5432/dorado"
    assert mask_url(url) == "postgresql+asyncpg://dorado:********@db.local:5432/dorado"
    assert with_password("sqlite+aiosqlite:////tmp/x.db", SecretStr("x")) == "sqlite+aiosqlite:////tmp/x.db"


def test_webhook_bot_without_its_secret_set_gets_a_warning(home: Home) -> None:
    from cfgkit import SPY_BOT

    write(home, "config/bots/spy-ic.yaml", SPY_BOT + "  signal_mode: both\n  signal_source: {webhook_secret: spy_ic}\n")

    unset = check(home)
    set_ = check(home, {"DORADO_WEBHOOK_SECRET_SPY_IC": "x"})

    assert unset.errors == []
    assert [str(w) for w in unset.warnings] == [
        "config/bots/spy-ic.yaml:8:35 bot.signal_source.webhook_secret: warning: webhook secret 'spy_ic' is "
        "not set (DORADO_WEBHOOK_SECRET_SPY_IC or secrets.yaml webhook_secrets.spy_ic); this bot's "
        "webhooks will be refused"]
    assert set_.problems == []
